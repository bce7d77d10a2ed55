"""Every shareable report view as data (`sharing.views.ReportView`), built with the same
functions the logged-in pages use, so a share link, an e-mail, a PDF and a CSV/JSON export
show the page's numbers. A new view is a builder added to `BUILDERS` under its `ViewName`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from fastapi.responses import Response

from mercato.attribution.service import AttributionReport
from mercato.catalog.models import Workspace
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, utcnow, zone
from mercato.experiments import service as experiments
from mercato.experiments.schemas import ComparisonPublic, VariantCount
from mercato.i18n.locales import mark as N_
from mercato.metrics.journeys import BUCKETS, page_outliers, sessions_before_purchase
from mercato.metrics.overview import HEADLINE_KPIS, overview
from mercato.metrics.present import format_delta, format_value
from mercato.metrics.registry import KPIS
from mercato.metrics.report import Compare
from mercato.metrics.service import ReportRequest, goal_rows, goals_progress
from mercato.metrics.ugc_performance import UgcPerformance, ugc_performance
from mercato.runtime import Services, analytics_warehouse
from mercato.segments import service as segments
from mercato.segments.reports import compare_segments, kpi_report
from mercato.sharing.periods import period_days
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.sharing.views import Chart, ReportView, Tile, ViewTable
from mercato.web.auth import Principal
from mercato.web.exports import ExportFormat, export_response
from mercato.web.routes import attribution_api, segments_pages
from mercato.web.routes.funnel_pages import drill_table
from mercato.web.routes.overview_pages import cells, default_range, headline
from mercato.web.routes.traffic_api import traffic_report
from mercato.web.stores import analytics_stores, scoped_stores

Range = tuple[date, date]
Builder = Callable[[Services, Principal, Range, ViewParameters], ReportView]
TITLES = {
    ViewName.OVERVIEW: "Overview",
    ViewName.FUNNEL: "Full funnel",
    ViewName.TRAFFIC: "Traffic",
    ViewName.ATTRIBUTION: "Attribution",
    ViewName.UGC_PERFORMANCE: "UGC performance",
    ViewName.GOALS: "Goals",
    ViewName.EXPERIMENT: "Experiment",
    ViewName.SEGMENT: "Segment",
}


def view_principal(workspace: Workspace) -> Principal:
    """A caller with no scopes bound to one workspace: enough to compute a view, nothing else."""
    return Principal(workspace=workspace, scopes=frozenset())


def local_today(workspace: Workspace) -> date:
    return datetime.now(zone(workspace.time_zone)).date()


def resolve_range(services: Services, principal: Principal, parameters: ViewParameters) -> Range:
    if parameters.start is not None and parameters.end is not None:
        check_day_range(parameters.start, parameters.end, location="parameters.end")
        return parameters.start, parameters.end
    if parameters.period is not None:
        return period_days(parameters.period, local_today(principal.workspace))
    return default_range(services, principal)  # as the page: the last 30 days with data


def _shell(
    principal: Principal, view: ViewName, span: tuple[date | None, date | None], **parts: object
) -> ReportView:
    return ReportView(
        view.value,
        TITLES[view],
        principal.workspace.name,
        span[0],
        span[1],
        principal.workspace.time_zone,
        **parts,  # type: ignore[arg-type]
    )


def _overview(
    services: Services, principal: Principal, span: Range, _p: ViewParameters
) -> ReportView:
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    report = overview(scoped, span[0], span[1], principal.workspace.time_zone)
    raw: dict[str, Decimal | float | int | None] = {
        "sessions": report.total.sessions,
        "transactions": report.total.transactions,
        "conversion_rate": report.total.conversion_rate,
        "revenue_gross": report.total.revenue,
    }
    tiles = [
        Tile(t["id"], t["label"], t["value"], _raw(raw[k]))
        for t, k in zip(
            headline(report.total, *span, principal.workspace.currency), HEADLINE_KPIS, strict=True
        )
    ]
    columns = ["Channel", "Sessions", "Transactions", "Conversion rate", "Gross revenue"]
    rows = [
        [_named_en("channel", channel), *cells(row.figures).values()]
        for channel, row in ((r.channel, r) for r in report.by_channel)
    ]
    days = sorted({row.day for row in report.daily})
    per_day = dict.fromkeys(days, 0.0)
    for row in report.daily:
        per_day[row.day] += row.sessions
    charts = [
        Chart(
            "sessions-by-channel",
            "Sessions by channel",
            [_named_en("channel", r.channel) for r in report.by_channel],
            {"Sessions": [float(r.figures.sessions) for r in report.by_channel]},
        ),
        Chart(
            "sessions-per-day",
            "Sessions per day",
            [d.isoformat() for d in days],
            {"Sessions": list(per_day.values())},
            kind="line",
        ),
    ]
    table = ViewTable("channels", "By channel", columns, rows)
    return _shell(principal, ViewName.OVERVIEW, span, tiles=tiles, tables=[table], charts=charts)


def _raw(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _filters(parameters: ViewParameters) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((dim, tuple(values)) for dim, values in sorted(parameters.filters.items()))


def _funnel(services: Services, principal: Principal, span: Range, p: ViewParameters) -> ReportView:
    workspace = principal.workspace
    filters = _filters(p)
    report = kpi_report(
        *analytics_stores(services, workspace),
        workspace,
        ReportRequest(*span, Compare.PREVIOUS, filters=filters),
    )
    tiles, rows = [], []
    for kpi in KPIS:
        line = report.line(kpi.id)
        if line is None or kpi.id in report.unsupported:
            continue
        value = line.current.value
        shown = format_value(kpi, value)
        tiles.append(
            Tile(f"kpi-{kpi.id}", kpi.name, shown, None if value is None else float(value))
        )
        rows.append([kpi.name, kpi.stage.value, shown, format_delta(kpi, line) or ""])
    drilled = kpi_report(
        *analytics_stores(services, workspace),
        workspace,
        ReportRequest(*span, dimensions=("platform",), filters=filters),
    )
    drill = drill_table(drilled, "platform")
    by_platform = ViewTable(
        "drill-down",
        "By platform",
        ["KPI", *(labels.english(labels.Kind.PLATFORM, c) for c in drill["columns"])],
        [[row["kpi"].name, *row["cells"]] for row in drill["rows"]],
    )
    tables = [
        ViewTable("kpis", "Funnel KPIs", ["KPI", "Stage", "Value", "vs previous"], rows),
        by_platform,
        *_funnel_journeys(services, principal, span),
        goals_table(services, principal)[0],
    ]
    return _shell(principal, ViewName.FUNNEL, span, tiles=tiles, tables=tables)


def _funnel_journeys(services: Services, principal: Principal, span: Range) -> list[ViewTable]:
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    begin, end = local_day_bounds_utc(*span, zone(principal.workspace.time_zone))
    journeys = [
        [
            _named_en("channel", r.first_touch_channel),
            r.purchasers,
            *(r.distribution[b] for b in BUCKETS),
            f"{r.median:.1f}",
            f"{r.mean:.2f}",
        ]
        for r in sessions_before_purchase(scoped, begin, end)
    ]
    outliers = [
        [
            r.path,
            r.page_type,
            r.pageviews,
            f"{r.engaged_ms_per_pageview / 1000:.1f}",
            f"{r.type_median / 1000:.1f}",
            r.direction,
        ]
        for r in page_outliers(scoped, begin, end)
    ]
    return [
        ViewTable(
            "sessions-before-purchase",
            "Sessions before purchase by first-touch channel",
            ["First-touch channel", "Purchasers", *BUCKETS, "Median", "Mean"],
            journeys,
        ),
        ViewTable(
            "page-outliers",
            "Page-type outliers",
            ["Page", "Type", "Page views", "Engaged s / view", "Type median", "Direction"],
            outliers,
        ),
    ]


def _rate(value: float | None, scale: float = 100.0, unit: str = "%") -> str:
    return (
        "n/a"
        if value is None
        else f"{value * scale:.1f}{unit}"
        if unit == "%"
        else f"{value:.1f}{unit}"
    )


def _traffic(
    services: Services, principal: Principal, span: Range, _p: ViewParameters
) -> ReportView:
    report, start, end = traffic_report(services, principal, *span)
    total = report.total
    tiles = [
        Tile("kpi-sessions", "Sessions", f"{total.sessions:,}", float(total.sessions)),
        Tile(
            "kpi-engaged",
            "Engaged sessions",
            f"{total.engaged_sessions:,}",
            float(total.engaged_sessions),
        ),
        Tile(
            "kpi-engagement-rate",
            "Engagement rate",
            _rate(total.engagement_rate),
            total.engagement_rate,
        ),
        Tile(
            "kpi-engaged-time",
            "Avg. engaged time",
            _rate(total.average_engaged_s, 1, " s"),
            total.average_engaged_s,
        ),
    ]
    columns = ["Sessions", "Engaged sessions", "Engagement rate", "Avg. engaged time"]

    def table(table_id: str, title: str, label: str, found: list, by: str) -> ViewTable:  # type: ignore[type-arg]
        rows = [
            [
                _named_en(by, r.label),
                f"{r.sessions:,}",
                f"{r.engaged_sessions:,}",
                _rate(r.engagement_rate),
                _rate(r.average_engaged_s, 1, " s"),
            ]
            for r in found
        ]
        return ViewTable(table_id, title, [label, *columns], rows)

    tables = [
        table("channels", "Sessions by channel", "Channel", report.by_channel, "channel"),
        table(
            "social",
            "Sessions by social platform",
            "Platform",
            report.by_social_platform,
            "platform",
        ),
        table("landing-pages", "Top landing pages", "Landing page", report.landing_pages, "page"),
    ]
    chart = Chart(
        "channels-chart",
        "Sessions by channel",
        [_named_en("channel", r.label) for r in report.by_channel],
        {
            "Sessions": [float(r.sessions) for r in report.by_channel],
            "Engaged sessions": [float(r.engaged_sessions) for r in report.by_channel],
        },
    )
    return _shell(
        principal, ViewName.TRAFFIC, (start, end), tiles=tiles, tables=tables, charts=[chart]
    )


def _named_en(by: str, raw: str) -> str:
    return labels.row_label(by, raw, str)  # report views are in English


def _money(value: object) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _attribution(
    services: Services, principal: Principal, span: Range, _p: ViewParameters
) -> ReportView:
    report = attribution_api.run_report(services, principal, *span, model="markov", by="channel")
    return attribution_view(principal, span, report)


def attribution_view(
    principal: Principal, span: tuple[date | None, date | None], report: AttributionReport
) -> ReportView:
    """The attribution page's numbers as a view (the page passes its own model and cut)."""
    currency = principal.workspace.currency
    # Headings and cells read as on the page: channels and platforms by name, campaigns as named.
    by = report.request.by.value
    by_label = labels.english(labels.Kind.GRANULARITY, report.request.by.value)
    tiles = [
        Tile("kpi-journeys", "Journeys", f"{report.journeys:,}", float(report.journeys)),
        Tile(
            "kpi-conversions", "Conversions", f"{report.conversions:,}", float(report.conversions)
        ),
        Tile("kpi-revenue", f"Revenue ({currency})", _money(report.revenue), float(report.revenue)),
    ]
    rows = [
        [
            _named_en(by, r.label),
            f"{r.conversions:.2f}",
            _money(r.revenue),
            "n/a" if r.spend is None else _money(r.spend),
            "n/a"
            if r.roas is None
            else f"{r.roas:.2f}\u00d7",  # the multiplication sign, as on the page
        ]
        for r in report.rows
    ]
    credits = ViewTable(
        "credits",
        report.model_label,
        [by_label, "Conversions", "Revenue", "Spend", "ROAS"],
        rows,
    )
    comparison = ViewTable(
        "comparison",
        "Model comparison (conversions)",
        [by_label, *(labels.english(labels.Kind.MODEL, m) for m in report.comparison_models)],
        [
            [_named_en(by, r.label), *(f"{r.conversions[m]:.2f}" for m in report.comparison_models)]
            for r in report.comparison
        ],
    )
    paths = ViewTable(
        "top-paths",
        "Top paths",
        ["Path", "Conversions", "Revenue"],
        [[p.path, p.conversions, _money(p.revenue)] for p in report.top_paths],
    )
    chart = Chart(
        "comparison-chart",
        "Attributed conversions by model",
        [r.label for r in report.comparison],
        {
            labels.english(labels.Kind.MODEL, m): [r.conversions[m] for r in report.comparison]
            for m in report.comparison_models
        },
    )
    return _shell(
        principal,
        ViewName.ATTRIBUTION,
        span,
        tiles=tiles,
        tables=[credits, comparison, paths],
        charts=[chart],
    )


