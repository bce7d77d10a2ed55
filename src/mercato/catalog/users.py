"""Users, passwords and workspace roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Membership, User, Workspace
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.scopes import Role
from mercato.core.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 8


def create_user(session: Session, *, email: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed("not an email address", location="user.email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", location="user.password"
        )
    if session.scalar(select(User).where(User.email == email)):
        raise ConflictError(f"a user with email {email} already exists")
    user = User(email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        return None
    return user if verify_password(user.password_hash, password) else None


def grant_role(session: Session, user: User, workspace: Workspace, role: Role) -> Membership:
    membership = session.get(Membership, (user.id, workspace.id))
    if membership is None:
        membership = Membership(user_id=user.id, workspace_id=workspace.id, role=role.value)
        session.add(membership)
    else:
        membership.role = role.value
    session.flush()
    return membership


def role_in(session: Session, user_id: str, workspace_id: str) -> Role | None:
    membership = session.get(Membership, (user_id, workspace_id))
    return Role(membership.role) if membership else None


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user with email {email}")
    return user


_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
