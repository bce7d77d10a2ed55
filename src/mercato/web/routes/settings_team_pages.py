"""Settings → Team: members and roles, invitations by a one-time link shown on screen, and
the public page where an invitee sets their password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.catalog import team
from mercato.core.errors import MercatoError, NotFoundError
from mercato.core.scopes import Role
from mercato.runtime import Services
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.routes.session_pages import check_form_csrf, sign_in
from mercato.web.templating import render
from mercato.web.urls import absolute_url

router = APIRouter(include_in_schema=False)
public_router = APIRouter(tags=["public"], include_in_schema=False)


def invitation_url(request: Request, secret: str) -> str:
    return absolute_url(request, f"/invite/{secret}")


def _status(error: MercatoError) -> int:
    return {"not_found": 404, "conflict": 409}.get(error.code, 422)


def team_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    status = context.pop("status_code", 200)
    with services.catalog.session() as session:
        members = team.list_members(session, principal.workspace_id)
        invitations = team.list_invitations(session, principal.workspace_id)
    return render(
        request,
        "settings_team.html",
        principal,
        status_code=status,
        section="team",
        members=members,
        invitations=invitations,
        roles=[r.value for r in Role],
        **context,
    )


@router.get("/settings/team", operation_id="settings_team_page")
def settings_team_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return team_page(request, services, principal)


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise NotFoundError(f"role: no role {raw!r}") from None


@router.post("/settings/team/invitations", operation_id="settings_team_invite")
def settings_team_invite(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    email: Annotated[str, Form()],
    role: Annotated[str, Form()] = "viewer",
) -> HTMLResponse:
    """Show the one-time link on screen: the admin passes it on (Mercato sends no mail)."""
    try:
        with services.catalog.session() as session:
            issued = team.invite(
                session,
                principal.workspace,
                email=email,
                role=_role(role),
                created_by=principal.user_id,
            )
            invited = issued.invitation.email
    except MercatoError as exc:
        return team_page(request, services, principal, error=str(exc), status_code=_status(exc))
    link = invitation_url(request, issued.secret)
    shown = team_page(request, services, principal, invite_link=link, invited=invited)
    shown.headers["Cache-Control"] = "no-store"  # the one-time link must not sit in a cache
    return shown


def _team_change(services: Services, request: Request, principal: Principal, work: Any) -> Response:
    try:
        with services.catalog.session() as session:
            work(session)
    except MercatoError as exc:
        return team_page(request, services, principal, error=str(exc), status_code=_status(exc))
    return RedirectResponse("/settings/team", status_code=303)


@router.post(
    "/settings/team/invitations/{invitation_id}/revoke", operation_id="settings_team_revoke"
)
def settings_team_revoke(
    request: Request, invitation_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    return _team_change(
        services,
        request,
        principal,
        lambda s: team.revoke_invitation(s, principal.workspace_id, invitation_id),
    )


@router.post("/settings/team/members/{user_id}/role", operation_id="settings_team_role")
def settings_team_role(
    request: Request,
    user_id: str,
    services: ServicesDep,
    principal: AdminPage,
    role: Annotated[str, Form()],
) -> Response:
    return _team_change(
        services,
        request,
        principal,
        lambda s: team.set_role(s, principal.workspace_id, user_id, _role(role)),
    )


@router.post("/settings/team/members/{user_id}/remove", operation_id="settings_team_remove")
def settings_team_remove(
    request: Request, user_id: str, services: ServicesDep, principal: AdminPage
) -> Response:
    return _team_change(
        services,
        request,
        principal,
        lambda s: team.remove_member(s, principal.workspace_id, user_id),
    )


def _invite_form(
    request: Request, services: Services, secret: str, status_code: int = 200, error: str = ""
) -> HTMLResponse:
    with services.catalog.session() as session:
        invitation = team.open_invitation(session, secret)
        email = invitation.email
        workspace = invitation.workspace_id
    return render(
        request,
        "invite.html",
        status_code=status_code,
        email=email,
        workspace_id=workspace,
        secret=secret,
        error=error,
    )


@public_router.get("/invite/{secret}", operation_id="invitation_form")
def invitation_form(request: Request, secret: str, services: ServicesDep) -> HTMLResponse:
    return _invite_form(request, services, secret)


@public_router.post("/invite/{secret}", operation_id="invitation_accept")
def invitation_accept(
    request: Request,
    secret: str,
    services: ServicesDep,
    password: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(request, csrf_token)
    try:
        with services.catalog.session() as session:
            user_id = team.accept_invitation(session, secret, password=password, name=name).id
    except NotFoundError:
        raise
    except MercatoError as exc:
        return _invite_form(request, services, secret, status_code=_status(exc), error=str(exc))
    sign_in(request, services, user_id)
    return RedirectResponse("/", status_code=303)
