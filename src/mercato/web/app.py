"""The app factory: stores are opened here, never at import time."""

from __future__ import annotations

import gc
import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from mercato import __version__
from mercato.catalog import workspaces
from mercato.catalog.site_activity import ActivityRecorder
from mercato.collect.lake_feed import lake_feed
from mercato.collect.pipeline import Collector
from mercato.connectors.run_history import fail_interrupted_runs
from mercato.connectors.scheduler import SyncScheduler
from mercato.core.errors import (
    ConflictError,
    MercatoError,
    NotFoundError,
    PermissionDenied,
    ValidationFailed,
)
from mercato.core.secret_box import SecretBox
from mercato.core.settings import Settings, load_settings
from mercato.runtime import Services
from mercato.sharing.runner import ReportScheduler
from mercato.web.api_docs import install_api_docs
from mercato.web.auth import Forbidden, NotAuthenticated
from mercato.web.page_tables import PageTableExports
from mercato.web.proxies import TrustedProxies
from mercato.web.report_views import renderer
from mercato.web.routes import ROUTERS, collect_public, galleries_public, health_public, root_api
from mercato.web.routes.collect_public import rejection_recorder
from mercato.web.routes.setup_pages import needs_setup as needs_first_run
from mercato.web.security_headers import SecurityHeaders
from mercato.web.throttle import LoginThrottle

STATIC_DIR = __file__.rsplit("/", 1)[0] + "/static"
SESSION_COOKIE = "mercato_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600


def _operation_id(route: APIRoute) -> str:
    """Stable OpenAPI operation ids: the endpoint function's name."""
    return route.name


def _error_status(error: MercatoError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, ValidationFailed):
        return 422
    return 400


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if exc.page:
            if needs_first_run(request.app.state.services):  # an empty install: set it up
                return RedirectResponse("/setup", status_code=303)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return JSONResponse(
            {"error": {"code": "not_authenticated", "message": "log in or send a valid token"}},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, exc: Forbidden) -> Response:
        return JSONResponse(
            {"error": {"code": "permission_denied", "message": exc.detail}}, status_code=403
        )

    @app.exception_handler(MercatoError)
    async def _mercato_error(request: Request, exc: MercatoError) -> Response:
        if _wants_page(request):
            return _error_page(request, exc, _error_status(exc))
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if isinstance(exc, ValidationFailed) and exc.location:
            body["location"] = exc.location
        return JSONResponse({"error": body}, status_code=_error_status(exc))


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API) gets an error it can read, not JSON."""
    accepts_html = "text/html" in request.headers.get("accept", "")
    return accepts_html and request.method == "GET" and not request.url.path.startswith("/api/")


def _error_page(request: Request, exc: MercatoError, status: int) -> HTMLResponse:
    back = html.escape(request.url.path, quote=True)
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Mercato</title>"
        '<link rel=stylesheet href="/static/app.css"><main class=page>'
        f"<p role=alert class=error>{html.escape(exc.message)}</p>"
        f'<p><a href="{back}">Back</a></p></main></html>',
        status_code=status,
    )


# Routes are matched in order, and FastAPI's per-route match is not free (~1.5 ms to reach the
# last of ~80 routes on a busy core): the public routes a shop's traffic hits come first.
# None of their paths overlaps another router's, so the order changes no answer.
HOT_ROUTERS = (
    collect_public.router,
    galleries_public.router,
    root_api.router,
    health_public.router,
)


def hot_first(routers: list[APIRouter]) -> list[APIRouter]:
    return [*HOT_ROUTERS, *(router for router in routers if router not in HOT_ROUTERS)]


def create_app(
    settings: Settings | None = None, services: Services | None = None, *, intake_workers: int = 0
) -> FastAPI:
    """Build the ASGI app. Tests pass their own `services`; `serve` lets it open them.
    `intake_workers`: how many worker logs `serve --workers N` has the loaders read (ADR 0604)."""
    settings = settings or (services.settings if services else load_settings())
    owned = services is None
    opened = services or Services.open(settings)

    collector = Collector(
        settings.wal_dir,
        opened.warehouse,
        on_rejected=rejection_recorder(opened.catalog),
        after_batch=lake_feed(settings, opened.warehouse),
        worker_logs=intake_workers,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        collector.start()  # replays un-checkpointed WAL segments into the warehouse
        fail_interrupted_runs(opened.catalog)  # before the scheduler starts new ones
        scheduler = None
        if settings.sync_interval_minutes > 0:
            scheduler = SyncScheduler(
                opened.catalog, opened.warehouse, settings.sync_interval_minutes * 60
            )
            scheduler.start()
        _app.state.sync_scheduler = scheduler
        reports = None
        if settings.report_check_seconds > 0:
            reports = ReportScheduler(
                opened.catalog,
                renderer(opened),
                SecretBox(settings.resolved_secret_key()),
                settings.report_check_seconds,
            )
            reports.start()
        _app.state.report_scheduler = reports
        # Start-up objects (modules, routes, ORM mappers, Ibis expressions) live as long as
        # the process: out of the collector's reach, full collections stop rescanning them
        # (a pause of ~86 ms over ~231k objects each time otherwise, the p99 of every route).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if reports is not None:
                reports.stop()
            if scheduler is not None:
                scheduler.stop()
            collector.stop()
            gc.unfreeze()  # an app that stops (tests build many) lets its cycles be collected
            if owned:
                opened.close()

    app = FastAPI(
        title="Mercato",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served from packaged assets by install_api_docs: no CDN
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    app.state.services = opened
    app.state.collector = collector
    app.state.collect_sites = {}
    app.state.site_activity = ActivityRecorder(opened.catalog)

    def workspaces_of(user_id: str) -> list[tuple[Any, str]]:
        with opened.catalog.session() as session:
            return workspaces.workspaces_of_user(session, user_id)

    app.state.workspaces_of = workspaces_of
    app.state.login_throttle = LoginThrottle()
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    _install_error_handlers(app)
    app.add_middleware(PageTableExports)  # a page's `?format=csv|json&table=` from its HTML
    app.add_middleware(SecurityHeaders)  # outside the session: every answer gets the headers
    for router in hot_first(ROUTERS):
        app.include_router(router)
    install_api_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Outermost, so every part of the app sees the client a trusted proxy names.
    app.add_middleware(TrustedProxies, networks=settings.trusted_proxies)
    return app
