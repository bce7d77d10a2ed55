"""The stores and settings a running Mercato uses, opened once at start-up (by `mercato
serve` for the app, by a command for itself)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from mercato.catalog import migrate, sealed
from mercato.catalog.db import Catalog, check_readable
from mercato.catalog.warehouse_engines import WarehouseEngine, workspace_engine
from mercato.core import outbound
from mercato.core.errors import DataDirError
from mercato.core.settings import Settings
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.scoped import ScopedWarehouse
from mercato.warehouse.spark_lakes import SparkLakes


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
        warehouse = Warehouse.open_duckdb(
            settings.resolved_warehouse_path, compiled_dir=settings.data_dir / "compiled-sql"
        )
        return cls(settings, catalog, warehouse)

    def check_stores(self) -> dict[str, str]:
        """Both stores answer a trivial query: "ok", or the error's type (for `/healthz`)."""
        checks: dict[str, str] = {}
        try:
            with self.catalog.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["catalog"] = "ok"
        except Exception as exc:  # report, do not crash: this is the health endpoint
            checks["catalog"] = f"error: {type(exc).__name__}"
        try:
            self.warehouse.execute(self.warehouse.raw_table("events").count())
            checks["warehouse"] = "ok"
        except Exception as exc:
            checks["warehouse"] = f"error: {type(exc).__name__}"
        return checks

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


def engine_of(services: Services, workspace_id: str) -> WarehouseEngine:
    """The workspace's `warehouse_engine` (ADR 0505)."""
    with services.catalog.session() as session:
        return workspace_engine(session, workspace_id)


def analytics_warehouse(services: Services, workspace_id: str, slug: str) -> ScopedWarehouse:
    """The warehouse a workspace's analyses read, by its `warehouse_engine` (ADR 0505): the
    DuckDB store itself, or the lake on Spark (`warehouse.spark_lakes`) when chosen."""
    if engine_of(services, workspace_id) is WarehouseEngine.DUCKDB:
        return services.warehouse.for_workspace(workspace_id)
    lake = services.spark_lakes.warehouse(services.settings, slug)
    return lake.for_workspace(workspace_id)
