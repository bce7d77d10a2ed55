"""Journey times are exact int64 microseconds for any instant, unit or zone (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.attribution.journeys import JourneyQuery, build_journeys, epoch_microseconds
from mercato.attribution.models import ModelName, ModelOptions, run_model
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load
from tests.attribution.paths_support import epoch_us

CHANNELS = ["Email", "Direct", "Paid Social", "Organic Search"]
MICROS_PER_DAY = 86_400 * 10**6
WINDOW = timedelta(days=30)

# visitor, µs after the base instant, zone offset (minutes) it is written in, channel, converts
Session = tuple[int, int, int, str, bool]


@st.composite
def session_logs(draw: st.DrawFn) -> tuple[datetime, list[Session]]:
    base = draw(st.datetimes(datetime(1, 3, 1), datetime(9999, 9, 1)))
    sessions = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2),
                st.integers(0, 45 * MICROS_PER_DAY),  # wider than the window: some fall out
                st.integers(-14 * 60, 14 * 60),
                st.sampled_from(CHANNELS),
                st.booleans(),
            ),
            min_size=1,
            max_size=9,
            unique_by=lambda s: (s[0], s[1]),
        )
    )
    return base, sessions


def _written(instant: datetime, minutes: int) -> datetime:
    """The same instant, written as local time in a zone `minutes` east of UTC."""
    return instant.replace(tzinfo=UTC).astimezone(timezone(timedelta(minutes=minutes)))


def _load(base: datetime, sessions: list[Session]) -> Warehouse:
    warehouse = Warehouse.open_duckdb(":memory:")
    load(
        warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": ["ws"] * len(sessions),
                "session_id": [f"s{i:02d}" for i in range(len(sessions))],
                "visitor_id": [f"v{s[0]}" for s in sessions],
                "started_at": [
                    _written(base + timedelta(microseconds=s[1]), s[2]) for s in sessions
                ],
                "channel": [s[3] for s in sessions],
                "orders": [int(s[4]) for s in sessions],
                "leads": [0] * len(sessions),
                "revenue": [Decimal("10.25") * (i + 1) * s[4] for i, s in enumerate(sessions)],
                "currency": ["EUR"] * len(sessions),
            }
        ),
    )
    return warehouse


def _by_hand(base: datetime, sessions: list[Session]) -> list[tuple[object, ...]]:
    """Journeys by the definition, in plain Python integers (µs since the epoch)."""
    origin = epoch_us(base)
    journeys: list[tuple[object, ...]] = []
    for visitor in sorted({s[0] for s in sessions}):
        mine = sorted((s[1], i, s) for i, s in enumerate(sessions) if s[0] == visitor)
        current: list[tuple[int, int, Session]] = []
        for step in mine:
            current.append(step)
            if step[2][4] or step is mine[-1]:
                end = origin + current[-1][0]
                kept = [
                    (origin + t, s[3])
                    for t, _, s in current
                    if origin + t >= end - 30 * MICROS_PER_DAY
                ]
                revenue = float(Decimal("10.25") * (current[-1][1] + 1)) if step[2][4] else 0.0
                journeys.append((tuple(kept), bool(step[2][4]), end, revenue))
                current = []
    return sorted(journeys, key=repr)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=session_logs())
def test_journeys_keep_exact_microseconds_for_any_zone_and_era(
    log: tuple[datetime, list[Session]],
) -> None:
    base, sessions = log
    warehouse = _load(base, sessions)
    built = build_journeys(warehouse.for_workspace("ws"), JourneyQuery(window=WINDOW))
    paths = built.paths
    assert paths.time is not None
    assert paths.conversion_time is not None
    assert paths.time.dtype == np.int64
    got = [
        (
            tuple(
                (int(paths.time[i]), built.labels[paths.label[i]])
                for i in range(paths.offsets[j], paths.offsets[j + 1])
            ),
            bool(paths.converted[j]),
            int(paths.conversion_time[j]),
            float(built.revenue[j]),
        )
        for j in range(paths.n_journeys)
    ]
    got.sort(key=repr)
    expected = _by_hand(base, sessions)
    assert got == expected
    assert built.first_touch_time.tolist() == [int(paths.time[i]) for i in paths.first_index]
    # Time decay on those exact times equals the formula in plain Python.
    decay = run_model(ModelName.TIME_DECAY, paths, built.revenue, ModelOptions(half_life_days=2))
    reference = dict.fromkeys(built.labels, 0.0)
    for touches, converted, end, _ in expected:
        if converted:
            weights = [0.5 ** ((end - t) / (2 * MICROS_PER_DAY)) for t, _ in touches]
            for (_, label), weight in zip(touches, weights, strict=True):
                reference[label] += weight / sum(weights)
    assert dict(zip(built.labels, decay.conversions.tolist(), strict=True)) == pytest.approx(
        reference, abs=1e-9
    )


INSTANT = datetime(2026, 12, 1, 10, 5, 10, 99638)  # clock: deliberate, issue 13 crash time


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (pa.array([INSTANT], pa.timestamp("us")), epoch_us(INSTANT)),
        (
            pa.array([INSTANT.replace(tzinfo=UTC)], pa.timestamp("us", "Asia/Kolkata")),
            epoch_us(INSTANT),
        ),
        (pa.array([epoch_us(INSTANT) * 1000 + 999], pa.timestamp("ns")), epoch_us(INSTANT)),
        (pa.array([-1], pa.timestamp("ns", "UTC")), -1),  # floored: 1 ns before 1970 is µs -1
        (pa.array([1_796_186_710], pa.timestamp("s")), 1_796_186_710 * 10**6),
        (
            pa.array([datetime(9999, 12, 31, 23, 59, 59, 999999)], pa.timestamp("us")),
            253402300799999999,
        ),
        (pa.array([datetime(1, 1, 1)], pa.timestamp("us")), -62135596800 * 10**6),
    ],
    ids=["naive-us", "zoned", "ns", "ns-before-1970", "seconds", "year-9999", "year-1"],
)
def test_epoch_microseconds_of_any_unit_and_zone(array: pa.Array, expected: int) -> None:
    assert epoch_microseconds(pa.chunked_array([array])).tolist() == [expected]


def test_non_timestamp_times_are_refused() -> None:
    with pytest.raises(TypeError, match="must be timestamps"):
        epoch_microseconds(pa.chunked_array([pa.array([1796186710.099638])]))
