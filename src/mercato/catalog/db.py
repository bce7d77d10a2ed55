"""Catalog engine and sessions: SQLite file by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mercato.core.errors import DataDirError

if TYPE_CHECKING:
    from mercato.catalog.scoped import WorkspaceCatalog


# The unit of work `Catalog.session()` opens: routes and commands hand it to services and
# name its type by this alias, never importing SQLAlchemy (import-linter holds them to that).
CatalogSession: TypeAlias = Session


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, foreign keys on and WAL journaling."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def check_readable(engine: Engine) -> None:
    """Fail with a DataDirError, not a traceback, when the catalog file is not a database."""
    try:
        with engine.connect() as connection:
            inspect(connection).get_table_names()
    except (DatabaseError, OperationalError) as exc:
        raise DataDirError(
            f"catalog at {engine.url.render_as_string(hide_password=True)} cannot be read: "
            f"{exc.orig}. Keep the file (it holds your data): check its permissions, "
            "or restore it from a backup."
        ) from None


class Catalog:
    """The catalog handle passed to services: an engine and a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Catalog:
        return cls(make_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def for_workspace(self, workspace_id: str) -> WorkspaceCatalog:
        """The catalog as one workspace sees it (`catalog.scoped`)."""
        from mercato.catalog.scoped import WorkspaceCatalog  # scoped builds on this module

        return WorkspaceCatalog(self, workspace_id)

    def dispose(self) -> None:
        self.engine.dispose()
