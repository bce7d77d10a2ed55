"""The CLI's own language (`--lang`, `MERCATO_LANG`: English unless asked; `auto` follows
LANG). Apart from `cli.language` so the entry point resolves it without loading the catalog."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from mercato.core.errors import ValidationFailed
from mercato.i18n import locales

AUTO = "auto"
ENV = "MERCATO_LANG"


def from_environment(environ: Mapping[str, str]) -> str:
    """`auto`: the first supported language of LC_ALL, LC_MESSAGES or LANG, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").split(".")[0]
        if not value:
            continue
        try:  # the first variable set wins, as in gettext; C and POSIX mean untranslated
            return locales.checked_language(value)
        except ValidationFailed:
            return locales.DEFAULT_LANGUAGE
    return locales.DEFAULT_LANGUAGE


def cli_language(requested: str | None, environ: Mapping[str, str]) -> str:
    """`--lang`, else MERCATO_LANG, else English; `auto` reads the locale variables."""
    wanted = requested or environ.get(ENV) or locales.DEFAULT_LANGUAGE
    if wanted == AUTO:
        return from_environment(environ)
    return locales.checked_language(wanted, location="--lang")


def with_language(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """argv with a resolved `--lang CODE` first, so a command forwarded to `mercato serve`
    (ADR 1500) speaks the caller's language, not the server's."""
    args = list(argv)
    requested = None
    if "--lang" in args[:-1]:
        at = args.index("--lang")
        requested = args[at + 1]
        del args[at : at + 2]
    try:
        code = cli_language(requested, environ)
    except ValidationFailed:
        code = requested or ""  # the option's own check reports it
    return ["--lang", code, *args] if args else args
