"""Absolute URLs the app prints or serves (snippets, media, share links).

With the `base_url` setting they start with it, so a forged `Host` header is never reflected
into a page, a snippet or a cached gallery; without it, with the request's own base URL.
"""

from __future__ import annotations

from fastapi import Request


def absolute_url(request: Request, path: str) -> str:
    """`path` (starting with "/", or empty for the root) as an absolute URL of this install."""
    configured: str | None = request.app.state.services.settings.base_url
    base = configured or str(request.base_url).rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    return f"{base}{path}"


def app_origin(request: Request) -> str:
    """This app's own origin (scheme://host[:port]), as browsers send it in `Origin`."""
    base = absolute_url(request, "/")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
