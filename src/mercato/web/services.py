"""The stores and settings a running Mercato uses, opened once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from mercato.catalog import migrate, sealed
from mercato.catalog.db import Catalog, check_readable
from mercato.core import outbound
from mercato.core.errors import DataDirError
from mercato.core.settings import Settings
from mercato.warehouse.connection import Warehouse
from mercato.web.spark_lakes import SparkLakes


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    warehouse: Warehouse
    # Workspaces on Spark (warehouse_engine, ADR 0505) read the lake through this; nothing
    # starts until one asks.
    spark_lakes: SparkLakes = field(default_factory=SparkLakes)

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = False) -> Services:
        """Open both stores; with `upgrade`, bring the catalog schema up to date first."""
        _check_data_dir(settings)
        outbound.install(settings.outbound_allow_private)
        sealed.install(settings.resolved_secret_key())
        catalog = Catalog.from_url(settings.resolved_catalog_url)
        check_readable(catalog.engine)
        if upgrade:
            migrate.upgrade(catalog.engine)
        elif pending := migrate.pending_revisions(catalog.engine):
            raise DataDirError(
                f"the catalog needs migrations {sorted(pending)}: run `mercato db upgrade`"
            )
        sealed.seal_legacy_tokens(catalog.engine)  # tokens saved before sealing existed
        warehouse = Warehouse.open_duckdb(settings.resolved_warehouse_path)
        return cls(settings, catalog, warehouse)

    def close(self) -> None:
        self.spark_lakes.close()
        self.warehouse.close()
        self.catalog.dispose()


def _check_data_dir(settings: Settings) -> None:
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise DataDirError(f"data dir {data_dir} (MERCATO_DATA_DIR) exists but is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"data dir {data_dir} (MERCATO_DATA_DIR) cannot be created: {exc}"
        ) from None
