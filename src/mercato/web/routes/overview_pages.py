"""The overview page: registry KPIs (sessions, transactions, conversion, revenue) by channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.core.timeutil import check_day_range
from mercato.i18n import formatting
from mercato.metrics.evaluate import Number
from mercato.metrics.overview import (
    CONVERSION,
    HEADLINE_KPIS,
    REVENUE,
    SESSIONS,
    TRANSACTIONS,
    DailySessions,
    Figures,
    meaningful_end,
    overview,
    session_days,
)
from mercato.metrics.present import format_value
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Compare, comparison_window, delta
from mercato.runtime import Services
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.web.auth import AnalyticsPage, Principal, ServicesDep
from mercato.web.exports import ExportFormat
from mercato.web.templating import render, request_language, translator
from mercato.web.verdict_views import delta_view

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 30


def default_range(services: Services, principal: Principal) -> tuple[date, date]:
    """The last 30 days that have data (the demo brand's data ends when it was seeded): the
    latest 30-day window ending on a day with sessions that holds at least a week's worth of
    days with data, so one live visit after old data does not show an empty month."""
    days = session_days(services.warehouse.for_workspace(principal.workspace_id))
    last = meaningful_end(days, DEFAULT_DAYS) or date.today()
    return last - timedelta(days=DEFAULT_DAYS - 1), last


def cells(figures: Figures, currency: str = "USD", language: str = "en") -> dict[str, str]:
    """Display strings, formatted as the funnel page and the API format the same KPIs; money
    in the currency's own decimals, written the language's way (JPY has none)."""
    return {
        SESSIONS: format_value(KPI_BY_ID[SESSIONS], figures.sessions),
        TRANSACTIONS: format_value(KPI_BY_ID[TRANSACTIONS], figures.transactions),
        CONVERSION: format_value(KPI_BY_ID[CONVERSION], figures.conversion_rate),
        REVENUE: formatting.amount(figures.revenue, currency, language),
    }


def headline(
    figures: Figures, start: date, end: date, currency: str, language: str = "en"
) -> list[dict[str, Any]]:
    """One tile per number, each linking to its KPI (formula, benchmark) on the funnel page."""
    shown = cells(figures, currency, language)
    funnel = "/funnel?" + urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return [
        {
            "id": f"kpi-{kpi_id}",
            "label": KPI_BY_ID[kpi_id].name,
            "currency": currency if kpi_id == REVENUE else None,
            "value": shown[kpi_id],
            "href": f"{funnel}#kpi-{kpi_id}",
            "title": KPI_BY_ID[kpi_id].formula_text,
        }
        for kpi_id in HEADLINE_KPIS
    ]


def _raw(figures: Figures) -> dict[str, Number | None]:
    return {
        SESSIONS: figures.sessions,
        TRANSACTIONS: figures.transactions,
        CONVERSION: figures.conversion_rate,
        REVENUE: figures.revenue,
    }


def with_deltas(
    tiles: list[dict[str, Any]],
    now: Figures,
    before: Figures,
    currency: str = "USD",
    language: str = "en",
) -> list[dict[str, Any]]:
    """The headline tiles, each with its change against the comparison window (coloured by
    the KPI's better direction) and the earlier value it was measured against."""
    current, base = _raw(now), _raw(before)
    shown = cells(before, currency, language)
    found = []
    for tile, kpi_id in zip(tiles, HEADLINE_KPIS, strict=True):
        kpi = KPI_BY_ID[kpi_id]
        change = delta(current[kpi_id], base[kpi_id])
        found.append({**tile, "delta": delta_view(kpi, change), "base": shown[kpi_id]})
    return found


def date_axis(first: date, last: date) -> dict[str, Any]:
    """An x axis of whole days from `first` to `last`, labelled as dates: Plotly pads a lone
    day with milliseconds ("23:59:59.9995") unless the range and the tick format say days."""
    half_day = timedelta(hours=12)
    start, end = (
        datetime.combine(first, time()) - half_day,
        datetime.combine(last, time()) + half_day,
    )
    span = (last - first).days + 1
    axis: dict[str, Any] = {
        "type": "date",
        "range": [start.isoformat(sep=" "), end.isoformat(sep=" ")],
        "tickformat": "%Y-%m-%d",
        "hoverformat": "%Y-%m-%d",
    }
    if span <= 10:
        axis["dtick"] = 86_400_000  # one tick a day, never between days
    return axis


def sessions_figure(
    daily: list[DailySessions],
    _: Callable[[str], str] = str,
    span: tuple[date, date] | None = None,
) -> dict[str, Any]:
    """Stacked daily sessions per channel (days without a channel's sessions read 0), on a
    date axis over `span` (the page's range), else over the days with sessions."""
    channels = sorted({row.channel for row in daily})
    days = sorted({row.day for row in daily})
    counts = {(row.day, row.channel): row.sessions for row in daily}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "one",
                "name": _(channel),
                "x": [day.isoformat() for day in days],
                "y": [counts.get((day, channel), 0) for day in days],
            }
            for channel in channels
        ],
        "layout": {
            "title": {"text": _("Sessions by channel")},
            "margin": {"t": 40, "r": 10, "b": 40, "l": 50},
            "legend": {"orientation": "h"},
            **({"xaxis": date_axis(*(span or (days[0], days[-1])))} if span or days else {}),
        },
        "config": {"displayModeBar": False, "responsive": True},  # no toolbar over the title
    }


@router.get("/", operation_id="overview_page")
def overview_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    start: date | None = None,
    end: date | None = None,
    compare: Compare = Compare.PREVIOUS,
    format: ExportFormat | None = None,
    table: str | None = None,
) -> Response:
    if start is None or end is None:
        start, end = default_range(services, principal)
    check_day_range(start, end, location="end")
    if format is not None:
        from mercato.web.report_views import page_export  # builds on this module

        view = ViewParameters(start=start, end=end)
        return page_export(services, principal, ViewName.OVERVIEW, view, format, table)
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    report = overview(scoped, start, end, principal.workspace.time_zone)
    base_window = comparison_window(start, end, compare)
    base = overview(scoped, *base_window, principal.workspace.time_zone)
    currency, language = principal.workspace.currency, request_language(request, principal)
    tiles = headline(report.total, start, end, currency, language)
    return render(
        request,
        "overview.html",
        principal,
        tiles=with_deltas(tiles, report.total, base.total, currency, language),
        compare=compare,
        base=base_window,
        channels=[
            (row.channel, cells(row.figures, currency, language)) for row in report.by_channel
        ],
        start=start,
        end=end,
        figure_json=json.dumps(
            sessions_figure(report.daily, translator(request, principal), (start, end))
        ),
    )
