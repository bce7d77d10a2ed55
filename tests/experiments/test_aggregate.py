"""Per-visitor experiment facts on every engine equal a plain-Python count of the same rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from mercato.experiments.aggregate import visitor_facts
from tests.metrics.fixture import arrow
from tests.support.engines import ENGINES, Engines

WS, OTHER, EXP, GAL = "ws_exp", "ws_other", "exp_agg", "gal_agg"
START = datetime(2024, 5, 1, 9, 0, 0, 123456)


def _event(ws: str, n: int, visitor: str, name: str, ts: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "workspace_id": ws,
        "event_id": f"ev{n}",
        "ts": ts,
        "name": name,
        "visitor_id": visitor,
        "identity_mode": "first_party_id",
        **extra,
    }


def build() -> tuple[dict[str, pa.Table], dict[str, dict[str, Any]]]:
    """Events and orders of 120 visitors, and the expected facts worked out row by row."""
    rng = np.random.default_rng(16)
    events: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    expected: dict[str, dict[str, Any]] = {}
    n = 0
    for i in range(120):
        visitor = f"v{i:03d}"
        variant = ["control", "bigger"][i % 2]
        first = START + timedelta(minutes=int(rng.integers(0, 5000)), microseconds=i)
        facts = {
            "variant": variant,
            "exposed_at": first,
            "views": 0,
            "clicks": 0,
            "add_to_carts": 0,
            "later_pageviews": 0,
            "orders": 0,
            "revenue": 0.0,
            "pre_orders": 0,
            "pre_revenue": 0.0,
            "pre_add_to_carts": 0,
            "activated": False,
        }
        for repeat in range(int(rng.integers(1, 3))):  # repeated deliveries: first one counts
            n += 1
            events.append(
                _event(
                    WS,
                    n,
                    visitor,
                    "experiment_exposure",
                    first + timedelta(hours=repeat),
                    experiment_id=EXP,
                    variant=variant,
                    gallery_id=GAL,
                )
            )
        for _ in range(int(rng.integers(0, 6))):
            n += 1
            offset = timedelta(minutes=int(rng.integers(-3000, 3000)))
            name = str(rng.choice(["gallery_view", "ugc_click", "add_to_cart", "page_view"]))
            gallery = str(rng.choice([GAL, "gal_elsewhere"]))
            props = f'{{"experiment_id":"{EXP}","variant":"{variant}"}}'
            events.append(
                _event(
                    WS,
                    n,
                    visitor,
                    name,
                    first + offset,
                    gallery_id=gallery,
                    properties=props if name == "gallery_view" else None,
                )
            )
            after = offset >= timedelta(0)
            if name == "gallery_view":
                facts["activated"] = True
            if after and name == "gallery_view" and gallery == GAL:
                facts["views"] += 1
            if after and name == "ugc_click" and gallery == GAL:
                facts["clicks"] += 1
            if name == "add_to_cart":
                if after:
                    facts["add_to_carts"] += 1
                elif offset >= -timedelta(days=28):
                    facts["pre_add_to_carts"] += 1
            if name == "page_view" and timedelta(0) < offset <= timedelta(minutes=30):
                facts["later_pageviews"] += 1
        for k in range(int(rng.integers(0, 3))):
            offset = timedelta(minutes=int(rng.integers(-50000, 3000)))
            amount = Decimal(int(rng.integers(500, 20000))) / 100
            order_id = f"o{i}-{k}"
            tracked_only = k == 1
            n += 1
            events.append(
                _event(
                    WS,
                    n,
                    visitor,
                    "purchase",
                    first + offset,
                    order_id=order_id,
                    revenue=amount,
                    currency="USD",
                )
            )
            if not tracked_only:  # the stored order wins over its purchase event
                orders.append(
                    {
                        "workspace_id": WS,
                        "order_id": order_id,
                        "visitor_id": visitor,
                        "placed_at": first + offset,
                        "net": amount,
                        "gross": amount,
                        "currency": "USD",
                    }
                )
            if offset >= timedelta(0):
                facts["orders"] += 1
                facts["revenue"] += float(amount)
            elif offset >= -timedelta(days=28):
                facts["pre_orders"] += 1
                facts["pre_revenue"] += float(amount)
        expected[visitor] = facts
    # noise that must not count: another workspace, another experiment, an unexposed visitor
    events.append(
        _event(OTHER, 0, "v000", "experiment_exposure", START, experiment_id=EXP, variant="control")
    )
    events.append(
        _event(
            WS,
            n + 1,
            "v999",
            "experiment_exposure",
            START,
            experiment_id="exp_x",
            variant="control",
        )
    )
    events.append(_event(WS, n + 2, "v998", "add_to_cart", START))
    return {"events": arrow("events", events), "orders": arrow("orders", orders)}, expected


@pytest.mark.parametrize("engine_name", ENGINES)
def test_visitor_facts_match_a_row_by_row_count(engines: Engines, engine_name: str) -> None:
    tables, expected = build()
    engine = engines.load(engine_name, "experiments_aggregate", tables)
    frame = visitor_facts(engine.scoped(WS), EXP, GAL, engine.executor)
    assert list(frame.visitor_id) == sorted(expected)
    for row in frame.itertuples():
        want = expected[row.visitor_id]
        got = {k: getattr(row, k) for k in want}
        got["exposed_at"] = got["exposed_at"].to_pydatetime().replace(tzinfo=None)
        _close(got, want, row.visitor_id)


def _close(got: dict[str, Any], want: dict[str, Any], visitor: str) -> None:
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, abs=1e-6), (visitor, key)
        else:
            assert got[key] == value, (visitor, key)
