"""What every command needs: settings, opened stores, and errors shown as messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from mercato.core.errors import MercatoError
from mercato.core.settings import Settings, load_settings
from mercato.web.services import Services

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except MercatoError as exc:
        raise fail(str(exc)) from None


@contextmanager
def opened_services(*, upgrade: bool = False) -> Iterator[Services]:
    """Open the stores for one command; a MercatoError becomes a one-line message."""
    try:
        services = Services.open(settings(), upgrade=upgrade)
    except MercatoError as exc:
        raise fail(str(exc)) from None
    try:
        yield services
    except MercatoError as exc:
        raise fail(str(exc)) from None
    finally:
        services.close()
