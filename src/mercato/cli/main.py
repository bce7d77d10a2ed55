"""The `mercato` entry point: one Typer app with a sub-command per area.

Every area's module (and with it Ibis, DuckDB, SQLAlchemy, FastAPI, pandas) is imported only
when one of its commands runs: `mercato --help` lists the areas from `commands.AREAS` without
importing them, so it answers at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mercato import __version__
from mercato.cli import channel
from mercato.cli import lang as cli_lang
from mercato.cli.commands import LazyGroup


def _print_version(wanted: bool) -> None:
    if wanted:
        print(__version__)
        raise typer.Exit()


app = typer.Typer(
    name="mercato",
    help="Mercato: shoppable UGC and full-funnel social analytics, self-hosted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version."
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of the CLI's own messages: en (default), ja, or auto (follow LANG). "
            "Default from MERCATO_LANG.",
        ),
    ] = None,
) -> None:
    """Mercato: shoppable UGC and full-funnel social analytics, self-hosted."""
    from mercato.core.errors import MercatoError
    from mercato.i18n import locales

    try:
        locales.use(cli_lang.cli_language(lang, os.environ))
    except MercatoError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--lang: "), param_hint="--lang") from None


@app.command("version")
def version() -> None:
    """Print Mercato's version."""
    print(__version__)


def command_tree() -> Any:
    """The whole click command tree, every area loaded (docs checks, forwarding)."""
    root = typer.main.get_command(app)
    if not isinstance(root, LazyGroup):
        raise TypeError(f"the root command is a {type(root).__name__}, not a LazyGroup")
    root.load_all()
    return root


def _data_dir() -> Path | None:
    from mercato.core.errors import MercatoError
    from mercato.core.settings import load_settings

    try:
        return load_settings().data_dir
    except MercatoError:
        return None  # the command itself reports the bad setting


# Answered the same anywhere: no need to read the settings or look for a server.
LOCAL_ONLY = frozenset({"version", "--version", "--help"})


def run() -> None:
    """Run a command here, or in the `mercato serve` that owns the data dir (ADR 1500)."""
    argv = cli_lang.with_language(sys.argv[1:])
    asked = argv[2:] if argv[:1] == ["--lang"] else argv
    if not asked or asked[0] in LOCAL_ONLY:
        app(args=argv)
        return
    data_dir = _data_dir()
    about = channel.probe(data_dir) if data_dir is not None else None
    if data_dir is None or about is None:
        app(args=argv)
        return
    from mercato.cli.forward import forwarding_command

    forwarding_command(app, argv, data_dir, about)(args=argv)
