"""Rows that belong to a workspace, looked up by id without crossing tenants."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from mercato.core.errors import NotFoundError


class WorkspaceRow(Protocol):
    @property
    def workspace_id(self) -> str: ...


Row = TypeVar("Row", bound=WorkspaceRow)


def get_owned(session: Session, model: type[Row], workspace_id: str, row_id: str, what: str) -> Row:
    """The `model` row `row_id` of this workspace. Another workspace's row is reported as
    missing, like an unknown id, so ids of other tenants reveal nothing."""
    row = session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFoundError(f"no {what} {row_id!r} in this workspace")
    return row
