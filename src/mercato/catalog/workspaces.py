"""Workspaces (brands) and their sites."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog import sites
from mercato.catalog.models import Membership, Site, Workspace
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.settings import IdentityMode
from mercato.core.timeutil import zone

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_workspace(
    session: Session, *, slug: str, name: str, time_zone: str = "UTC", currency: str = "USD"
) -> Workspace:
    if not _SLUG.match(slug):
        raise ValidationFailed(
            "use 2-63 lower-case letters, digits and dashes", location="workspace.slug"
        )
    zone(time_zone)
    if session.scalar(select(Workspace).where(Workspace.slug == slug)):
        raise ConflictError(f"workspace {slug!r} already exists")
    workspace = Workspace(slug=slug, name=name, time_zone=time_zone, currency=currency.upper())
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace(session: Session, slug_or_id: str) -> Workspace:
    workspace = session.scalar(
        select(Workspace).where((Workspace.slug == slug_or_id) | (Workspace.id == slug_or_id))
    )
    if workspace is None:
        raise NotFoundError(f"no workspace {slug_or_id!r}")
    return workspace


def workspace_by_slug(session: Session, slug: str) -> Workspace:
    """The workspace a public URL names by its slug (never by id: ids stay unguessable)."""
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFoundError(f"no workspace {slug!r}")
    return workspace


def workspaces_of_user(session: Session, user_id: str) -> list[tuple[Workspace, str]]:
    rows = session.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name)
    )
    return [(workspace, role) for workspace, role in rows]


def add_site(
    session: Session,
    workspace: Workspace,
    *,
    domain: str,
    identity_mode: str = IdentityMode.COOKIELESS,
) -> Site:
    """A site allowing `https://DOMAIN` (catalog.sites has the full set of options)."""
    return sites.add_site(session, workspace, domain=domain, identity_mode=identity_mode)


def list_workspaces(session: Session, limit: int | None = None) -> list[Workspace]:
    """Every workspace by slug (at most `limit`): for operators, not for a tenant's view."""
    return list(session.scalars(select(Workspace).order_by(Workspace.slug).limit(limit)))
