"""The Traffic report: sessions, engaged sessions and engaged time by channel and social
platform, and the top landing pages, for a UTC window (the page turns local days into it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from mercato.warehouse.connection import ScopedWarehouse

TOP_PAGES = 20


@dataclass(frozen=True)
class TrafficRow:
    label: str
    sessions: int
    engaged_sessions: int
    engaged_ms: int | None  # None: no session carried engagement data (n/a, not 0 s)

    @property
    def engagement_rate(self) -> float | None:
        """Engaged sessions ÷ sessions (GA4); None when there were no sessions."""
        return self.engaged_sessions / self.sessions if self.sessions else None

    @property
    def average_engaged_s(self) -> float | None:
        if not self.sessions or self.engaged_ms is None:
            return None
        return self.engaged_ms / self.sessions / 1000


@dataclass(frozen=True)
class Traffic:
    start: datetime
    end: datetime
    total: TrafficRow
    by_channel: list[TrafficRow]
    by_social_platform: list[TrafficRow]
    landing_pages: list[TrafficRow]


def _ms(value: Any) -> int | None:
    """A summed engaged time; NULL (pandas' NaN or NA) stays None."""
    return None if pd.isna(value) else int(value)


def _rows(
    warehouse: ScopedWarehouse, window: ir.Table, column: str, limit: int | None = None
) -> list[TrafficRow]:
    grouped = (
        window.group_by(window[column].fill_null("(none)").name("label"))
        .aggregate(
            sessions=window.count(),
            engaged_sessions=window.is_engaged.ifelse(1, 0).sum(),
            engaged_ms=window.engaged_ms.sum(),
        )
        .order_by([ibis.desc("sessions"), "label"])
    )
    if limit:
        grouped = grouped.limit(limit)
    frame = warehouse.execute(grouped)
    return [
        TrafficRow(str(r.label), int(r.sessions), int(r.engaged_sessions or 0), _ms(r.engaged_ms))
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
        _ms(totals["engaged_ms"]),
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
