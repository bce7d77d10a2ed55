"""CSV/JSON of any table a page shows, read from the page itself.

Report pages answer `?format=csv|json&table=<id>` from their report view (`web.exports`).
Every other page (experiments, segments, galleries, creators, data quality, sources,
settings…) gets the same buttons through this middleware: when a page asked for with
`format=csv|json` and `table=<id>` answers HTML, the table marked `data-export="<id>"` is
read out of that HTML and answered instead, so the export is exactly the table the page
shows, in the page's language, with the page's own access checks (the route ran as usual).

Reading rules: the header row is the `<thead>` row (else the first row); columns with an
empty header (buttons, forms) are left out; a cell is its visible text with whitespace
collapsed, without the text of buttons, selects, scripts and styles; a row whose one cell
spans the whole table is the empty-state sentence, not data. A table that is not on the
page is a 422 naming the tables that are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mercato.core.errors import ValidationFailed
from mercato.sharing.views import ReportView, ViewTable
from mercato.web.exports import ExportFormat, export_response

SKIPPED = {"button", "select", "script", "style", "template", "textarea"}
SPACES = re.compile(r"\s+")
KEPT_HEADERS = (b"cache-control", b"content-language", b"vary")


@dataclass
class _Table:
    id: str
    head: list[str] | None = None
    rows: list[list[tuple[str, int]]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._row: list[tuple[str, int]] | None = None
        self._row_in_head = False
        self._cell: list[str] | None = None
        self._span = 1
        self._skip = 0
        self._in_head = False
        self._title: list[str] | None = None
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "title":
            self._title = []
        if tag == "table":
            table = _Table(str(values.get("data-export") or ""))
            self._stack.append(table)
            self.tables.append(table)
        if not self._stack:
            return
        if tag in SKIPPED:
            self._skip += 1
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row, self._row_in_head = [], self._in_head
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            try:
                self._span = max(1, int(values.get("colspan") or 1))
            except ValueError:
                self._span = 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._title is not None:
            self.title = SPACES.sub(" ", "".join(self._title)).strip()
            self._title = None
        if not self._stack:
            return
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((SPACES.sub(" ", "".join(self._cell)).strip(), self._span))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            if table.head is None and (self._row_in_head or not table.rows):
                table.head = [text for text, _span in self._row]
            elif not self._row_in_head:
                table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def _as_view_table(table: _Table) -> ViewTable:
    head = table.head or []
    kept = [index for index, name in enumerate(head) if name]
    rows = []
    for row in table.rows:
        if len(row) == 1 and row[0][1] >= len(head) > 1:
            continue  # "No … yet.": the empty state spans the whole table
        cells = [text for text, _span in row]
        rows.append([cells[i] if i < len(cells) else "" for i in kept])
    return ViewTable(table.id, table.id, [head[i] for i in kept], rows)


def page_tables(html: str) -> tuple[str, list[ViewTable]]:
    """The page's title and its exportable tables (those marked `data-export`)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.title, [_as_view_table(t) for t in reader.tables if t.id]


def table_export(path: str, html: str, fmt: ExportFormat, table: str) -> Response:
    title, tables = page_tables(html)
    name = path.strip("/").replace("/", "-") or "overview"
    view = ReportView(name, title, "", None, None, "UTC", tables=tables)
    return export_response(view, fmt, table)


class PageTableExports:
    """ASGI middleware: `?format=csv|json&table=<id>` on a page that answered HTML."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = _wanted(scope)
        if wanted is None:
            await self.app(scope, receive, send)
            return
        fmt, table = wanted
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if message["status"] != 200 or not html:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if passing:
                await send(message)
                return
            chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if passing or start is None:
            return
        html = b"".join(chunks).decode("utf-8", "replace")
        try:
            response = table_export(scope["path"], html, fmt, table)
        except ValidationFailed as exc:
            response = JSONResponse(
                {"error": {"code": exc.code, "message": exc.message}}, status_code=422
            )
        page_headers = dict(start.get("headers") or [])
        for name in KEPT_HEADERS:  # the page's caching and language rules hold for its data
            if name in page_headers:
                response.headers[name.decode()] = page_headers[name].decode("latin-1")
        await response(scope, receive, send)


def _wanted(scope: Scope) -> tuple[ExportFormat, str] | None:
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    if scope["path"].startswith("/api/"):
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    fmt = (query.get("format") or [""])[0]
    table = (query.get("table") or [""])[0]
    if fmt not in (ExportFormat.CSV, ExportFormat.JSON) or not table:
        return None
    return ExportFormat(fmt), table
