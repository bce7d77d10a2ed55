"""Items, moderation flags, status changes and search (filters + full-text) on both catalogs."""

from __future__ import annotations

from datetime import datetime

import pytest

from mercato.catalog.models import UgcItem
from mercato.core.errors import ValidationFailed
from mercato.core.textsearch import query_terms
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import set_status
from mercato.ugc.search import UgcQuery, fts5_query, search
from mercato.ugc.tagging import set_tag
from tests.support.brands import make_brand
from tests.ugc.support import add, context, image_bytes, product


def _library(services: Services) -> tuple[str, dict[str, str]]:
    brand = make_brand(services)
    ws = brand.workspace_id
    ctx = context(services, ws)
    with services.catalog.session() as s:
        dress = product(
            s, ws, "DR-1", "Sunset Linen Dress", product_type="dress", product_line="Summer"
        )
        boots = product(
            s, ws, "BT-9", "Trail Ankle Boots", product_type="boots", product_line="Outdoor"
        )
        a = add(
            s,
            ctx,
            "p1",
            "Loving my red dress on the beach #summer #sunset",
            handle="ana",
            posted_at=datetime(2026, 5, 1),
            metrics={"likes": 10, "comments": 1},
        )
        b = add(
            s,
            ctx,
            "p2",
            "New boots for hiking season #trail",
            handle="bo",
            posted_at=datetime(2026, 5, 3),
            metrics={"likes": 500},
            platform="tiktok",
        )
        c = add(
            s,
            ctx,
            "p3",
            "Dresses everywhere! Call me 555-123-4567 or mail x@y.com",
            handle="cy",
            posted_at=datetime(2026, 5, 2),
        )
        set_tag(s, a, dress.id, "accepted")
        set_tag(s, b, boots.id, "accepted")
        set_status(s, ws, [a.id, b.id], "approved")
        rights.grant(s, a, channel="comment_reply", evidence="#YesAcme")
        return ws, {"a": a.id, "b": b.id, "c": c.id, "dress": dress.id, "boots": boots.id}


def _ids(services: Services, ws: str, query: UgcQuery) -> list[str]:
    with services.catalog.session() as s:
        return [item.id for item in search(s, ws, query).items]


def test_filters_full_text_and_sorting_on_both_catalogs(services_any_catalog: Services) -> None:
    services = services_any_catalog
    ws, ids = _library(services)
    a, b, c = ids["a"], ids["b"], ids["c"]
    assert _ids(services, ws, UgcQuery()) == [b, c, a]  # most recent first
    assert _ids(services, ws, UgcQuery(sort="engagement"))[0] == b
    assert _ids(services, ws, UgcQuery(platform="tiktok")) == [b]
    assert _ids(services, ws, UgcQuery(creator="@ana")) == [a]
    assert _ids(services, ws, UgcQuery(status="new")) == [c]
    assert _ids(services, ws, UgcQuery(rights="granted")) == [a]
    assert _ids(services, ws, UgcQuery(rights="publishable")) == [a]
    assert _ids(services, ws, UgcQuery(product_id=ids["dress"])) == [a]
    assert _ids(services, ws, UgcQuery(product_line="Outdoor")) == [b]
    assert _ids(services, ws, UgcQuery(product_type="dress")) == [a]
    assert _ids(services, ws, UgcQuery(tagged=False)) == [c]
    assert set(_ids(services, ws, UgcQuery(tagged=True))) == {a, b}
    assert _ids(
        services, ws, UgcQuery(posted_from=datetime(2026, 5, 2), posted_to=datetime(2026, 5, 3))
    ) == [c]
    # Full text stems on both engines: "dress" finds "dresses" and "dress".
    assert set(_ids(services, ws, UgcQuery(text="dress"))) == {a, c}
    # Accepted product titles are searchable: "linen" only appears in the tagged product.
    assert _ids(services, ws, UgcQuery(text="linen")) == [a]
    assert _ids(services, ws, UgcQuery(text="hiking boots")) == [b]
    assert _ids(services, ws, UgcQuery(text="beach", status="approved")) == [a]
    # Hostile query syntax is inert, not an error.
    assert set(_ids(services, ws, UgcQuery(text='"dress*(-'))) == {a, c}
    assert _ids(services, ws, UgcQuery(text="nothingmatcheszzz")) == []


def test_moderation_flags_are_recorded_and_explain_themselves(services: Services) -> None:
    _ws, ids = _library(services)
    with services.catalog.session() as s:
        item = s.get(UgcItem, ids["c"])
        assert item is not None
        codes = {flag["code"] for flag in item.moderation_flags}
        assert codes == {"email", "phone"}
        clean = s.get(UgcItem, ids["a"])
        assert clean is not None
        assert clean.moderation_flags == []


def test_duplicate_photo_is_detected_and_bad_media_is_an_item_error(services: Services) -> None:
    brand = make_brand(services)
    ctx = context(services, brand.workspace_id)
    with services.catalog.session() as s:
        first = add(s, ctx, "d1", "one", files=[image_bytes(1, (320, 240))])
        again = add(
            s, ctx, "d2", "same photo re-encoded", files=[image_bytes(1, (320, 240), "JPEG")]
        )
        other = add(s, ctx, "d3", "another", files=[image_bytes(2, (320, 240))])
        broken = add(s, ctx, "d4", "broken", files=[b"GIF89a not really"])
        unknown = add(s, ctx, "d5", "pdf", files=[b"%PDF-1.4 hello"])
        assert again.duplicate_of == first.id
        assert other.duplicate_of is None
        assert first.quality_score is not None
        assert 0 < first.quality_score <= 1
        assert broken.media_error
        assert "media 1" in broken.media_error
        assert unknown.media_error
        assert "unknown or malformed media" in unknown.media_error
    thumbs = list(services.settings.media_dir.glob("*_thumb.jpg"))
    assert len(thumbs) == 3


def test_bulk_status_rejects_unknown_status(services: Services) -> None:
    ws, ids = _library(services)
    with services.catalog.session() as s, pytest.raises(ValidationFailed):
        set_status(s, ws, [ids["a"]], "published")


def test_fts5_query_quotes_every_word() -> None:
    terms = query_terms('red "dress" OR x* 赤い')
    assert fts5_query(terms.spaced) == '"red" "dress" "or" "x"'
    assert terms.unspaced == ("赤い",)


def test_collections_group_items_and_filter_search(services: Services) -> None:
    from mercato.core.errors import ConflictError, NotFoundError
    from mercato.ugc.collections import add_to_collection, collections_of, create_collection

    ws, ids = _library(services)
    other = make_brand(services, slug="other").workspace_id
    with services.catalog.session() as s:
        summer = create_collection(s, ws, "Summer lookbook")
        assert add_to_collection(s, ws, summer.id, [ids["a"], ids["c"], ids["a"]]) == 2
        assert add_to_collection(s, ws, summer.id, [ids["a"]]) == 0
        with pytest.raises(ConflictError):
            create_collection(s, ws, "Summer lookbook")
        with pytest.raises(NotFoundError):
            add_to_collection(s, other, summer.id, [ids["a"]])
        assert [(c.name, n) for c, n in collections_of(s, ws)] == [("Summer lookbook", 2)]
        collection_id = summer.id
    assert set(_ids(services, ws, UgcQuery(collection_id=collection_id))) == {ids["a"], ids["c"]}
