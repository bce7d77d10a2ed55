"""The `/attribution` comparison page: every model side by side over the same journeys."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.attribution.models import ModelName
from mercato.attribution.service import AttributionReport
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.segments.service import list_segments
from mercato.ugc.names import ItemName, touch_label, ugc_name, ugc_touch_names
from mercato.web.auth import AnalyticsPage, ServicesDep
from mercato.web.exports import ExportFormat, export_response, view_answers
from mercato.web.routes.attribution_api import run_report
from mercato.web.segment_scope import segment_id
from mercato.web.templating import render, translator

router = APIRouter(include_in_schema=False)


def _local_day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a date (YYYY-MM-DD)", location=field) from None


def model_detail(report: AttributionReport, _: Callable[[str], str] = str) -> str:
    """The chosen model's settings in the page's language (the API's `model_label` says the
    same in English)."""
    request, options = report.request, report.request.options
    if request.model is ModelName.MARKOV:
        credit = labels.label(labels.Kind.CREDIT, options.credit.value, _)
        return _("Order %(order)s; credit: %(credit)s") % {"order": options.order, "credit": credit}
    if request.model is ModelName.TIME_DECAY:
        return _("Half-life %(days)s days (continuous)") % {"days": f"{options.half_life_days:g}"}
    if request.model is ModelName.POSITION_BASED:
        middle = 1 - options.first_share - options.last_share
        shares = {"first": options.first_share, "middle": middle, "last": options.last_share}
        return _("First touch %(first)s, middle %(middle)s, last touch %(last)s") % {
            key: f"{value:.0%}" for key, value in shares.items()
        }
    if request.model is ModelName.SHAPLEY:
        return _("Simplified Shapley value (Zhao et al. 2018), exact enumeration")
    return ""


def comparison_figure(
    report: AttributionReport,
    _: Callable[[str], str] = str,
    ugc: dict[str, ItemName] | None = None,
) -> dict[str, Any]:
    by = report.request.by.value
    names = [touch_label(by, row.label, _, ugc) for row in report.comparison]
    return {
        "data": [
            {
                "type": "bar",
                "name": labels.label(labels.Kind.MODEL, model, _),
                "x": names,
                "y": [row.conversions[model] for row in report.comparison],
            }
            for model in report.comparison_models
        ],
        "layout": {
            "barmode": "group",
            "title": {"text": _("Attributed conversions by model")},
            "margin": {"t": 40, "r": 10, "b": 80, "l": 50},
            "legend": {"orientation": "h"},
        },
    }


@router.get("/attribution", operation_id="attribution_page")
def attribution_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    model: str = "markov",
    by: str = "channel",
    window: str = "30d",
    order: int = 1,
    credit: str = "pooled",
    conversion: str = "any",
    start: str = "",
    end: str = "",
    segment: str = "",
    format: ExportFormat | None = None,
    table: str | None = None,
) -> Response:
    """The form sends empty dates when a field is blank: blank means unbounded."""
    form = {"model": model, "by": by, "window": window, "order": order, "credit": credit,
            "conversion": conversion, "start": start, "end": end, "segment": segment}  # fmt: skip
    report = run_report(
        services, principal, _local_day(start, "start"), _local_day(end, "end"), segment or None,
        model=model,
        by=by, window=window, order=order, credit=credit, conversion=conversion,
    )  # fmt: skip
    if format is not None and view_answers(format, table, PAGE_ONLY_TABLES):
        from mercato.web.report_views import attribution_view  # builds on this module

        span = (_local_day(start, "start"), _local_day(end, "end"))
        return export_response(attribution_view(principal, span, report), format, table)
    gettext = translator(request, principal)
    with services.catalog.session() as session:
        ugc = ugc_touch_names(session, principal.workspace_id, report)
    return render(
        request,
        "attribution.html",
        principal,
        report=report,
        form=form,
        ugc_names={label: ugc_name(name, gettext) for label, name in ugc.items()},
        figure_json=json.dumps(comparison_figure(report, gettext, ugc)),
        model_detail=model_detail(report, gettext),
        segments=_segment_choices(services, principal.workspace_id),
        segment=segment_id(services, principal.workspace_id, segment or None),
    )


# Tables the page shows beyond its report view: their CSV/JSON is read from the page itself
# (`web.page_tables`), so the route renders the page for them.
PAGE_ONLY_TABLES = frozenset({"time-to-conversion", "sessions-to-conversion"})


def _segment_choices(services: Services, workspace_id: str) -> list[tuple[str, str]]:
    with services.catalog.session() as session:
        return [(s.id, s.name) for s in list_segments(session, workspace_id)]