def _ugc(services: Services, principal: Principal, span: Range, _p: ViewParameters) -> ReportView:
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    begin, end = local_day_bounds_utc(*span, zone(principal.workspace.time_zone))
    columns = [
        "Key",
        "Gallery views",
        "Impressions",
        "Clicks",
        "CTR",
        "Product clicks",
        "Add to cart",
        "Influenced orders",
        "Influenced revenue",
    ]

    by_item = ugc_performance(scoped, "ugc_id", begin, end)
    by_gallery = ugc_performance(scoped, "gallery_id", begin, end)

    def table(found: list[UgcPerformance], table_id: str, title: str) -> ViewTable:
        rows = [
            [
                r.key,
                r.gallery_views,
                r.impressions,
                r.clicks,
                _rate(r.ctr),
                r.product_clicks,
                r.carts,
                r.influenced_orders,
                _money(r.influenced_revenue),
            ]
            for r in found[:200]  # the most seen first; a table an e-mail can carry
        ]
        return ViewTable(table_id, title, columns, rows)

    galleries = table(by_gallery, "galleries", "By gallery")
    items = table(by_item, "items", "By UGC item")
    impressions = sum(r.impressions for r in by_item)  # every item, not only the table's
    tiles = [Tile("kpi-impressions", "Impressions", f"{impressions:,}", float(impressions))]
    return _shell(principal, ViewName.UGC_PERFORMANCE, span, tiles=tiles, tables=[galleries, items])


