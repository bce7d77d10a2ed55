"""The warehouse as a Parquet "lake" that a distributed engine (Spark) reports from.

Storage stays DuckDB (the collector and imports write there); `export_lake` copies every
table, or one workspace's rows, to `DIR/<table>.parquet`, and `open_spark` registers those
files as Spark views so the same KPI expressions run on Spark (ADR 0503).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow.parquet as pq

from mercato.core.errors import MercatoError
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import ScopedWarehouse, Warehouse
from mercato.warehouse.schemas import TABLES

# Written last into every export: marks a folder as a Mercato lake (a re-export may replace
# it; any other folder is left alone) and records what it holds.
MANIFEST = "_mercato_lake.json"
LIVE_STATE = "_mercato_live_lake.json"  # the lake the loader keeps current (live_lake.STATE)
DEFAULT_SPARK_MASTER = "local[*]"


class LakeError(MercatoError):
    """A lake cannot be written or read; the message names the folder or file."""

    code = "lake_unusable"


@dataclass(frozen=True)
class LakeExport:
    path: Path
    workspace_id: str | None
    rows: dict[str, int]  # rows written per table


def table_path(lake_dir: Path, table: str) -> Path:
    return lake_dir / f"{table}.parquet"


def export_lake(
    warehouse: Warehouse,
    lake_dir: Path,
    workspace_id: str | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> LakeExport:
    """Write every warehouse table (only `workspace_id`'s rows, if given) as Parquet;
    `on_table(name, rows)` is told as each table is written.

    The files go to a fresh folder beside `lake_dir`, which then takes its place, so a reader
    never sees a half-written export; a folder that is not an earlier export is never replaced.
    """
    target = lake_dir.resolve()
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    )
    try:
        rows: dict[str, int] = {}
        for name in TABLES:
            rows[name] = _export_table(warehouse, staging, name, workspace_id)
            if on_table is not None:
                on_table(name, rows[name])
        manifest = {
            "workspace_id": workspace_id,
            "exported_at": utcnow().isoformat(),
            "tables": rows,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return LakeExport(target, workspace_id, rows)


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise LakeError(f"lake {target} exists and is not a folder")
    if any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise LakeError(
            f"lake {target} is a folder with other files in it (no {MANIFEST}): "
            "choose an empty or new folder, or one an earlier export wrote"
        )


def _export_table(warehouse: Warehouse, folder: Path, name: str, workspace_id: str | None) -> int:
    table = warehouse.raw_table(name)
    expr = table if workspace_id is None else table.filter(table.workspace_id == workspace_id)
    path = table_path(folder, name)
    with warehouse.lock:
        warehouse.backend.to_parquet(expr, path)
    return int(pq.read_metadata(path).num_rows)


def _swap_in(staging: Path, target: Path) -> None:
    # Two renames on one file system: the old export stays whole until the new one is whole.
    if not target.exists():
        staging.rename(target)
        return
    retired = staging.with_suffix(".old")
    target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


class LakeWarehouse(Warehouse):
    """A read-only warehouse over a lake's Parquet files, on Spark: for reports only."""

    def __init__(
        self, backend: Any, session: Any, owns_session: bool, only_workspace: str | None
    ) -> None:
        super().__init__(backend, "spark", read_only=True)
        self.session = session
        self.owns_session = owns_session
        self.only_workspace = only_workspace  # the export's --workspace, if it had one

    def for_workspace(self, workspace_id: str) -> ScopedWarehouse:
        check_holds(self.only_workspace, workspace_id)
        return super().for_workspace(workspace_id)

    def close(self) -> None:
        # A session that was running before (a notebook's, the test run's) is not ours to stop.
        if self.owns_session:
            self.session.stop()


def open_spark(lake_dir: Path, master: str = DEFAULT_SPARK_MASTER) -> LakeWarehouse:
    """A Spark warehouse whose tables are the lake's Parquet files, as temporary views.

    Uses the running SparkSession if there is one (then `close` leaves it running), else
    starts one on `master`. The views live in a session of their own, so two lakes (or a
    lake and other work) opened in one Spark application do not see each other's tables.
    """
    check_master(master)
    live = (lake_dir / LIVE_STATE).is_file()
    paths = {} if live else _lake_files(lake_dir)
    spark_session, context = _pyspark()
    owns_session = context._active_spark_context is None  # no public probe for "running"
    builder = spark_session.builder
    if owns_session:  # a running session keeps its master and settings
        builder = builder.master(master).appName("mercato-reports")
        # Spark's stage progress bar would interleave with the command's own output.
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    root = builder.getOrCreate()
    if owns_session:
        root.sparkContext.setLogLevel("ERROR")
    session = root.newSession()
    from ibis.backends.pyspark.datatypes import PySparkSchema

    for name in TABLES:
        # The declared schema, not the one inferred from the files: Spark then reads naive
        # timestamps exactly as the rest of Mercato's Spark path does.
        schema = PySparkSchema.from_ibis(TABLES[name].schema)
        if live:
            frame = _partitioned(session, lake_dir / name, schema)
        else:
            frame = session.read.schema(schema).parquet(str(paths[name]))
        frame.createOrReplaceTempView(name)
    backend = ibis.pyspark.connect(session)
    only = None if live else exported_workspace(lake_dir)
    return LakeWarehouse(backend, session, owns_session, only)


def _partitioned(session: Any, folder: Path, schema: Any) -> Any:
    """A live-lake table (Hive partitions; ADR 0504) with the declared schema; no partition
    yet: an empty table."""
    if not any(folder.rglob("part-*.parquet")):
        return session.createDataFrame([], schema)
    frame = session.read.option("basePath", str(folder)).parquet(str(folder))
    return frame.select([frame[f.name].cast(f.dataType).alias(f.name) for f in schema.fields])


def check_master(master: str) -> None:
    """Spark Connect has no RDDs or SparkContext, which Ibis' pyspark backend needs."""
    if master.startswith("sc://"):
        raise LakeError(
            f"spark_master {master} is a Spark Connect URL, which Mercato does not support: "
            "use a cluster master (spark://host:7077), yarn, or local[*]"
        )


def check_holds(only_workspace: str | None, workspace_id: str) -> None:
    """Refuse to report on a workspace whose rows the lake lacks: it would show zeros."""
    if only_workspace is not None and workspace_id != only_workspace:
        raise LakeError(
            f"the lake holds only workspace {only_workspace}'s rows, not {workspace_id}'s: "
            "export that workspace (or every one) first"
        )


def exported_workspace(lake_dir: Path) -> str | None:
    """The one workspace the lake was exported for; None: every workspace (or no manifest,
    e.g. files another tool wrote)."""
    manifest = lake_dir / MANIFEST
    if not manifest.is_file():
        return None
    try:
        found = json.loads(manifest.read_text()).get("workspace_id")
    except (ValueError, AttributeError):
        raise LakeError(f"{manifest} is not a Mercato lake manifest") from None
    return None if found is None else str(found)


def _lake_files(lake_dir: Path) -> dict[str, Path]:
    if not lake_dir.is_dir():
        raise LakeError(
            f"lake {lake_dir} does not exist: write it with `mercato warehouse export {lake_dir}`"
        )
    paths = {name: table_path(lake_dir, name) for name in TABLES}
    missing = [str(path) for path in paths.values() if not path.exists()]
    if missing:
        raise LakeError(
            f"lake {lake_dir} lacks {', '.join(missing)}: re-export it with "
            "`mercato warehouse export`"
        )
    return paths


def _pyspark() -> tuple[Any, Any]:
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        raise LakeError(
            "reports on Spark need pyspark: install the [spark] extra "
            "(pip install 'mercato[spark]')"
        ) from None
    return SparkSession, SparkContext
