"""The catalog as one workspace sees it: a session that knows its tenant.

`ScopedSession.get` answers None for another workspace's row (like an unknown id), and
`ScopedSession.select` starts every query with the workspace filter, so a route or command
holding one cannot read another tenant's rows by forgetting a `workspace_id ==` clause. It is
the catalog's counterpart of `warehouse.connection.ScopedWarehouse`.

Services written before it take `(session, workspace_id)`; `ScopedSession.session` and
`ScopedSession.workspace_id` hand them over unchanged while they move to the scoped form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import Workspace
from mercato.catalog.owned import WorkspaceRow, get_owned

Row = TypeVar("Row", bound=WorkspaceRow)


class ScopedSession:
    """A unit of work bound to one workspace (see the module docstring)."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def workspace(self) -> Workspace | None:
        """This session's workspace row (None once the workspace is deleted)."""
        return self.session.get(Workspace, self.workspace_id)

    def get(self, model: type[Row], row_id: str) -> Row | None:
        """The `model` row `row_id` of this workspace, or None (also for another tenant's)."""
        row = self.session.get(model, row_id)
        if row is None or row.workspace_id != self.workspace_id:
            return None
        return row

    def get_owned(self, model: type[Row], row_id: str, what: str) -> Row:
        """Like `get`, raising NotFoundError (a 404) naming `what` when there is no such row."""
        return get_owned(self.session, model, self.workspace_id, row_id, what)

    def select(self, model: type[Row]) -> Select[Row]:
        """`select(model)` already filtered to this workspace."""
        column: Any = model.workspace_id  # a mapped column on every tenant model
        return select(model).where(column == self.workspace_id)

    def scalars(self, statement: Select[Row]) -> list[Row]:
        return list(self.session.scalars(statement))

    def first(self, statement: Select[Row]) -> Row | None:
        return self.session.scalars(statement.limit(1)).first()

    def add(self, row: WorkspaceRow) -> None:
        """Add a new row; one naming another workspace is refused (a programming error)."""
        if row.workspace_id != self.workspace_id:
            raise ValueError(f"a {type(row).__name__} of another workspace cannot be added here")
        self.session.add(row)

    def delete(self, row: WorkspaceRow) -> None:
        if row.workspace_id != self.workspace_id:
            raise ValueError(f"a {type(row).__name__} of another workspace cannot be deleted here")
        self.session.delete(row)

    def flush(self) -> None:
        self.session.flush()


class WorkspaceCatalog:
    """The catalog handle of one workspace: scoped units of work."""

    def __init__(self, catalog: Catalog, workspace_id: str) -> None:
        self.catalog = catalog
        self.workspace_id = workspace_id

    @contextmanager
    def session(self) -> Iterator[ScopedSession]:
        """A scoped unit of work: committed on success, rolled back on error."""
        with self.catalog.session() as session:
            yield ScopedSession(session, self.workspace_id)
