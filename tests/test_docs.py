"""Docs that tests keep honest: every setting, CLI command and route is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mercato.cli.main import command_tree
from mercato.core.settings import Settings
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.support.routes import walk

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _commands(command: Any, prefix: str) -> list[str]:
    """Leaf command paths; Typer ships its own click, so walk by shape, not by class."""
    children = getattr(command, "commands", None)
    if children:
        found = []
        for name, sub in children.items():
            found += _commands(sub, f"{prefix} {name}")
        return found
    return [prefix]


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"`MERCATO_{name.upper()}`" not in text or f"`{name}`" not in text
    ]
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(command_tree(), "mercato")
    assert len(commands) > 5
    missing = [command for command in commands if f"`{command}" not in text]
    assert missing == []


def test_every_route_is_documented(services: Services) -> None:
    text = (DOCS / "api.md").read_text()
    routes = walk(create_app(services=services))
    missing = [
        f"{route.method} {route.path}"
        for route in routes
        if f"`{route.method} {route.path}`" not in text
    ]
    assert missing == []


def test_adrs_state_their_rule_in_the_title() -> None:
    adrs = sorted((DOCS / "adr").glob("*.md"))
    assert len(adrs) >= 2
    for adr in adrs:
        title = adr.read_text().splitlines()[0]
        assert title.startswith("# ADR "), adr.name
