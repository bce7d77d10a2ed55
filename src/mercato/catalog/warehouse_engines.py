"""A workspace's `warehouse_engine` (ADR 0505): where its analyses read the warehouse.

- duckdb (the default): the DuckDB warehouse the collector and imports write to.
- spark: the lake (`lake_dir`, ADR 0504) on Spark; the server then needs pyspark and lake_dir,
  and says so when either is missing instead of falling back to DuckDB.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from mercato.catalog.models import WorkspaceEngine
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow


class WarehouseEngine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


def parse_engine(text: str, location: str = "engine") -> WarehouseEngine:
    try:
        return WarehouseEngine(text.strip().lower())
    except ValueError:
        known = ", ".join(engine.value for engine in WarehouseEngine)
        raise ValidationFailed(
            f"{text!r} is not a warehouse engine; use one of {known}", location=location
        ) from None


def workspace_engine(session: Session, workspace_id: str) -> WarehouseEngine:
    row = session.get(WorkspaceEngine, workspace_id)
    return WarehouseEngine.DUCKDB if row is None else WarehouseEngine(row.engine)


def set_workspace_engine(
    session: Session, workspace_id: str, engine: WarehouseEngine
) -> WarehouseEngine:
    row = session.get(WorkspaceEngine, workspace_id)
    if row is None:
        session.add(WorkspaceEngine(workspace_id=workspace_id, engine=engine.value))
    else:
        row.engine, row.updated_at = engine.value, utcnow()
    session.flush()
    return engine