def goals_table(services: Services, principal: Principal) -> tuple[ViewTable, list[Tile]]:
    """Every team's goals together, ordered social → site → e-commerce (the funnel's order)."""
    order = {"social": 0, "site": 1, "ecommerce": 2}
    owners = goal_rows(services.catalog.for_workspace(principal.workspace_id))
    found = goals_progress(
        *scoped_stores(services, principal.workspace.id),
        principal.workspace,
        local_today(principal.workspace),
    )
    found.sort(
        key=lambda g: (order.get(owners.get(g.goal_id, ("", "social", ""))[1], 3), g.period_start)
    )
    rows = []
    for goal in found:
        owner, team, _note = owners.get(goal.goal_id, ("", "social", ""))
        interval = (
            "n/a"
            if goal.forecast_low is None
            else (
                format_value(goal.kpi, goal.forecast_low)
                + " to "
                + format_value(goal.kpi, goal.forecast_high)
            )
        )
        rows.append(
            [
                team,
                owner,
                goal.kpi.name
                + (
                    f" ({labels.english(labels.Kind.PLATFORM, goal.platform)})"
                    if goal.platform
                    else ""
                ),
                f"{goal.period_start} to {goal.period_end}",
                format_value(goal.kpi, goal.target),
                format_value(goal.kpi, goal.actual),
                "n/a" if goal.progress is None else f"{goal.progress * 100:.0f}%",
                format_value(goal.kpi, goal.forecast),
                interval,
                labels.english(labels.Kind.GOAL_VERDICT, goal.verdict) if goal.verdict else "n/a",
            ]
        )
    on_track = sum(1 for g in found if g.on_track)
    tiles = [
        Tile("goals-on-track", N_("Goals on track"), f"{on_track} of {len(found)}", float(on_track))
    ]
    columns = [  # marked for the catalogs: the Goals page shows them translated
        N_("Team"),
        N_("Owner"),
        N_("KPI"),
        N_("Period"),
        N_("Target"),
        N_("Actual"),
        N_("Progress"),
        N_("Forecast"),
        N_("80% interval"),
        N_("Verdict"),
    ]
    return ViewTable("goals", "Goals", columns, rows), tiles


