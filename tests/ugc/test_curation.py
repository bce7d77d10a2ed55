"""Curation score with shrinkage (hand-checked numbers), recommendations, creator rewards
matched from warehouse orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from mercato.catalog.models import Creator, UgcItem
from mercato.runtime import Services
from mercato.ugc import curation, rights
from mercato.ugc.items import set_status
from mercato.ugc.rewards import creator_summaries
from mercato.ugc.tagging import set_tag
from mercato.warehouse.loader import load
from tests.support.brands import make_brand
from tests.ugc.support import add, context, product


def _events(services: Services, ws: str, counts: dict[str, tuple[int, int, int]]) -> None:
    rows: list[dict[str, object]] = []
    for item_id, (impressions, clicks, orders) in counts.items():
        for kind, n in (
            ("ugc_impression", impressions),
            ("ugc_click", clicks),
            ("ugc_conversion", orders),
        ):
            rows += [{"name": kind, "ugc_id": item_id} for _ in range(n)]
    table = pa.table(
        {
            "workspace_id": [ws] * len(rows),
            "event_id": [f"e{i}" for i in range(len(rows))],
            "ts": [datetime(2026, 5, 1)] * len(rows),
            "name": [r["name"] for r in rows],
            "ugc_id": [r["ugc_id"] for r in rows],
        }
    )
    load(services.warehouse, "events", table)


def test_shrinkage_keeps_new_items_between_proven_ones(services: Services) -> None:
    ws = make_brand(services).workspace_id
    other = make_brand(services, slug="other").workspace_id
    ctx = context(services, ws)
    with services.catalog.session() as s:
        new = add(s, ctx, "new", "fresh")
        star = add(s, ctx, "star", "proven")
        dud = add(s, ctx, "dud", "weak")
        ids = {"new": new.id, "star": star.id, "dud": dud.id}
    _events(
        services, ws, {ids["new"]: (3, 1, 0), ids["star"]: (1000, 50, 5), ids["dud"]: (1000, 10, 0)}
    )
    # Another tenant's events, even under the same ugc_id, never count.
    _events(services, other, {ids["dud"]: (10, 10, 10)})
    with services.catalog.session() as s:
        assert curation.rescore(s, services.warehouse.for_workspace(ws), ws) == 3
        scored = {k: s.get(UgcItem, v) for k, v in ids.items()}
    mean = 61 / 2003  # all clicks / all impressions, computed by hand
    expected = {
        "new": (1 + 200 * mean) / (3 + 200),
        "star": (50 + 200 * mean) / (1000 + 200),
        "dud": (10 + 200 * mean) / (1000 + 200),
    }
    for key, value in expected.items():
        assert scored[key].site_performance == pytest.approx(value, abs=1e-6)  # type: ignore[union-attr]
    order = sorted(scored, key=lambda k: scored[k].curation_score, reverse=True)  # type: ignore[union-attr, arg-type, return-value]
    assert order == ["star", "new", "dud"]
    assert curation.shrunk_rate(0, 0, 0.03, 200) == pytest.approx(0.03)  # no data: the average


def test_recommendations_only_offer_publishable_items(services: Services) -> None:
    ws = make_brand(services).workspace_id
    ctx = context(services, ws)
    with services.catalog.session() as s:
        dress = product(s, ws, "DR-1", "Dress")
        shown, hidden = add(s, ctx, "a", "a"), add(s, ctx, "b", "b")
        for item in (shown, hidden):
            set_tag(s, item, dress.id, "accepted")
        set_status(s, ws, [shown.id, hidden.id], "approved")
        rights.grant(s, shown, channel="upload_form", evidence="consent")
        assert [i.id for i in curation.best_for_product(s, ws, dress.id)] == [shown.id]
        scoped = services.warehouse.for_workspace(ws)
        assert [i.id for i in curation.best_for_placement(s, scoped, ws, "pdp")] == [shown.id]


def test_creator_reward_code_and_redemptions(services: Services) -> None:
    ws = make_brand(services).workspace_id
    ctx = context(services, ws)
    with services.catalog.session() as s:
        first, second = add(s, ctx, "a", "a", handle="ana.b"), add(s, ctx, "b", "b", handle="ana.b")
        rights.grant(s, first, channel="comment_reply", evidence="#YesAcme")
        rights.grant(s, second, channel="comment_reply", evidence="#YesAcme")
        creator = s.get(Creator, first.creator_id)
        assert creator is not None
        code = str(creator.coupon_code)
    assert code.startswith("ANAB-")
    assert len(code) == 10
    load(
        services.warehouse,
        "orders",
        pa.table(
            {
                "workspace_id": [ws, ws, ws, "someone-else"],
                "order_id": ["o1", "o2", "o3", "o1"],
                "coupon_codes": [[code.lower()], ["OTHER", code], ["OTHER"], [code]],
                "net": pa.array(
                    [Decimal("40.00"), Decimal("60.50"), Decimal("99.00"), Decimal("1000.00")],
                    pa.decimal128(18, 2),
                ),
            }
        ),
    )
    with services.catalog.session() as s:
        [summary] = creator_summaries(s, services.warehouse.for_workspace(ws), ws)
    assert (summary.posts, summary.rights_granted, summary.redemptions) == (2, 2, 2)
    assert summary.revenue == Decimal("100.50")
    assert summary.creator.coupon_discount_pct == Decimal("15")
