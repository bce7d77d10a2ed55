"""A report view as a file: PDF, JSON or one table's CSV, for pages, shares and the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from mercato.sharing.pdf import render_pdf
from mercato.sharing.views import ReportView


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


@dataclass(frozen=True)
class Exported:
    body: bytes
    media_type: str
    filename: str | None  # None: shown inline (JSON)


def _name(view: ReportView, suffix: str, extension: str) -> str:
    span = f"-{view.start}-{view.end}" if view.start else ""
    return f"{view.view}{suffix}{span}.{extension}"


def exported(view: ReportView, fmt: ExportFormat, table: str | None) -> Exported:
    """`view` (or its table `table`) in `fmt`; CSV without a table is the first table's."""
    if fmt is ExportFormat.PDF:
        return Exported(render_pdf(view), "application/pdf", _name(view, "", "pdf"))
    if fmt is ExportFormat.JSON:
        document = view.table(table).records() if table else view.as_json()
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return Exported(text.encode(), "application/json", None)
    chosen = view.table(table) if table else (view.tables[0] if view.tables else None)
    if chosen is None:
        return Exported(b"", "text/csv", None)
    return Exported(chosen.csv().encode(), "text/csv", _name(view, f"-{chosen.id}", "csv"))