def _goals(services: Services, principal: Principal, span: Range, _p: ViewParameters) -> ReportView:
    table, tiles = goals_table(services, principal)
    return _shell(principal, ViewName.GOALS, span, tiles=tiles, tables=[table])


def _pct(value: float) -> str:
    return f"{value * 100:+.1f}%"


def _comparison_rows(found: list[ComparisonPublic]) -> list[list[object]]:
    """As the experiment page's comparison tables show them."""
    rows: list[list[object]] = []
    for c in found:
        if c.adjusted_p_value is not None:
            p_shown = f"{c.adjusted_p_value:.3g}"
        elif c.p_value is not None:
            p_shown = f"{c.p_value:.3g}"
        elif c.chance_to_win is not None:
            p_shown = f"{c.chance_to_win * 100:.0f}% to win"
        else:
            p_shown = ""
        rows.append(
            [
                c.metric.value,
                f"{c.variant} vs {c.baseline}",
                f"{c.baseline_mean:.4g}",
                f"{c.variant_mean:.4g}",
                _pct(c.relative_lift),
                f"{_pct(c.ci_low)} to {_pct(c.ci_high)}",
                p_shown,
                "significant" if c.significant else "not significant",
            ]
        )
    return rows


EXPOSURE_COLUMNS = [
    "Variant", "Exposed visitors", "Activated (saw it)", "Expected share", "Actual share",
    "Cookieless",
]  # fmt: skip
CORRELATIONAL_COLUMNS = [
    "Metric", "Comparison", "Did not", "Interacted", "Difference", "Interval", "p", "Result",
]  # fmt: skip


