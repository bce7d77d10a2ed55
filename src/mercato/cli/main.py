"""The `mercato` entry point: one Typer app with a sub-command per area."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mercato import __version__
from mercato.cli import (
    admin,
    attribution,
    channel,
    connectors,
    demo,
    galleries,
    imports,
    language,
    quality,
    report,
    settings,
    sites,
    ugc,
    warehouse,
)
from mercato.cli.forward import forwarding_command
from mercato.cli.serve import serve
from mercato.core.errors import MercatoError
from mercato.core.settings import load_settings
from mercato.i18n import locales

app = typer.Typer(
    name="mercato",
    help="Mercato: shoppable UGC and full-funnel social analytics, self-hosted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.workspaces_app, name="workspaces")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.tokens_app, name="tokens")
app.add_typer(demo.demo_app, name="demo")
app.add_typer(ugc.ugc_app, name="ugc")
app.add_typer(report.goals_app, name="goals")
app.add_typer(report.metrics_app, name="metrics")
app.command("report")(report.report)
app.add_typer(galleries.galleries_app, name="galleries")
app.add_typer(imports.import_app, name="import")
app.command("serve")(serve)
connectors.register_import_kinds(imports.import_app)
app.command("sync")(connectors.sync_command)
app.add_typer(connectors.accounts_app, name="accounts")
app.add_typer(connectors.webhooks_app, name="webhooks")
app.command("attribution")(attribution.attribution)
app.add_typer(warehouse.warehouse_app, name="warehouse")
app.command("data-quality")(quality.data_quality)
app.add_typer(sites.sites_app, name="sites")
app.add_typer(settings.team_app, name="team")
app.add_typer(settings.settings_app, name="settings")
app.add_typer(language.language_app, name="language")


def _print_version(wanted: bool) -> None:
    if wanted:
        print(__version__)
        raise typer.Exit()


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
    try:
        locales.use(language.cli_language(lang, os.environ))
    except MercatoError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--lang: "), param_hint="--lang") from None


@app.command("version")
def version() -> None:
    """Print Mercato's version."""
    print(__version__)


def _data_dir() -> Path | None:
    try:
        return load_settings().data_dir
    except MercatoError:
        return None  # the command itself reports the bad setting


def run() -> None:
    """Run a command here, or in the `mercato serve` that owns the data dir (ADR 1500)."""
    argv = language.with_language(sys.argv[1:])
    data_dir = _data_dir()
    about = channel.probe(data_dir) if data_dir is not None else None
    if data_dir is None or about is None:
        app(args=argv)
        return
    forwarding_command(app, argv, data_dir, about)(args=argv)
