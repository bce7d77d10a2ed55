"""Membership computed by each engine equals the pandas reference, trait by trait and for
nested and/or/not trees."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from mercato.segments.definition import parse
from mercato.segments.membership import Context, members
from tests.segments import fixture
from tests.segments.reference import Reference
from tests.support.engines import ENGINES, Engine, Engines

DATASET = "segments"
CONTEXT = Context(fixture.AS_OF, fixture.CATEGORIES)


def trait(name: str, values: list[str], session: str) -> dict[str, Any]:
    return {"kind": "trait", "trait": name, "values": values, "session": session}


LEAVES: dict[str, dict[str, Any]] = {
    **{
        f"{name}-{scope}": trait(name, values, scope)
        for name, values in {
            "platform": ["tiktok"],
            "channel": ["Paid Social", "Email"],
            "campaign": ["<script>alert(1)</script>", "Ünïcode ☃"],
            "device": ["mobile"],
            "country": ["DE", "GB"],
            "landing_page_type": ["product"],
        }.items()
        for scope in ("first", "current", "any")
    },
    "returning": {"kind": "flag", "flag": "returning"},
    "purchaser": {"kind": "flag", "flag": "purchaser"},
    "lead": {"kind": "flag", "flag": "lead"},
    "viewed-shoes": {"kind": "interest", "interest": "viewed", "categories": ["Shoes"]},
    "carted-bags-or-x1": {
        "kind": "interest",
        "interest": "carted",
        "categories": ["Bags", "Empty"],
        "products": ["prd_x1"],
    },
    "carted-empty": {"kind": "interest", "interest": "carted", "categories": ["Empty"]},
    "tier-top": {"kind": "value_tier", "tiers": ["top"]},
    "tier-mid-low": {"kind": "value_tier", "tiers": ["mid", "low"], "monetary_high": "300"},
}
TREES: dict[str, dict[str, Any]] = {
    "new-tiktok-mobile": {
        "kind": "and",
        "rules": [
            LEAVES["platform-first"],
            {"kind": "not", "rule": LEAVES["returning"]},
            LEAVES["device-current"],
        ],
    },
    "nested": {
        "kind": "or",
        "rules": [
            {"kind": "and", "rules": [LEAVES["purchaser"], LEAVES["country-any"]]},
            {
                "kind": "not",
                "rule": {"kind": "or", "rules": [LEAVES["lead"], LEAVES["viewed-shoes"]]},
            },
            {"kind": "and", "rules": [LEAVES["tier-top"], LEAVES["carted-bags-or-x1"]]},
        ],
    },
    "double-not": {"kind": "not", "rule": {"kind": "not", "rule": LEAVES["campaign-first"]}},
}


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return fixture.build()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, engines: Engines, tables: dict[str, pa.Table]) -> Engine:
    return engines.load(request.param, DATASET, tables)


@pytest.fixture(scope="module")
def reference(tables: dict[str, pa.Table]) -> Reference:
    return Reference(tables, fixture.WORKSPACE, fixture.AS_OF, fixture.CATEGORIES)


def _members(engine: Engine, document: dict[str, Any]) -> list[str]:
    expr = members(engine.scoped(fixture.WORKSPACE), parse(document), CONTEXT)
    run = engine.executor or engine.warehouse.execute
    frame = run(expr)
    return [str(v) for v in frame["visitor_id"]]


@pytest.mark.parametrize("name", [*LEAVES, *TREES])
def test_membership_equals_pandas(engine: Engine, reference: Reference, name: str) -> None:
    document = LEAVES.get(name) or TREES[name]
    found = _members(engine, document)
    assert len(found) == len(set(found)), "a visitor is listed twice"
    expected = reference.members(parse(document))
    assert set(found) == expected
    # Every case is a real split of the visitors, so a constant answer would fail somewhere.
    assert 0 <= len(expected) <= len(reference.visitors)


def test_cases_split_the_visitors(reference: Reference) -> None:
    """The fixture exercises each trait: no leaf matches nobody or everybody (but `Empty`)."""
    for name, document in LEAVES.items():
        size = len(reference.members(parse(document)))
        if name == "carted-empty":
            assert size == 0
        else:
            assert 0 < size < len(reference.visitors), name
