"""The collector keeps the lake current: after events arrive over HTTP, the lake (read by
DuckDB alone) equals the warehouse, also after a failed lake write and after a replay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mercato.collect import loader as loader_module
from mercato.collect.wal import Checkpoint, Position
from mercato.runtime import Services
from mercato.warehouse.live_lake import LiveLake
from mercato.web.app import create_app
from tests.collect.conftest import CollectServer
from tests.conftest import make_settings
from tests.support.brands import Brand, make_brand
from tests.support.server import serve_app
from tests.warehouse.test_live_lake import assert_lake_equals_warehouse, read_lake

TABLES = ("events", "sessions", "orders")


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setattr(loader_module, "RETRY_AFTER_S", 0.05)
    settings = make_settings(tmp_path / "data").model_copy(
        update={"lake_dir": str(tmp_path / "lake"), "lake_max_files_per_partition": 4}
    )
    opened = Services.open(settings, upgrade=True)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def serving(services: Services, brand: Brand) -> Iterator[CollectServer]:
    app = create_app(services=services)
    with serve_app(app) as base:
        yield CollectServer(base, app, services, brand)


def _send(server: CollectServer, batch: int) -> None:
    events = [
        {"name": "pageview", "url": f"https://acme.example/p{n}", "event_id": f"b{batch}-{n}"}
        for n in range(5)
    ]
    events.append(
        {
            "name": "purchase",
            "url": "https://acme.example/thanks",
            "event_id": f"b{batch}-buy",
            "order_id": f"o-{batch}",
            "revenue": "12.34",
            "currency": "EUR",
        }
    )
    with server.client() as client:
        for event in events + events[:2]:  # the first two sent twice, as a retrying tracker does
            sent = client.post("/api/collect", json={"key": server.brand.site_public_key, **event})
            assert sent.status_code == 202, sent.text
    server.flush()


def _assert_lake_is_the_warehouse(server: CollectServer, lake: Path) -> None:
    for table in TABLES:
        assert_lake_equals_warehouse(lake, server.services.warehouse, table)
    held = read_lake(lake, "events")
    assert held.num_rows == len(set(held["event_id"].to_pylist())) > 0


def test_the_lake_follows_every_batch_and_survives_a_failed_write_and_a_replay(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake, brand = tmp_path / "lake", make_brand(services)
    with serving(services, brand) as server:
        _send(server, 1)
        _assert_lake_is_the_warehouse(server, lake)

        # The warehouse commits, then the lake write fails (as a kill there would): the loader
        # keeps its checkpoint and replays the batch, whose events the warehouse already has.
        real_sync = LiveLake.sync
        failures: list[int] = []

        def crash_once(self: LiveLake, *args: Any) -> int:
            if not failures:
                failures.append(1)
                raise OSError("lake disk went away")
            return real_sync(self, *args)

        monkeypatch.setattr(LiveLake, "sync", crash_once)
        _send(server, 2)
        assert failures == [1]
        _assert_lake_is_the_warehouse(server, lake)

    # A restart from an old checkpoint replays every batch already in the lake.
    Checkpoint(services.settings.wal_dir).save(Position(0, 0))
    with serving(services, brand) as replayed:
        replayed.flush()
        _send(replayed, 3)
        _assert_lake_is_the_warehouse(replayed, lake)
    assert max(s.most_files for s in LiveLake(str(lake)).status()) <= 4
