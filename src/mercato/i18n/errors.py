"""Error codes of the i18n domain."""

from __future__ import annotations

from enum import StrEnum


class I18nError(StrEnum):
    UNKNOWN_LANGUAGE = "unknown_language"
