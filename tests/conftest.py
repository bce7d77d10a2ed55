"""Shared fixtures: network blocked, stores on SQLite and PostgreSQL, the real server."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato.core.settings import Settings
from mercato.runtime import Services
from tests.support.brands import Brand, make_brand
from tests.support.engines import Engines
from tests.support.network import block_network
from tests.support.postgres import postgres_server
from tests.support.server import serve_app

# notimpl / notyet / never: engine limitation markers that require a reason.
pytest_plugins = ["tests.support.engine_markers"]

block_network()
# Background syncs are on by default (hourly); tests that want them start one explicitly.
# Set in the environment so servers started as subprocesses inherit it too.
os.environ.setdefault("MERCATO_SYNC_INTERVAL_MINUTES", "0")


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def _fresh_postgres_db(base_url: str) -> str:
    import sqlalchemy as sa

    name = "t_" + secrets.token_hex(6)
    engine = sa.create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base_url}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The catalog on each engine Mercato supports; tests using it run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    base: str = request.getfixturevalue("postgres_base_url")
    return _fresh_postgres_db(base)


def make_settings(data_dir: Path, catalog_url: str | None = None) -> Settings:
    return Settings(
        data_dir=data_dir,
        catalog_url=catalog_url,
        secret_key=secrets.token_urlsafe(40),
        time_zone="UTC",
        sync_interval_minutes=0,
    )


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """The engines of the run (tests/support/engines.py), shared by every area, so one test
    run starts at most one SparkSession (with the settings tuned for tiny data)."""
    loaded = Engines(tmp_path_factory.mktemp("engines"))
    yield loaded
    loaded.close()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Stores on SQLite + a DuckDB file in a fresh data dir."""
    opened = Services.open(make_settings(tmp_path / "data"), upgrade=True)
    yield opened
    opened.close()


@pytest.fixture
def services_any_catalog(tmp_path: Path, catalog_url: str) -> Iterator[Services]:
    """Like `services`, parametrised over SQLite and PostgreSQL catalogs."""
    opened = Services.open(make_settings(tmp_path / "data", catalog_url), upgrade=True)
    yield opened
    opened.close()


@pytest.fixture
def brand(services: Services) -> Brand:
    return make_brand(services)


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    """The real app on a loopback port over `services`."""
    from mercato.web.app import create_app

    with serve_app(create_app(services=services)) as base:
        yield base


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; nothing is downloaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Screenshots and other outputs that a person may want to look at after a run."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
