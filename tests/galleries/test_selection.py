"""Rules, manual picks, placements, fallback and the rights gate, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mercato.catalog.models import Gallery, UgcItem
from mercato.core.errors import ConflictError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.galleries.definitions import GalleryDraft, create_gallery, update_gallery
from mercato.galleries.selection import PageContext, select_items
from mercato.runtime import Services
from tests.galleries.support import make_shop


def _ids(services: Services, gallery_id: str, context: PageContext, at: object = None) -> list[str]:
    with services.catalog.session() as s:
        gallery = s.get(Gallery, gallery_id)
        assert gallery is not None
        return [i.id for i in select_items(s, gallery, context, at or utcnow()).items]  # type: ignore[arg-type]


def test_rule_gallery_serves_only_publishable_items_by_curation(
    services_any_catalog: Services,
) -> None:
    services = services_any_catalog
    shop = make_shop(services)
    got = _ids(services, shop.home, PageContext())
    i = shop.items
    # unapproved (0.99) and no_rights (0.98) never appear, whatever their score.
    assert got == [i["dress_a"], i["expiring"], i["boots"], i["dress_b"]]


def test_rights_expiry_hides_an_item_without_any_write(services: Services) -> None:
    shop = make_shop(services)
    later = utcnow() + timedelta(days=2)
    assert shop.items["expiring"] not in _ids(services, shop.home, PageContext(), later)


def test_product_placement_by_sku_and_by_url_and_fallback(services: Services) -> None:
    shop = make_shop(services)
    i = shop.items
    assert _ids(services, shop.pdp, PageContext(product="BT-9")) == [i["boots"]]
    by_url = _ids(services, shop.pdp, PageContext(url="https://shop.test/products/bt-9/?x=1"))
    assert by_url == [i["boots"]]
    assert _ids(services, shop.pdp, PageContext(product="DR-1")) == [
        i["dress_a"],
        i["expiring"],
        i["dress_b"],
    ]
    # An unknown product page matches nothing: the fallback (home) fills the slot.
    with services.catalog.session() as s:
        gallery = s.get(Gallery, shop.pdp)
        assert gallery is not None
        chosen = select_items(s, gallery, PageContext(product="NOPE"), utcnow())
        assert chosen.fallback_used
        assert chosen.gallery.id == shop.home
        assert len(chosen.items) == 4


def test_rule_filters_and_manual_order(services: Services) -> None:
    shop = make_shop(services)
    i, ws = shop.items, shop.brand.workspace_id
    with services.catalog.session() as s:
        outdoor = create_gallery(
            s, ws, GalleryDraft(name="Outdoor", rule={"product_line": "Outdoor"})
        )
        manual = create_gallery(
            s,
            ws,
            GalleryDraft(
                name="Picks",
                selection="manual",
                item_ids=[i["boots"], i["unapproved"], i["dress_b"]],
            ),
        )
        line, picks = outdoor.id, manual.id
    assert _ids(services, line, PageContext()) == [i["boots"]]
    assert _ids(services, picks, PageContext()) == [i["boots"], i["dress_b"]]


def test_definition_errors_name_the_field(services: Services) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    cases = [
        (GalleryDraft(name="x", layout="mosaic"), "layout"),
        (GalleryDraft(name="x", rule={"colour": "red"}), "rule.colour"),
        (GalleryDraft(name="x", rule={"sort": "random"}), "rule.sort"),
        (GalleryDraft(name="x", max_items=0), "max_items"),
        (GalleryDraft(name="x", selection="manual", item_ids=["ugc_nope"]), "item_ids[0]"),
    ]
    for draft, location in cases:
        with pytest.raises(ValidationFailed) as error, services.catalog.session() as s:
            create_gallery(s, ws, draft)
        assert error.value.location == location
    with pytest.raises(ConflictError), services.catalog.session() as s:
        create_gallery(s, ws, GalleryDraft(name="Home"))
    with pytest.raises(ValidationFailed) as loop, services.catalog.session() as s:
        update_gallery(s, ws, shop.home, GalleryDraft(name="Home", fallback_id=shop.pdp))
    assert loop.value.location == "fallback_id"


def test_items_of_other_workspaces_are_never_selected(services: Services) -> None:
    shop = make_shop(services)
    with services.catalog.session() as s:
        from tests.support.brands import make_brand

        other = make_brand(services, slug="other")
        with pytest.raises(ValidationFailed):
            create_gallery(
                s,
                other.workspace_id,
                GalleryDraft(name="Steal", selection="manual", item_ids=[shop.items["dress_a"]]),
            )
        assert s.get(UgcItem, shop.items["dress_a"]) is not None
