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
        assert len(galleries) == 2
        home = next(g for g in galleries if g.placement == "home")
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
        assert (count, galleries) == (60, 2)
    finally:
        again.services.close()
