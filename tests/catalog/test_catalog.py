"""The catalog on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from mercato.catalog import migrate, tokens, users, workspaces
from mercato.catalog.models import Base, Product
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.scopes import Role, Scope
from mercato.core.timeutil import utcnow
from mercato.runtime import Services


def test_migrations_match_the_models(services_any_catalog: Services) -> None:
    engine = services_any_catalog.catalog.engine
    assert migrate.pending_revisions(engine) == set()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": migrate.include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(services_any_catalog: Services) -> None:
    migrate.upgrade(services_any_catalog.catalog.engine)
    assert migrate.pending_revisions(services_any_catalog.catalog.engine) == set()


def test_workspace_users_and_roles(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme", time_zone="UTC")
        other = workspaces.create_workspace(session, slug="other", name="Other")
        user = users.create_user(session, email="Ana@Acme.example", password="s3cret-pass")
        users.grant_role(session, user, acme, Role.ANALYST)
        users.grant_role(session, user, other, Role.VIEWER)
        users.grant_role(session, user, other, Role.ADMIN)  # re-grant changes the role
    with services_any_catalog.catalog.session() as session:
        assert users.authenticate(session, "ana@acme.example", "s3cret-pass") is not None
        assert users.authenticate(session, "ana@acme.example", "wrong-pass") is None
        assert users.authenticate(session, "nobody@acme.example", "s3cret-pass") is None
        found = users.get_user_by_email(session, "ANA@acme.example")
        assert users.role_in(session, found.id, acme.id) is Role.ANALYST
        assert users.role_in(session, found.id, other.id) is Role.ADMIN
        names = [ws.slug for ws, _ in workspaces.workspaces_of_user(session, found.id)]
        assert names == ["acme", "other"]


def test_password_is_hashed_not_stored(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        user = users.create_user(session, email="x@y.example", password="plain-text-pw")
        assert "plain-text-pw" not in user.password_hash
        assert user.password_hash.startswith("$argon2")


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", "long-enough", "user.email"), ("a@b.example", "short", "user.password")],
)
def test_user_input_is_validated(
    services_any_catalog: Services, email: str, password: str, field: str
) -> None:
    with (
        services_any_catalog.catalog.session() as session,
        pytest.raises(ValidationFailed) as caught,
    ):
        users.create_user(session, email=email, password=password)
    assert caught.value.location == field


def test_duplicates_are_conflicts(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        workspaces.create_workspace(session, slug="acme", name="Acme")
        users.create_user(session, email="a@b.example", password="long-enough")
    with services_any_catalog.catalog.session() as session:
        with pytest.raises(ConflictError):
            workspaces.create_workspace(session, slug="acme", name="Again")
        with pytest.raises(ConflictError):
            users.create_user(session, email="A@B.example", password="long-enough")


def test_tokens_are_hashed_scoped_revocable_and_expire(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        issued = tokens.issue_token(session, acme, name="bi", scopes=[Scope.ANALYTICS_READ])
        expired = tokens.issue_token(
            session,
            acme,
            name="old",
            scopes=[Scope.ADMIN],
            expires_at=utcnow() - timedelta(seconds=1),
        )
        assert issued.secret not in issued.token.digest
    with services_any_catalog.catalog.session() as session:
        live = tokens.resolve_token(session, issued.secret)
        assert live is not None
        assert live.scopes == ["analytics:read"]
        assert live.last_used_at is not None
        assert tokens.resolve_token(session, expired.secret) is None
        assert tokens.resolve_token(session, "mct_guess") is None
        tokens.revoke_token(session, acme.id, issued.token.id)
    with services_any_catalog.catalog.session() as session:
        assert tokens.resolve_token(session, issued.secret) is None
        with pytest.raises(NotFoundError):
            tokens.revoke_token(session, "ws_other", issued.token.id)


def test_product_sku_unique_per_workspace(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        other = workspaces.create_workspace(session, slug="other", name="Other")
        for workspace in (acme, other):
            session.add(
                Product(
                    workspace_id=workspace.id,
                    sku="TEE-1",
                    title="Tee",
                    price=Decimal("19.99"),
                    currency="USD",
                )
            )
    with services_any_catalog.catalog.session() as session:
        prices = session.scalars(sa.select(Product.price)).all()
        assert prices == [Decimal("19.99"), Decimal("19.99")]
    with pytest.raises(IntegrityError), services_any_catalog.catalog.session() as session:
        session.add(
            Product(
                workspace_id=acme.id, sku="TEE-1", title="Dup", price=Decimal(1), currency="USD"
            )
        )


def test_deleting_a_workspace_cascades(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        workspaces.add_site(session, acme, domain="Shop.Acme.example")
        tokens.issue_token(session, acme, name="t", scopes=[Scope.ADMIN])
    with services_any_catalog.catalog.session() as session:
        session.delete(workspaces.get_workspace(session, "acme"))
    with services_any_catalog.catalog.session() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM sites")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM api_tokens")) == 0


def test_site_gets_public_key_and_default_origin(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        site = workspaces.add_site(session, acme, domain="Shop.Acme.example")
        assert site.public_key.startswith("pk_")
        assert site.allowed_origins == ["https://shop.acme.example"]


def test_bad_workspace_input(services_any_catalog: Services) -> None:
    from mercato.core.errors import SettingsError

    with services_any_catalog.catalog.session() as session:
        with pytest.raises(ValidationFailed, match=r"workspace\.slug"):
            workspaces.create_workspace(session, slug="Not A Slug", name="x")
        with pytest.raises(SettingsError, match="time zone"):
            workspaces.create_workspace(session, slug="ok", name="x", time_zone="Nowhere/Land")
