"""Per-segment gallery rules: validation naming the rule and field, the first match, the
fallback to the default rule, and live membership cached per segment and definition."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from mercato.catalog.models import Gallery
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.galleries import definitions as defs
from mercato.galleries.segment_rules import SegmentRule, pick, rules_of, select_for_segment
from mercato.galleries.selection import PageContext
from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.segments.live import LiveMembership
from mercato.segments.schemas import SegmentCreate, SegmentUpdate
from mercato.ugc import rights
from mercato.ugc.items import set_status
from mercato.ugc.tagging import set_tag
from mercato.warehouse.loader import LoadMode, load
from tests.galleries.support import Shop, make_shop
from tests.segments.fixture import arrow
from tests.ugc.support import add, context, image_bytes

TIKTOK = {"kind": "trait", "trait": "platform", "values": ["tiktok"], "session": "any"}
RETURNING = {"kind": "flag", "flag": "returning"}


def _draft(rule: dict[str, Any], **extra: Any) -> defs.GalleryDraft:
    return defs.GalleryDraft(name="Home for you", rule=rule, **extra)


@pytest.mark.parametrize(
    ("segment_rules", "location"),
    [
        ("tiktok", "rule.segment_rules"),
        (["seg_1"], "rule.segment_rules[0]"),
        ([{"segment_id": "", "rule": {"platform": "tiktok"}}], "rule.segment_rules[0].segment_id"),
        ([{"segment_id": "seg_1"}], "rule.segment_rules[0].rule"),
        ([{"segment_id": "seg_1", "rule": {}}], "rule.segment_rules[0].rule"),
        (
            [{"segment_id": "seg_1", "rule": {"platform": "tiktok"}, "weight": 2}],
            "rule.segment_rules[0].weight",
        ),
        (
            [
                {"segment_id": "seg_1", "rule": {"platform": "tiktok"}},
                {"segment_id": "seg_2", "rule": {"colour": "red"}},
            ],
            "rule.segment_rules[1].rule.colour",
        ),
        (
            [{"segment_id": "seg_1", "rule": {"min_rating": "four"}}],
            "rule.segment_rules[0].rule.min_rating",
        ),
        ([{"segment_id": "seg_1", "rule": {"sort": "random"}}], "rule.segment_rules[0].rule.sort"),
        (
            [{"segment_id": "seg_1", "rule": {"segment_rules": []}}],
            "rule.segment_rules[0].rule.segment_rules",
        ),
        (
            [
                {"segment_id": "seg_1", "rule": {"platform": "tiktok"}},
                {"segment_id": "seg_1", "rule": {"platform": "instagram"}},
            ],
            "rule.segment_rules[1].segment_id",
        ),
        (
            [{"segment_id": f"s{i}", "rule": {"platform": "x"}} for i in range(21)],
            "rule.segment_rules",
        ),
    ],
)
def test_validation_names_the_rule_and_field(segment_rules: Any, location: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        defs.validate(_draft({"segment_rules": segment_rules}))
    assert caught.value.location == location


def test_validation_keeps_clean_rules_and_refuses_them_on_manual_galleries() -> None:
    draft = defs.validate(
        _draft(
            {
                "sort": "recent",
                "segment_rules": [
                    {"segment_id": " seg_1 ", "rule": {"platform": "tiktok", "content_type": ""}}
                ],
            }
        )
    )
    assert draft.rule == {
        "sort": "recent",
        "segment_rules": [{"segment_id": "seg_1", "rule": {"platform": "tiktok"}}],
    }
    with pytest.raises(ValidationFailed) as caught:
        defs.validate(_draft(draft.rule, selection="manual"))
    assert caught.value.location == "rule.segment_rules"


def test_pick_takes_the_first_matching_rule_and_asks_no_further() -> None:
    rules = [
        SegmentRule("seg_a", {"platform": "tiktok"}),
        SegmentRule("seg_b", {"product_line": "Outdoor"}),
        SegmentRule("seg_c", {"platform": "instagram"}),
    ]
    asked: list[str] = []

    def member_of(*segments_in: str) -> Any:
        def is_member(segment_id: str) -> bool:
            asked.append(segment_id)
            return segment_id in segments_in

        return is_member

    assert pick(rules, member_of("seg_b", "seg_c")) == rules[1]
    assert asked == ["seg_a", "seg_b"]
    assert pick(rules, member_of()) is None
    assert pick([], member_of("seg_a")) is None


def _tiktok_items(services: Services, shop: Shop, count: int) -> list[str]:
    ws = shop.brand.workspace_id
    ctx = context(services, ws)
    ids = []
    with services.catalog.session() as s:
        for n in range(count):
            item = add(
                s,
                ctx,
                f"tt{n}",
                f"TikTok try-on {n}",
                handle=f"tt{n}",
                platform="tiktok",
                files=[image_bytes(20 + n)],
                posted_at=datetime(2026, 5, 10 + n),
            )
            item.content_type = "video"
            item.curation_score = 0.1  # below every default item: only a rule puts it first
            set_tag(s, item, shop.products["DR-1"], "accepted")
            set_status(s, ws, [item.id], "approved")
            rights.grant(
                s, item, channel="comment", evidence="#yesacme", at=utcnow() - timedelta(days=1)
            )
            ids.append(item.id)
    return ids


def _segment(services: Services, workspace_id: str, name: str, definition: Any) -> str:
    with services.catalog.session() as s:
        request = SegmentCreate(name=name, definition=definition)
        return segments.create_segment(s, services.warehouse, workspace_id, request).id


def test_segment_selection_falls_back_to_the_default_rule_below_min_items(
    services: Services,
) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    tiktok = _segment(services, ws, "From TikTok", TIKTOK)
    [only] = _tiktok_items(services, shop, 1)
    rule = {
        "sort": "curation",
        "segment_rules": [
            {"segment_id": "From TikTok", "rule": {"platform": "tiktok", "content_type": "video"}}
        ],
    }
    with services.catalog.session() as s:
        gallery = defs.create_gallery(s, ws, _draft(rule, min_items=1))
        [stored] = rules_of(gallery)
        assert stored.segment_id == tiktok  # named by name, stored by id
        chosen = select_for_segment(s, gallery, stored, PageContext(), utcnow())
        assert chosen.segment_id == tiktok
        assert [i.id for i in chosen.selection.items] == [only]
        assert chosen.selection.gallery is gallery
        default = select_for_segment(s, gallery, None, PageContext(), utcnow())
        assert default.segment_id is None
        assert only not in [i.id for i in default.selection.items[:4]]
        gallery.min_items = 2  # one TikTok video is too few: everyone's gallery instead
        fallen = select_for_segment(s, gallery, stored, PageContext(), utcnow())
        assert fallen.segment_id is None
        assert [i.id for i in fallen.selection.items] == [i.id for i in default.selection.items]


def test_unknown_segment_is_named_and_manual_galleries_have_no_segment_rules(
    services: Services,
) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    rule = {"segment_rules": [{"segment_id": "seg_gone", "rule": {"platform": "tiktok"}}]}
    with services.catalog.session() as s:
        with pytest.raises(ValidationFailed) as caught:
            defs.create_gallery(s, ws, _draft(rule))
        assert caught.value.location == "rule.segment_rules[0].segment_id"
        gallery = s.get(Gallery, shop.home)
        assert gallery is not None
        gallery.selection = "manual"
        gallery.rule = {"segment_rules": [{"segment_id": "x", "rule": {"platform": "tiktok"}}]}
        assert rules_of(gallery) == []


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sessions(workspace_id: str, visits: list[tuple[str, str | None]]) -> Any:
    start = datetime(2026, 5, 1, 10)
    rows = [
        {
            "workspace_id": workspace_id,
            "session_id": f"{visitor}_s{n}",
            "visitor_id": visitor,
            "session_number": 1,
            "started_at": start + timedelta(minutes=n),
            "ended_at": start + timedelta(minutes=n + 5),
            "social_platform": platform,
            "channel": "Organic Social" if platform else "Direct",
            "pageviews": 2,
        }
        for n, (visitor, platform) in enumerate(visits)
    ]
    return arrow("sessions", rows)


def test_live_membership_is_cached_per_segment_and_definition(services: Services) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    load(services.warehouse, "sessions", _sessions(ws, [("v_tt", "tiktok"), ("v_ig", "instagram")]))
    tiktok = _segment(services, ws, "From TikTok", TIKTOK)
    clock = Clock()
    live = LiveMembership(ttl_seconds=300, resolve_ttl_seconds=30, clock=clock)
    args = (services.catalog, services.warehouse, ws, tiktok)
    assert live.members(*args) == {"v_tt"}
    assert live.is_member(*args, "v_tt")
    assert not live.is_member(*args, "v_ig")
    assert live.evaluations == 1  # every answer above came from one evaluation
    load(services.warehouse, "sessions", _sessions(ws, [("v_new", "tiktok")]), mode=LoadMode.APPEND)
    clock.now += 100
    assert live.members(*args) == {"v_tt"}  # within the TTL: the cached members
    clock.now += 201
    assert live.members(*args) == {"v_tt", "v_new"}
    assert live.evaluations == 2
    with services.catalog.session() as s:  # a new definition is a new digest: evaluated anew
        segments.update_segment(
            s, ws, tiktok, SegmentUpdate(definition={**TIKTOK, "values": ["instagram"]})
        )
    clock.now += 31
    assert live.members(*args) == {"v_ig"}
    assert live.evaluations == 3
    with services.catalog.session() as s:
        segments.delete_segment(s, ws, tiktok)
    clock.now += 31
    assert live.members(*args) == frozenset()  # a deleted segment has no members
    assert live.evaluations == 3


def test_a_segment_too_large_to_hold_is_asked_visitor_by_visitor(services: Services) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    visits = [("v_tt", "tiktok"), ("v_tt2", "tiktok"), ("v_ig", "instagram")]
    load(services.warehouse, "sessions", _sessions(ws, visits))
    tiktok = _segment(services, ws, "From TikTok", TIKTOK)
    clock = Clock()
    live = LiveMembership(ttl_seconds=300, clock=clock, max_members=1)
    args = (services.catalog, services.warehouse, ws, tiktok)
    assert live.members(*args) is None  # two members: more than it may hold
    assert live.is_member(*args, "v_tt")
    assert live.is_member(*args, "v_tt2")
    assert not live.is_member(*args, "v_ig")
    assert not live.is_member(*args, "v_unknown")
    assert live.evaluations == 1  # the set was tried once; visitors are asked one by one
    load(services.warehouse, "sessions", _sessions(ws, [("v_ig", "tiktok")]), mode=LoadMode.APPEND)
    assert not live.is_member(*args, "v_ig")  # cached for the TTL
    clock.now += 301
    assert live.is_member(*args, "v_ig")


SHOPPER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def test_delivery_serves_the_segment_rule_shared_per_segment_and_survives_odd_input(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    [video] = _tiktok_items(services, shop, 1)
    visits = [("v_tt", "tiktok"), ("v_tt2", "tiktok"), ("v_ig", "instagram")]
    load(services.warehouse, "sessions", _sessions(ws, visits))
    tiktok = _segment(services, ws, "From TikTok", TIKTOK)
    rule = {"segment_rules": [{"segment_id": tiktok, "rule": {"platform": "tiktok"}}]}
    with services.catalog.session() as s:
        gallery_id = defs.create_gallery(s, ws, _draft(rule)).id
    key = shop.brand.site_public_key
    with httpx.Client(base_url=live_server, headers={"User-Agent": SHOPPER}) as public:

        def get(vid: str) -> httpx.Response:
            response = public.get(f"/g/{gallery_id}.json", params={"key": key, "vid": vid})
            assert response.status_code == 200, response.text
            return response

        first, second, other = get("v_tt"), get("v_tt2"), get("v_ig")
        odd = [get(vid) for vid in ("<script>alert(1)</script>", "x" * 5000, "")]
        bot = public.get(f"/g/{gallery_id}.json", params={"key": key, "vid": "v_tt"},
                         headers={"User-Agent": "Googlebot/2.1"})  # fmt: skip
    assert [i["id"] for i in first.json()["items"]] == [video]
    assert first.json()["segment"] == tiktok
    assert first.headers["cache-control"] == "private, no-cache"
    assert second.content == first.content  # one body for the segment: no visitor in it
    assert b"v_tt" not in first.content
    assert "segment" not in other.json()
    assert other.headers["cache-control"] == "public, no-cache"
    assert len(other.json()["items"]) == 5
    for response in [*odd, bot]:
        assert response.content == other.content  # the gallery as defined
