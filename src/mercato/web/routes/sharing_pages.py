"""Settings → Sharing (share links with revoke and last use, SMTP server, scheduled reports
with "send now" and delivery status). Every form posts with the session's CSRF token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from mercato.core.errors import MercatoError, NotFoundError, ValidationFailed
from mercato.core.labels import N_
from mercato.experiments import service as experiments
from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.sharing import service
from mercato.sharing.schemas import (
    Cadence,
    Period,
    ScheduleCreate,
    ShareLinkCreate,
    SmtpSecurity,
    SmtpSettingsInput,
    ViewName,
    ViewParameters,
)
from mercato.web import report_views  # a module: it builds on the route modules
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.routes.settings_pages import page_for
from mercato.web.routes.sharing_api import secret_box
from mercato.web.templating import translator
from mercato.web.urls import absolute_url

router = APIRouter(include_in_schema=False)
PAGE = "/settings/sharing"


def sharing_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    workspace_id = principal.workspace_id
    return page_for(
        request,
        principal,
        "settings_sharing.html",
        "sharing",
        links=service.list_share_links(services.catalog, workspace_id),
        smtp=service.get_smtp(services.catalog, workspace_id),
        schedules=service.list_schedules(services.catalog, workspace_id),
        deliveries=service.list_deliveries(services.catalog, workspace_id)[:30],
        set_aside=service.set_aside_count(services.catalog, workspace_id),
        views=[(v.value, report_views.TITLES[v]) for v in ViewName],
        subjects=_subjects(services, workspace_id),
        periods=[p.value for p in Period],
        cadences=[c.value for c in Cadence],
        securities=[s.value for s in SmtpSecurity],
        **context,
    )


def _subjects(services: Services, workspace_id: str) -> dict[str, list[tuple[str, str]]]:
    """The experiments and segments an experiment or segment view can show: (id, name)."""
    with services.catalog.session() as session:
        found = experiments.list_experiments(session, workspace_id)
        return {
            "experiments": [(e.id, e.name) for e in found],
            "segments": [(s.id, s.name) for s in segments.list_segments(session, workspace_id)],
        }


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _parameters(form: FormData) -> ViewParameters:
    start, end, period = _text(form, "start"), _text(form, "end"), _text(form, "period")
    view = _text(form, "view")
    subject = {  # only the chosen view's own subject: the form carries every select
        name: _text(form, name) or None
        for name in ("experiment_id", "segment_id", "compare_segment_id")
        if name.startswith(view) or (view == ViewName.SEGMENT and name == "compare_segment_id")
    }
    return ViewParameters.model_validate(
        {"start": start or None, "end": end or None, "period": period or None, **subject}
    )


def _failed(
    request: Request, services: Services, principal: Principal, exc: Exception
) -> HTMLResponse:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        message = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    else:
        message = str(exc)
    # Another workspace's link or schedule is an unknown id: 404, as the API answers.
    status = 404 if isinstance(exc, NotFoundError) else 422
    return sharing_page(request, services, principal, error=message, status_code=status)


@router.get(PAGE, operation_id="settings_sharing_page")
def settings_sharing_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return sharing_page(request, services, principal)


@router.post(f"{PAGE}/links", operation_id="settings_sharing_create_link")
async def settings_sharing_create_link(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    form = await request.form()
    try:
        expires = _text(form, "expires_at")
        data = ShareLinkCreate(
            view=ViewName(_text(form, "view")),
            parameters=_parameters(form),
            label=_text(form, "label"),
            password=_text(form, "password") or None,
            expires_at=datetime.fromisoformat(expires) if expires else None,
            embed_origins=[o for o in _text(form, "embed_origins").split() if o],
        )
        created = service.create_share_link(
            services.catalog,
            principal.workspace_id,
            data,
            principal.user_email or "",
            absolute_url(request, ""),
        )
    except (ValidationError, MercatoError, ValueError) as exc:
        return _failed(request, services, principal, exc)
    shown = sharing_page(request, services, principal, created=created)
    shown.headers["Cache-Control"] = "no-store"  # the token must not sit in a cache
    return shown


@router.post(f"{PAGE}/links/{{link_id}}/revoke", operation_id="settings_sharing_revoke_link")
def settings_sharing_revoke_link(
    request: Request, link_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    try:
        service.revoke_share_link(services.catalog, principal.workspace_id, link_id)
    except MercatoError as exc:
        return _failed(request, services, principal, exc)
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/smtp", operation_id="settings_sharing_smtp")
async def settings_sharing_smtp(
    request: Request, services: ServicesDep, principal: AdminPage
) -> Response:
    form = await request.form()
    try:
        port = _text(form, "port")
        if not port.isdigit():
            raise ValidationFailed("expected a port number", location="smtp.port")
        data = SmtpSettingsInput(
            host=_text(form, "host"),
            port=int(port),
            security=SmtpSecurity(_text(form, "security")),
            username=_text(form, "username"),
            sender=_text(form, "sender"),
            password=_text(form, "password") or None,  # blank keeps the stored password
        )
        service.set_smtp(services.catalog, principal.workspace_id, data, secret_box(services))
    except (ValidationError, MercatoError, ValueError) as exc:
        return _failed(request, services, principal, exc)
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/schedules", operation_id="settings_sharing_create_schedule")
async def settings_sharing_create_schedule(
    request: Request, services: ServicesDep, principal: AdminPage
) -> Response:
    form = await request.form()
    try:
        threshold = _text(form, "change_threshold_pct")
        data = ScheduleCreate(
            view=ViewName(_text(form, "view")),
            parameters=_parameters(form),
            cadence=Cadence(_text(form, "cadence")),
            send_hour=int(_text(form, "send_hour") or 8),
            weekday=int(_text(form, "weekday") or 0),
            month_day=int(_text(form, "month_day") or 1),
            recipients=[r for r in _text(form, "recipients").replace(",", " ").split() if r],
            attach_csv=form.get("attach_csv") == "on",
            include_goals=form.get("include_goals") == "on",
            change_threshold_pct=float(threshold) if threshold else None,
        )
        service.add_schedule(services.catalog, principal.workspace_id, data)
    except (ValidationError, MercatoError, ValueError) as exc:
        return _failed(request, services, principal, exc)
    return RedirectResponse(PAGE, status_code=303)


# A preview's delivery (sharing.schemas.DeliveryStatus) as the notice says it.
DELIVERY_STATUSES = {
    "pending": N_("waiting for its next attempt"),
    "sent": N_("sent"),
    "unchanged": N_("not sent: no figure moved beyond the threshold"),
    "set_aside": N_("set aside: every attempt failed"),
}


@router.post(f"{PAGE}/schedules/{{schedule_id}}/send-now", operation_id="settings_sharing_send")
def settings_sharing_send(
    request: Request, schedule_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    try:
        sent = service.send_now(
            services.catalog,
            principal.workspace_id,
            schedule_id,
            report_views.renderer(services),
            secret_box(services),
        )
    except MercatoError as exc:
        return _failed(request, services, principal, exc)
    gettext = translator(request, principal)
    status = DELIVERY_STATUSES.get(sent.status.value, sent.status.value)
    notice = gettext("Preview: %(status)s") % {"status": gettext(status)}
    if sent.last_error:  # the mail server's own words
        notice += f" ({sent.last_error})"
    return sharing_page(request, services, principal, notice=notice)


@router.post(
    f"{PAGE}/schedules/{{schedule_id}}/delete", operation_id="settings_sharing_delete_schedule"
)
def settings_sharing_delete_schedule(
    request: Request, schedule_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    try:
        service.remove_schedule(services.catalog, principal.workspace_id, schedule_id)
    except MercatoError as exc:
        return _failed(request, services, principal, exc)
    return RedirectResponse(PAGE, status_code=303)
