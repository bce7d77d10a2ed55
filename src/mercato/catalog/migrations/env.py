"""Alembic environment: runs against the connection handed in by `mercato.catalog.migrate`."""

from __future__ import annotations

from alembic import context

from mercato.catalog.migrate import include_object
from mercato.catalog.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
