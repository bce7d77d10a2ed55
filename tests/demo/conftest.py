"""A demo brand seeded once per test module, small enough to take a second or two."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mercato.core.settings import Settings
from mercato.demo.generator import DemoSummary, seed_demo_brand
from mercato.runtime import Services

SMALL = 3_000
SEED = 11


@dataclass
class Seeded:
    services: Services
    summary: DemoSummary

    def sql(self, query: str, *params: object) -> pd.DataFrame:
        """Hand-written DuckDB SQL straight on the warehouse: the tests' independent reference."""
        frame: pd.DataFrame = self.services.warehouse.backend.con.execute(query, list(params)).df()
        return frame

    @property
    def workspace_id(self) -> str:
        return self.summary.workspace_id


def open_services(data_dir: Path) -> Services:
    settings = Settings(data_dir=data_dir, secret_key=secrets.token_urlsafe(40), time_zone="UTC")
    return Services.open(settings, upgrade=True)


def seed_into(data_dir: Path, seed: int = SEED, visitors: int = SMALL) -> Seeded:
    """A freshly seeded brand in `data_dir`; the caller closes `services`."""
    services = open_services(data_dir)
    try:
        return Seeded(services, seed_demo_brand(services, seed=seed, visitors=visitors))
    except BaseException:
        services.close()
        raise


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    brand = seed_into(tmp_path_factory.mktemp("demo"))
    yield brand
    brand.services.close()
