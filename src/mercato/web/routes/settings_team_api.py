"""API: a workspace's team — members and roles, invitations (admin scope)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mercato.catalog import team
from mercato.catalog.models import Invitation
from mercato.core.scopes import Role
from mercato.web.auth import Admin, ServicesDep
from mercato.web.routes.settings_team_pages import invitation_url

router = APIRouter(prefix="/api/v1/team", tags=["team"])


class MemberPublic(BaseModel):
    user_id: str
    email: str
    name: str
    role: str


class RoleChange(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    role: Role = Role.VIEWER


class InvitationPublic(BaseModel):
    id: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationPublic):
    url: str = Field(description="The one-time link; shown once, pass it to the invitee.")


def _invitation(invitation: Invitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


@router.get("/members", operation_id="list_team_members")
def list_team_members(services: ServicesDep, principal: Admin) -> list[MemberPublic]:
    with services.catalog.session() as session:
        members = team.list_members(session, principal.workspace_id)
    return [MemberPublic(**vars(m)) for m in members]


@router.patch("/members/{user_id}", operation_id="set_team_member_role")
def set_team_member_role(
    user_id: str, body: RoleChange, services: ServicesDep, principal: Admin
) -> MemberPublic:
    with services.catalog.session() as session:
        member = team.set_role(session, principal.workspace_id, user_id, body.role)
    return MemberPublic(**vars(member))


@router.delete("/members/{user_id}", operation_id="remove_team_member", status_code=204)
def remove_team_member(user_id: str, services: ServicesDep, principal: Admin) -> None:
    with services.catalog.session() as session:
        team.remove_member(session, principal.workspace_id, user_id)


@router.get("/invitations", operation_id="list_team_invitations")
def list_team_invitations(services: ServicesDep, principal: Admin) -> list[InvitationPublic]:
    with services.catalog.session() as session:
        return [_invitation(i) for i in team.list_invitations(session, principal.workspace_id)]


@router.post("/invitations", operation_id="create_team_invitation", status_code=201)
def create_team_invitation(
    request: Request, body: InvitationCreate, services: ServicesDep, principal: Admin
) -> InvitationCreated:
    with services.catalog.session() as session:
        issued = team.invite(
            session,
            principal.workspace,
            email=body.email,
            role=body.role,
            created_by=principal.user_id,
        )
        shown = _invitation(issued.invitation)
    return InvitationCreated(**shown.model_dump(), url=invitation_url(request, issued.secret))


@router.delete("/invitations/{invitation_id}", operation_id="revoke_team_invitation")
def revoke_team_invitation(
    invitation_id: str, services: ServicesDep, principal: Admin
) -> InvitationPublic:
    with services.catalog.session() as session:
        return _invitation(team.revoke_invitation(session, principal.workspace_id, invitation_id))
