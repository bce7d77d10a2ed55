"""UGC platforms are stored in one case, so filters compare stored values and use indexes; the
migration lowers what earlier intake stored as the export spelled it, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select

from mercato.catalog import migrate, workspaces
from mercato.catalog.models import Creator, UgcItem
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.ugc.items import IntakeContext, NewItem, add_item
from mercato.ugc.search import UgcQuery, search

pytestmark = pytest.mark.usefixtures("without_model")


def _item(platform: str, external_id: str) -> NewItem:
    return NewItem(
        source="hashtag",
        platform=platform,
        external_id=external_id,
        caption=f"post {external_id}",
        creator_handle="Fan",
    )


def test_intake_stores_one_key_per_platform(services: Services) -> None:
    with services.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug="keys", name="Keys").id
        ctx = IntakeContext(workspace_id=ws, media_dir=services.settings.media_dir)
        first = add_item(s, ctx, _item(" Instagram ", "p1"))
        again = add_item(s, ctx, _item("INSTAGRAM", "p1"))  # the same post, other spelling
        add_item(s, ctx, _item("TikTok", "p2"))
        with pytest.raises(ValidationFailed, match="platform is empty"):
            add_item(s, ctx, _item("  ", "p3"))
        assert first is not None
        assert again is None
        assert first.platform == "instagram"
        assert set(s.scalars(select(Creator.platform))) == {"instagram", "tiktok"}
        found = search(s, ws, UgcQuery(platform="TIKTOK"))
        assert [i.external_id for i in found.items] == ["p2"]


def test_migration_lowers_stored_platforms_without_breaking_keys(
    services_any_catalog: Services,
) -> None:
    engine = services_any_catalog.catalog.engine
    config = migrate._config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0310_ugc_platform_keys-1")
    with services_any_catalog.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug="old", name="Old").id
        s.add_all(
            [
                UgcItem(workspace_id=ws, source="hashtag", platform="Instagram", external_id="a"),
                # An earlier import stored both spellings of one post: the twin keeps its own.
                UgcItem(workspace_id=ws, source="hashtag", platform="TikTok", external_id="b"),
                UgcItem(workspace_id=ws, source="hashtag", platform="tiktok", external_id="b"),
                Creator(workspace_id=ws, platform="YouTube", handle="fan"),
            ]
        )
    migrate.upgrade(engine)
    assert migrate.pending_revisions(engine) == set()
    with services_any_catalog.catalog.session() as s:
        items = sorted(tuple(r) for r in s.execute(select(UgcItem.platform, UgcItem.external_id)))
        assert items == [("TikTok", "b"), ("instagram", "a"), ("tiktok", "b")]
        assert list(s.scalars(select(Creator.platform))) == ["youtube"]
        assert [i.external_id for i in search(s, ws, UgcQuery(platform="Instagram")).items] == ["a"]
