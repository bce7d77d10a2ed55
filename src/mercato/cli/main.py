"""The `mercato` entry point: one Typer app with a sub-command per area."""

from __future__ import annotations

import typer

from mercato import __version__
from mercato.cli import admin, attribution, connectors, demo, ugc
from mercato.cli.serve import serve

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
app.command("serve")(serve)
app.command("import")(connectors.import_command)
app.command("sync")(connectors.sync_command)
app.add_typer(connectors.accounts_app, name="accounts")
app.add_typer(connectors.webhooks_app, name="webhooks")
app.command("attribution")(attribution.attribution)


@app.command("version")
def version() -> None:
    """Print Mercato's version."""
    print(__version__)


def run() -> None:
    app()
