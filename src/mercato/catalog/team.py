"""A workspace's team: members and their roles, and one-time invitation links."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog import users
from mercato.catalog.models import Invitation, Membership, User, Workspace
from mercato.catalog.owned import get_owned
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.scopes import Role
from mercato.core.security import token_digest
from mercato.core.timeutil import utcnow

INVITATION_DAYS = 7
INVITE_PREFIX = "inv_"


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    secret: str  # shown once, inside the link; only its digest is stored


def list_members(session: Session, workspace_id: str) -> list[Member]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.email)
    )
    return [Member(user.id, user.email, user.name, role) for user, role in rows]


def _owners(session: Session, workspace_id: str) -> int:
    return sum(1 for m in list_members(session, workspace_id) if m.role == Role.OWNER.value)


def set_role(session: Session, workspace_id: str, user_id: str, role: Role) -> Member:
    membership = session.get(Membership, (user_id, workspace_id))
    if membership is None:
        raise NotFoundError(f"no member {user_id!r} in this workspace")
    demoted = membership.role == Role.OWNER.value and role != Role.OWNER
    if demoted and _owners(session, workspace_id) == 1:
        raise ConflictError("the workspace's last owner keeps the owner role")
    membership.role = role.value
    session.flush()
    user = membership.user
    return Member(user.id, user.email, user.name, role.value)


def remove_member(session: Session, workspace_id: str, user_id: str) -> None:
    membership = session.get(Membership, (user_id, workspace_id))
    if membership is None:
        raise NotFoundError(f"no member {user_id!r} in this workspace")
    if membership.role == Role.OWNER.value and _owners(session, workspace_id) == 1:
        raise ConflictError("the workspace's last owner cannot be removed")
    session.delete(membership)
    session.flush()


def invite(
    session: Session,
    workspace: Workspace,
    *,
    email: str,
    role: Role,
    created_by: str | None,
    now: datetime | None = None,
) -> IssuedInvitation:
    address = email.strip().lower()
    if "@" not in address or len(address) > 320:
        raise ValidationFailed("not an email address", location="invitation.email")
    if any(m.email == address for m in list_members(session, workspace.id)):
        raise ConflictError(f"{address} is already a member of this workspace")
    now = now or utcnow()
    secret = INVITE_PREFIX + secrets.token_urlsafe(24)
    invitation = Invitation(
        workspace_id=workspace.id,
        email=address,
        role=role.value,
        digest=token_digest(secret),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation, secret)


def list_invitations(session: Session, workspace_id: str) -> list[Invitation]:
    """Invitations not yet used or revoked (expired ones too, so they can be revoked)."""
    query = (
        select(Invitation)
        .where(
            Invitation.workspace_id == workspace_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc())
    )
    return list(session.scalars(query))


def revoke_invitation(session: Session, workspace_id: str, invitation_id: str) -> Invitation:
    invitation = get_owned(session, Invitation, workspace_id, invitation_id, "invitation")
    invitation.revoked_at = utcnow()
    session.flush()
    return invitation


def open_invitation(session: Session, secret: str, now: datetime | None = None) -> Invitation:
    """The usable invitation behind a link; used, revoked and expired ones are refused alike."""
    now = now or utcnow()
    invitation = session.scalar(select(Invitation).where(Invitation.digest == token_digest(secret)))
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        raise NotFoundError("this invitation link is not valid (used, revoked or expired)")
    return invitation


def accept_invitation(
    session: Session, secret: str, *, password: str, name: str = "", now: datetime | None = None
) -> User:
    """Create the invitee's user with their password and role; the link is then used up."""
    invitation = open_invitation(session, secret, now)
    user = users.create_user(session, email=invitation.email, password=password, name=name)
    workspace = session.get(Workspace, invitation.workspace_id)
    assert workspace is not None  # the foreign key cascades deletes
    users.grant_role(session, user, workspace, Role(invitation.role))
    invitation.accepted_at = now or utcnow()
    session.flush()
    return user
