"""Per-app objects made on first use (one per app, so per server process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request

T = TypeVar("T")


def app_singleton(request: Request, name: str, make: Callable[[], T]) -> T:
    """`request.app.state.<name>`, made by `make` the first time it is asked for."""
    found: T | None = getattr(request.app.state, name, None)
    if found is None:
        found = make()
        setattr(request.app.state, name, found)
    return found
