"""Jinja2 templates with autoescaping on (UGC text is hostile until escaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mercato.core.money import format_amount
from mercato.core.scopes import Scope
from mercato.core.urls import safe_link
from mercato.web.auth import Principal, csrf_token
from mercato.web.exports import export_href
from mercato.web.security_headers import csp_nonce

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# `{{ url|safe_link }}` is the URL when it is http(s) (or a same-origin path), else None.
templates.env.filters["safe_link"] = lambda url: safe_link(url, relative=True)
templates.env.globals["export_href"] = export_href
# `{{ amount|money(currency) }}`: thousands separators, the currency's own decimals (JPY none).
templates.env.filters["money"] = format_amount

# Pages listed in the navigation: (path, label). Each domain appends its pages.
# The dashboard's navigation, in funnel order: measure, then curate and sell, then sources.
NAVIGATION: list[tuple[str, str]] = [
    ("/", "Overview"),
    ("/funnel", "Full funnel"),
    ("/traffic", "Traffic"),
    ("/attribution", "Attribution"),
    ("/goals", "Goals"),
    ("/segments", "Segments"),
    ("/ugc", "UGC library"),
    ("/ugc/moderation", "Moderation"),
    ("/ugc/creators", "Creators"),
    ("/galleries", "Galleries"),
    ("/experiments", "Experiments"),
    ("/sources", "Sources"),
    ("/data-quality", "Data quality"),
]
# Shown only to callers holding the admin scope (base.html checks it).
ADMIN_NAVIGATION: list[tuple[str, str]] = [("/settings", "Settings")]


def _is_admin(principal: Principal | None) -> bool:
    return principal is not None and Scope.ADMIN in principal.scopes


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    workspaces: list[Any] = []
    if principal is not None and principal.user_id is not None:
        workspaces = request.app.state.workspaces_of(principal.user_id)
    return templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "csrf_token": csrf_token(request),
            "csp_nonce": csp_nonce(request),
            "navigation": NAVIGATION + (ADMIN_NAVIGATION if _is_admin(principal) else []),
            "workspaces": workspaces,
            **context,
        },
        status_code=status_code,
    )
