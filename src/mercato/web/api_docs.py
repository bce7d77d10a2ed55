"""Interactive API docs (Swagger UI, ReDoc) and the favicon, from installed files only.

FastAPI's own docs pages load Swagger UI from a CDN, which leaves `/api/v1/docs` blank on a
machine without internet; the `fastapi-offline` package ships the same assets, served here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

from mercato.core.errors import NotFoundError

DOCS_URL = "/api/v1/docs"
REDOC_URL = "/api/v1/redoc"
ASSETS_URL = "/api/v1/docs/assets"
FAVICON = Path(__file__).parent / "static" / "favicon.ico"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
_CACHE = {"Cache-Control": "public, max-age=86400"}
# The bundles are offline, but ReDoc's menu still shows a logo from the vendor's CDN: the
# policy keeps the browser from fetching anything that is not the app's own.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    page.headers["X-Frame-Options"] = "DENY"  # like every app page: never framed
    return page


def assets_dir() -> Path | None:
    """Where the installed `fastapi-offline` keeps Swagger UI and ReDoc, if it is installed."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "static"


def _missing_assets() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><title>API docs unavailable</title><p>The API docs need the "
        "<code>fastapi-offline</code> package, a dependency of Mercato that is not installed: "
        "reinstall Mercato (<code>pip install mercato</code>). The API description is at "
        '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>',
        status_code=503,
    )


def docs_router(openapi_url: str, title: str) -> APIRouter:
    router = APIRouter(tags=["public"])

    @router.get(DOCS_URL, operation_id="api_docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        if assets_dir() is None:
            return _missing_assets()
        return _offline(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} API",
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url="/favicon.ico",
            )
        )

    @router.get(REDOC_URL, operation_id="api_redoc", include_in_schema=False)
    def api_redoc() -> HTMLResponse:
        if assets_dir() is None:
            return _missing_assets()
        return _offline(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} API",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url="/favicon.ico",
                with_google_fonts=False,
            )
        )

    @router.get(f"{ASSETS_URL}/{{name}}", operation_id="api_docs_asset", include_in_schema=False)
    def api_docs_asset(name: str) -> Response:
        folder = assets_dir()
        if name not in ASSET_TYPES or folder is None:  # a fixed list: no path from the URL
            raise NotFoundError(f"no API docs asset {name!r}")
        return FileResponse(folder / name, media_type=ASSET_TYPES[name], headers=_CACHE)

    @router.get("/favicon.ico", operation_id="favicon", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/x-icon", headers=_CACHE)

    return router


def install_api_docs(app: FastAPI) -> None:
    app.include_router(docs_router(app.openapi_url or "/api/v1/openapi.json", app.title))
