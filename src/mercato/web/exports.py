"""One export mechanism for every report page: the page's URL with `format=csv|json|pdf`
(and `table=<id>` for one table) answers the same view's data instead of HTML."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from mercato.sharing.pdf import render_pdf
from mercato.sharing.views import ReportView


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


def _name(view: ReportView, suffix: str, extension: str) -> str:
    span = f"-{view.start}-{view.end}" if view.start else ""
    return f"{view.view}{suffix}{span}.{extension}"


def export_response(view: ReportView, fmt: ExportFormat, table: str | None) -> Response:
    if fmt is ExportFormat.PDF:
        return Response(
            render_pdf(view),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{_name(view, "", "pdf")}"'},
        )
    if fmt is ExportFormat.JSON:
        body = view.table(table).records() if table else view.as_json()
        return JSONResponse(body)
    chosen = view.table(table) if table else (view.tables[0] if view.tables else None)
    if chosen is None:
        return Response("", media_type="text/csv")
    name = _name(view, f"-{chosen.id}", "csv")
    return Response(
        chosen.csv(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def export_href(request: Request, fmt: str, table: str | None = None) -> str:
    """This page's URL with the export format (and table) set: the buttons' links."""
    query = {k: v for k, v in request.query_params.items() if k not in ("format", "table")}
    query["format"] = fmt
    if table:
        query["table"] = table
    return f"{request.url.path}?{urlencode(query)}"


def view_answers(
    fmt: ExportFormat,
    table: str | None,
    page_only: Collection[str] = (),
    *,
    narrowed: bool = False,
) -> bool:
    """Whether a report page's `?format=` is answered from its report view. A PDF always
    is; CSV/JSON of a table only the page shows (`page_only`), or of a page narrowed beyond
    what the view expresses (a segment, another drill-down), is read from the page as it
    renders (`web.page_tables`), so the file always holds the rows the page shows."""
    if fmt is ExportFormat.PDF:
        return True
    return not narrowed and table not in page_only
