"""One export mechanism for every report page: the page's URL with `format=csv|json|pdf`
(and `table=<id>` for one table) answers the same view's data instead of HTML."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from mercato.sharing.export import ExportFormat as ExportFormat  # routes name it from here
from mercato.sharing.export import exported
from mercato.sharing.views import ReportView


def export_response(view: ReportView, fmt: ExportFormat, table: str | None) -> Response:
    found = exported(view, fmt, table)
    headers = {}
    if found.filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return Response(found.body, media_type=found.media_type, headers=headers)


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