def _exposure_row(c: VariantCount, total: int) -> list[object]:
    actual = f"{c.exposed / total * 100:.1f}%" if total else "\u2013"  # the page's en dash
    share = f"{c.expected_share * 100:.1f}%"
    return [c.variant, f"{c.exposed:,}", f"{c.activated:,}", share, actual, f"{c.cookieless:,}"]


def _pair_row(row: dict[str, object]) -> list[object]:
    relative = row["relative"]
    shown = "n/a" if relative is None else f"{float(relative) * 100:+.1f}%"  # type: ignore[arg-type]
    return [row["stage"], row["name"], row["a_display"], row["b_display"], shown]


COMPARISON_COLUMNS = [
    "Metric", "Comparison", "Baseline", "Variant", "Lift", "Interval", "p (adjusted)", "Result",
]  # fmt: skip


def _experiment(
    services: Services, principal: Principal, _span: Range, p: ViewParameters
) -> ReportView:
    """One experiment's results as its page shows them (the whole run: no date range)."""
    if not p.experiment_id:
        raise ValidationFailed("the experiment view needs experiment_id", location="experiment_id")
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    with services.catalog.session() as session:
        results = experiments.experiment_results(
            session, scoped, principal.workspace_id, p.experiment_id or ""
        )
    total = sum(c.exposed for c in results.counts)
    exposures = ViewTable(
        "exposures",
        "Exposures",
        EXPOSURE_COLUMNS,
        [_exposure_row(c, total) for c in results.counts],
    )
    holdout = results.experiment.kind == "holdout"
    tables = [
        exposures,
        ViewTable(
            "comparisons",
            "Incremental lift of galleries (randomised)" if holdout else "Comparisons",
            COMPARISON_COLUMNS,
            _comparison_rows(results.comparisons),
        ),
    ]
    if holdout:
        tables.append(
            ViewTable(
                "correlational",
                "Interacted vs did not — correlational, not causal",
                CORRELATIONAL_COLUMNS,
                _comparison_rows(results.correlational),
            )
        )
    tiles = [
        Tile("verdict", "Verdict", results.verdict_text),
        Tile("kpi-exposed", "Exposed visitors", f"{total:,}", float(total)),
    ]
    notes = [n for n in (results.note, results.method) if n]
    view = _shell(principal, ViewName.EXPERIMENT, (None, None), tiles=tiles, tables=tables)
    return replace(view, title=f"Experiment: {results.experiment.name}", notes=notes)


