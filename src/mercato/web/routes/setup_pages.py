"""First run: on a catalog without users, `/setup` creates the first workspace and its
owner, logs them in and asks for the first site. Once a user exists it is gone (404)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.catalog import setup
from mercato.core.errors import ConflictError, MercatoError, NotFoundError
from mercato.runtime import Services
from mercato.web.auth import AdminPage, ServicesDep
from mercato.web.routes.session_pages import check_form_csrf, sign_in
from mercato.web.routes.sites_pages import sites_page
from mercato.web.templating import render

router = APIRouter(tags=["public"], include_in_schema=False)
site_router = APIRouter(include_in_schema=False)
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "SEK", "JPY", "BRL", "INR")


def needs_setup(services: Services) -> bool:
    with services.catalog.session() as session:
        return setup.needs_setup(session)


def _form(request: Request, status_code: int = 200, **values: str) -> HTMLResponse:
    return render(
        request,
        "setup.html",
        status_code=status_code,
        time_zones=sorted(available_timezones()),
        currencies=COMMON_CURRENCIES,
        values=values,
    )


@router.get("/setup", operation_id="setup_form")
def setup_form(request: Request, services: ServicesDep) -> Response:
    if not needs_setup(services):
        raise NotFoundError("Mercato is already set up: log in at /login")
    return _form(request, time_zone=services.settings.time_zone, currency="USD")


@router.post("/setup", operation_id="setup_submit")
def setup_submit(
    request: Request,
    services: ServicesDep,
    workspace_name: Annotated[str, Form()],
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    time_zone: Annotated[str, Form()] = "UTC",
    currency: Annotated[str, Form()] = "USD",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(request, csrf_token)
    form = setup.FirstRun(workspace_name, time_zone, currency, email, password)
    try:
        _workspace_id, user_id = setup.complete_first_run(services.catalog, form)
    except ConflictError:
        raise NotFoundError("Mercato is already set up: log in at /login") from None
    except MercatoError as exc:
        values = {"workspace_name": workspace_name, "email": email, "time_zone": time_zone}
        return _form(request, 422, error=str(exc), currency=currency, **values)
    sign_in(request, services, user_id)
    return RedirectResponse("/setup/site", status_code=303)


@site_router.get("/setup/site", operation_id="setup_site_form")
def setup_site_form(request: Request, services: ServicesDep, principal: AdminPage) -> Response:
    """The last step: the shop's domain, then its snippet on Settings → Sites."""
    return sites_page(request, services, principal, template="setup_site.html")
