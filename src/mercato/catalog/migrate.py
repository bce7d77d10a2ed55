"""Run catalog migrations (Alembic), the same way from the CLI, `serve` and tests.

Each domain keeps its own linear branch of revisions that starts from the foundation
revision, so the tree may have several heads; upgrading always goes to all of them.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Engine-specific objects that migrations create by hand and no model declares: SQLite's FTS5
# table (and its shadow tables), PostgreSQL's expression GIN index, and the UGC library's sort
# indexes (NULLS FIRST on PostgreSQL, which SQLite refuses in an index).
UNMODELLED_PREFIXES = ("ugc_items_fts", "ix_ugc_items_fulltext", "ix_ugc_items_sort_")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate and schema checks ignore the hand-made full-text objects."""
    return not (reflected and name is not None and name.startswith(UNMODELLED_PREFIXES))


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def pending_revisions(engine: Engine) -> set[str]:
    """Head revisions not yet applied to this catalog."""
    heads = set(ScriptDirectory.from_config(_config(engine)).get_heads())
    with engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    return heads - applied


def revision(engine: Engine, message: str, head: str = "head") -> None:
    """Autogenerate a revision (developer tool)."""
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True, head=head)
