"""The Goals page: every team's goals together (social → site → e-commerce) with progress,
the forecast's 80% interval and an on-track verdict; admins add, edit and delete goals and
revenue forecasts here (the same catalog functions as `/api/v1/kpi-goals` and the CLI)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from mercato.catalog import kpi_settings
from mercato.catalog.kpi_settings import Team
from mercato.core.errors import MercatoError, NotFoundError, ValidationFailed
from mercato.core.scopes import Scope
from mercato.metrics.registry import KPIS
from mercato.metrics.service import KNOWN_KPIS
from mercato.runtime import Services
from mercato.web import report_views  # a module: it builds on the route modules
from mercato.web.auth import AdminPage, AnalyticsPage, Principal, ServicesDep
from mercato.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/goals"


def goals_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    table, tiles = report_views.goals_table(services, principal)
    with services.catalog.session() as session:
        goals = kpi_settings.list_goals(session, principal.workspace_id)
        forecasts = kpi_settings.list_forecasts(session, principal.workspace_id)
        session.expunge_all()
    status = context.pop("status_code", 200)
    return render(
        request, "goals.html", principal, status_code=status, table=table, tiles=tiles,
        goals=goals, forecasts=forecasts, kpis=KPIS, teams=[t.value for t in Team],
        can_edit=Scope.ADMIN in principal.scopes, **context,
    )  # fmt: skip


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _day(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError:
        raise ValidationFailed("expected a date YYYY-MM-DD", location=f"goal.{name}") from None


def _amount(form: FormData, name: str) -> Decimal:
    try:
        return Decimal(_text(form, name))
    except InvalidOperation:
        raise ValidationFailed("expected a number", location=f"goal.{name}") from None


def _goal_fields(form: FormData) -> dict[str, Any]:
    return {
        "kpi_id": _text(form, "kpi_id"),
        "period_start": _day(form, "period_start"),
        "period_end": _day(form, "period_end"),
        "target": _amount(form, "target"),
        "platform": _text(form, "platform") or None,
        "owner": _text(form, "owner")[:200],
        "team": Team(_text(form, "team") or Team.SOCIAL.value),
        "note": _text(form, "note")[:2000],
    }


@router.get(PAGE, operation_id="goals_page")
def goals_page_get(request: Request, services: ServicesDep, principal: AnalyticsPage) -> Response:
    return goals_page(request, services, principal)


async def _apply(request: Request, services: Services, principal: Principal, work: Any) -> Response:
    form = await request.form()
    try:
        with services.catalog.session() as session:
            work(session, form)
    except (MercatoError, ValueError) as exc:
        # Another workspace's goal or forecast is an unknown id: 404, as the API answers.
        status = 404 if isinstance(exc, NotFoundError) else 422
        return goals_page(request, services, principal, error=str(exc), status_code=status)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE, operation_id="goals_create")
async def goals_create(request: Request, services: ServicesDep, principal: AdminPage) -> Response:
    def work(session: Any, form: FormData) -> None:
        kpi_settings.create_goal(
            session, principal.workspace_id, known=KNOWN_KPIS, **_goal_fields(form)
        )

    return await _apply(request, services, principal, work)


@router.post(f"{PAGE}/{{goal_id}}/edit", operation_id="goals_update")
async def goals_update(
    request: Request, goal_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    def work(session: Any, form: FormData) -> None:
        fields = _goal_fields(form)
        kpi_settings.update_goal(session, principal.workspace_id, goal_id, fields, KNOWN_KPIS)

    return await _apply(request, services, principal, work)


@router.post(f"{PAGE}/{{goal_id}}/delete", operation_id="goals_delete")
async def goals_delete(
    request: Request, goal_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    def work(session: Any, _form: FormData) -> None:
        kpi_settings.delete_goal(session, principal.workspace_id, goal_id)

    return await _apply(request, services, principal, work)


@router.post(f"{PAGE}/forecasts", operation_id="goals_forecast_create")
async def goals_forecast_create(
    request: Request, services: ServicesDep, principal: AdminPage
) -> Response:
    def work(session: Any, form: FormData) -> None:
        kpi_settings.set_forecast(
            session, principal.workspace_id, period_start=_day(form, "period_start"),
            period_end=_day(form, "period_end"), amount=_amount(form, "amount"),
            currency=principal.workspace.currency,
        )  # fmt: skip

    return await _apply(request, services, principal, work)


@router.post(f"{PAGE}/forecasts/{{forecast_id}}/delete", operation_id="goals_forecast_delete")
async def goals_forecast_delete(
    request: Request, forecast_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    def work(session: Any, _form: FormData) -> None:
        kpi_settings.delete_forecast(session, principal.workspace_id, forecast_id)

    return await _apply(request, services, principal, work)
