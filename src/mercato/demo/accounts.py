"""The demo workspace and its login."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mercato.catalog import users, workspaces
from mercato.catalog.models import Workspace
from mercato.core.errors import NotFoundError
from mercato.core.scopes import Role

DEMO_SLUG = "demo"
DEMO_NAME = "Northwind Outfitters"
DEMO_EMAIL = "demo@mercato.local"
DEMO_PASSWORD = "mercato-demo"  # noqa: S105 - the documented demo login, printed by `make demo`
DEMO_TIME_ZONE = "America/New_York"


def ensure_demo_workspace(session: Session) -> Workspace:
    """The demo workspace and its owner login, created once."""
    try:
        workspace = workspaces.get_workspace(session, DEMO_SLUG)
    except NotFoundError:
        workspace = workspaces.create_workspace(
            session, slug=DEMO_SLUG, name=DEMO_NAME, time_zone=DEMO_TIME_ZONE, currency="USD"
        )
        workspaces.add_site(session, workspace, domain="shop.northwind.example")
    try:
        user = users.get_user_by_email(session, DEMO_EMAIL)
    except NotFoundError:
        user = users.create_user(
            session, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Owner"
        )
    users.grant_role(session, user, workspace, Role.OWNER)
    return workspace
