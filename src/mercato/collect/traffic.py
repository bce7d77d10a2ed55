"""The Traffic report: sessions, engaged sessions and engaged time by channel and social
platform, and the top landing pages, for a UTC window (the page turns local days into it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir

from mercato.warehouse.connection import ScopedWarehouse

TOP_PAGES = 20


@dataclass(frozen=True)
class TrafficRow:
    label: str
    sessions: int
    engaged_sessions: int
    engaged_ms: int

    @property
    def engagement_rate(self) -> float | None:
        """Engaged sessions ÷ sessions (GA4); None when there were no sessions."""
        return self.engaged_sessions / self.sessions if self.sessions else None

    @property
    def average_engaged_s(self) -> float | None:
        return self.engaged_ms / self.sessions / 1000 if self.sessions else None


@dataclass(frozen=True)
class Traffic:
    start: datetime
    end: datetime
    total: TrafficRow
    by_channel: list[TrafficRow]
    by_social_platform: list[TrafficRow]
    landing_pages: list[TrafficRow]


def _rows(
    warehouse: ScopedWarehouse, window: ir.Table, column: str, limit: int | None = None
) -> list[TrafficRow]:
    grouped = (
        window.group_by(window[column].fill_null("(none)").name("label"))
        .aggregate(
            sessions=window.count(),
            engaged_sessions=window.is_engaged.ifelse(1, 0).sum(),
            engaged_ms=window.engaged_ms.sum().coalesce(0),
        )
        .order_by([ibis.desc("sessions"), "label"])
    )
    if limit:
        grouped = grouped.limit(limit)
    frame = warehouse.execute(grouped)
    return [
        TrafficRow(
            str(r.label), int(r.sessions), int(r.engaged_sessions or 0), int(r.engaged_ms or 0)
        )
        for r in frame.itertuples()
    ]


def traffic(warehouse: ScopedWarehouse, start: datetime, end: datetime) -> Traffic:
    """Sessions that started in [start, end)."""
    sessions = warehouse.table("sessions")
    window = sessions.filter((sessions.started_at >= start) & (sessions.started_at < end))
    totals = warehouse.execute(
        window.aggregate(
            sessions=window.count(),
            engaged_sessions=window.is_engaged.ifelse(1, 0).sum(),
            engaged_ms=window.engaged_ms.sum(),
        )
    ).iloc[0]
    total = TrafficRow(
        "All",
        int(totals["sessions"]),
        int(totals["engaged_sessions"] or 0),
        int(totals["engaged_ms"] or 0),
    )
    social = window.filter(window.social_platform.notnull())
    return Traffic(
        start,
        end,
        total,
        by_channel=_rows(warehouse, window, "channel"),
        by_social_platform=_rows(warehouse, social, "social_platform"),
        landing_pages=_rows(warehouse, window, "entry_path", TOP_PAGES),
    )
