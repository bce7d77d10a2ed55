"""Log in, log out, change password, switch workspace.

Login is throttled per client address and per account (`web.throttle`); logout and a password
change end the server-side login session (`catalog.login_sessions`), so a copied cookie stops
working at once."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mercato.catalog import login_sessions, users
from mercato.catalog.setup import needs_setup
from mercato.core.errors import NotFoundError
from mercato.core.security import constant_time_equal
from mercato.runtime import Services
from mercato.web.auth import (
    SESSION_CSRF,
    SESSION_LOGIN,
    SESSION_USER,
    AnalyticsPage,
    Forbidden,
    ServicesDep,
    switch_workspace,
)
from mercato.web.public_limits import client_address
from mercato.web.templating import render, translator
from mercato.web.throttle import LoginThrottle

router = APIRouter(tags=["public"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login form cannot be an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def check_form_csrf(request: Request, sent: str) -> None:
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(expected, str) or not constant_time_equal(expected, sent):
        raise Forbidden("missing or invalid CSRF token")


@router.get("/login", operation_id="login_form")
def login_form(request: Request, services: ServicesDep, next: str | None = None) -> Response:
    with services.catalog.session() as session:
        first_run = needs_setup(session)  # a new install: the form links to /setup
    return render(request, "login.html", next=_safe_next(next), error=None, first_run=first_run)


@router.post("/login", operation_id="login")
def login(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_form_csrf(request, csrf_token)
    throttle: LoginThrottle = request.app.state.login_throttle
    client = client_address(request)
    wait = throttle.retry_after(email, client)
    if wait is not None:
        message = f"Too many failed attempts. Try again in {_in_words(wait)}."
        page = render(request, "login.html", next=_safe_next(next), error=message,
                      email=email, status_code=429)  # fmt: skip
        page.headers["Retry-After"] = str(wait)
        return page
    with services.catalog.session() as session:
        user = users.authenticate(session, email, password)
        user_id = user.id if user else None
    if user_id is None:
        throttle.failed(email, client)
        return render(
            request,
            "login.html",
            next=_safe_next(next),
            error=translator(request, None)("Wrong email or password."),
            email=email,
            status_code=401,
        )
    throttle.succeeded(email, client)
    sign_in(request, services, user_id)
    return RedirectResponse(_safe_next(next), status_code=303)


def sign_in(request: Request, services: Services, user_id: str) -> None:
    """Open a server-side login session for the user and give the browser a fresh cookie
    (and CSRF token): used by login, the first-run setup and accepted invitations."""
    with services.catalog.session() as session:
        secret = login_sessions.open_session(session, user_id)
    request.session.clear()
    request.session[SESSION_USER] = user_id
    request.session[SESSION_LOGIN] = secret


def _in_words(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60 + 1} minutes"


@router.post("/logout", operation_id="logout")
def logout(
    request: Request, services: ServicesDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_csrf(request, csrf_token)
    secret = request.session.get(SESSION_LOGIN)
    if isinstance(secret, str):  # ended server-side: a copy of the cookie is worthless now
        with services.catalog.session() as session:
            login_sessions.end_session(session, secret)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


switch_router = APIRouter(include_in_schema=False)


@switch_router.post("/workspace", operation_id="switch_workspace")
def change_workspace(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    slug: Annotated[str, Form()],
) -> Response:
    if principal.user_id is None:
        raise Forbidden("workspace switching is for logged-in users")
    try:
        switch_workspace(request, services, principal.user_id, slug)
    except NotFoundError as exc:
        raise Forbidden(str(exc)) from None
    referer = request.headers.get("referer")
    return RedirectResponse(_safe_next(urlparse(referer).path if referer else "/"), 303)


@switch_router.post("/account/password", operation_id="change_password")
def change_password(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    current_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()],
) -> Response:
    """Change the caller's password; every session of the user ends (this one too)."""
    if principal.user_id is None:
        raise Forbidden("a password belongs to a logged-in user, not a token")
    with services.catalog.session() as session:
        login_sessions.change_password(session, principal.user_id, current_password, new_password)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
