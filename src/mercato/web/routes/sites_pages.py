"""Settings → Sites and tracking: add a site, its origins, identity mode, page types,
the tracker snippet to copy and the install check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.catalog import sites
from mercato.catalog.site_activity import install_check
from mercato.core.errors import MercatoError, NotFoundError, ValidationFailed
from mercato.runtime import Services
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.routes.sites_api import forget_cached
from mercato.web.templating import render
from mercato.web.urls import absolute_url

router = APIRouter(include_in_schema=False)


def _error_status(error: MercatoError) -> int:
    return 404 if isinstance(error, NotFoundError) else 422


def parse_patterns(text: str) -> dict[str, list[str]]:
    """`product: /p/*, /item/*` per line -> {"product": ["/p/*", "/item/*"]}."""
    patterns: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        kind, sep, globs = line.partition(":")
        if not sep:
            raise ValidationFailed(
                "write `type: /glob/*, /other/*`", location=f"page_type_patterns line {number}"
            )
        patterns.setdefault(kind.strip().lower(), []).extend(
            g.strip() for g in globs.split(",") if g.strip()
        )
    return sites.page_type_patterns(patterns)


def patterns_text(patterns: dict[str, Any]) -> str:
    return "\n".join(
        f"{kind}: {', '.join(globs if isinstance(globs, list) else [globs])}"
        for kind, globs in patterns.items()
    )


def sites_page(
    request: Request,
    services: Services,
    principal: Principal,
    *,
    error: str | None = None,
    status_code: int = 200,
    template: str = "settings_sites.html",
) -> HTMLResponse:
    script_url = absolute_url(request, "/tracker.js")
    with services.catalog.session() as session:
        shown = [
            {
                "site": site,
                "snippet": sites.tracker_snippet(site, script_url),
                "check": install_check(session, site),
                "patterns": patterns_text(dict(site.page_type_patterns or {})),
            }
            for site in sites.list_sites(session, principal.workspace_id)
        ]
    return render(
        request,
        template,
        principal,
        status_code=status_code,
        sites=shown,
        identity_modes=sites.IDENTITY_MODES,
        page_types=sites.PAGE_TYPE_NAMES,
        default_mode=services.settings.identity_mode.value,
        error=error,
        section="sites",
    )


@router.get("/settings/sites", operation_id="settings_sites_page")
def settings_sites_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return sites_page(request, services, principal)


@router.post("/settings/sites", operation_id="settings_sites_add")
def settings_sites_add(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    domain: Annotated[str, Form()],
    identity_mode: Annotated[str, Form()] = "cookieless",
    origins: Annotated[str, Form()] = "",
) -> Response:
    try:
        with services.catalog.session() as session:
            sites.add_site(
                session,
                principal.workspace,
                domain=domain,
                identity_mode=identity_mode,
                origins=[o for o in origins.split() if o],
            )
    except MercatoError as exc:
        return sites_page(request, services, principal, error=str(exc), status_code=422)
    return RedirectResponse("/settings/sites", status_code=303)


def _change(
    request: Request, services: Services, principal: Principal, site_id: str, change: Any
) -> Response:
    try:
        with services.catalog.session() as session:
            site = sites.get_site(session, principal.workspace_id, site_id)
            sites.update_site(session, site, change)
            forget_cached(request, site)
    except MercatoError as exc:
        return sites_page(
            request, services, principal, error=str(exc), status_code=_error_status(exc)
        )
    return RedirectResponse(f"/settings/sites#site-{site_id}", status_code=303)


@router.post("/settings/sites/{site_id}/origins", operation_id="settings_site_origins")
def settings_site_origins(
    request: Request,
    site_id: str,
    services: ServicesDep,
    principal: AdminPage,
    origin: Annotated[str, Form()],
    action: Annotated[str, Form()] = "add",
) -> Response:
    if action == "remove":
        change = sites.SiteChange(remove_origins=[origin])
    else:
        change = sites.SiteChange(add_origins=[origin])
    return _change(request, services, principal, site_id, change)


@router.post("/settings/sites/{site_id}", operation_id="settings_site_update")
def settings_site_update(
    request: Request,
    site_id: str,
    services: ServicesDep,
    principal: AdminPage,
    identity_mode: Annotated[str, Form()],
    page_type_patterns: Annotated[str, Form()] = "",
    respect_do_not_track: Annotated[str, Form()] = "",
) -> Response:
    try:
        patterns = parse_patterns(page_type_patterns)
    except ValidationFailed as exc:
        return sites_page(request, services, principal, error=str(exc), status_code=422)
    change = sites.SiteChange(
        identity_mode=identity_mode,
        patterns=patterns,
        respect_do_not_track=respect_do_not_track == "on",
    )
    return _change(request, services, principal, site_id, change)


@router.post("/settings/sites/{site_id}/delete", operation_id="settings_site_delete")
def settings_site_delete(
    request: Request, site_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    with services.catalog.session() as session:
        site = sites.get_site(session, principal.workspace_id, site_id)
        forget_cached(request, site)
        sites.remove_site(session, site)
    return RedirectResponse("/settings/sites", status_code=303)
