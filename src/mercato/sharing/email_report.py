"""A report view as an e-mail: figures and tables in the HTML body, every chart inline as
SVG (no cap on charts), a plain-text part, and optionally each table as a CSV attachment."""

from __future__ import annotations

from email.message import EmailMessage
from html import escape

from mercato.sharing.charts import svg
from mercato.sharing.views import ReportView, ViewTable


def _table_html(table: ViewTable) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in table.rows
    )
    return (
        f'<h3>{escape(table.title)}</h3><table border="1" cellpadding="4" '
        f'cellspacing="0" id="{escape(table.id)}"><tr>{head}</tr>{body}</table>'
    )


def html_body(views: list[ReportView]) -> str:
    parts = ["<!doctype html><html><body>"]
    for view in views:
        span = f"{view.start} to {view.end}" if view.start else "all time"
        parts.append(f"<h2>{escape(view.title)} · {escape(view.workspace_name)}</h2>")
        parts.append(f"<p>{escape(span)} ({escape(view.time_zone)})</p><ul>")
        parts += [
            f'<li id="{escape(t.id)}">{escape(t.label)}: <b>{escape(t.value)}</b></li>'
            for t in view.tiles
        ]
        parts.append("</ul>")
        parts += [f"<div>{svg(chart)}</div>" for chart in view.charts]
        parts += [_table_html(table) for table in view.tables]
    parts.append("</body></html>")
    return "".join(parts)


def text_body(views: list[ReportView]) -> str:
    lines = []
    for view in views:
        lines.append(f"{view.title} · {view.workspace_name} ({view.start} to {view.end})")
        lines += [f"  {tile.label}: {tile.value}" for tile in view.tiles]
        for table in view.tables:
            lines.append(f"\n{table.title}")
            lines += ["  " + " | ".join(str(v) for v in row) for row in table.rows]
        lines.append("")
    return "\n".join(lines)


def build_message(
    views: list[ReportView], recipients: list[str], subject: str, attach_csv: bool
) -> EmailMessage:
    message = EmailMessage()
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text_body(views))
    message.add_alternative(html_body(views), subtype="html")
    if attach_csv:
        for view in views:
            for table in view.tables:
                message.add_attachment(
                    table.csv().encode(),
                    maintype="text",
                    subtype="csv",
                    filename=f"{view.view}-{table.id}-{view.start}-{view.end}.csv",
                )
    return message
