"""A real-world-shaped two-week event log, end to end from an empty data dir through the CLI:
the import report accounts for every row, and the KPI report equals pandas on the fixture."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mercato.cli.main import app
from mercato.warehouse.connection import Warehouse
from tests.collect.real_world_log import BOTS, EventLog, build_event_log

KPIS = ("sessions", "transactions", "revenue_gross", "aov_gross")
INACTIVITY = pd.Timedelta(minutes=30)


def mercato(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _frame(log: EventLog, now: datetime) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows the import should keep, and each row's outcome, computed with pandas."""
    frame = pd.DataFrame([{**r.values, "file": r.file} for r in log.rows])
    ts = pd.to_datetime(frame["event_time"], utc=True, errors="coerce", format="ISO8601")
    empty = frame["user_pseudo_id"].fillna("").str.strip() == ""
    bad = ts.isna() & ~empty
    future = ~bad & ~empty & (ts > pd.Timestamp(now, tz="UTC") + pd.Timedelta(minutes=5))
    bots = ~bad & ~empty & ~future & frame["user_agent"].isin(BOTS)
    good = frame[~(bad | empty | future | bots)].assign(ts=ts)
    unique = good.drop_duplicates("id")
    outcomes = {
        "stored": len(unique),
        "merged": len(good) - len(unique),
        "bad": int(bad.sum()),
        "empty_visitor_id": int(empty.sum()),
        "clock_skewed": int(future.sum()),
        "bots": int(bots.sum()),
    }
    return unique, {k: v for k, v in outcomes.items() if v}


def _expected_kpis(events: pd.DataFrame) -> dict[str, Decimal | int]:
    ordered = events.sort_values(["user_pseudo_id", "ts"])
    gap = ordered.groupby("user_pseudo_id")["ts"].diff()
    sessions = int((gap.isna() | (gap > INACTIVITY)).sum())
    purchases = events[events["event_name"] == "purchase"]
    # An order is one (order id, visitor); a purchase without an order id is its own order.
    key = (
        purchases["transaction_id"].fillna("derived:" + purchases["id"])
        + "|"
        + purchases["user_pseudo_id"]
    )
    orders = purchases.assign(key=key).drop_duplicates("key")
    revenue = sum((Decimal(v) for v in orders["purchase_revenue"]), Decimal("0"))
    return {
        "sessions": sessions,
        "transactions": len(orders),
        "revenue_gross": revenue,
        "aov_gross": (revenue / len(orders)).quantize(Decimal("0.01")),
    }


def _email_sessions(events: pd.DataFrame) -> int:
    ordered = events.sort_values(["user_pseudo_id", "ts"])
    gap = ordered.groupby("user_pseudo_id")["ts"].diff()
    first = ordered[gap.isna() | (gap > INACTIVITY)]
    return int((first["traffic_medium"] == "email").sum())


def _report(log: EventLog) -> dict[str, Decimal]:
    start = (log.first_day - timedelta(days=1)).date().isoformat()
    end = (log.first_day + timedelta(days=15)).date().isoformat()
    args = ["report", "-w", "shop", "--from", start, "--to", end, "--format", "json"]
    rows = json.loads(mercato(*args, *[a for k in KPIS for a in ("--kpi", k)]))
    return {r["kpi"]: Decimal(str(r["value"])) for r in rows}


def _last_entry() -> dict[str, object]:
    entries = json.loads(mercato("data-quality", "--workspace", "shop", "--format", "json"))
    entry: dict[str, object] = entries["entries"][0]
    return entry


def test_two_week_log_from_an_empty_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    log = build_event_log(tmp_path, now)
    data = tmp_path / "data"
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(data))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "s" * 40)
    mercato("db", "upgrade")
    mercato("workspaces", "create", "shop", "--name", "Shop", "--time-zone", "Europe/Berlin")
    files = [str(p) for p in log.files]
    args = ["import", "events", *files, "--mapping", str(log.mapping), "--workspace", "shop"]
    output = mercato(*args, "--site", "shop.example", "--skip-bad-rows")
    assert re.search(r"a\.csv:\d+:event_time: not a timestamp: '31/12/2024 25:61'", output), output
    assert "event_time: not a timestamp: '[/] yesterday'" in output  # file text is never markup

    events, outcomes = _frame(log, now)
    entry = _last_entry()
    assert entry["rows_read"] == len(log.rows)
    assert entry["outcomes"] == outcomes
    assert sum(outcomes.values()) == len(log.rows)
    flags = entry["flags"]
    assert isinstance(flags, dict)
    assert flags["kept_apart"] == 3  # three order ids, each shared by two visitors
    purchases_without_id = events[(events.event_name == "purchase") & (events.file == "c.ndjson")]
    assert flags["derived_order_ids"] == len(purchases_without_id) > 0

    table = mercato("data-quality", "--workspace", "shop")
    assert "a.csv, b.csv, c.ndjson" in table
    assert "empty_visitor_id 12" in table

    expected = _expected_kpis(events)
    reported = _report(log)
    assert reported["sessions"] == expected["sessions"]
    assert reported["transactions"] == expected["transactions"]
    assert reported["revenue_gross"] == expected["revenue_gross"]
    assert reported["aov_gross"].quantize(Decimal("0.01")) == expected["aov_gross"]

    warehouse = Warehouse.open_duckdb(data / "warehouse.duckdb")
    try:
        orders = warehouse.backend.to_pyarrow(warehouse.raw_table("orders")).to_pylist()
        sessions = warehouse.backend.to_pyarrow(warehouse.raw_table("sessions")).to_pylist()
        stored = warehouse.backend.to_pyarrow(warehouse.raw_table("events")).to_pylist()
    finally:
        warehouse.close()
    collided = sorted(o["gross"] for o in orders if str(o["order_id"]).startswith("5001"))
    assert collided == [Decimal("40.00"), Decimal("73.10")]  # decimal(18, 3) column (ADR 0550)
    assert sum(1 for s in sessions if s["channel"] == "Email") == _email_sessions(events)
    bought = [e for e in stored if e["name"] == "purchase" and e["properties"]]
    item = json.loads(bought[0]["properties"])["items"][0]
    assert item["id"].startswith("SKU-")
    assert item["name"] == "Linen shirt"
    assert sum(1 for e in stored if e["ts"].microsecond) > len(stored) // 2

    again = mercato(*args, "--skip-bad-rows")  # the same files again: nothing new
    assert " stored\n" not in again
    repeat = _last_entry()
    assert repeat["outcomes"] == {
        **{k: v for k, v in outcomes.items() if k not in ("stored", "merged")},
        "merged": outcomes["stored"] + outcomes.get("merged", 0),
    }
    assert _report(log) == reported
