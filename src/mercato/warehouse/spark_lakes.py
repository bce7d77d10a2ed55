"""The process's Spark warehouse over the lake, for workspaces whose `warehouse_engine` is
spark (ADR 0505).

One SparkSession serves the process (started on the first Spark analysis, on `spark_master`,
stopped with the services); the lake's views are registered again only when the lake has moved
on (its `_mercato_live_lake.json` changed), so an analysis reads the lake as of its last batch.
A Spark choice that the server cannot honour (no pyspark, no lake_dir, a lake that is not a
local folder or has no batch yet) is an error naming what to set: never a silent DuckDB answer.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from mercato.core.errors import ConflictError
from mercato.core.settings import Settings
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.lake import LIVE_STATE, LakeError, LakeWarehouse, open_spark


class EngineUnavailable(ConflictError):
    """The workspace chose an engine this server cannot run."""

    code = "warehouse_engine_unavailable"


def _switch_back(slug: str) -> str:
    return (
        f"or switch the workspace back with `mercato settings engine --workspace {slug} "
        "--engine duckdb`"
    )


def spark_lake_dir(settings: Settings, slug: str) -> Path:
    """The lake a Spark analysis reads, or why there is none."""
    lake = settings.lake_dir
    if not lake:
        raise EngineUnavailable(
            f"workspace {slug} runs its analyses on Spark (warehouse_engine = spark), but the "
            "server has no lake: set lake_dir (MERCATO_LAKE_DIR) and fill it once with "
            f"`mercato warehouse compact-lake --sync`, {_switch_back(slug)}"
        )
    if "://" in lake and not lake.startswith("file://"):
        raise EngineUnavailable(
            f"workspace {slug} runs its analyses on Spark, but lake_dir {lake} is an object-store "
            "URL: Mercato's Spark analyses read a local (or mounted) lake folder; mount it and "
            f"set lake_dir to the path, {_switch_back(slug)}"
        )
    folder = Path(lake.removeprefix("file://"))
    if not (folder / LIVE_STATE).is_file():
        raise EngineUnavailable(
            f"workspace {slug} runs its analyses on Spark, but the lake {folder} has no batch "
            "yet: fill it with `mercato warehouse compact-lake --sync` (server stopped), "
            f"{_switch_back(slug)}"
        )
    return folder


class SparkLakes:
    """The process's Spark warehouse over the lake, re-opened when the lake changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: LakeWarehouse | None = None
        self._owner: LakeWarehouse | None = None  # the one that started the session
        self._version: tuple[str, str] | None = None

    def warehouse(self, settings: Settings, slug: str) -> Warehouse:
        folder = spark_lake_dir(settings, slug)
        version = (str(folder), (folder / LIVE_STATE).read_text())
        with self._lock:
            if self._open is None or self._version != version:
                try:
                    opened = open_spark(folder, settings.spark_master)
                except LakeError as exc:
                    raise EngineUnavailable(
                        f"workspace {slug} runs its analyses on Spark: {exc}; {_switch_back(slug)}"
                    ) from None
                if opened.owns_session:
                    opened.owns_session = False  # kept for the next analysis: closed by us
                    self._owner = opened
                self._open, self._version = opened, version
            return self._open

    def close(self) -> None:
        with self._lock:
            if self._owner is not None:
                self._owner.session.stop()
            self._open = self._owner = None


def spark_problem(settings: Settings, slug: str) -> str | None:
    """Why this server cannot run `slug`'s analyses on Spark now; None: it can (the lake is
    there and pyspark imports; Spark itself starts on the first analysis)."""
    try:
        spark_lake_dir(settings, slug)
    except EngineUnavailable as exc:
        return exc.message
    if importlib.util.find_spec("pyspark") is None:
        return (
            f"workspace {slug} runs its analyses on Spark, but pyspark is not installed on the "
            "server: install the [spark] extra (pip install 'mercato[spark]'), "
            + _switch_back(slug)
        )
    return None
