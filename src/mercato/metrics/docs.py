"""docs/metrics.md, generated from the registry (`mercato metrics docs`); a test keeps it fresh."""

from __future__ import annotations

from pathlib import Path

from mercato.metrics.benchmarks import DEFAULT_BENCHMARKS
from mercato.metrics.compiler import sources_of
from mercato.metrics.registry import KPIS
from mercato.metrics.sources import (
    DIMENSIONS,
    ENGAGEMENT_NUMERATOR,
    ENGAGEMENT_WEIGHTS,
    SOURCES,
    Part,
)
from mercato.metrics.spec import EntityRate, Kpi, Stage

DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"

INTRO = """# Metrics: the KPI engine and the full-funnel report

<!-- Generated from src/mercato/metrics/registry.py by `mercato metrics docs`. Do not edit. -->

Every KPI below is a declarative spec in `mercato.metrics.registry`, validated by the rules in
`mercato.metrics.rules` and compiled to Ibis by one compiler (`mercato.metrics.compiler`): all
measures a report needs from one source become one grouped aggregate, so the full funnel costs a
handful of queries on DuckDB, Spark or ClickHouse. Ratios are divided afterwards: a zero or
missing denominator gives **n/a**, never 0 or an error. Money stays Decimal.

## Using it

- **CLI**: `mercato report --workspace W --from 2024-03-01 --to 2024-03-31 --compare previous|yoy
  --by platform --filter channel=Paid\\ Social --grain week --format table|csv|json`;
  `mercato goals list|set|delete`; `mercato metrics docs` regenerates this file.
- **API**: `GET /api/v1/kpis?start=&end=&compare=&by=&filter=&grain=&kpi=&format=json|csv`,
  benchmark overrides under `/api/v1/kpi-benchmarks`, goals under `/api/v1/kpi-goals`, revenue
  forecasts under `/api/v1/revenue-forecasts`, `GET /api/v1/sessions-before-purchase` and
  `GET /api/v1/page-outliers` (see api.md).
- **Pages**: *Full funnel* (`/funnel`) opens with the funnel by platform: for each social
  platform, `views` (awareness) → `sessions` (consideration) → `transactions` (purchase), with
  the conversion from each stage to the next (sessions ÷ views, then transactions ÷ sessions,
  the platform's `conversion_rate`), drawn as a Plotly funnel and repeated in a table; these are
  the numbers of `GET /api/v1/kpis?by=platform` (sessions and orders count under their session's
  social platform; other channels are left out). Then awareness → consideration → purchase, each
  KPI with value, delta, benchmark verdict and a sparkline whose y axis marks the lowest and
  highest value, with the first and last day under it; drill-down by platform and campaign
  (tables scroll inside their card); the goals panel; in the consideration section, sessions
  before purchase by first-touch channel and the page-type outliers. Where no revenue forecast
  covers the range, `social_revenue_target` says so and links to the forecast form on the Goals
  page. *Overview* (`/`) is a view over the same registry: `transactions`, `conversion_rate`
  and `revenue_gross`, with sessions as the denominator of `conversion_rate`, in total and by
  `channel`, and daily sessions by channel (grain day) for the chosen local days; each tile
  links to its KPI on the funnel page and shows its change against the previous period (or the
  same period last year) and the earlier value.
- **Deltas and verdicts** read each KPI's `better` direction (`mercato.metrics.verdicts`): a
  change is *better* (green, ▲/▼ better) when it moves the way the KPI wants, *worse* (red)
  when not, *flat* (grey, =) under 0.05 percentage points for a rate or under 0.5 % of the
  earlier value otherwise; the words are always printed next to the colour. A value is
  *within* its benchmark when it lies within ±10 % of the benchmark's figure, else *above* or
  *below*, and that is better or worse by the same direction (a cart-abandonment rate above
  Baymard's 70.19 % is worse; an engagement rate above Rival IQ's is better). Per-platform
  benchmarks are judged against each platform's own value.
- **Python**: `mercato.metrics.report.build_report(warehouse.for_workspace(id), Slice(...))`.

## Conventions

- **Dates** are local days in the workspace time zone; timestamps are UTC in storage and are
  shifted by the zone's offsets (DST included) before bucketing by day, ISO week or month.
  Platform-day tables (account metrics, ad spend) use their own day as is.
- **Two aggregations for every post-level rate**: the ratio of sums (default) and the median
  per-post ratio; the report states which one is primary and shows the other.
- **Missing is not zero** (n/a rules):
  - a post or account-day with a NULL input is left out of numerator and denominator; coverage
    (posts used ÷ posts) is reported next to the figure;
  - a sum over a fact source (sessions, events, orders, ad spend) is 0 when the range has no
    rows there (no orders: revenue 0.00) but **n/a** when rows exist and none of them carries
    the value: orders without a net amount (a tracker, CDP or event-log purchase knows only
    its total) make `revenue_net` and `aov_net` n/a, sessions and events without engagement
    data make both engaged times n/a; where some rows carry it, the sum is over those rows;
  - `aov_net` divides by the orders that carry a net amount (an order without one is unknown,
    not 0); the engaged times divide by all sessions / page views, because the tracker sends
    no engagement event for a page nobody engaged with (0 s);
  - a ratio whose numerator is missing, or whose denominator is missing or 0, is n/a: `n/a` in
    tables, CSV and pages, `null` in JSON, on every engine and surface.
- **Followers** for `engagement_rate_by_followers`: a post's own follower count when its export
  or mapping gives one (neutral metric `followers` on the post, e.g. a `"Followers": "followers"`
  column in a generic post mapping), else the account's `followers` on the posting day (UTC)
  from the account's daily metrics; a post with neither is left out (coverage).
- **Weighted engagement** (`engagement_mix_weighted`): per post, Σ weight x metric over the
  weighted metrics that post reports (a NULL metric adds nothing; alternative names such as
  `reactions`/`likes` count once, the first reported); a post that reports none of its
  platform's weighted metrics, or no views, is left out. So a Facebook post without link clicks
  counts its reactions, comments and shares. The plain engagement rates stay stricter: a post
  missing one of its platform's numerator metrics is left out (only X's quotes are optional).
- **Money** reads in its currency's own precision (ISO 4217 minor units: JPY none, EUR two,
  KWD and BHD three): money KPIs are rounded half-even to the minor unit of the one currency
  their orders or spend carry in the cell, to cents when a cell mixes currencies. Money no
  cell names a currency for (an empty cell, the social revenue target = share x the revenue
  forecast, a goal's forecast, UGC influenced revenue, attributed revenue, ad spend per label,
  coupon revenue per creator) is rounded to the **workspace currency**'s minor unit: a JPY
  shop's target reads `234568`, a KWD shop's `289.587`. Revenue forecasts are taken in their
  currency's precision (`1234.567` KWD; a JPY forecast with decimals is refused, 422) and
  pro-rated by days, then rounded the same way. Pages, the CLI and the API show money in that
  precision too (API money is a string: exact). The warehouse stores money as decimal(18, 3)
  ([ADR 0550](adr/0550-money-keeps-its-currencys-minor-unit.md)).
- **Comparisons**: `previous` = the same number of days just before; `yoy` = the same dates a
  year earlier (29 February → 28 February). Deltas are absolute and relative (percentage points
  for percentages).
- **Benchmarks** are data: shipped defaults below, overridable per workspace; the internal
  benchmark is the median of the brand's own monthly values over the 12 months before.
- **Goals**: a target per KPI and period; progress = actual ÷ target; forecast = linear to the
  period end for sums and counts (actual ÷ days elapsed x days in the period; money rounded
  half-even to the workspace currency's minor unit), the current value for rates. "Today" is
  the workspace's date in its time zone, for the API, the pages and `mercato goals list`.
- **Compiled once**: the SQL of a report query is kept per workspace and slice, so a repeated
  report (a reload, the API polled) only runs it again; the rows are always read afresh
  (ADR 0502). The SQL is also kept in `<data_dir>/compiled-sql/`, so a restarted server or a
  CLI command skips the Ibis build too; a file is used only when its key (workspace, slice,
  measure definitions) and its fingerprint (Mercato's code and version, the engine, Ibis,
  sqlglot and DuckDB versions, the stored tables' schemas) are the asked ones (ADR 0506).
  Deleting the folder is always safe.
- **Attribution** for revenue by channel/platform: the session the order was placed in (last
  session touch). Multi-touch models are in attribution.md.
"""

