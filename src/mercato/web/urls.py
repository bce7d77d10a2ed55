"""Absolute URLs the app prints (tracker snippets, links to copy).

Every absolute URL goes through `absolute_url`, so where the base comes from (today the
request's own scheme and host) is decided in one place.
"""

from __future__ import annotations

from fastapi import Request


def absolute_url(request: Request, path: str) -> str:
    """`path` (starting with /) on this app's base URL."""
    base = str(request.base_url).rstrip("/")
    return base + (path if path.startswith("/") else "/" + path)


def app_origin(request: Request) -> str:
    """This app's own origin (scheme://host[:port]), as browsers send it in `Origin`."""
    base = absolute_url(request, "/")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
