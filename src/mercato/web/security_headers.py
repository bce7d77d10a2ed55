"""Security headers on every response; a per-request CSP nonce for every HTML page.

Pages carry a strict Content-Security-Policy: scripts only from Mercato's own origin or
with the request's nonce (templates read it as `csp_nonce`), no inline event handlers, no
plugins, no `<base>` rewriting, forms posting only back to Mercato, and no framing by other
sites (`frame-ancestors 'none'`, mirrored by `X-Frame-Options: DENY` for old browsers). A
route that must be framed or needs another policy sets its own `Content-Security-Policy`
and this middleware leaves it alone. Every response gets `nosniff` and a referrer policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, MutableMapping
from typing import Any

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_STATE = "csp_nonce"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Product images and UGC thumbnails may live on the shop's CDN (any http(s) host); media,
# data and API calls stay on Mercato's origin.
IMAGES = "img-src 'self' data: blob: https: http:"


def page_policy(nonce: str) -> str:
    """The policy of a Mercato page (dashboard, login, upload form, link-in-bio page)."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            IMAGES,
            "media-src 'self'",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def fragment_policy(framing_origins: Iterable[str]) -> str:
    """The policy of a gallery HTML fragment: no script at all (its JSON-LD is data, not
    run); it may be framed by Mercato itself and the sites the workspace allows."""
    ancestors = " ".join(["'self'", *sorted(set(framing_origins))])
    return "; ".join(
        (
            "default-src 'none'",
            IMAGES,
            "media-src 'self'",
            "style-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


# FastAPI's interactive API docs page is FastAPI's markup (an inline boot script and Swagger
# UI from its CDN) and shows only Mercato's own OpenAPI schema, no stored data.
API_DOCS_PATH = "/api/v1/docs"
API_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def csp_nonce(request: Request) -> str:
    """This request's nonce ("" outside the middleware, e.g. a bare test app)."""
    return str(getattr(request.state, NONCE_STATE, ""))


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering): headers are added at response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        state[NONCE_STATE] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if scope["path"] == API_DOCS_PATH:
                    headers.setdefault("Content-Security-Policy", API_DOCS_POLICY)
                _add_headers(headers, nonce)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _add_headers(headers: MutableHeaders, nonce: str) -> None:
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    if not headers.get("content-type", "").startswith("text/html"):
        return
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = page_policy(nonce)
    if "frame-ancestors 'none'" in headers["content-security-policy"]:
        headers.setdefault("X-Frame-Options", "DENY")