JOURNEYS = """### Sessions before purchase by first-touch channel

The tiles above group purchasers by the channel of the purchasing session. This table
(`mercato.metrics.journeys.sessions_before_purchase`, `GET /api/v1/sessions-before-purchase`, and
the *Full funnel* page's consideration section) groups them by the channel of the visitor's
**first** session (lowest session number, earliest start on ties, whenever it happened; `(none)`
without a channel). A purchaser is a visitor with a purchasing session (orders > 0) that started
in the period; their count is the session number of the first such session, so the purchasing
session is included. Per first-touch channel: purchasers, the distribution over 1, 2, 3, 4 and 5+
sessions, the median (interpolated) and the mean.

### Page-type outliers

`mercato.metrics.journeys.page_outliers`, `GET /api/v1/page-outliers`, and a table on the *Full
funnel* page. Per page (page type, path; `(none)` without a page type), engaged time per page
view = Σ `engaged_ms` of the page's events in the period (the tracker's `engagement` events carry
the page's path) ÷ its `pageview` events. Pages with fewer than `min_pageviews` views (default 20)
are left out, and so are pages none of whose events carries engaged time (unknown, not 0 s).
Per page type, with the median and the MAD (median absolute deviation) of its
pages' values, a page is an outlier when |value - median| > 2 x MAD (with a MAD of 0, any page
off the median), reported with its direction (above/below), farthest first.
"""

