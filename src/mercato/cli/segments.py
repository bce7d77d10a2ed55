"""`mercato segments ...`: saved audience segments (create, list, show)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mercato.catalog import workspaces
from mercato.catalog.models.segments import SegmentKind
from mercato.cli.context import console, fail, opened_services
from mercato.core.timeutil import utcnow
from mercato.segments import service as segments
from mercato.segments.schemas import SegmentCreate, SegmentPublic

segments_app = typer.Typer(
    help="Audience segments: saved definitions or frozen visitor lists.", no_args_is_help=True
)
WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table or json.")]


def _definition(raw: str) -> object:
    """JSON text, or @FILE holding it."""
    text = raw
    if raw.startswith("@"):
        path = Path(raw[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"--definition: cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise fail(f"--definition is not valid JSON ({exc})") from None


def _members(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"--csv: cannot read {path} as UTF-8 text: {exc}") from None
    return segments.members_from_csv(text, source=str(path))


@segments_app.command("create")
def segments_create(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Option(help="Segment name (unique in the workspace).")],
    definition: Annotated[
        str | None,
        typer.Option(
            help="A dynamic segment's and/or/not tree as JSON, or @FILE (docs/segments.md)."
        ),
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="A static segment from a CSV of visitor ids.")
    ] = None,
    from_segment: Annotated[
        str | None, typer.Option(help="A static segment freezing this segment's members now.")
    ] = None,
    description: Annotated[str, typer.Option(help="What the segment is for.")] = "",
    output: FormatOption = Format.TABLE,
) -> None:
    """Create a dynamic segment (--definition) or a static one (--csv or --from-segment)."""
    given = [x for x in (definition, csv_file, from_segment) if x is not None]
    if len(given) != 1:
        raise fail("give exactly one of --definition, --csv or --from-segment")
    request = SegmentCreate(
        name=name,
        description=description,
        kind=SegmentKind.DYNAMIC if definition is not None else SegmentKind.STATIC,
        definition=_definition(definition) if definition is not None else None,  # type: ignore[arg-type]
        from_segment=from_segment,
    )
    with opened_services() as services:
        if csv_file is not None:
            request.members = _members(csv_file)
        with services.catalog.session() as session:
            ws = workspaces.get_workspace(session, workspace)
            created = segments.public(
                segments.create_segment(session, services.warehouse, ws.id, request)
            )
    _emit([created], output)


@segments_app.command("list")
def segments_list(workspace: WorkspaceOption, output: FormatOption = Format.TABLE) -> None:
    """The workspace's segments."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        found = [segments.public(s) for s in segments.list_segments(session, ws.id)]
    _emit(found, output)


def _emit(found: list[SegmentPublic], output: Format) -> None:
    if output is Format.JSON:
        print(json.dumps([s.model_dump(mode="json") for s in found], indent=2))
        return
    table = Table("id", "name", "kind", "definition")
    for s in found:
        table.add_row(s.id, s.name, s.kind.value, s.summary)
    console.print(table)


@segments_app.command("show")
def segments_show(
    workspace: WorkspaceOption,
    segment: Annotated[str, typer.Argument(help="Segment id or name.")],
    output: FormatOption = Format.TABLE,
) -> None:
    """A segment's definition, its size now and members with a session per week."""
    with opened_services() as services:
        with services.catalog.session() as session:
            ws = workspaces.get_workspace(session, workspace)
            shown = segments.public(segments.get_segment(session, ws.id, segment))
            resolved = segments.resolve(session, ws.id, segment)
        size = segments.size(services.warehouse.for_workspace(ws.id), resolved, utcnow().date())
    if output is Format.JSON:
        print(
            json.dumps(
                {**shown.model_dump(mode="json"), "size": size.model_dump(mode="json")}, indent=2
            )
        )
        return
    console.print(
        f"[bold]{shown.name}[/] ({shown.id}, {shown.kind.value}): {shown.summary}", highlight=False
    )
    console.print(f"members now: {size.visitors:,}")
    table = Table("week", "members with a session")
    for point in size.trend:
        table.add_row(point.week.isoformat(), f"{point.visitors:,}")
    console.print(table)
