"""Settings pages over services that already have an API: API tokens, benchmark overrides
and social accounts (UGC: settings_ugc). Every form posts with the session's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.catalog import kpi_settings, tokens
from mercato.catalog.db import CatalogSession
from mercato.connectors import accounts
from mercato.connectors.accounts import PLATFORMS
from mercato.connectors.sync import sync_account
from mercato.core import labels
from mercato.core.errors import MercatoError, ValidationFailed
from mercato.core.labels import N_
from mercato.core.scopes import Scope, parse_scopes
from mercato.metrics.benchmarks import catalogue as benchmark_catalogue
from mercato.metrics.service import KNOWN_KPIS, workspace_benchmarks
from mercato.runtime import Services
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.templating import render, translator

router = APIRouter(include_in_schema=False)
# A refused input: the error (translated where the page renders it) or a message, and a status.
Failure = tuple[MercatoError | str, int]


def page_for(
    request: Request, principal: Principal, template: str, section: str, **context: Any
) -> HTMLResponse:
    status = context.pop("status_code", 200)
    return render(request, template, principal, status_code=status, section=section, **context)


def attempt(services: Services, work: Callable[[CatalogSession], object]) -> Failure | None:
    """Run `work` in one transaction; a refused input becomes (message, status)."""
    try:
        with services.catalog.session() as session:
            work(session)
    except MercatoError as exc:
        return exc, 404 if exc.code == "not_found" else 409 if exc.code == "conflict" else 422
    return None


@router.get("/settings", operation_id="settings_page")
def settings_page(principal: AdminPage) -> Response:
    return RedirectResponse("/settings/sites", status_code=303)


def tokens_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    with services.catalog.session() as session:
        found = tokens.list_tokens(session, principal.workspace_id)
    return page_for(
        request,
        principal,
        "settings_tokens.html",
        "tokens",
        tokens=found,
        scopes=[s.value for s in Scope],
        **context,
    )


@router.get("/settings/tokens", operation_id="settings_tokens_page")
def settings_tokens_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return tokens_page(request, services, principal)


@router.post("/settings/tokens", operation_id="settings_tokens_create")
async def settings_tokens_create(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    """Issue a token; the page shows its secret this once (it is never stored)."""
    form = await request.form()
    name = str(form.get("name", "")).strip()
    try:
        wanted = parse_scopes([str(v) for v in form.getlist("scopes")])
    except ValueError as exc:
        return tokens_page(request, services, principal, error=f"scopes: {exc}", status_code=422)
    if not name or not wanted:
        message = "token: give it a name and at least one scope"
        return tokens_page(request, services, principal, error=message, status_code=422)
    with services.catalog.session() as session:
        issued = tokens.issue_token(
            session,
            principal.workspace,
            name=name[:200],
            scopes=wanted,
            created_by=principal.user_id,
        )
        secret, token_name = issued.secret, issued.token.name
    shown = tokens_page(request, services, principal, secret=secret, secret_name=token_name)
    shown.headers["Cache-Control"] = "no-store"  # the secret must not sit in a cache
    return shown


@router.post("/settings/tokens/{token_id}/revoke", operation_id="settings_tokens_revoke")
def settings_tokens_revoke(
    request: Request, token_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    failure = attempt(services, lambda s: tokens.revoke_token(s, principal.workspace_id, token_id))
    if failure:
        return tokens_page(request, services, principal, error=failure[0], status_code=failure[1])
    return RedirectResponse("/settings/tokens", status_code=303)


def benchmarks_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    overrides = workspace_benchmarks(services.catalog.for_workspace(principal.workspace_id))
    with services.catalog.session() as session:
        ids = {
            (b.kpi_id, b.platform): b.id
            for b in kpi_settings.list_benchmarks(session, principal.workspace_id)
        }
    shown = [
        (b, ids.get((b.kpi_id, b.platform)) if b.origin == "workspace" else None)
        for b in benchmark_catalogue(overrides)
    ]
    return page_for(
        request,
        principal,
        "settings_benchmarks.html",
        "benchmarks",
        benchmarks=shown,
        kpis=sorted(KNOWN_KPIS),
        **context,
    )


@router.get("/settings/benchmarks", operation_id="settings_benchmarks_page")
def settings_benchmarks_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return benchmarks_page(request, services, principal)


def _year(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() else None


@router.post("/settings/benchmarks", operation_id="settings_benchmarks_set")
def settings_benchmarks_set(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    kpi_id: Annotated[str, Form()],
    value: Annotated[str, Form()],
    method: Annotated[str, Form()],
    source: Annotated[str, Form()],
    platform: Annotated[str, Form()] = "",
    report_year: Annotated[str, Form()] = "",
) -> Response:
    try:
        figure = float(value)
    except ValueError:
        figure = None
    if figure is None or figure != figure:
        error = f"benchmark.value: {value!r} is not a number (0.0047 is 0.47 %)"
        return benchmarks_page(request, services, principal, error=error, status_code=422)
    data = kpi_settings.BenchmarkInput(
        kpi_id=kpi_id,
        value=figure,
        method=method,
        source=source,
        platform=platform.strip() or None,
        report_year=_year(report_year),
    )
    failure = attempt(
        services, lambda s: kpi_settings.set_benchmark(s, principal.workspace_id, data, KNOWN_KPIS)
    )
    if failure:
        return benchmarks_page(
            request, services, principal, error=failure[0], status_code=failure[1]
        )
    return RedirectResponse("/settings/benchmarks", status_code=303)


@router.post(
    "/settings/benchmarks/{benchmark_id}/delete", operation_id="settings_benchmarks_delete"
)
def settings_benchmarks_delete(
    request: Request, benchmark_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    failure = attempt(
        services, lambda s: kpi_settings.delete_benchmark(s, principal.workspace_id, benchmark_id)
    )
    if failure:
        return benchmarks_page(
            request, services, principal, error=failure[0], status_code=failure[1]
        )
    return RedirectResponse("/settings/benchmarks", status_code=303)


def accounts_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    with services.catalog.session() as session:
        found = accounts.list_accounts(session, principal.workspace_id)
    return page_for(
        request,
        principal,
        "settings_accounts.html",
        "accounts",
        accounts=found,
        platforms=PLATFORMS,
        **context,
    )


@router.get("/settings/accounts", operation_id="settings_accounts_page")
def settings_accounts_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return accounts_page(request, services, principal)


@router.post("/settings/accounts", operation_id="settings_accounts_add")
def settings_accounts_add(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    platform: Annotated[str, Form()],
    handle: Annotated[str, Form()],
    external_id: Annotated[str, Form()] = "",
    access_token: Annotated[str, Form()] = "",
) -> Response:
    failure = attempt(
        services,
        lambda s: accounts.add_account(
            s,
            principal.workspace_id,
            platform=platform,
            handle=handle.strip(),
            external_id=external_id.strip(),
            token=access_token.strip() or None,
        ),
    )
    if failure:
        return accounts_page(request, services, principal, error=failure[0], status_code=failure[1])
    return RedirectResponse("/settings/accounts", status_code=303)


@router.post("/settings/accounts/{account_id}/token", operation_id="settings_accounts_token")
def settings_accounts_token(
    request: Request,
    account_id: str,
    services: ServicesDep,
    principal: AdminPage,
    access_token: Annotated[str, Form()],
) -> Response:
    token = access_token.strip()
    failure = (
        (ValidationFailed(N_("paste the platform's token"), location="access_token"), 422)
        if not token
        else attempt(
            services, lambda s: accounts.set_token(s, principal.workspace_id, account_id, token)
        )
    )
    if failure:
        return accounts_page(request, services, principal, error=failure[0], status_code=failure[1])
    return RedirectResponse("/settings/accounts", status_code=303)


# A sync's outcome (connectors.sync.SyncOutcome.status) as the notice says it.
SYNC_STATUSES = {
    "ok": N_("done"),
    "partial": N_("partly done"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}


@router.post("/settings/accounts/{account_id}/sync", operation_id="settings_accounts_sync")
def settings_accounts_sync(
    request: Request, account_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    """Sync now; the outcome (last sync, last error) shows in the list."""
    found: list[str] = []
    failure = attempt(
        services,
        lambda s: found.append(accounts.get_account(s, principal.workspace_id, account_id).id),
    )
    if failure:
        return accounts_page(request, services, principal, error=failure[0], status_code=failure[1])
    outcome = sync_account(services.catalog, services.warehouse, found[0])
    gettext = translator(request, principal)
    notice = gettext("Sync of %(platform)s %(handle)s: %(status)s") % {
        "platform": labels.label(labels.Kind.PLATFORM, outcome.platform, gettext),
        "handle": outcome.handle,
        "status": gettext(SYNC_STATUSES.get(outcome.status, outcome.status)),
    }
    if outcome.error:  # the platform's own words
        notice += f" ({outcome.error})"
    return accounts_page(request, services, principal, notice=notice)