ENGINES = """## Engines

Every test that computes KPI numbers runs on all three engines over the same fixture data and
must give the same numbers; no test is marked as unsupported on any engine:

- every KPI against the independent pandas reference, in total, by platform and by channel;
- the hand-checked edge cases (refunds larger than sales, missing platform metrics, zero
  denominators shown as n/a), a workspace without data, and day, week and month buckets across
  DST and a leap day;
- comparisons with last year, internal benchmarks (trailing monthly median), goal progress and
  linear forecast, the social revenue target, report rows with their benchmarks;
- sessions before purchase by first-touch channel and page-type outliers;
- the demo brand's recorded ground truth (monthly funnel, per-post engagement-rate medians).

| engine | how it runs | notes |
|---|---|---|
| DuckDB | embedded, in process | the store; the API, pages and CLI run on it |
| Apache Spark | local mode, in `make test` (marker `spark`) | `ibis.pyspark.connect`; see below |
| ClickHouse | the SQL Ibis compiles for ClickHouse, executed on chDB | settings below |

The API and page tests (`GET /api/v1/kpis`, the Full funnel page) run on DuckDB only, because
the web app opens the DuckDB warehouse; the numbers they show come from the same functions
checked above on every engine.

### Reports on Spark

When a workspace's data outgrows one machine, the report can run on Spark
([ADR 0503](adr/0503-spark-reports-over-a-parquet-export.md)). The warehouse stays DuckDB (the
collector and imports write there); `mercato warehouse export DIR [--workspace W]` writes every
table to `DIR/<table>.parquet` (atomically: a new folder replaces the old one whole), and

    mercato report --workspace W --from D --to D --engine spark --lake DIR [--spark-master URL]

registers those files as Spark views and runs the same compiled KPI expressions there, with
the tenant filter added as on DuckDB. The Parquet files can be copied to wherever the Spark
cluster reads from. `--lake` may also name the live lake the loader keeps current (`lake_dir`;
Hive-partitioned by workspace and day, ADR 0504), so no export and no stopped server are
needed; a test runs this on a standalone Spark cluster (docs/scale.md). A test checks that the
JSON report (by platform, compared with the previous period) from Spark over the export is
identical to DuckDB's. The Spark warehouse is read-only:
loads, purges, transactions and schema changes refuse with a message, and a lake exported with
`--workspace` refuses reports on any other workspace (they would show zeros).

ClickHouse needs the session settings `join_use_nulls = 1` (otherwise unmatched LEFT JOIN
columns read as '' or 0 instead of NULL, and missing metrics would count as zeros) and
`session_timezone = 'UTC'` (timestamps are naive UTC). Medians compile to
`quantileExactExclusive`, which interpolates like DuckDB's and Spark's `median`.

Spark's session time zone must be UTC (Ibis sets it on connect). The tests run Spark tuned for
kilobytes of data, where fixed per-query costs dominate: one partition per shuffle, adaptive
execution and code generation off, and the JVM's quick compiler only (tests/support/engines.py).
These change speed, not results; on real data keep Spark's defaults.
"""


