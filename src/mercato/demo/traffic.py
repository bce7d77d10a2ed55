"""Visitors and their sessions: when they come back, through which channel, on which device.

Every array is one entry per session, sorted by visitor and then by start time, so a
visitor's sessions are contiguous and `session_number` counts from 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mercato.demo.accounts import DEMO_TIME_ZONE
from mercato.demo.channels import (
    DIRECT,
    EMAIL,
    FIRST_SESSION_MIX,
    ORGANIC_PLATFORM_MIX,
    ORGANIC_SOCIAL,
    OTHER_DEVICE_MIX,
    PAID_PLATFORM_MIX,
    PAID_SOCIAL,
    RETURN_SESSION_MIX,
    SOCIAL_DEVICE_MIX,
    STICKINESS,
)
from mercato.demo.platforms import PLATFORM_NAMES
from mercato.demo.timeline import (
    END_EPOCH,
    HISTORY_DAYS,
    SECONDS_PER_DAY,
    START_EPOCH,
    day_index_of,
    sample_local_seconds_of_day,
    traffic_weights,
    utc_offset_seconds,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MEAN_RETURN_GAP_DAYS = 9.0
MIN_RETURN_GAP_SECONDS = 45 * 60  # later than the 30-minute session timeout


@dataclass
class Sessions:
    """Session-level plan of the whole site (numpy arrays of equal length)."""

    visitor: IntArray
    session_number: IntArray
    start: IntArray  # epoch seconds, naive UTC
    day: IntArray  # index of the UTC day in the window; negative before it
    channel: IntArray
    platform: IntArray  # index into PLATFORM_NAMES, -1 when not social
    device: IntArray

    def __len__(self) -> int:
        return int(self.visitor.size)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Sessions:
        return Sessions(**{name: getattr(self, name)[keep] for name in self.__dataclass_fields__})


def _sessions_per_visitor(rng: np.random.Generator, visitors: int) -> IntArray:
    """Mostly one or two visits, with a loyal tail that comes back often."""
    loyal = rng.random(visitors) < 0.15
    return rng.geometric(np.where(loyal, 0.18, 0.58)).astype(np.int64)


def _first_visit(
    rng: np.random.Generator, visitors: int, traffic: FloatArray, time_zone: str
) -> IntArray:
    """First visit times over the history days and the window (`traffic` covers both)."""
    days = rng.choice(traffic.size, size=visitors, p=traffic / traffic.sum())
    local = sample_local_seconds_of_day(rng, visitors)
    offset = utc_offset_seconds(HISTORY_DAYS, time_zone)[days]
    return START_EPOCH + (days - HISTORY_DAYS) * SECONDS_PER_DAY + local - offset


def _channels(rng: np.random.Generator, first: npt.NDArray[np.bool_]) -> IntArray:
    count = first.size
    acquisition = rng.choice(len(FIRST_SESSION_MIX), size=count, p=FIRST_SESSION_MIX)
    returning = rng.choice(len(RETURN_SESSION_MIX), size=count, p=RETURN_SESSION_MIX)
    # The acquisition channel of each visitor sits on their first session.
    first_index = np.flatnonzero(first)
    acquired = acquisition[first_index][np.searchsorted(first_index, np.arange(count), "right") - 1]
    sticky = (rng.random(count) < STICKINESS) & (acquired != DIRECT)
    later = np.where(sticky, acquired, returning)
    return np.where(first, acquisition, later).astype(np.int64)


def _platforms(rng: np.random.Generator, channel: IntArray) -> IntArray:
    organic = _draw(rng, ORGANIC_PLATFORM_MIX, channel.size)
    paid = _draw(rng, PAID_PLATFORM_MIX, channel.size)
    platform = np.where(channel == ORGANIC_SOCIAL, organic, -1)
    return np.where(channel == PAID_SOCIAL, paid, platform)


def _draw(rng: np.random.Generator, mix: dict[str, float], count: int) -> IntArray:
    codes = np.array([PLATFORM_NAMES.index(name) for name in mix])
    weights = np.array(list(mix.values()))
    return codes[rng.choice(codes.size, size=count, p=weights / weights.sum())]


def _devices(rng: np.random.Generator, social: npt.NDArray[np.bool_]) -> IntArray:
    draw = rng.random(social.size)
    social_device = np.searchsorted(np.cumsum(SOCIAL_DEVICE_MIX), draw, "right")
    other_device = np.searchsorted(np.cumsum(OTHER_DEVICE_MIX), draw, "right")
    return np.minimum(np.where(social, social_device, other_device), 2).astype(np.int64)


def _visits(
    rng: np.random.Generator, candidates: int, time_zone: str
) -> tuple[IntArray, IntArray, IntArray]:
    """(visitor, session number, start) of every visit of `candidates` simulated visitors."""
    traffic = traffic_weights(HISTORY_DAYS)
    counts = _sessions_per_visitor(rng, candidates)
    first_start = _first_visit(rng, candidates, traffic, time_zone)
    visitor = np.repeat(np.arange(candidates, dtype=np.int64), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    number = np.arange(visitor.size, dtype=np.int64) - offsets + 1
    gaps = MIN_RETURN_GAP_SECONDS + rng.exponential(
        MEAN_RETURN_GAP_DAYS * SECONDS_PER_DAY, visitor.size
    ).astype(np.int64)
    gaps[number == 1] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[np.cumsum(counts) - counts], counts)
    start = first_start[visitor] + elapsed
    kept = start < END_EPOCH  # visits after the window's end never happened (yet)
    return visitor[kept], number[kept], start[kept]


def plan_sessions(
    rng: np.random.Generator, visitors: int, time_zone: str = DEMO_TIME_ZONE
) -> Sessions:
    """Sessions of `visitors` visitors who visit inside the window, with their earlier visits.

    Sessions before the window (day < 0) are the journeys' history: they shape purchase
    propensity and session numbers but are not written to the warehouse.
    """
    candidates = int(visitors * 1.5) + 100
    visitor, number, start = _visits(rng, candidates, time_zone)
    seen = np.zeros(candidates, bool)
    seen[visitor[start >= START_EPOCH]] = True
    chosen = np.flatnonzero(seen)[:visitors]
    renumber = np.full(candidates, -1, np.int64)
    renumber[chosen] = np.arange(chosen.size)
    keep = renumber[visitor] >= 0
    visitor, number, start = renumber[visitor[keep]], number[keep], start[keep]
    first = number == 1
    channel = _channels(rng, first)
    # Newsletter clicks need a subscriber: email only brings visitors back.
    channel = np.where(first & (channel == EMAIL), DIRECT, channel)
    platform = _platforms(rng, channel)
    return Sessions(
        visitor=visitor,
        session_number=number,
        start=start,
        day=day_index_of(start),
        channel=channel,
        platform=platform,
        device=_devices(rng, platform >= 0),
    )
