"""The on-track verdict on fixtures: it reads the forecast's interval, so it is fair early in
a period (day 3 of 30 at pace is on track) and strict late (day 25 at half pace is behind);
numbers checked against pandas."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from mercato.metrics.goals import Verdict, forecast_interval, verdict
from mercato.metrics.registry import KPI_BY_ID

TRANSACTIONS, CONVERSION = KPI_BY_ID["transactions"], KPI_BY_ID["conversion_rate"]
CART_ABANDONMENT = KPI_BY_ID["cart_abandonment_rate"]  # lower is better


def _pandas_forecast(daily: list[float], total: int) -> tuple[float, float, float]:
    days = pd.Series(daily)
    left = total - len(days)
    point = days.sum() + days.mean() * left
    half = 1.2816 * np.sqrt(left * days.var() + left**2 * days.var() / len(days))
    return point, point - half, point + half


@pytest.mark.parametrize(
    ("daily", "total", "target", "expected"),
    [
        ([10.0, 10.0, 10.0], 30, 300, Verdict.ON_TRACK),  # day 3 of 30 exactly at pace
        ([9.0, 11.0, 10.0], 30, 300, Verdict.ON_TRACK),  # at pace, with noise
        ([7.0, 12.0, 8.0], 30, 300, Verdict.ON_TRACK),  # a bit under, early: still reachable
        ([13.0, 14.0, 12.0], 30, 300, Verdict.AHEAD),
        ([5.0] * 25, 30, 300, Verdict.BEHIND),  # day 25 at half pace
        ([10.0, 11.0, 9.0] * 8 + [10.0], 30, 300, Verdict.ON_TRACK),
        ([1.0, 0.0, 2.0], 30, 300, Verdict.BEHIND),  # a tenth of the pace is not noise
    ],
)
def test_sum_verdicts(daily: list[float], total: int, target: int, expected: Verdict) -> None:
    found = forecast_interval(TRANSACTIONS, daily, total)
    assert found is not None
    point, low, high = _pandas_forecast(daily, total)
    assert (found.point, found.low, found.high) == pytest.approx((point, low, high))
    assert verdict(TRANSACTIONS, found, Decimal(target)) is expected


def test_a_single_day_is_a_wide_interval_not_a_verdict_of_failure() -> None:
    found = forecast_interval(TRANSACTIONS, [8.0], 30)
    assert found is not None
    assert found.low < 300 < found.high
    assert verdict(TRANSACTIONS, found, Decimal(300)) is Verdict.ON_TRACK
    assert forecast_interval(TRANSACTIONS, [], 30) is None
    assert verdict(TRANSACTIONS, None, Decimal(1)) is None


def test_rates_hold_and_lower_is_better() -> None:
    rates = [0.020, 0.022, 0.018]
    found = forecast_interval(CONVERSION, rates, 30)
    assert found is not None
    spread = pd.Series(rates).std()
    half = 1.2816 * spread / np.sqrt(27) * 27 / 30
    assert found.point == pytest.approx(0.02)
    assert (found.low, found.high) == pytest.approx((0.02 - half, 0.02 + half))
    assert verdict(CONVERSION, found, Decimal("0.02")) is Verdict.ON_TRACK
    assert verdict(CONVERSION, found, Decimal("0.05")) is Verdict.BEHIND
    abandonment = forecast_interval(CART_ABANDONMENT, [0.70, 0.72, 0.68], 30)
    assert verdict(CART_ABANDONMENT, abandonment, Decimal("0.75")) is Verdict.AHEAD
    assert verdict(CART_ABANDONMENT, abandonment, Decimal("0.70")) is Verdict.ON_TRACK
    assert verdict(CART_ABANDONMENT, abandonment, Decimal("0.50")) is Verdict.BEHIND
