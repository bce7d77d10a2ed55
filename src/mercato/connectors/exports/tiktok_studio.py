"""TikTok Studio exports: `Overview.csv`, `FollowerHistory.csv`, `Viewers.csv` (account days)
and the content export (one row per video).

Dates come without a year (`December 30`); the year is inferred from the export's end date
(`as_of`, default today), so a range across New Year gets December of the previous year.
Spanish headers and month names are understood too.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from mercato.connectors.csvfile import Row, Table
from mercato.connectors.exports.common import metric_values, snapshot_time
from mercato.connectors.parsing import NotANumber, NumberLocale, parse_timestamp
from mercato.connectors.social import AccountDay, Post, PostSnapshot
from mercato.core.errors import ValidationFailed

FORMAT = "tiktok_studio_export"
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "enero"),
            ("february", "febrero"),
            ("march", "marzo"),
            ("april", "abril"),
            ("may", "mayo"),
            ("june", "junio"),
            ("july", "julio"),
            ("august", "agosto"),
            ("september", "septiembre"),
            ("october", "octubre"),
            ("november", "noviembre"),
            ("december", "diciembre"),
        ],
        start=1,
    )
    for name in names
}
SPANISH_HEADERS = {
    "Fecha": "Date",
    "Visualizaciones de videos": "Video Views",
    "Visualizaciones del perfil": "Profile Views",
    "Me gusta": "Likes",
    "Comentarios": "Comments",
    "Veces compartido": "Shares",
    "Seguidores": "Followers",
    "Espectadores totales": "Total Viewers",
}
DAILY_METRICS = (
    ("Video Views", "views"),
    ("Profile Views", "profile_visits"),
    ("Likes", "likes"),
    ("Comments", "comments"),
    ("Shares", "shares"),
    ("Followers", "followers"),
    ("Difference in followers from previous day", "net_follows"),
    ("Total Viewers", "reach"),
    ("New Viewers", "new_viewers"),
)
CONTENT_METRICS = (
    ("Total views", "views"),
    ("Total likes", "likes"),
    ("Total comments", "comments"),
    ("Total shares", "shares"),
    ("Average watch time", "avg_watch_time_s"),
)
_DAY_MONTH = re.compile(r"^(?:(\d{1,2})\s+(?:de\s+)?([^\d\s]+)|([^\d\s]+)\s+(\d{1,2}))$")
_VIDEO_ID = re.compile(r"/video/(\d+)")


def english(table: Table) -> Table:
    """The same table with Spanish headers translated (cells keep their values)."""
    if not any(h in SPANISH_HEADERS for h in table.header):
        return table
    header = [SPANISH_HEADERS.get(h, h) for h in table.header]
    rows = [
        Row(r.source, r.line, {SPANISH_HEADERS.get(k, k): v for k, v in r.cells.items()})
        for r in table.rows
    ]
    return Table(table.source, header, rows, table.preamble)


def parse_yearless_day(raw: str, end: date) -> date:
    """`December 30` or `30 de diciembre` → the latest such day on or before `end`."""
    match = _DAY_MONTH.match(raw.strip().lower())
    if not match:
        raise NotANumber(f"expected a day like 'December 30', got {raw!r}")
    day_text, month_text = (
        (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    )
    month = MONTHS.get(month_text.strip(".,"))
    if month is None:
        raise NotANumber(f"unknown month {month_text!r} in {raw!r}")
    for year in (end.year, end.year - 1):
        try:
            candidate = date(year, month, int(day_text))
        except ValueError:
            continue  # 29 February of a non-leap year
        if candidate <= end:
            return candidate
    raise NotANumber(f"{raw!r} is not a day within a year before {end.isoformat()}")


def _day(row: Row, end: date) -> date:
    raw = row.require("Date")
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return row.parse("Date", lambda value: parse_yearless_day(value, end))


def parse_tiktok_daily(
    table: Table,
    account_id: str,
    *,
    as_of: date | None = None,
    locale: NumberLocale = NumberLocale.EN,
) -> list[AccountDay]:
    table = english(table)
    table.require_columns(("Date",), "TikTok Studio daily export")
    end = as_of or date.today()
    present = tuple((c, m) for c, m in DAILY_METRICS if c in table.header)
    return [
        AccountDay(
            "tiktok", account_id, _day(row, end), FORMAT, metric_values(row, present, locale)
        )
        for row in table.rows
    ]


def _posted_at(row: Row, end: date) -> datetime | None:
    raw = row.get("Post time")
    if not raw:
        return None
    try:
        return parse_timestamp(raw)
    except NotANumber:
        return datetime.combine(
            row.parse("Post time", lambda v: parse_yearless_day(v, end)), datetime.min.time()
        )


def parse_tiktok_content(
    table: Table,
    account_id: str,
    *,
    as_of: date | None = None,
    locale: NumberLocale = NumberLocale.EN,
) -> list[PostSnapshot]:
    table = english(table)
    table.require_columns(("Video link", "Total views"), "TikTok Studio content export")
    end = as_of or date.today()
    posts = []
    for row in table.rows:
        match = _VIDEO_ID.search(row.require("Video link"))
        if not match:
            raise row.error(
                "Video link", "expected a link like https://www.tiktok.com/@x/video/123"
            )
        posts.append(
            Post(
                "tiktok",
                account_id,
                match.group(1),
                _posted_at(row, end),
                "video",
                row.get("Video title") or "",
                row.require("Video link"),
            )
        )
    if not posts:
        raise ValidationFailed("the export has no videos", location=table.source)
    captured_at = snapshot_time(table.source, as_of, None)
    return [
        PostSnapshot(post, captured_at, FORMAT, metric_values(row, CONTENT_METRICS, locale))
        for row, post in zip(table.rows, posts, strict=True)
    ]
