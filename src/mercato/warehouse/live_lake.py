"""A lake kept current: warehouse partitions mirrored as Hive-partitioned Parquet (ADR 0504).

Layout: `<lake>/<table>/workspace_id=<id>/day=<YYYY-MM-DD>/part-<batch>.parquet` (tables without
a date or time column: `<table>/workspace_id=<id>/part-<batch>.parquet`). Files hold every
column except the partition ones, which readers (Spark, DuckDB `hive_partitioning`, ClickHouse)
take from the path. After each loader batch, every partition the batch touched is made equal
to the warehouse's: rows the lake lacks are added as one new file named by the batch's WAL
position; if a lake row is stale (an upserted session) or gone, the partition is rewritten as
one file. Every file is written under a dot-name and renamed, so no reader sees half of one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from mercato.core.errors import MercatoError
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.schemas import TABLES, TableSpec

STATE = "_mercato_live_lake.json"
DEFAULT_MAX_FILES = 16


class LiveLakeError(MercatoError):
    """The lake directory cannot be opened or written; the message names it."""

    code = "lake_unusable"


@dataclass(frozen=True)
class Partition:
    table: str
    workspace_id: str
    day: dt.date | None  # None: the table has no date column; one partition per workspace

    def folder(self) -> str:
        base = f"{self.table}/workspace_id={self.workspace_id}"
        return base if self.day is None else f"{base}/day={self.day.isoformat()}"


@dataclass(frozen=True)
class PartitionStatus:
    table: str
    partitions: int
    files: int
    rows: int
    bytes: int
    most_files: int  # in any one partition


def day_column(spec: TableSpec) -> str | None:
    """The column a table is partitioned by day on: its first date or time column."""
    for name, dtype in spec.schema.items():
        if dtype.is_timestamp() or dtype.is_date():
            return str(name)
    return None


def open_filesystem(location: str) -> tuple[pafs.FileSystem, str]:
    """A file system and root for `location`: a local path, or an fsspec URL."""
    if "://" not in location or location.startswith("file://"):
        path = location.removeprefix("file://")
        return pafs.LocalFileSystem(), str(pafs.LocalFileSystem().normalize_path(path))
    try:
        import fsspec
    except ImportError:
        raise LiveLakeError(
            f"lake_dir {location} is not a local path: object-store lakes need fsspec "
            "(pip install fsspec and the store's driver, e.g. s3fs)"
        ) from None
    try:
        store, root = fsspec.core.url_to_fs(location)
    except (ImportError, ValueError) as exc:
        raise LiveLakeError(f"lake_dir {location} cannot be opened: {exc}") from None
    return pafs.PyFileSystem(pafs.FSSpecHandler(store)), str(root)


class LiveLake:
    """Writes partitions of the warehouse to the lake; one writer (the loader) at a time."""

    def __init__(self, location: str, max_files: int = DEFAULT_MAX_FILES) -> None:
        self.location = location
        self.fs, self.root = open_filesystem(location)
        self.max_files = max_files
        self.fs.create_dir(self.root, recursive=True)

    # -- writing ---------------------------------------------------------------------------

    def sync(self, warehouse: Warehouse, partitions: Iterable[Partition], batch: str) -> int:
        """Make each partition equal to the warehouse's; returns the rows written."""
        written = 0
        for partition in sorted(set(partitions), key=_order):
            written += self._sync_partition(warehouse, partition, batch)
        self._save_state(batch)
        return written

    def sync_all(self, warehouse: Warehouse, batch: str) -> int:
        """Every partition of every table (a first fill, or after imports and syncs)."""
        return self.sync(warehouse, self.partitions_of(warehouse), batch)

    def partitions_of(self, warehouse: Warehouse) -> list[Partition]:
        found = []
        for name, spec in TABLES.items():
            table = warehouse.raw_table(name)
            column = day_column(spec)
            keys: dict[str, Any] = {"workspace_id": table.workspace_id}
            if column is not None:
                keys["day"] = table[column].cast("date")
            with warehouse.lock:
                rows = warehouse.backend.to_pyarrow(table.select(**keys).distinct()).to_pylist()
            found += [Partition(name, r["workspace_id"], r.get("day")) for r in rows]
        return found

    def _sync_partition(self, warehouse: Warehouse, partition: Partition, batch: str) -> int:
        stored = _warehouse_rows(warehouse, partition)
        files = self._files(partition.folder())
        if not files:  # a new partition: nothing to compare with
            if stored.num_rows:
                self._write(partition, stored, batch)
            return int(stored.num_rows)
        held = self._read(files, stored.schema, partition)
        con = duckdb.connect()
        try:
            con.register("stored", stored)
            con.register("held", held)
            missing = (
                con.execute("SELECT * FROM stored EXCEPT ALL SELECT * FROM held").arrow().read_all()
            )
            stale = con.execute(
                "SELECT count(*) FROM (SELECT * FROM held EXCEPT ALL SELECT * FROM stored)"
            ).fetchone()
        finally:
            con.close()
        if stale is not None and stale[0]:
            self._replace(partition, stored, files, batch)
            return int(stored.num_rows)
        if missing.num_rows:
            self._write(partition, missing, batch)
            files = self._files(partition.folder())
            if len(files) > self.max_files:
                self._replace(partition, stored, files, f"compacted-{batch}")
        return int(missing.num_rows)

    def compact(self) -> int:
        """Rewrite every partition holding more than one file as one; returns files removed."""
        removed = 0
        for folder in self._partition_folders():
            files = self._files(folder)
            if len(files) <= 1:
                continue
            rows = pa.concat_tables([self._read_file(path) for path in files])
            name = f"compacted-{utcnow().strftime('%Y%m%dT%H%M%S%f')}"
            self._put(f"{folder}/part-{name}.parquet", rows)
            for path in files:
                self.fs.delete_file(path)
            removed += len(files) - 1
        return removed

    def _replace(self, partition: Partition, rows: pa.Table, old: list[str], batch: str) -> None:
        # The new whole file is in place before the old ones go: a reader listing in between
        # may count a row twice for that instant, never miss one (docs/scale.md).
        target = self._write(partition, rows, batch)
        for path in old:
            if path != target:
                self.fs.delete_file(path)

    def _write(self, partition: Partition, rows: pa.Table, batch: str) -> str:
        return self._put(f"{partition.folder()}/part-{batch}.parquet", _file_columns(rows))

    def _put(self, relative: str, rows: pa.Table) -> str:
        target = f"{self.root}/{relative}"
        folder, name = target.rsplit("/", 1)
        self.fs.create_dir(folder, recursive=True)
        # A dot-name: Spark, Hive and DuckDB's `*.parquet` globs all skip it until the rename.
        temporary = f"{folder}/.{name}.writing"
        with self.fs.open_output_stream(temporary) as sink:
            pq.write_table(rows, sink)
        self.fs.move(temporary, target)
        return target

    def _save_state(self, batch: str) -> None:
        state = {"last_batch": batch, "updated_at": utcnow().isoformat()}
        self._put_text(STATE, json.dumps(state, indent=2) + "\n")

    def _put_text(self, relative: str, text: str) -> None:
        target = f"{self.root}/{relative}"
        temporary = f"{self.root}/.{relative}.writing"
        with self.fs.open_output_stream(temporary) as sink:
            sink.write(text.encode())
        self.fs.move(temporary, target)

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        info = self.fs.get_file_info(f"{self.root}/{STATE}")
        if info.type != pafs.FileType.File:
            return {}
        with self.fs.open_input_stream(info.path) as source:
            return dict(json.loads(source.read().decode()))

    def status(self) -> list[PartitionStatus]:
        result = []
        for name in TABLES:
            folders = [f for f in self._partition_folders() if f.split("/", 1)[0] == name]
            counts = [self._files(folder) for folder in folders]
            paths = [path for files in counts for path in files]
            rows = sum(pq.read_metadata(path, filesystem=self.fs).num_rows for path in paths)
            size = sum(info.size or 0 for info in self.fs.get_file_info(paths))
            most = max((len(files) for files in counts), default=0)
            result.append(PartitionStatus(name, len(folders), len(paths), rows, size, most))
        return result

    def _partition_folders(self) -> list[str]:
        """Partition folders relative to the root: `<table>/workspace_id=..[/day=..]`."""
        selector = pafs.FileSelector(self.root, recursive=True, allow_not_found=True)
        folders = set()
        for info in self.fs.get_file_info(selector):
            relative = info.path[len(self.root) + 1 :]
            if info.type == pafs.FileType.File and _is_part(relative):
                folders.add(relative.rsplit("/", 1)[0])
        return sorted(folders)

    def _files(self, folder: str) -> list[str]:
        selector = pafs.FileSelector(f"{self.root}/{folder}", allow_not_found=True)
        infos = self.fs.get_file_info(selector)
        return sorted(
            i.path for i in infos if i.type == pafs.FileType.File and _is_part(i.base_name)
        )

    def _read_file(self, path: str) -> pa.Table:
        return pq.read_table(path, filesystem=self.fs, partitioning=None)

    def _read(self, files: list[str], schema: pa.Schema, partition: Partition) -> pa.Table:
        fields = _file_columns(schema.empty_table()).schema
        tables = [self._read_file(path).select(fields.names).cast(fields) for path in files]
        held = pa.concat_tables(tables) if tables else fields.empty_table()
        # Back to the warehouse's shape, partition columns from the path, to compare rows.
        values = {"workspace_id": partition.workspace_id, "day": partition.day}
        for index, field in enumerate(schema):
            if field.name not in held.column_names:
                column = pa.array([values[field.name]] * held.num_rows, field.type)
                held = held.add_column(index, field, column)
        return held


def _is_part(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return name.startswith("part-") and name.endswith(".parquet")


def _order(partition: Partition) -> tuple[str, str, str]:
    return (partition.table, partition.workspace_id, str(partition.day))


def _file_columns(rows: pa.Table) -> pa.Table:
    """What a Hive-partitioned file holds: not the partition columns (the path has them)."""
    return rows.drop_columns([c for c in ("workspace_id", "day") if c in rows.column_names])


def _warehouse_rows(warehouse: Warehouse, partition: Partition) -> pa.Table:
    """The partition's rows in the warehouse; partition columns set to the partition's values
    (so a lake row, whose values come from its path, compares equal)."""
    spec = TABLES[partition.table]
    table = warehouse.raw_table(partition.table)
    expr = table.filter(table.workspace_id == partition.workspace_id)
    column = day_column(spec)
    if column is not None:
        expr = expr.filter(expr[column].cast("date") == ibis.literal(partition.day))
    with warehouse.lock:
        rows = warehouse.backend.to_pyarrow(expr)
    return rows.cast(spec.schema.to_pyarrow())


def batch_name(segment: int, offset: int) -> str:
    """A batch's name: where it starts in the WAL, so a replayed batch gets the same name."""
    return f"{segment:012d}-{offset:012d}"
