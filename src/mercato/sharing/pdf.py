"""A report view as PDF, drawn in-process by fpdf2 (no browser, no network; ADR 1800).

Text is drawn with the machine's Unicode fonts (`sharing.pdf_fonts`: DejaVu Sans, with IPA
Gothic for Japanese), so product names in any script print as themselves; a character no
installed font has (an emoji) is written as "?" rather than failing the export.
"""

from __future__ import annotations

from fpdf import FPDF

from mercato.sharing.charts import COLOURS
from mercato.sharing.pdf_fonts import Installed, find_fonts, install
from mercato.sharing.views import Chart, ReportView, ViewTable

PAGE_W = 190.0  # A4 width less 10 mm margins


def _heading(pdf: FPDF, view: ReportView, f: Installed) -> None:
    pdf.set_font(f.family, "B", 16)
    pdf.cell(0, 9, f.text(f"{view.title} - {view.workspace_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(f.family, "", 9)
    span = f"{view.start} to {view.end}" if view.start else "all time"
    pdf.cell(0, 5, f.text(f"{span} ({view.time_zone})"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _tiles(pdf: FPDF, view: ReportView, f: Installed) -> None:
    pdf.set_font(f.family, "", 10)
    for tile in view.tiles:
        pdf.cell(70, 6, f.text(tile.label))
        pdf.set_font(f.family, "B", 10)
        pdf.cell(0, 6, f.text(tile.value), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(f.family, "", 10)
    pdf.ln(3)


def _table(pdf: FPDF, table: ViewTable, f: Installed) -> None:
    pdf.set_font(f.family, "B", 11)
    pdf.cell(0, 7, f.text(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(f.family, "", 8)
    with pdf.table(
        [[f.text(c) for c in table.columns], *[[f.text(v) for v in r] for r in table.rows]],
        text_align="LEFT",
        first_row_as_headings=True,
    ):
        pass
    pdf.ln(3)


def _chart(pdf: FPDF, chart: Chart, f: Installed) -> None:
    values = [v for series in chart.series.values() for v in series]
    top = max(values, default=0.0) or 1.0
    height, left = 45.0, pdf.l_margin
    if pdf.get_y() + height + 15 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font(f.family, "B", 10)
    pdf.cell(0, 6, f.text(chart.title), new_x="LMARGIN", new_y="NEXT")
    base_y = pdf.get_y() + height
    slot = PAGE_W / max(len(chart.categories), 1)
    width = slot * 0.8 / max(len(chart.series), 1)
    for index, series in enumerate(chart.series.values()):
        colour = COLOURS[index % len(COLOURS)]
        pdf.set_fill_color(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
        for i, value in enumerate(series):
            bar = height * value / top
            pdf.rect(left + slot * i + slot * 0.1 + width * index, base_y - bar, width, bar, "F")
    pdf.set_y(base_y + 1)
    pdf.set_font(f.family, "", 7)
    pdf.cell(0, 4, f.text(", ".join(chart.series)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def render_pdf(view: ReportView) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    f = install(pdf, find_fonts())
    pdf.set_title(f.text(view.title))
    pdf.add_page()
    _heading(pdf, view, f)
    _tiles(pdf, view, f)
    for chart in view.charts:
        _chart(pdf, chart, f)
    for table in view.tables:
        _table(pdf, table, f)
    for note in view.notes:
        pdf.set_font(f.family, "I", 8)
        pdf.multi_cell(0, 4, f.text(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
