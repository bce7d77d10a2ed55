"""The demo brand's UGC library and galleries go through the real services and the gate."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from mercato.catalog.models import Gallery, ShopPage, UgcItem, UgcMedia
from mercato.core.timeutil import utcnow
from mercato.galleries.selection import PageContext, select_items
from mercato.ugc.publishable import is_publishable
from tests.demo.conftest import Seeded, seed_into


def test_library_has_every_moderation_and_rights_state(seeded: Seeded) -> None:
    library = seeded.summary.library
    assert library is not None
    with seeded.services.catalog.session() as session:
        items = session.scalars(
            select(UgcItem).where(UgcItem.workspace_id == seeded.workspace_id)
        ).all()
        assert len(items) == library.items == 60
        statuses = {item.status for item in items}
        assert statuses == {"new", "approved", "rejected"}
        publishable = [item for item in items if is_publishable(item)]
        assert len(publishable) == library.published
        assert 0 < library.published < library.items
        media = session.scalar(select(func.count()).select_from(UgcMedia))
        assert media == library.items
        for stored in session.scalars(select(UgcMedia)):
            assert (seeded.services.settings.media_dir / stored.path).exists()


def test_galleries_show_only_publishable_items(seeded: Seeded) -> None:
    with seeded.services.catalog.session() as session:
        galleries = session.scalars(
            select(Gallery).where(Gallery.workspace_id == seeded.workspace_id)
        ).all()
        assert len(galleries) == 4  # the library's two and the audiences' two
        home = next(g for g in galleries if g.name == "Home — community favourites")
        shown = select_items(session, home, PageContext(), utcnow()).items
        assert shown
        assert all(is_publishable(item) for item in shown)
        assert session.scalar(select(func.count()).select_from(ShopPage)) == 1


def test_reseeding_replaces_the_library(tmp_path: Path) -> None:
    first = seed_into(tmp_path, visitors=300)
    first.services.close()
    again = seed_into(tmp_path, visitors=300)
    try:
        with again.services.catalog.session() as session:
            count = session.scalar(select(func.count()).select_from(UgcItem))
            galleries = session.scalar(select(func.count()).select_from(Gallery))
        assert (count, galleries) == (60, 4)
    finally:
        again.services.close()


def test_one_rights_hashtag_for_requests_and_the_demo_grants(seeded: Seeded) -> None:
    from mercato.catalog.models import Creator, RightsEvent, Workspace
    from mercato.ugc import rights
    from mercato.ugc.items import ugc_settings

    with seeded.services.catalog.session() as session:
        workspace = session.get(Workspace, seeded.workspace_id)
        assert workspace is not None
        settings = ugc_settings(session, workspace.id)
        hashtag = rights.approval_hashtag(settings, workspace.slug)
        assert hashtag == "#YesNorthwind"
        item = session.scalars(select(UgcItem).where(UgcItem.workspace_id == workspace.id)).first()
        assert item is not None
        creator = session.get(Creator, item.creator_id) if item.creator_id else None
        asked = rights.request_text(item, creator, settings, workspace.slug)
        assert f"reply {hashtag}" in asked
        assert "(https://shop.northwind.example/pages/ugc-terms)" in asked  # the terms link
        grants = session.scalars(
            select(RightsEvent)
            .join(UgcItem, UgcItem.id == RightsEvent.item_id)
            .where(UgcItem.workspace_id == workspace.id, RightsEvent.kind == "granted")
        ).all()
        assert grants
        # Each demo grant is a reply the workspace's own matching would accept.
        for event in grants:
            reply = rights.Comment(author="x", text=event.text, at=utcnow())
            assert rights.approval_in([reply], "x", hashtag) is reply


def test_link_in_bio_posts_have_pictures_and_products(seeded: Seeded) -> None:
    from mercato.galleries.shop import shop_view
    from mercato.web.routes.galleries_public import posts_from_warehouse

    services = seeded.services
    with services.catalog.session() as session:
        page = session.scalars(select(ShopPage)).one()
        view = shop_view(
            session, page.handle, lambda a: posts_from_warehouse(services, a), "http://m.test"
        )
        assert len(view.posts) == 30
        for tile in view.posts:
            assert tile["media"], tile["caption"]
            assert tile["media"][0]["url"].startswith(f"http://m.test/shop/{page.handle}/media/")
            assert 1 <= len(tile["products"]) <= 3
            assert all(p["url"] and p["price"] for p in tile["products"])
