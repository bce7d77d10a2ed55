"""Who is asking, and may they? Users log in with a signed session cookie (plus a CSRF
token for unsafe methods); machines send `Authorization: Bearer <token>` with scopes.

The cookie names a server-side login session (`catalog.login_sessions`), checked on every
request, so logout and a password change end it everywhere at once.

Every non-public route depends on `Requires(scope)`; a test walks the app to prove it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from mercato.catalog import login_sessions, tokens, workspaces
from mercato.catalog.models import User, Workspace
from mercato.core.errors import NotFoundError
from mercato.core.scopes import ROLE_SCOPES, Role, Scope
from mercato.core.security import constant_time_equal
from mercato.runtime import Services

SESSION_USER = "user_id"
SESSION_LOGIN = "login"  # the login session's secret; the catalog keeps only its digest
SESSION_WORKSPACE = "workspace_id"
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, already bound to one workspace."""

    workspace: Workspace
    scopes: frozenset[Scope]
    user_id: str | None = None
    user_email: str | None = None
    role: Role | None = None
    token_id: str | None = None

    @property
    def workspace_id(self) -> str:
        return self.workspace.id


class NotAuthenticated(Exception):
    """No valid credentials: pages redirect to the login form, the API answers 401."""

    def __init__(self, page: bool) -> None:
        self.page = page


class Forbidden(Exception):
    """Valid credentials without the needed scope (or a failed CSRF check): 403."""

    def __init__(self, detail: str) -> None:
        self.detail = detail


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _services_dependency(request: Request) -> Services:
    # async: FastAPI runs a sync dependency in the thread pool, a hop on every request.
    return services_of(request)


ServicesDep = Annotated[Services, Depends(_services_dependency)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (anonymous sessions get one too)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return token


async def _check_csrf(request: Request) -> None:
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not constant_time_equal(str(expected), sent):
        raise Forbidden("missing or invalid CSRF token")


def _from_token(services: Services, secret: str) -> Principal | None:
    with services.catalog.session() as session:
        token = tokens.resolve_token(session, secret)
        if token is None:
            return None
        workspace = workspaces.get_workspace(session, token.workspace_id)
        return Principal(
            workspace=workspace,
            scopes=frozenset(Scope(s) for s in token.scopes if s in Scope._value2member_map_),
            token_id=token.id,
        )


def _from_session(request: Request, services: Services) -> Principal | None:
    user_id = request.session.get(SESSION_USER)
    secret = request.session.get(SESSION_LOGIN)
    if not isinstance(user_id, str) or not isinstance(secret, str):
        return None
    with services.catalog.session() as session:
        if login_sessions.user_of(session, secret) != user_id:
            request.session.clear()  # ended or expired: the cookie is dropped too
            return None
        memberships = workspaces.workspaces_of_user(session, user_id)
        user = session.get(User, user_id)
        if user is None or not user.is_active or not memberships:
            return None
        wanted = request.session.get(SESSION_WORKSPACE)
        workspace, role_name = next(
            ((ws, role) for ws, role in memberships if ws.id == wanted), memberships[0]
        )
        role = Role(role_name)
        return Principal(
            workspace=workspace,
            scopes=ROLE_SCOPES[role],
            user_id=user.id,
            user_email=user.email,
            role=role,
        )


async def authenticate(request: Request, *, page: bool = False) -> Principal:
    """The caller of this request, authenticated once: later dependencies (the scoped
    stores of `web.stores`) get the same principal without a second catalog look-up."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = await _authenticate(request, page=page)
    request.state.principal = principal
    return principal


async def _authenticate(request: Request, *, page: bool) -> Principal:
    services = services_of(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = _from_token(services, header[7:].strip())
        if principal is None:
            raise NotAuthenticated(page=False)
        return principal
    principal = _from_session(request, services)
    if principal is None:
        raise NotAuthenticated(page=page)
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request)
    return principal


class Requires:
    """Dependency: an authenticated caller holding `scope`. `page=True` for HTML pages."""

    def __init__(self, scope: Scope, *, page: bool = False) -> None:
        self.scope = scope
        self.page = page

    async def __call__(self, request: Request) -> Principal:
        principal = await authenticate(request, page=self.page)
        if self.scope not in principal.scopes:
            raise Forbidden(f"this needs the {self.scope.value!r} scope")
        return principal


def switch_workspace(request: Request, services: Services, user_id: str, slug: str) -> None:
    with services.catalog.session() as session:
        for workspace, _role in workspaces.workspaces_of_user(session, user_id):
            if workspace.slug == slug:
                request.session[SESSION_WORKSPACE] = workspace.id
                return
    raise NotFoundError(f"you are not a member of workspace {slug!r}")


# Typed aliases for routes: one per scope and surface.
AnalyticsReader = Annotated[Principal, Depends(Requires(Scope.ANALYTICS_READ))]
AnalyticsPage = Annotated[Principal, Depends(Requires(Scope.ANALYTICS_READ, page=True))]
CatalogReader = Annotated[Principal, Depends(Requires(Scope.CATALOG_READ))]
CatalogWriter = Annotated[Principal, Depends(Requires(Scope.CATALOG_WRITE))]
Admin = Annotated[Principal, Depends(Requires(Scope.ADMIN))]
AdminPage = Annotated[Principal, Depends(Requires(Scope.ADMIN, page=True))]
