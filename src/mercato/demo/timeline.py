"""The demo brand's fixed calendar: 13 months ending 2026-10-31, with seasonality.

The window is fixed (never derived from "today") so the same seed always gives the same data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from mercato.demo.accounts import DEMO_TIME_ZONE

START_DAY = date(2025, 10, 1)
END_DAY = date(2026, 10, 31)  # last day with data, inclusive
DAYS = (END_DAY - START_DAY).days + 1
# Visitors acquired in the months before the window come back inside it; simulating them
# avoids an empty-shop "cold start" that would fake year-over-year growth.
HISTORY_DAYS = 120
SECONDS_PER_DAY = 86_400

# Monday .. Sunday: shopping peaks early in the week and on Sunday evening.
WEEKDAY_FACTOR = np.array([1.08, 1.04, 1.0, 0.98, 0.92, 0.9, 1.08])
# Local hour-of-day traffic profile (America/New_York).
HOURLY_PROFILE = np.array(
    [0.6, 0.4, 0.3, 0.25, 0.25, 0.35, 0.6, 1.0, 1.3, 1.4, 1.45, 1.5, 1.6, 1.55, 1.5, 1.5, 1.55,
     1.65, 1.8, 2.0, 2.1, 1.9, 1.5, 1.0]
)  # fmt: skip

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def day_dates(history: int = 0) -> list[date]:
    """The window's days, preceded by `history` days before it."""
    return [START_DAY + timedelta(days=offset) for offset in range(-history, DAYS)]


def epoch_seconds(day: date) -> int:
    """Naive-UTC midnight of `day` as seconds since 1970-01-01."""
    return int((datetime(day.year, day.month, day.day) - datetime(1970, 1, 1)).total_seconds())


START_EPOCH = epoch_seconds(START_DAY)
END_EPOCH = epoch_seconds(END_DAY) + SECONDS_PER_DAY  # exclusive


def black_friday_of(year: int) -> date:
    """The day after US Thanksgiving (the fourth Thursday of November)."""
    earliest = date(year, 11, 22)
    return earliest + timedelta(days=(3 - earliest.weekday()) % 7 + 1)


def _holiday_factor(day: date) -> float:
    """Black Friday week and December lift traffic; early January is quiet."""
    black_friday = black_friday_of(day.year)
    offset = (day - black_friday).days
    if -3 <= offset <= 3:  # Thanksgiving week to Cyber Monday
        return 2.6 - 0.25 * abs(offset)
    if day.month == 12 and day.day <= 21:
        return 1.55
    if day.month == 12:
        return 1.1
    if day.month == 1 and day.day <= 20:
        return 0.8
    return 1.0


def traffic_weights(history: int = 0) -> FloatArray:
    """Relative traffic per day: growth trend * weekly * yearly * holiday peak."""
    weights = np.empty(DAYS + history)
    for index, day in enumerate(day_dates(history)):
        trend = 1.0 + 0.3 * (index - history) / 365.0  # the brand grows ~30 % a year
        yearly = 1.0 + 0.12 * np.cos(2 * np.pi * (day.timetuple().tm_yday - 330) / 365.25)
        weekly = WEEKDAY_FACTOR[day.weekday()]
        weights[index] = trend * yearly * weekly * _holiday_factor(day)
    return weights


def conversion_lift(history: int = HISTORY_DAYS) -> FloatArray:
    """Multiplier on purchase propensity per day (from `history` days before the window)."""
    lift = np.ones(DAYS + history)
    for index, day in enumerate(day_dates(history)):
        factor = _holiday_factor(day)
        lift[index] = 1.0 + 0.35 * (factor - 1.0) if factor > 1.0 else 1.0
    return lift


def utc_offset_seconds(history: int = 0, time_zone: str = DEMO_TIME_ZONE) -> IntArray:
    """UTC offset of the workspace time zone at local noon of each day (DST aware)."""
    tz = ZoneInfo(time_zone)
    offsets = []
    for day in day_dates(history):
        local_noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
        delta = local_noon.utcoffset()
        offsets.append(int(delta.total_seconds()) if delta is not None else 0)
    return np.array(offsets, dtype=np.int64)


def sample_local_seconds_of_day(rng: np.random.Generator, count: int) -> IntArray:
    """Local seconds after midnight following the hourly profile."""
    hours = rng.choice(24, size=count, p=HOURLY_PROFILE / HOURLY_PROFILE.sum())
    return hours.astype(np.int64) * 3600 + rng.integers(0, 3600, size=count)


def day_index_of(epoch: IntArray) -> IntArray:
    """Index into the window of the UTC day holding each timestamp (negative before it)."""
    return ((epoch - START_EPOCH) // SECONDS_PER_DAY).astype(np.int64)
