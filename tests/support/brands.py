"""Small workspaces with users of each role, built from code."""

from __future__ import annotations

from dataclasses import dataclass

from mercato.catalog import tokens, users, workspaces
from mercato.core.scopes import Role, Scope
from mercato.runtime import Services

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Brand:
    workspace_id: str
    slug: str
    emails: dict[Role, str]
    site_public_key: str

    def email(self, role: Role = Role.OWNER) -> str:
        return self.emails[role]


def make_brand(services: Services, slug: str = "acme", time_zone: str = "UTC") -> Brand:
    with services.catalog.session() as session:
        workspace = workspaces.create_workspace(
            session, slug=slug, name=slug.title(), time_zone=time_zone
        )
        site = workspaces.add_site(session, workspace, domain=f"{slug}.example")
        emails = {}
        for role in Role:
            email = f"{role.value}@{slug}.example"
            user = users.create_user(session, email=email, password=PASSWORD)
            users.grant_role(session, user, workspace, role)
            emails[role] = email
        return Brand(workspace.id, workspace.slug, emails, site.public_key)


def make_token(services: Services, brand: Brand, scopes: list[Scope]) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, brand.slug)
        return tokens.issue_token(session, workspace, name="test", scopes=scopes).secret
