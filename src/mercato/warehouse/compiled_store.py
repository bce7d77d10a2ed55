"""Compiled report SQL kept in the data dir, so a fresh process skips the Ibis build (ADR 0506).

The in-process cache (`connection.CompiledSql`, ADR 0502) is keyed by everything a report's
expression depends on: the workspace, the slice, the query's measures. Across processes the SQL
also depends on what a process takes as given: the code that builds the expression (the KPI
registry and its sources are code), the stored tables' schemas, the engine and the versions of
Mercato, Ibis, sqlglot and DuckDB. Those make the store's *fingerprint*. A file is served only
when its whole key text and fingerprint equal the asked ones (the digest in its name only finds
it), so a changed definition or setting is a miss, never stale SQL.

Only keys made of plain values (text, numbers, dates, enums, tuples, dataclasses of those) are
written: a key holding anything else has no text that means the same in another process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Hashable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path

log = logging.getLogger("mercato.warehouse")
PACKAGE = Path(__file__).resolve().parents[1]  # src/mercato
KEEP_FILES = 4096  # the newest are kept; a workspace's reports need a few dozen


class Unpersistable(TypeError):
    """A key part whose text would not name the same thing in another process."""


def key_text(value: object) -> str:
    """A text naming `value` exactly, the same in every process (or `Unpersistable`)."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Enum):
        return {"enum": f"{type(value).__module__}.{type(value).__qualname__}", "v": value.value}
    if isinstance(value, Decimal | datetime | date | time | timedelta):
        return {type(value).__name__: str(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset | set):
        return {"set": sorted(key_text(item) for item in value)}
    if isinstance(value, dict):
        return {"dict": sorted((key_text(k), _plain(v)) for k, v in value.items())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = f"{type(value).__module__}.{type(value).__qualname__}"
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"dataclass": name, "fields": fields}
    raise Unpersistable(f"{type(value).__qualname__} has no process-independent text")


@cache
def code_digest() -> str:
    """A digest of Mercato's Python sources: any change to how an expression is built (a KPI
    definition, a source, the compiler) gives another fingerprint."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(engine: str, schemas: dict[str, str]) -> str:
    import duckdb
    import ibis
    import sqlglot

    from mercato import __version__

    parts = {
        "mercato": __version__,
        "code": code_digest(),
        "engine": engine,
        "ibis": ibis.__version__,
        "sqlglot": getattr(sqlglot, "__version__", "unknown"),
        "duckdb": duckdb.__version__,
        "schemas": schemas,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class CompiledSqlStore:
    """One JSON file per compiled query under `directory`: its key text, fingerprint and SQL."""

    def __init__(self, directory: Path, fingerprint_of: Callable[[], str]) -> None:
        self.directory = directory
        self._fingerprint_of = fingerprint_of
        self._fingerprint: str | None = None
        self._written = 0

    def forget_fingerprint(self) -> None:
        """After DDL: the schemas part is read again on next use."""
        self._fingerprint = None

    def _locate(self, key: Hashable) -> tuple[Path, str, str] | None:
        try:
            text = key_text(key)
        except Unpersistable:
            return None
        if self._fingerprint is None:
            self._fingerprint = self._fingerprint_of()
        name = hashlib.sha256(f"{self._fingerprint}\n{text}".encode()).hexdigest()
        return self.directory / f"{name}.json", text, self._fingerprint

    def get(self, key: Hashable) -> str | None:
        found = self._locate(key)
        if found is None:
            return None
        path, text, print_ = found
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not written yet, or half written by a crash: compile again
        if document.get("key") != text or document.get("fingerprint") != print_:
            return None
        sql = document.get("sql")
        return sql if isinstance(sql, str) else None

    def put(self, key: Hashable, sql: str) -> None:
        found = self._locate(key)
        if found is None:
            return
        path, text, print_ = found
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            document = {"key": text, "fingerprint": print_, "sql": sql}
            partial.write_text(json.dumps(document), encoding="utf-8")
            partial.replace(path)  # atomic: a reader sees the old file, the new, or none
            self._written += 1
            if self._written % 256 == 0:
                self._prune()
        except OSError as exc:  # a full or read-only disk costs a compilation, nothing more
            log.warning("compiled SQL not kept in %s: %s", self.directory, exc)

    def _prune(self) -> None:
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for stale in files[:-KEEP_FILES]:
            stale.unlink(missing_ok=True)
