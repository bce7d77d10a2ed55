"""`mercato share`, `mercato reports`, `mercato smtp`: share links, scheduled e-mail reports
and the SMTP server, through the same `sharing.service` as the API and Settings."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.markup import escape
from rich.table import Table

from mercato.catalog import workspaces
from mercato.catalog.models import Workspace
from mercato.cli.context import console, fail, opened_services, public_url
from mercato.core.secret_box import SecretBox
from mercato.runtime import Services
from mercato.sharing import service
from mercato.sharing.schemas import (
    Cadence,
    Period,
    ScheduleCreate,
    ShareLinkCreate,
    SmtpSecurity,
    SmtpSettingsInput,
    ViewName,
    ViewParameters,
)
from mercato.web.report_views import renderer

share_app = typer.Typer(help="Read-only share links to report views.", no_args_is_help=True)
reports_app = typer.Typer(help="Scheduled e-mail reports.", no_args_is_help=True)
smtp_app = typer.Typer(help="The SMTP server e-mails are sent through.", no_args_is_help=True)

M = TypeVar("M", bound=BaseModel)
WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[Output, typer.Option("--format", help="table or json.")]


def _workspace(services: Services, slug: str) -> Workspace:
    with services.catalog.session() as session:
        found = workspaces.get_workspace(session, slug)
        session.expunge(found)
        return found


def _model(model: type[M], **fields: object) -> M:
    """The model, or a CLI error naming the option that is wrong."""
    try:
        return model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise fail(f"{where}: {first['msg']}") from None


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def _print(rows: list[dict[str, object]], output: Output, columns: list[str]) -> None:
    if output is Output.JSON:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


@share_app.command("create")
def share_create(
    workspace: WorkspaceOption,
    view: Annotated[ViewName, typer.Option(help="The report view to share.")],
    start: Annotated[str | None, typer.Option("--from", help="First local day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last local day.")] = None,
    period: Annotated[Period | None, typer.Option(help="A rolling period instead.")] = None,
    label: Annotated[str, typer.Option(help="What the link is for.")] = "",
    password: Annotated[str | None, typer.Option(help="Require this password.")] = None,
    expires: Annotated[str | None, typer.Option(help="Expiry, ISO date-time (UTC).")] = None,
    embed_origin: Annotated[
        list[str] | None, typer.Option(help="An origin that may frame the embed (repeat).")
    ] = None,
    experiment: Annotated[
        str | None, typer.Option(help="The experiment view: the experiment's id.")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="The segment view: the segment's id.")] = None,
    compare_segment: Annotated[
        str | None, typer.Option(help="The segment view: another segment beside it.")
    ] = None,
    output: FormatOption = Output.TABLE,
) -> None:
    """Create a share link; its URL is printed once."""
    with opened_services() as services:
        target = _workspace(services, workspace)
        data = _model(
            ShareLinkCreate,
            view=view,
            parameters=ViewParameters(
                start=_day(start, "--from"),
                end=_day(end, "--to"),
                period=period,
                experiment_id=experiment,
                segment_id=segment,
                compare_segment_id=compare_segment,
            ),
            label=label,
            password=password,
            expires_at=datetime.fromisoformat(expires) if expires else None,
            embed_origins=embed_origin or [],
        )
        created = service.create_share_link(
            services.catalog, target.id, data, "cli", public_url(services)
        )
    _print([created.model_dump()], output, ["id", "view", "url", "embed_url"])


@share_app.command("list")
def share_list(workspace: WorkspaceOption, output: FormatOption = Output.TABLE) -> None:
    """Share links with their last use (never their tokens)."""
    with opened_services() as services:
        found = service.list_share_links(services.catalog, _workspace(services, workspace).id)
    rows = [link.model_dump() for link in found]
    _print(rows, output, ["id", "view", "label", "has_password", "last_used_at", "revoked_at"])


@share_app.command("revoke")
def share_revoke(link_id: str, workspace: WorkspaceOption) -> None:
    """Revoke a share link at once."""
    with opened_services() as services:
        service.revoke_share_link(services.catalog, _workspace(services, workspace).id, link_id)
    console.print(f"revoked {link_id}")


@smtp_app.command("set")
def smtp_set(
    workspace: WorkspaceOption,
    host: Annotated[str, typer.Option(help="SMTP host.")],
    port: Annotated[int, typer.Option(help="SMTP port.")],
    sender: Annotated[str, typer.Option(help="From address.")],
    security: Annotated[SmtpSecurity, typer.Option(help="none, starttls or tls.")] = (
        SmtpSecurity.STARTTLS
    ),
    username: Annotated[str, typer.Option(help="Login user.")] = "",
    password: Annotated[
        str | None, typer.Option(envvar="MERCATO_SMTP_PASSWORD", help="Login password.")
    ] = None,
) -> None:
    """Set the SMTP server (the password is stored encrypted)."""
    data = _model(
        SmtpSettingsInput,
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        sender=sender,
    )
    with opened_services() as services:
        box = SecretBox(services.settings.resolved_secret_key())
        service.set_smtp(services.catalog, _workspace(services, workspace).id, data, box)
    console.print(f"SMTP server {host}:{port} saved")


@reports_app.command("add")
def reports_add(
    workspace: WorkspaceOption,
    view: Annotated[ViewName, typer.Option(help="The report view to send.")],
    cadence: Annotated[Cadence, typer.Option(help="daily, weekly or monthly.")],
    to: Annotated[list[str], typer.Option(help="A recipient (repeat).")],
    hour: Annotated[int, typer.Option(help="Local hour to send at.")] = 8,
    weekday: Annotated[int, typer.Option(help="Weekly: 0 = Monday.")] = 0,
    month_day: Annotated[int, typer.Option(help="Monthly: day 1-28.")] = 1,
    period: Annotated[Period | None, typer.Option(help="Default: the previous period.")] = None,
    csv: Annotated[bool, typer.Option(help="Attach each table as CSV.")] = False,
    goals: Annotated[bool, typer.Option(help="Include the goals.")] = False,
    threshold: Annotated[
        float | None, typer.Option(help="Send only if a figure moved more than this %.")
    ] = None,
    experiment: Annotated[
        str | None, typer.Option(help="The experiment view: the experiment's id.")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="The segment view: the segment's id.")] = None,
    compare_segment: Annotated[
        str | None, typer.Option(help="The segment view: another segment beside it.")
    ] = None,
    output: FormatOption = Output.TABLE,
) -> None:
    """Schedule a report e-mail."""
    data = _model(
        ScheduleCreate,
        view=view,
        parameters=ViewParameters(
            period=period,
            experiment_id=experiment,
            segment_id=segment,
            compare_segment_id=compare_segment,
        ),
        cadence=cadence,
        send_hour=hour,
        weekday=weekday,
        month_day=month_day,
        recipients=to,
        attach_csv=csv,
        include_goals=goals,
        change_threshold_pct=threshold,
    )
    with opened_services() as services:
        made = service.add_schedule(services.catalog, _workspace(services, workspace).id, data)
    _print([made.model_dump()], output, ["id", "view", "cadence", "next_run_at"])


@reports_app.command("list")
def reports_list(workspace: WorkspaceOption, output: FormatOption = Output.TABLE) -> None:
    """Scheduled reports and their next run (UTC)."""
    with opened_services() as services:
        found = service.list_schedules(services.catalog, _workspace(services, workspace).id)
    rows = [s.model_dump() for s in found]
    _print(rows, output, ["id", "view", "cadence", "recipients", "next_run_at"])


@reports_app.command("send")
def reports_send(schedule_id: str, workspace: WorkspaceOption) -> None:
    """Send a scheduled report now (a preview of the current period)."""
    with opened_services() as services:
        box = SecretBox(services.settings.resolved_secret_key())
        target = _workspace(services, workspace)
        sent = service.send_now(services.catalog, target.id, schedule_id, renderer(services), box)
    console.print(f"{sent.id}: {sent.status.value} {escape(sent.last_error or '')}".rstrip())


@reports_app.command("deliveries")
def reports_deliveries(workspace: WorkspaceOption, output: FormatOption = Output.TABLE) -> None:
    """Recent deliveries with their status, attempts and last error."""
    with opened_services() as services:
        found = service.list_deliveries(services.catalog, _workspace(services, workspace).id)
    rows = [d.model_dump() for d in found]
    _print(rows, output, ["id", "status", "period_start", "period_end", "attempts", "last_error"])
