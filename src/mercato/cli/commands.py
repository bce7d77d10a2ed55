"""The root command group, whose areas load on first use.

Each area is named here with the one-line help `mercato --help` shows; its module is imported
only when the area is resolved to run (or for `mercato <area> --help`). A test checks these
lines against the loaded commands' own help, so they cannot drift.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Area:
    module: str
    attribute: str
    help: str
    is_group: bool = True  # a Typer sub-app; else a single command function


AREAS: dict[str, Area] = {
    "report": Area(
        "mercato.cli.report",
        "report",
        "The full-funnel report for a date range, optionally compared and cut by dimensions.",
        is_group=False,
    ),
    "serve": Area(
        "mercato.cli.serve",
        "serve",
        "Serve the dashboard, the API and the public endpoints.",
        is_group=False,
    ),
    "sync": Area(
        "mercato.cli.connectors",
        "sync_command",
        "Sync social accounts from their platform APIs (incremental; resumes after errors).",
        is_group=False,
    ),
    "attribution": Area(
        "mercato.cli.attribution",
        "attribution",
        "Attribute conversions and revenue to channels, platforms, campaigns or UGC.",
        is_group=False,
    ),
    "data-quality": Area(
        "mercato.cli.quality",
        "data_quality",
        "What each import did with every row: per import and per day.",
        is_group=False,
    ),
    "db": Area("mercato.cli.admin", "db_app", "Catalog database maintenance."),
    "workspaces": Area("mercato.cli.admin", "workspaces_app", "Workspaces (brands)."),
    "users": Area("mercato.cli.admin", "users_app", "Users and their roles."),
    "tokens": Area("mercato.cli.admin", "tokens_app", "Scoped API tokens."),
    "demo": Area("mercato.cli.demo", "demo_app", "The demo brand."),
    "ugc": Area("mercato.cli.ugc", "ugc_app", "The UGC library."),
    "goals": Area("mercato.cli.report", "goals_app", "KPI goals: a target per KPI and period."),
    "metrics": Area("mercato.cli.report", "metrics_app", "The KPI registry."),
    "galleries": Area(
        "mercato.cli.galleries", "galleries_app", "Shoppable galleries and link-in-bio pages."
    ),
    "import": Area("mercato.cli.commands", "import_app", "Import data files."),
    "accounts": Area(
        "mercato.cli.commands", "accounts_app", "Social accounts the connectors sync."
    ),
    "segments": Area(
        "mercato.cli.segments",
        "segments_app",
        "Audience segments: saved definitions or frozen visitor lists.",
    ),
    "traffic": Area(
        "mercato.cli.traffic",
        "traffic_command",
        "Sessions and engagement by channel, social platform and landing page.",
        is_group=False,
    ),
    "share": Area("mercato.cli.sharing", "share_app", "Read-only share links to report views."),
    "reports": Area("mercato.cli.sharing", "reports_app", "Scheduled e-mail reports."),
    "smtp": Area("mercato.cli.sharing", "smtp_app", "The SMTP server e-mails are sent through."),
    "experiments": Area(
        "mercato.cli.experiments",
        "experiments_app",
        "A/B tests of gallery configurations and holdouts that see no gallery.",
    ),
    "shop": Area("mercato.cli.shop", "shop_app", "The Shopify shop connection (Admin API)."),
    "discovery": Area(
        "mercato.cli.discovery", "discovery_app", "Hashtags and mentions watched for UGC."
    ),
    "webhooks": Area("mercato.cli.connectors", "webhooks_app", "Shop webhooks (Shopify)."),
    "warehouse": Area(
        "mercato.cli.warehouse", "warehouse_app", "The analytic warehouse's data as files."
    ),
    "sites": Area(
        "mercato.cli.sites", "sites_app", "Sites: tracker keys, allowed origins, snippets."
    ),
    "team": Area(
        "mercato.cli.settings", "team_app", "A workspace's members, roles and invitations."
    ),
    "settings": Area(
        "mercato.cli.settings",
        "settings_app",
        "UGC settings, benchmark overrides and the warehouse engine.",
    ),
    "language": Area("mercato.cli.language", "language_app", "Interface languages (docs/i18n.md)."),
}
# `mercato --help` lists the commands in this order (single commands first, as Typer does).
ORDER = ("report", "serve", "sync", "attribution", "traffic", "data-quality", "version")


def import_app() -> typer.Typer:
    """`mercato import`: the file imports plus one command per connector import kind."""
    from mercato.cli import connectors, imports

    connectors.register_import_kinds(imports.import_app)
    return imports.import_app


def accounts_app() -> typer.Typer:
    """`mercato accounts`: the synced accounts plus the OAuth `connect` and `app` commands."""
    from mercato.cli import connect, connectors

    if not any(c.name == "connect" for c in connectors.accounts_app.registered_commands):
        connect.register(connectors.accounts_app)
    return connectors.accounts_app


class Deferred(TyperCommand):
    """Stands in for an area in the help listing until the area is resolved to run."""

    def __init__(self, name: str, area: Area) -> None:
        super().__init__(name, help=area.help, short_help=area.help)
        self.area = area

    def load(self) -> Any:
        found: Any = getattr(importlib.import_module(self.area.module), self.area.attribute)
        if self.area.module == __name__:
            found = found()  # a builder, for areas assembled from two modules
        if self.area.is_group:
            return typer.main.get_group(found)
        single = typer.Typer()
        single.command(self.name)(_as_callable(found))
        return typer.main.get_command(single)


def _as_callable(found: Any) -> Callable[..., Any]:
    if not callable(found):
        raise TypeError(f"{found!r} is not a command")
    return found  # type: ignore[no-any-return]


class LazyGroup(TyperGroup):
    """The root group: areas listed by name and help, imported when resolved."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        eager = dict(self.commands)
        names = [*ORDER, *(name for name in AREAS if name not in ORDER), *eager]
        self.commands = {
            name: eager.get(name) or Deferred(name, AREAS[name]) for name in dict.fromkeys(names)
        }

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, Deferred):
            command = self.load(name)
        return name, command, rest

    def load(self, name: str) -> Any:
        command = self.commands[name]
        if isinstance(command, Deferred):
            command = self.commands[name] = command.load()
        return command

    def load_all(self) -> None:
        for name in list(self.commands):
            self.load(name)
