"""Share links, public: `/shared/{token}` (a page) and `/embed/{token}` (the same page for a
frame). No login: the token is the credential, for exactly one view of one workspace.

- Rate-limited per client address; a wrong password is throttled like a login.
- The token is looked up by its digest (compared in constant time); unknown, revoked and
  expired links all answer 404, at once after a revoke.
- A password-protected link shows a form; the right password gives a signed, short-lived
  grant in the URL (it works inside a cross-site frame, where cookies are not sent).
- The page has no navigation or links into the app. `/embed/` alone relaxes framing:
  `frame-ancestors` lists the link's allowed origins (nothing else may frame it).
- `?format=csv|json|pdf` exports the shared view's own tables, nothing more.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from mercato.core.errors import MercatoError, NotFoundError
from mercato.sharing import links
from mercato.sharing.charts import svg
from mercato.sharing.schemas import ViewParameters
from mercato.sharing.service import open_share_link
from mercato.web import report_views  # a module: it builds on the route modules
from mercato.web.auth import ServicesDep
from mercato.web.exports import ExportFormat, export_response
from mercato.web.public_limits import client_address, limiter, rate_limited
from mercato.web.security_headers import csp_nonce, page_policy
from mercato.web.templating import render

router = APIRouter(include_in_schema=False, tags=["public"])
GRANT_MAX_AGE_S = 12 * 3600


def _grants(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.services.settings.resolved_secret_key()
    return URLSafeTimedSerializer(secret, salt="mercato.share-grant")


def _granted(request: Request, link: links.LiveLink, grant: str | None) -> bool:
    if link.password_hash is None:
        return True
    if not grant:
        return False
    try:
        return bool(_grants(request).loads(grant, max_age=GRANT_MAX_AGE_S) == link.id)
    except BadData:  # forged, expired or malformed
        return False


def _headers(request: Request, link: links.LiveLink, embed: bool) -> dict[str, str]:
    policy = page_policy(csp_nonce(request))
    if embed:  # the only answer that may be framed, and only by the link's origins
        ancestors = " ".join(["'self'", *link.embed_origins])
        policy = policy.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")
    return {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",  # the token never leaves in a Referer
        "X-Robots-Tag": "noindex",
    }


def _limited(request: Request) -> Response | None:
    per_minute = request.app.state.services.settings.share_rate_limit_per_minute
    return rate_limited(limiter(request, "share", per_minute), request)


def _gone(request: Request, exc: MercatoError) -> HTMLResponse:
    return render(
        request, "shared_view.html", None, status_code=404, view=None, error=exc.message,
    )  # fmt: skip


def _shared(
    request: Request, services: ServicesDep, token: str, embed: bool,
    grant: str | None, fmt: ExportFormat | None, table: str | None,
) -> Response:  # fmt: skip
    busy = _limited(request)
    if busy is not None:
        return busy
    try:
        link, workspace = open_share_link(services.catalog, token)
    except NotFoundError as exc:
        return _gone(request, exc)
    headers = _headers(request, link, embed)
    if not _granted(request, link, grant):
        form = render(request, "shared_password.html", None, status_code=401, error=None)
        form.headers.update(headers)
        return form
    view = report_views.build_view(
        services, workspace, link.view, ViewParameters.model_validate(link.parameters)
    )
    if fmt is not None:
        response = export_response(view, fmt, table)
        response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
        return response
    page = render(
        request, "shared_view.html", None, view=view, error=None, embed=embed, grant=grant,
        charts=[svg(chart) for chart in view.charts],
    )  # fmt: skip
    page.headers.update(headers)
    return page


@router.get("/shared/{token}", operation_id="shared_view")
def shared_view(
    request: Request, services: ServicesDep, token: str, grant: str | None = None,
    format: ExportFormat | None = None, table: str | None = None,
) -> Response:  # fmt: skip
    return _shared(request, services, token, False, grant, format, table)


@router.get("/embed/{token}", operation_id="embedded_view")
def embedded_view(
    request: Request, services: ServicesDep, token: str, grant: str | None = None,
    format: ExportFormat | None = None, table: str | None = None,
) -> Response:  # fmt: skip
    return _shared(request, services, token, True, grant, format, table)


def _unlock(
    request: Request, services: ServicesDep, token: str, password: str, embed: bool
) -> Response:
    busy = _limited(request)
    if busy is not None:
        return busy
    try:
        link, _workspace = open_share_link(services.catalog, token)
    except NotFoundError as exc:
        return _gone(request, exc)
    throttle = request.app.state.login_throttle
    key, client = f"share:{link.id}", client_address(request)
    wait = throttle.retry_after(key, client)
    if wait is None and links.password_ok(link, password):
        throttle.succeeded(key, client)
        grant = _grants(request).dumps(link.id)
        base = "/embed/" if embed else "/shared/"
        return RedirectResponse(f"{base}{token}?grant={grant}", status_code=303)
    if wait is None:
        throttle.failed(key, client)
    message = f"Too many tries: wait {wait} s." if wait else "Wrong password."
    page = render(request, "shared_password.html", None, status_code=401, error=message)
    page.headers.update(_headers(request, link, embed))
    return page


@router.post("/shared/{token}", operation_id="shared_view_unlock")
def shared_view_unlock(
    request: Request, services: ServicesDep, token: str,
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    return _unlock(request, services, token, password, False)


@router.post("/embed/{token}", operation_id="embedded_view_unlock")
def embedded_view_unlock(
    request: Request, services: ServicesDep, token: str,
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    return _unlock(request, services, token, password, True)
