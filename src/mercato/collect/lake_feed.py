"""Keeps the lake current with the collector: after each stored batch, the partitions it
touched are mirrored (ADR 0504). Runs on the loader's thread, before the checkpoint moves, so
a crash replays the batch into the lake too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mercato.collect.wal import Position
from mercato.core.settings import Settings
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.live_lake import LiveLake, Partition, batch_name

# A session is stored on the day it started: a visit running over midnight started the day
# before its event (sessions end after 30 idle minutes, so one day back covers all but
# visits kept alive for more than a day, which the next `compact-lake --sync` repairs).
SESSION_DAYS_BACK = 1


def touched(rows: list[dict[str, Any]]) -> set[Partition]:
    """The lake partitions a batch of event rows can have changed."""
    found: set[Partition] = set()
    for row in rows:
        workspace, day = row.get("workspace_id"), _day(row.get("ts"))
        if not isinstance(workspace, str) or day is None:
            continue  # a row the loader set aside: it changed nothing
        found.add(Partition("events", workspace, day))
        for back in range(SESSION_DAYS_BACK + 1):
            found.add(Partition("sessions", workspace, day - dt.timedelta(days=back)))
        if row.get("name") == "purchase" and row.get("order_id"):
            found.add(Partition("orders", workspace, day))
            found.add(Partition("order_items", workspace, None))
    return found


def _day(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is not None:  # stored as naive UTC
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    day: dt.date = value.date()
    return day


class LakeFeed:
    """The loader's after-batch hook."""

    def __init__(self, lake: LiveLake, warehouse: Warehouse) -> None:
        self.lake = lake
        self.warehouse = warehouse

    def __call__(self, start: Position, rows: list[dict[str, Any]]) -> None:
        self.lake.sync(self.warehouse, touched(rows), batch_name(start.segment, start.offset))


def lake_feed(settings: Settings, warehouse: Warehouse) -> LakeFeed | None:
    """The hook for the `lake_dir` setting; None when no lake is configured."""
    if not settings.lake_dir:
        return None
    return LakeFeed(LiveLake(settings.lake_dir, settings.lake_max_files_per_partition), warehouse)
