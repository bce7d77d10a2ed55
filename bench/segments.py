"""bench/segments: evaluating 10 segments over 1M visitors, Ibis vs hand-written DuckDB SQL.

The Ibis side is the product's path (`segments.membership.members` compiled and run on the
DuckDB warehouse, one query per segment, counting members); the baseline is SQL written by
hand for the same definitions, in the same run on the same file. Both must agree on every
count. `BENCH_SEGMENTS_VISITORS` overrides the number of visitors (default 1,000,000).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from mercato.segments.definition import parse
from mercato.segments.membership import Context, members
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.schemas import TABLES

WORKSPACE = "ws_bench"
AS_OF = datetime(2024, 6, 1)
PLATFORMS = np.array(["tiktok", "instagram", "facebook", "pinterest", None], dtype=object)
CHANNELS = np.array(["Organic Social", "Paid Social", "Email", "Direct", None], dtype=object)
COUNTRIES = np.array(["US", "DE", "GB", "FR", "JP", None], dtype=object)
DEVICES = np.array(["mobile", "desktop", "tablet"], dtype=object)
SHOES = tuple(f"prd_{n}" for n in range(20))
CONTEXT = Context(AS_OF, {"Shoes": SHOES})


def _trait(trait: str, values: list[str], session: str) -> dict[str, Any]:
    return {"kind": "trait", "trait": trait, "values": values, "session": session}


def _flag(flag: str) -> dict[str, Any]:
    return {"kind": "flag", "flag": flag}


def _not(rule: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "not", "rule": rule}


TIKTOK_FIRST = _trait("platform", ["tiktok"], "first")
PAID_NOW = _trait("channel", ["Paid Social"], "current")
EU_ANY = _trait("country", ["DE", "FR", "GB"], "any")
MOBILE_NOW = _trait("device", ["mobile"], "current")
VIEWED_SHOES = {"kind": "interest", "interest": "viewed", "categories": ["Shoes"]}
TOP_TIER = {"kind": "value_tier", "tiers": ["top", "mid"]}
EU_RETURNING = {"kind": "and", "rules": [EU_ANY, _flag("returning")]}
PAID_OR_MOBILE = {"kind": "or", "rules": [PAID_NOW, MOBILE_NOW]}

# name → (definition, the WHERE clause over the hand-written visitor columns)
SEGMENTS: dict[str, tuple[dict[str, Any], str]] = {
    "tiktok-first": (TIKTOK_FIRST, "first_tiktok"),
    "paid-now": (PAID_NOW, "now_paid"),
    "eu-any": (EU_ANY, "any_eu"),
    "new-mobile": ({"kind": "and", "rules": [_not(_flag("returning")), MOBILE_NOW]},
                   "NOT is_returning AND now_mobile"),
    "purchasers": (_flag("purchaser"), "purchaser"),
    "leads-not-buyers": ({"kind": "and", "rules": [_flag("lead"), _not(_flag("purchaser"))]},
                         "is_lead AND NOT purchaser"),
    "viewed-shoes": (VIEWED_SHOES, "viewed_shoes"),
    "valuable": (TOP_TIER, "valuable"),
    "tiktok-or-eu-returning": (
        {"kind": "or", "rules": [TIKTOK_FIRST, EU_RETURNING]},
        "first_tiktok OR (any_eu AND is_returning)",
    ),
    "shoes-not-paid-mobile": (
        {"kind": "and", "rules": [VIEWED_SHOES, _not(PAID_OR_MOBILE)]},
        "viewed_shoes AND NOT (now_paid OR now_mobile)",
    ),
}  # fmt: skip

LEAVES_SQL = {
    "first_tiktok": "bool_or(rf = 1 AND social_platform = 'tiktok')",
    "now_paid": "bool_or(rc = 1 AND channel = 'Paid Social')",
    "any_eu": "bool_or(country IN ('DE', 'FR', 'GB'))",
    "now_mobile": "bool_or(rc = 1 AND device = 'mobile')",
    "is_returning": "(count(*) > 1 OR max(session_number) > 1)",
    "is_lead": "bool_or(leads > 0)",
}


INTEREST_SQL = """, i AS (
  SELECT visitor_id, bool_or(name = 'view_item' AND p IN ({shoes})) AS viewed_shoes
  FROM (SELECT visitor_id, name, unnest(product_ids) AS p FROM events
        WHERE workspace_id = '{ws}' AND name IN ('view_item') AND visitor_id IS NOT NULL
          AND product_ids IS NOT NULL)
  GROUP BY visitor_id)"""
TIER_SQL = """, o AS (
  SELECT coalesce(o.visitor_id, s2.visitor_id) AS visitor_id,
    count(DISTINCT o.order_id) AS n, max(o.placed_at) AS last,
    sum(coalesce(o.net, o.gross)::DOUBLE) AS spend
  FROM orders o
  LEFT JOIN (SELECT session_id, visitor_id FROM sessions WHERE workspace_id = '{ws}') s2
    ON o.session_id = s2.session_id
  WHERE o.workspace_id = '{ws}'
  GROUP BY 1 HAVING coalesce(o.visitor_id, s2.visitor_id) IS NOT NULL),
