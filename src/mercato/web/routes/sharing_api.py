"""Sharing over the API: share links, SMTP settings, scheduled reports and their deliveries,
and any report view's data (`GET /api/v1/views/{view}`, JSON, CSV or PDF). Admin writes."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.core.secret_box import SecretBox
from mercato.runtime import Services
from mercato.sharing import service
from mercato.sharing.schemas import (
    DeliveryPublic,
    Period,
    ScheduleCreate,
    SchedulePublic,
    ShareLinkCreate,
    ShareLinkCreated,
    ShareLinkPublic,
    SmtpSettingsInput,
    SmtpSettingsPublic,
    ViewName,
    ViewParameters,
)
from mercato.web import report_views  # a module: it builds on the route modules
from mercato.web.auth import Admin, AnalyticsReader, ServicesDep
from mercato.web.exports import ExportFormat, export_response
from mercato.web.urls import absolute_url

router = APIRouter(prefix="/api/v1", tags=["sharing"])


def secret_box(services: Services) -> SecretBox:
    return SecretBox(services.settings.resolved_secret_key())


@router.get("/views/{view}", operation_id="get_report_view", response_model=None)
def get_report_view(
    view: ViewName,
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = None,
    end: date | None = None,
    period: Period | None = None,
    format: ExportFormat = ExportFormat.JSON,
    table: str | None = None,
) -> Response:
    """A report view's figures and tables (what a share link, e-mail or PDF shows)."""
    parameters = ViewParameters(start=start, end=end, period=period)
    found = report_views.build_view(services, principal.workspace, view, parameters)
    return export_response(found, format, table)


@router.get("/share-links", operation_id="list_share_links")
def list_share_links(services: ServicesDep, principal: Admin) -> list[ShareLinkPublic]:
    return service.list_share_links(services.catalog, principal.workspace_id)


@router.post("/share-links", operation_id="create_share_link", status_code=201)
def create_share_link(
    body: ShareLinkCreate, request: Request, services: ServicesDep, principal: Admin
) -> ShareLinkCreated:
    """A read-only link to one view; the token is in the answer once and never again."""
    by = principal.user_email or f"token {principal.token_id}"
    return service.create_share_link(
        services.catalog, principal.workspace_id, body, by, absolute_url(request, "")
    )


@router.post("/share-links/{link_id}/revoke", operation_id="revoke_share_link")
def revoke_share_link(link_id: str, services: ServicesDep, principal: Admin) -> ShareLinkPublic:
    """The link stops working at once."""
    return service.revoke_share_link(services.catalog, principal.workspace_id, link_id)


@router.get("/smtp", operation_id="get_smtp_settings")
def get_smtp_settings(services: ServicesDep, principal: Admin) -> SmtpSettingsPublic | None:
    return service.get_smtp(services.catalog, principal.workspace_id)


@router.put("/smtp", operation_id="set_smtp_settings")
def set_smtp_settings(
    body: SmtpSettingsInput, services: ServicesDep, principal: Admin
) -> SmtpSettingsPublic:
    """The mail server; the password is stored encrypted and never returned."""
    return service.set_smtp(services.catalog, principal.workspace_id, body, secret_box(services))


@router.get("/report-schedules", operation_id="list_report_schedules")
def list_report_schedules(services: ServicesDep, principal: Admin) -> list[SchedulePublic]:
    return service.list_schedules(services.catalog, principal.workspace_id)


@router.post("/report-schedules", operation_id="create_report_schedule", status_code=201)
def create_report_schedule(
    body: ScheduleCreate, services: ServicesDep, principal: Admin
) -> SchedulePublic:
    return service.add_schedule(services.catalog, principal.workspace_id, body)


@router.delete(
    "/report-schedules/{schedule_id}", operation_id="delete_report_schedule", status_code=204
)
def delete_report_schedule(schedule_id: str, services: ServicesDep, principal: Admin) -> None:
    service.remove_schedule(services.catalog, principal.workspace_id, schedule_id)


@router.post("/report-schedules/{schedule_id}/send-now", operation_id="send_report_now")
def send_report_now(schedule_id: str, services: ServicesDep, principal: Admin) -> DeliveryPublic:
    """Send the current period now (a preview; the threshold does not apply)."""
    return service.send_now(
        services.catalog, principal.workspace_id, schedule_id, report_views.renderer(services),
        secret_box(services),
    )  # fmt: skip


@router.get("/report-deliveries", operation_id="list_report_deliveries")
def list_report_deliveries(services: ServicesDep, principal: Admin) -> list[DeliveryPublic]:
    return service.list_deliveries(services.catalog, principal.workspace_id)
