"""The loader never stalls: poisoned rows are set aside with a reason, the rest loads."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from mercato.catalog.models import QualityEntry
from mercato.collect import loader as loader_module
from mercato.collect.enrich import Hit
from mercato.collect.payload import TrackerEvent
from mercato.collect.rejected import RejectedLog
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.web.app import create_app
from mercato.web.routes.collect_public import site_config
from tests.collect.conftest import CHROME, CollectServer
from tests.conftest import make_settings
from tests.support.brands import make_brand
from tests.support.server import serve_app


def _row(server: CollectServer, event_id: str, **fields: Any) -> dict[str, Any]:
    """A WAL row as the collector writes it, then altered by `fields` (None removes one)."""
    site = site_config(server.services, {}, server.brand.site_public_key)
    assert site is not None
    event = TrackerEvent(name="pageview", url="https://acme.example/p", event_id=event_id)
    hit = Hit(ip="203.0.113.9", user_agent=CHROME, received_at=utcnow())
    payload, _ = server.collector.prepare([(event, site, hit)])
    assert payload is not None
    (row,) = json.loads(payload)
    row.update(fields)
    return {key: value for key, value in row.items() if value is not None}


def _append(server: CollectServer, record: Any) -> None:
    server.collector.wal.append_blocking(json.dumps(record).encode())


def test_poisoned_records_are_set_aside_and_later_events_load(
    collect_server: CollectServer,
) -> None:
    items_scalar = _row(
        collect_server,
        "items-5",
        name="purchase",
        order_id="p1",
        revenue="10.00",
        currency="USD",
        properties='{"items":5}',
    )
    _append(collect_server, [_row(collect_server, "before")])
    _append(
        collect_server,
        [
            _row(collect_server, "bad-ts", ts="not a time"),
            _row(collect_server, "middle"),
            _row(collect_server, "bad-revenue", revenue="abc"),
            _row(collect_server, "no-visitor", visitor_id=None),
            items_scalar,
        ],
    )
    _append(collect_server, {"not": "a list of rows"})
    with collect_server.client() as client:
        later = client.post(
            "/api/collect",
            json={
                "key": collect_server.brand.site_public_key,
                "name": "pageview",
                "url": "https://acme.example/later",
                "event_id": "later",
            },
        )
        assert later.status_code == 202
        collect_server.flush()
        health = client.get("/healthz")
    stored = {r["event_id"] for r in collect_server.rows("events")}
    assert stored == {"before", "middle", "items-5", "later"}
    assert [o["order_id"] for o in collect_server.rows("orders")] == ["p1"]
    assert health.status_code == 200, health.text
    assert health.json()["collector"]["rejected"] == 4
    stats = collect_server.collector.stats()
    assert (stats.rejected, stats.loader_error) == (4, None)
    log = RejectedLog(collect_server.services.settings.wal_dir)
    reasons = {r.row.get("event_id", "record"): r.reason for r in log.recent()}
    assert reasons.keys() == {"bad-ts", "bad-revenue", "no-visitor", "record"}
    assert reasons["bad-ts"].startswith("ValueError")
    assert reasons["bad-revenue"].startswith(("InvalidOperation", "ConversionSyntax"))
    assert reasons["no-visitor"].startswith("KeyError")
    assert log.count == 4


@pytest.fixture
def impatient_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CollectServer]:
    """Health turns unhealthy after 0.5 s of lag; the loader retries every 50 ms."""
    monkeypatch.setattr(loader_module, "RETRY_AFTER_S", 0.05)
    settings = make_settings(tmp_path / "data").model_copy(update={"loader_max_lag_seconds": 0.5})
    services = Services.open(settings, upgrade=True)
    brand = make_brand(services)
    app = create_app(services=services)
    try:
        with serve_app(app) as base:
            yield CollectServer(base, app, services, brand)
    finally:
        services.close()


def test_environment_faults_are_retried_and_lag_makes_health_fail(
    impatient_server: CollectServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing disk is not the rows' fault: nothing is rejected, the lag shows, then loads."""
    server = impatient_server
    store = server.collector.store
    real_store = store.store

    def broken_disk(rows: list[dict[str, Any]]) -> Any:
        raise duckdb.IOException("IO Error: could not write file (disk full)")

    monkeypatch.setattr(store, "store", broken_disk)
    with httpx.Client(base_url=server.base, headers={"user-agent": CHROME}) as client:
        sent = client.post(
            "/api/collect",
            json={
                "key": server.brand.site_public_key,
                "name": "pageview",
                "url": "https://acme.example/",
                "event_id": "waits",
            },
        )
        assert sent.status_code == 202
        time.sleep(1.0)
        stalled = client.get("/healthz")
        monkeypatch.setattr(store, "store", real_store)
        server.flush()
        recovered = client.get("/healthz")
    assert stalled.status_code == 503
    assert stalled.json()["checks"]["loader"].startswith("error: events waited")
    assert stalled.json()["collector"]["loader_lag_s"] > 0.5
    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["collector"] == {"loader_lag_s": 0.0, "max_lag_s": 0.5, "rejected": 0}
    assert [r["event_id"] for r in server.rows("events")] == ["waits"]


def test_a_row_that_fails_only_in_the_warehouse_is_found_by_halving(
    collect_server: CollectServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row that looks sound but makes the load fail (any exception) is isolated alone."""
    store = collect_server.collector.store
    real_store = store.store
    calls: list[int] = []

    def store_refusing_cursed(rows: list[dict[str, Any]]) -> Any:
        calls.append(len(rows))
        if any(r["event_id"] == "cursed" for r in rows):
            raise RuntimeError("conversion failed for a value only the engine dislikes")
        return real_store(rows)

    monkeypatch.setattr(store, "store", store_refusing_cursed)
    rows = [_row(collect_server, f"ok-{i}") for i in range(40)]
    rows.insert(17, _row(collect_server, "cursed"))
    for row in rows:
        _append(collect_server, [row])
    collect_server.flush()
    stored = {r["event_id"] for r in collect_server.rows("events")}
    assert stored == {f"ok-{i}" for i in range(40)}
    (rejection,) = RejectedLog(collect_server.services.settings.wal_dir).recent()
    assert rejection.row["event_id"] == "cursed"
    assert rejection.reason.startswith("RuntimeError: conversion failed")
    assert len(calls) < 2 * 41  # halving, not one store call per row


def test_rejected_events_are_counted_on_the_data_quality_view(
    collect_server: CollectServer,
) -> None:
    _append(
        collect_server,
        [_row(collect_server, "bad-ts", ts="yesterday-ish"), _row(collect_server, "ok")],
    )
    collect_server.flush()
    with collect_server.services.catalog.session() as session:
        entries = session.query(QualityEntry).filter(QualityEntry.source == "collector").all()
        seen = [(e.workspace_id, e.status, dict(e.outcomes), list(e.problems)) for e in entries]
    ((workspace_id, status, outcomes, problems),) = seen
    assert (workspace_id, status) == (collect_server.brand.workspace_id, "rejected")
    assert outcomes == {"rejected_batch": 1}
    assert problems[0]["message"].startswith("bad-ts: ValueError")
    assert {r["event_id"] for r in collect_server.rows("events")} == {"ok"}
