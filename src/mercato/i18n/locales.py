"""The interface languages, their gettext catalogs, and picking one for a request.

Catalogs live as `src/mercato/locale/<lang>/LC_MESSAGES/messages.po` and are compiled in
memory with Babel the first time a language is used, so a fresh clone needs no build step and
no binary `.mo` file in git. English is the source language: its catalog maps every message
to itself (an empty translation falls back to the message id).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from mercato.core import labels
from mercato.core.errors import ValidationFailed

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# Languages with a complete catalog, and how each names itself in the language picker.
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def checked_language(language: str, location: str = "language") -> str:
    """A supported language code (`ja`, `ja-JP`, `ja_JP` → `ja`), or a clear error."""
    code = language.strip().replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        raise ValidationFailed(
            f"unknown language {language!r}; available: {', '.join(LANGUAGES)}",
            location=location,
        )
    return code


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalog of a supported language (cached for the process)."""
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _weighted(accept_language: str) -> list[tuple[float, int, str]]:
    ranked = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and 0 < weight <= 1:
            ranked.append((-weight, position, tag.strip()))
    return sorted(ranked)


def negotiate(accept_language: str | None) -> str | None:
    """The first supported language of an `Accept-Language` header, by weight then order."""
    for _, _, tag in _weighted(accept_language or ""):
        if tag == "*":
            return DEFAULT_LANGUAGE
        code = tag.replace("-", "_").split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return None


def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


# The language of the page or command being produced (set by `web.templating.render` and
# the CLI); gettext below reads it, so templates and Python code translate the same way.
_current: ContextVar[str] = ContextVar("mercato_language", default=DEFAULT_LANGUAGE)


@contextmanager
def activate(language: str) -> Iterator[None]:
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def use(language: str) -> None:
    """Make `language` the active one for the rest of this context (a CLI command)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, count)


# Labels of raw identifiers (core.labels) are translated in the active language too.
labels.install_translator(gettext)


def mark(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where shown."""
    return message
