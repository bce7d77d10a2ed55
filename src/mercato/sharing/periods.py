"""When a scheduled report runs and which local days it covers, in the workspace's zone.

A schedule says "08:00 local"; the next run is computed as a local wall-clock time and only
then converted to UTC, so across a DST change it still arrives at 08:00 local (the UTC
instant moves by an hour). A local time that does not exist (the spring-forward gap) runs at
the first instant after the gap; an ambiguous one (fall-back) runs at its first occurrence.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mercato.sharing.schemas import Cadence, Period


def _to_utc_naive(local: datetime, tz: ZoneInfo) -> datetime:
    aware = local.replace(tzinfo=tz, fold=0)
    # A wall time in a gap does not round-trip: take the instant the clocks jump to.
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != local:
        aware = local.replace(tzinfo=tz, fold=1)
    return aware.astimezone(UTC).replace(tzinfo=None)


def _candidate_days(cadence: Cadence, weekday: int, month_day: int, start: date) -> list[date]:
    """Run days from `start` on (enough of them to find the next run after any instant)."""
    if cadence is Cadence.DAILY:
        return [start + timedelta(days=n) for n in range(3)]
    if cadence is Cadence.WEEKLY:
        first = start + timedelta(days=(weekday - start.weekday()) % 7)
        return [first, first + timedelta(days=7)]
    found = []
    year, month = start.year, start.month
    for _ in range(3):
        day = date(year, month, min(month_day, calendar.monthrange(year, month)[1]))
        if day >= start:
            found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def next_run(
    cadence: Cadence, send_hour: int, weekday: int, month_day: int, time_zone: str,
    after: datetime,
) -> datetime:  # fmt: skip
    """The first run strictly after `after` (naive UTC), as naive UTC."""
    tz = ZoneInfo(time_zone)
    local_today = after.replace(tzinfo=UTC).astimezone(tz).date()
    for day in _candidate_days(cadence, weekday, month_day, local_today - timedelta(days=1)):
        moment = _to_utc_naive(datetime.combine(day, time(send_hour)), tz)
        if moment > after:
            return moment
    raise AssertionError("a run day always follows")  # pragma: no cover


def local_day(moment: datetime, time_zone: str) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).date()


def period_days(period: Period, today: date) -> tuple[date, date]:
    """The complete local days a period covers, seen from local day `today`."""
    yesterday = today - timedelta(days=1)
    if period is Period.PREVIOUS_DAY:
        return yesterday, yesterday
    if period is Period.PREVIOUS_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if period is Period.PREVIOUS_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period is Period.LAST_7_DAYS:
        return today - timedelta(days=7), yesterday
    return today - timedelta(days=30), yesterday


def default_period(cadence: Cadence) -> Period:
    return {
        Cadence.DAILY: Period.PREVIOUS_DAY,
        Cadence.WEEKLY: Period.PREVIOUS_WEEK,
        Cadence.MONTHLY: Period.PREVIOUS_MONTH,
    }[cadence]
