"""The demo workspace and its login."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mercato.catalog import users, workspaces
from mercato.catalog.models import Workspace
from mercato.core.errors import NotFoundError
from mercato.core.scopes import Role
from mercato.demo.locale import ENGLISH, DemoLocale
from mercato.i18n.service import set_workspace_language

DEMO_SLUG = "demo"
DEMO_NAME = "Northwind Outfitters"
DEMO_EMAIL = "demo@mercato.local"
DEMO_PASSWORD = "mercato-demo"  # noqa: S105 - the documented demo login, printed by `make demo`
DEMO_TIME_ZONE = "America/New_York"


def ensure_demo_workspace(session: Session, locale: DemoLocale | None = None) -> Workspace:
    """A demo brand's workspace and its owner login, created once (the US brand by default)."""
    brand = locale or ENGLISH
    try:
        workspace = workspaces.get_workspace(session, brand.slug)
    except NotFoundError:
        workspace = workspaces.create_workspace(
            session,
            slug=brand.slug,
            name=brand.name,
            time_zone=brand.time_zone,
            currency=brand.currency,
        )
        workspaces.add_site(session, workspace, domain=brand.site_domain)
    try:
        user = users.get_user_by_email(session, brand.email)
    except NotFoundError:
        user = users.create_user(
            session, email=brand.email, password=DEMO_PASSWORD, name="Demo Owner"
        )
    users.grant_role(session, user, workspace, Role.OWNER)
    if brand.language:
        set_workspace_language(session, workspace.id, brand.language)
    return workspace
