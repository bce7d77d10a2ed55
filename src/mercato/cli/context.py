"""What every command needs: settings, opened stores, and errors shown as messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from mercato.catalog import migrate
from mercato.cli.channel import socket_path
from mercato.core.errors import MercatoError
from mercato.core.settings import Settings, load_settings
from mercato.runtime import Services

console = Console()
err_console = Console(stderr=True)


LOCAL_URL = "http://127.0.0.1:8000"  # without base_url: where `mercato serve` listens by default


def public_url(services: Services, override: str | None = None) -> str:
    """Where shoppers' browsers and invitees reach this install, for printed snippets and links:
    `--base-url`, else the `base_url` setting, else `mercato serve`'s default address."""
    return (override or services.settings.base_url or LOCAL_URL).rstrip("/")


def fail(message: str, code: int = 2) -> typer.Exit:
    # soft_wrap: a long message is never broken inside the command it tells the user to run
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


# Inside `mercato serve`, commands from the channel use the server's open stores (ADR 1500).
_hosting: Services | None = None


def host(services: Services | None) -> None:
    """Make every command in this process use `services` (None: open its own again)."""
    global _hosting
    _hosting = services


def settings() -> Settings:
    if _hosting is not None:
        return _hosting.settings
    try:
        return load_settings()
    except MercatoError as exc:
        raise fail(str(exc)) from None


@contextmanager
def opened_services(*, upgrade: bool = False) -> Iterator[Services]:
    """Open the stores for one command; a MercatoError becomes a one-line message."""
    if _hosting is not None:
        with _hosted(_hosting, upgrade=upgrade) as services:
            yield services
        return
    try:
        services = Services.open(settings(), upgrade=upgrade)
    except MercatoError as exc:
        raise fail(advice_for(exc)) from None
    try:
        yield services
    except MercatoError as exc:
        raise fail(str(exc)) from None
    finally:
        services.close()


@contextmanager
def _hosted(services: Services, *, upgrade: bool) -> Iterator[Services]:
    """The server's stores, for a command it runs; they stay open when it ends."""
    try:
        if upgrade:
            migrate.upgrade(services.catalog.engine)
        yield services
    except MercatoError as exc:
        raise fail(str(exc)) from None


def advice_for(error: MercatoError) -> str:
    """The error, with what to do when another process holds the warehouse."""
    if error.code != "warehouse_locked":
        return str(error)
    return (
        f"{error}. No Mercato server answers for this data dir (its socket "
        f"{socket_path(settings().data_dir)} is absent or refuses this user), so this is another "
        "program, or a `mercato serve` of another user or an older Mercato: stop that "
        "process, or run this command as the user who started the server."
    )