def _kpi_section(kpi: Kpi) -> list[str]:
    lines = [f"### `{kpi.id}`: {kpi.name}", "", kpi.description, ""]
    lines.append(f"- formula: `{kpi.formula_text}`")
    lines.append(f"- unit: {kpi.unit.value}; better: {kpi.better.value}")
    if kpi.denominator:
        lines.append(f"- denominator: {kpi.denominator}")
    if isinstance(kpi.formula, EntityRate):
        other = "ratio of sums" if kpi.formula.primary.value == "median" else "median per entity"
        lines.append(
            f"- primary aggregation: {kpi.formula.primary.value}; also shown: {other}; "
            "coverage reported"
        )
    sources = sorted(sources_of(kpi))
    dims = sorted(set.intersection(*(set(SOURCES[s].dimensions) for s in sources)))
    lines.append(f"- sources: {', '.join(sources)}; dimensions: {', '.join(dims) or 'none'}")
    for b in (b for b in DEFAULT_BENCHMARKS if b.kpi_id == kpi.id):
        where = b.platform or "all platforms"
        lines.append(f"- benchmark ({where}): {b.value * 100:.3f} %, {b.label}")
    return [*lines, ""]


def _name(part: Part) -> str:
    name = " or ".join(part.names)
    return f"{name} (optional)" if part.optional else name


def render_docs() -> str:
    parts = [INTRO, f"Dimensions: {', '.join(f'`{d}`' for d in DIMENSIONS)}.\n"]
    parts.append("## Engagement numerator and weights per platform\n")
    parts.append("| platform | engagements | weighted engagement mix |\n|---|---|---|")
    for platform, terms in ENGAGEMENT_NUMERATOR.items():
        weighted = ENGAGEMENT_WEIGHTS.get(platform, ())
        # Every weighted term is optional (counted when reported), so none is marked.
        mix = ", ".join(f"{' or '.join(p.names)} x{p.weight}" for p in weighted) or "n/a"
        parts.append(f"| {platform} | {' + '.join(_name(p) for p in terms)} | {mix} |")
    parts.append(
        "\nIn the engagement numerator every metric is required unless marked optional; in the "
        "weighted mix each metric counts when the post reports it (see Conventions).\n"
    )
    for stage in Stage:
        parts.append(f"## {stage.value.title()}\n")
        for kpi in (k for k in KPIS if k.stage is stage):
            parts.extend(_kpi_section(kpi))
        if stage is Stage.CONSIDERATION:
            parts.append(JOURNEYS)
    parts.append(ENGINES)
    return "\n".join(parts)
