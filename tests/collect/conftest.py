"""Fixtures for collection tests: the real app over loopback, with its collector reachable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mercato.collect.pipeline import Collector
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.support.brands import Brand
from tests.support.server import serve_app

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@dataclass
class CollectServer:
    base: str
    app: FastAPI
    services: Services
    brand: Brand

    @property
    def collector(self) -> Collector:
        collector: Collector = self.app.state.collector
        return collector

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"user-agent": CHROME}, timeout=30)

    def flush(self) -> None:
        assert self.collector.loader.wait_until_loaded(60), self.collector.loader.last_error

    def rows(self, table: str) -> list[dict[str, Any]]:
        warehouse = self.services.warehouse
        with warehouse.lock:
            found: list[dict[str, Any]] = warehouse.backend.to_pyarrow(
                warehouse.raw_table(table)
            ).to_pylist()
            return found


@pytest.fixture
def collect_server(services: Services, brand: Brand) -> Iterator[CollectServer]:
    app = create_app(services=services)
    with serve_app(app) as base:
        yield CollectServer(base, app, services, brand)
