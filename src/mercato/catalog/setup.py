"""First run: the first workspace and its owner, possible only while no user exists."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog import users, workspaces
from mercato.catalog.db import Catalog
from mercato.catalog.models import User, Workspace
from mercato.core.errors import ConflictError, ValidationFailed
from mercato.core.scopes import Role

# One first run at a time in this process (one server owns a data dir); the check for
# existing users is repeated inside the transaction, so a second submission is refused.
_FIRST_RUN = threading.Lock()


@dataclass(frozen=True)
class FirstRun:
    workspace_name: str
    time_zone: str
    currency: str
    email: str
    password: str
    slug: str = ""


def needs_setup(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is None


def slug_for(name: str) -> str:
    """`Café Acme & Co.` -> `cafe-acme-co`: the workspace's slug when none is given."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:63].strip("-")
    return slug if len(slug) >= 2 else "brand"


def complete_first_run(catalog: Catalog, form: FirstRun) -> tuple[str, str]:
    """Create the workspace and its owner in one transaction; (workspace id, user id)."""
    if not form.workspace_name.strip():
        raise ValidationFailed("give the brand a name", location="workspace.name")
    with _FIRST_RUN, catalog.session() as session:
        if not needs_setup(session):
            raise ConflictError("Mercato is already set up: log in instead")
        workspace: Workspace = workspaces.create_workspace(
            session,
            slug=form.slug.strip() or slug_for(form.workspace_name),
            name=form.workspace_name.strip()[:200],
            time_zone=form.time_zone.strip() or "UTC",
            currency=_currency(form.currency),
        )
        owner = users.create_user(session, email=form.email, password=form.password)
        users.grant_role(session, owner, workspace, Role.OWNER)
        return workspace.id, owner.id


def _currency(raw: str) -> str:
    code = raw.strip().upper() or "USD"
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationFailed(
            "use a 3-letter ISO 4217 code like EUR", location="workspace.currency"
        )
    return code