ot AS (
  SELECT visitor_id, n,
    CASE WHEN last >= TIMESTAMP '{recent}' THEN 3
         WHEN last >= TIMESTAMP '{lapsing}' THEN 2 ELSE 1 END
    + CASE WHEN n >= 3 THEN 3 WHEN n >= 2 THEN 2 ELSE 1 END
    + CASE WHEN coalesce(spend, 0) >= 200 THEN 3
           WHEN coalesce(spend, 0) >= 50 THEN 2 ELSE 1 END AS score
  FROM o)"""


def hand_sql(where: str) -> str:
    """The hand-written query for one segment: only the columns its clause names."""
    used = [name for name in LEAVES_SQL if name in where]
    needs_orders = "purchaser" in where or "valuable" in where
    columns = ", ".join(f"coalesce({LEAVES_SQL[n]}, false) AS {n}" for n in used) or "1 AS one"
    shoes = ", ".join(f"'{p}'" for p in SHOES)
    parts = [
        f"""WITH s AS (
  SELECT *, row_number() OVER (PARTITION BY visitor_id ORDER BY started_at, session_id) AS rf,
    row_number() OVER (PARTITION BY visitor_id ORDER BY started_at DESC, session_id DESC) AS rc
  FROM sessions WHERE workspace_id = '{WORKSPACE}' AND visitor_id IS NOT NULL),
