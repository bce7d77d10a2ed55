"""`mercato language`: interface languages, a user's choice and a workspace's default (the
CLI's own language, `--lang`, is resolved in `cli.lang`)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from mercato.catalog import users, workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.core.errors import ValidationFailed
from mercato.i18n import locales, service
from mercato.i18n.locales import gettext as _

language_app = typer.Typer(help="Interface languages (docs/i18n.md).", no_args_is_help=True)


class Format(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table or json.")]


@language_app.command("list")
def language_list(format: FormatOption = Format.table) -> None:
    """The interface languages with a complete catalog."""
    if format is Format.json:
        print(json.dumps(locales.LANGUAGES, ensure_ascii=False))
        return
    table = Table(_("Language"), _("Name"))
    for code, name in locales.LANGUAGES.items():
        table.add_row(code, name)
    console.print(table)


@language_app.command("show")
def language_show(
    email: Annotated[str, typer.Option(help="The user's e-mail.")],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    format: FormatOption = Format.table,
) -> None:
    """A user's language, the workspace default, and the language their pages use."""
    with opened_services() as services, services.catalog.session() as session:
        user = users.get_user_by_email(session, email)
        target = workspaces.get_workspace(session, workspace)
        shown = service.languages(session, user.id, target.id, None)
    if format is Format.json:
        print(shown.model_dump_json())
        return
    table = Table(_("Setting"), _("Language"))
    table.add_row(_("User"), shown.user_language or "—")
    table.add_row(_("Workspace"), shown.workspace_language or "—")
    table.add_row(_("Pages are shown in"), shown.effective)
    console.print(table)


@language_app.command("set-user")
def language_set_user(
    email: str,
    language: Annotated[str, typer.Argument(help="en or ja; 'default' clears the choice.")],
) -> None:
    """Set the language a user reads pages in."""
    code = None if language == "default" else language
    with opened_services() as services, services.catalog.session() as session:
        user = users.get_user_by_email(session, email)
        try:
            stored = service.set_user_language(session, user.id, code)
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
    console.print(
        _("Language of %(email)s: %(language)s")
        % {"email": email, "language": stored or _("default")}
    )


@language_app.command("set-workspace")
def language_set_workspace(
    workspace: str,
    language: Annotated[str, typer.Argument(help="en or ja; 'default' clears it.")],
) -> None:
    """Set a workspace's default language (for members who chose none)."""
    code = None if language == "default" else language
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        try:
            stored = service.set_workspace_language(session, target.id, code)
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
    console.print(
        _("Default language of %(workspace)s: %(language)s")
        % {"workspace": workspace, "language": stored or _("default")}
    )