SEGMENT_KPIS = segments_pages.COMPARED_KPIS


def _segment(
    services: Services, principal: Principal, span: Range, p: ViewParameters
) -> ReportView:
    """One segment: its size now, its KPIs over the range, and optionally another segment
    beside it (the Segments page's comparison)."""
    if not p.segment_id:
        raise ValidationFailed("the segment view needs segment_id", location="segment_id")
    workspace = principal.workspace
    scoped = services.warehouse.for_workspace(workspace.id)
    with services.catalog.session() as session:
        segment = segments.get_segment(session, workspace.id, p.segment_id or "")
        shown = segments.public(segment)
        size = segments.size(
            scoped, segments.resolve(session, workspace.id, segment.id), utcnow().date()
        )
    active = size.trend[-1].visitors if size.trend else 0
    tiles = [
        Tile("kpi-members", "Members", f"{size.visitors:,}", float(size.visitors)),
        Tile("kpi-active", "Active this week", f"{active:,}", float(active)),
    ]
    summary = ViewTable(
        "segment",
        "Segment",
        ["Name", "Kind", "Definition", "Members", "Active this week"],
        [[shown.name, shown.kind.value, shown.summary, f"{size.visitors:,}", f"{active:,}"]],
    )
    request = ReportRequest(*span, kpi_ids=SEGMENT_KPIS, segment=segment.id)
    report = kpi_report(*scoped_stores(services, workspace.id), workspace, request)
    kpis = ViewTable(
        "kpis",
        "KPIs in the segment",
        ["Stage", "KPI", "Value"],
        [
            [line.kpi.stage.value, line.kpi.name, format_value(line.kpi, line.current.value)]
            for line in report.lines
        ],
    )
    tables = [summary, kpis]
    if p.compare_segment_id:
        pair = compare_segments(
            *scoped_stores(services, workspace.id), workspace, request, p.compare_segment_id
        )
        tables.append(
            ViewTable(
                "comparison",
                f"{pair.a_name} vs {pair.b_name}",
                ["Stage", "KPI", pair.a_name, pair.b_name, "B vs A"],
                [_pair_row(row) for row in pair.rows()],
            )
        )
    view = _shell(principal, ViewName.SEGMENT, span, tiles=tiles, tables=tables)
    return replace(view, title=f"Segment: {shown.name}")


BUILDERS: dict[ViewName, Builder] = {
    ViewName.OVERVIEW: _overview,
    ViewName.FUNNEL: _funnel,
    ViewName.TRAFFIC: _traffic,
    ViewName.ATTRIBUTION: _attribution,
    ViewName.UGC_PERFORMANCE: _ugc,
    ViewName.GOALS: _goals,
    ViewName.EXPERIMENT: _experiment,
    ViewName.SEGMENT: _segment,
}


def build_view(
    services: Services, workspace: Workspace, view: ViewName, parameters: ViewParameters
) -> ReportView:
    principal = view_principal(workspace)
    span = resolve_range(services, principal, parameters)
    return BUILDERS[view](services, principal, span, parameters)


def renderer(services: Services) -> Callable[[Workspace, ViewName, ViewParameters], ReportView]:
    """The scheduled-report renderer bound to these services."""
    return lambda workspace, view, parameters: build_view(services, workspace, view, parameters)


def page_export(
    services: Services,
    principal: Principal,
    view: ViewName,
    parameters: ViewParameters,
    fmt: ExportFormat,
    table: str | None,
) -> Response:
    """A page's `?format=` answer: the view built for the caller's workspace."""
    return export_response(build_view(services, principal.workspace, view, parameters), fmt, table)