v AS (SELECT visitor_id, bool_or(orders > 0) AS bought, {columns} FROM s GROUP BY visitor_id)"""
    ]
    joins = ""
    if "viewed_shoes" in where:
        parts.append(INTEREST_SQL.format(shoes=shoes, ws=WORKSPACE))
        joins += " LEFT JOIN i USING (visitor_id)"
    if needs_orders:
        recent, lapsing = AS_OF - timedelta(days=30), AS_OF - timedelta(days=90)
        parts.append(TIER_SQL.format(ws=WORKSPACE, recent=recent, lapsing=lapsing))
        joins += " LEFT JOIN ot USING (visitor_id)"
    clause = where.replace("viewed_shoes", "coalesce(viewed_shoes, false)")
    clause = clause.replace("purchaser", "(bought OR coalesce(ot.n, 0) > 0)")
    clause = clause.replace("valuable", "(coalesce(ot.n, 0) > 0 AND ot.score >= 5)")
    return "".join(parts) + f"\nSELECT count(*) FROM v{joins} WHERE {clause}"


def _column(values: Any, dtype: pa.DataType) -> pa.Array:
    return pa.array(values, type=dtype)


def synthesize(visitors: int, rng: np.random.Generator) -> dict[str, pa.Table]:
    per = rng.choice([1, 1, 1, 2, 2, 3, 5], size=visitors)
    owner = np.repeat(np.arange(visitors), per)
    starts = np.cumsum(per) - per
    session_number = np.arange(len(owner)) - np.repeat(starts, per) + 1
    n = len(owner)
    started = np.datetime64(AS_OF - timedelta(days=200)) + (
        rng.integers(0, 200 * 86400, n).astype("timedelta64[s]")
    )
    visitor_ids = np.char.add("v", owner.astype(str))
    session_ids = np.char.add(np.char.add(visitor_ids, "_"), session_number.astype(str))
    sessions = {
        "row_key": session_ids, "workspace_id": np.full(n, WORKSPACE), "session_id": session_ids,
        "visitor_id": visitor_ids, "session_number": session_number.astype(np.int32),
        "started_at": started.astype("datetime64[us]"),
        "social_platform": PLATFORMS[rng.integers(0, len(PLATFORMS), n)],
        "channel": CHANNELS[rng.integers(0, len(CHANNELS), n)],
        "country": COUNTRIES[rng.integers(0, len(COUNTRIES), n)],
        "device": DEVICES[rng.integers(0, len(DEVICES), n)],
        "leads": (rng.random(n) < 0.05).astype(np.int32),
        "orders": (rng.random(n) < 0.04).astype(np.int32),
    }  # fmt: skip
    viewed = rng.random(n) < 0.6
    m = int(viewed.sum())
    products = [[f"prd_{k}"] for k in rng.integers(0, 200, m)]
    events = {
        "row_key": np.char.add(session_ids[viewed], "_e"), "workspace_id": np.full(m, WORKSPACE),
        "event_id": np.char.add(session_ids[viewed], "_e"), "name": np.full(m, "view_item"),
        "visitor_id": visitor_ids[viewed], "session_id": session_ids[viewed],
        "ts": started[viewed].astype("datetime64[us]"), "product_ids": products,
    }  # fmt: skip
    bought = sessions["orders"] > 0
    k = int(bought.sum())
    orders = {
        "row_key": np.char.add(session_ids[bought], "_o"), "workspace_id": np.full(k, WORKSPACE),
        "order_id": np.char.add(session_ids[bought], "_o"),
        "visitor_id": np.where(rng.random(k) < 0.7, visitor_ids[bought], None),
        "session_id": session_ids[bought], "placed_at": started[bought].astype("datetime64[us]"),
        "gross": [f"{x:.2f}" for x in rng.gamma(2.0, 40.0, k)],
    }  # fmt: skip
    return {"sessions": sessions, "events": events, "orders": orders}


def _table(name: str, columns: dict[str, Any]) -> pa.Table:
    schema = TABLES[name].schema.to_pyarrow()
    rows = len(next(iter(columns.values())))
    arrays = []
    for field in schema:
        if field.name in columns:
            values = columns[field.name]
            if pa.types.is_decimal(field.type):
                arrays.append(pa.array(values).cast(field.type))
            elif isinstance(values, list):
                arrays.append(pa.array(values, type=field.type))
            else:
                plain = list(values) if values.dtype == object else values
                arrays.append(pa.array(plain).cast(field.type))
        else:
            arrays.append(pa.nulls(rows, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _best(run: Any, repeats: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    visitors = int(os.environ.get("BENCH_SEGMENTS_VISITORS", "1000000"))
    rng = np.random.default_rng(2026)
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Warehouse.open_duckdb(Path(folder) / "bench.duckdb")
        for name, columns in synthesize(visitors, rng).items():
            incoming = _table(name, columns)
            warehouse.backend.con.register("incoming", incoming)
            warehouse.backend.con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
            warehouse.backend.con.unregister("incoming")
        warehouse.clear_caches()
        scoped = warehouse.for_workspace(WORKSPACE)
        con = warehouse.backend.con
        print(f"bench/segments on {platform.processor() or platform.machine()}, "
              f"{visitors:,} visitors, 10 segments")  # fmt: skip
        total_ibis = total_sql = 0.0
        for name, (definition, where) in SEGMENTS.items():
            node = parse(definition)
            ibis_s, found = _best(
                lambda n=node: int(warehouse.execute(members(scoped, n, CONTEXT).count()))
            )
            sql_s, rows = _best(lambda w=where: con.execute(hand_sql(w)).fetchone())
            expected = int(rows[0])
            if found != expected:
                raise SystemExit(f"{name}: Ibis counted {found}, the hand-written SQL {expected}")
            total_ibis, total_sql = total_ibis + ibis_s, total_sql + sql_s
            print(f"  {name:24s} {found:>9,} members  ibis {ibis_s:6.3f} s  sql {sql_s:6.3f} s  "
                  f"ratio {ibis_s / sql_s:4.2f}")  # fmt: skip
        print(f"total: ibis {total_ibis:.2f} s, hand-written SQL {total_sql:.2f} s, "
              f"ratio {total_ibis / total_sql:.2f} (target <= 1.5)")  # fmt: skip
        warehouse.close()


if __name__ == "__main__":
    main()
