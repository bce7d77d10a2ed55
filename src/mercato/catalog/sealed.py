"""A text column stored sealed: platform tokens and app secrets never reach the catalog file
in the clear.

The box is installed once per process from the settings' secret key (like the outbound
guard), when the stores are opened, so the server, the CLI and the background syncs seal and
open with the same key. Values written before sealing existed carry no `SEALED_PREFIX`: they
are read as they are and `seal_legacy_tokens` rewrites them sealed at start-up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from mercato.core.errors import SettingsError
from mercato.core.secret_box import SecretBox

SEALED_PREFIX = "sealed:v1:"
_box: SecretBox | None = None

# (table, key column, sealed columns) whose older rows may hold plaintext.
LEGACY_PLAINTEXT = (("social_accounts", "id", ("access_token",)),)  # 0202 adds only sealed


def install(secret_key: str) -> SecretBox:
    global _box
    _box = SecretBox(secret_key, purpose="catalog-tokens")
    return _box


def installed_box() -> SecretBox:
    if _box is None:
        raise SettingsError("no secret key installed: open the stores from settings first")
    return _box


def seal(plain: str) -> str:
    return SEALED_PREFIX + installed_box().seal(plain)


def unseal(stored: str) -> str:
    if not stored.startswith(SEALED_PREFIX):
        return stored  # a legacy plaintext value, rewritten sealed at start-up
    return installed_box().open(stored[len(SEALED_PREFIX) :])


class SealedText(TypeDecorator[str]):
    """Plain `str` in Python, `sealed:v1:<Fernet token>` in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return seal(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return unseal(str(value))


def seal_legacy_tokens(engine: Engine) -> int:
    """Rewrite every plaintext value of a sealed column sealed; the number rewritten."""
    rewritten = 0
    with engine.begin() as connection:
        for table, key, columns in LEGACY_PLAINTEXT:
            for column in columns:
                rows = connection.execute(
                    text(
                        f"SELECT {key}, {column} FROM {table} "  # noqa: S608 - fixed names
                        f"WHERE {column} IS NOT NULL AND {column} <> '' "
                        f"AND {column} NOT LIKE :prefix"
                    ),
                    {"prefix": SEALED_PREFIX + "%"},
                ).all()
                for row_key, plain in rows:
                    connection.execute(
                        text(f"UPDATE {table} SET {column} = :sealed WHERE {key} = :key"),  # noqa: S608
                        {"sealed": seal(plain), "key": row_key},
                    )
                    rewritten += 1
    return rewritten
