"""Shared goals over the real server: edited on the Goals page (owner, team), every team's
goals shown together, progress and forecast equal to pandas over the API's daily numbers,
and the verdict fair when the data ends before today (the badge once said "no" for all)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from mercato.runtime import Services
from tests.metrics import fixture
from tests.metrics.fixture import FIRST, LAST
from tests.sharing.support import set_up
from tests.support.server import csrf_in

PERIOD_END = FIRST + timedelta(days=29)


def _per_day(last: date) -> pd.Series:
    """Transactions per local day FIRST..last, by pandas from the fixture's own orders:
    distinct order ids by the New York day they were placed on (days without orders: 0)."""
    orders = fixture.build()["orders"].to_pandas()
    orders = orders[orders.workspace_id == fixture.WORKSPACE]
    local = pd.to_datetime(orders.placed_at).dt.tz_localize("UTC").dt.tz_convert(fixture.TIME_ZONE)
    per_day = orders.assign(day=local.dt.date).groupby("day").order_id.nunique()
    return per_day.reindex(pd.date_range(FIRST, last).date, fill_value=0).astype(float)


def test_goals_page_edits_and_verdicts(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    page = owner.client.get("/goals")
    assert page.status_code == 200
    assert 'id="goal-form"' in page.text
    csrf = csrf_in(page.text)
    # the pace of the data so far (the fixture's last session day; today is long after it)
    days = _per_day(LAST)
    at_pace = round(days.sum() / len(days) * 30)
    for team, owner_name, target in (
        ("ecommerce", "Ana <b>", at_pace),
        ("social", "Bo", at_pace * 3),
    ):
        form = {
            "kpi_id": "transactions",
            "period_start": FIRST.isoformat(),
            "period_end": PERIOD_END.isoformat(),
            "target": str(target),
            "owner": owner_name,
            "team": team,
            "csrf_token": csrf,
        }
        assert owner.client.post("/goals", data=form).status_code == 303
    goals = {g["team"]: g for g in owner.client.get("/api/v1/kpi-goals").json()}
    assert goals["ecommerce"]["owner"] == "Ana <b>"
    assert goals["ecommerce"]["verdict"] == "on_track"
    assert goals["ecommerce"]["on_track"] is True
    assert goals["social"]["verdict"] == "behind"
    elapsed = goals["ecommerce"]["elapsed_days"]
    days = _per_day(FIRST + timedelta(days=elapsed - 1))
    assert goals["ecommerce"]["actual"] == days.sum()
    assert goals["ecommerce"]["progress"] == days.sum() / at_pace
    left = 30 - elapsed
    assert abs(goals["ecommerce"]["forecast"] - (days.sum() + days.mean() * left)) < 1e-6
    half = 1.2816 * (left * days.var() + left**2 * days.var() / elapsed) ** 0.5
    assert (
        abs(goals["ecommerce"]["forecast_high"] - (days.sum() + days.mean() * left + half)) < 1e-6
    )
    shown = owner.client.get("/goals").text
    assert shown.index("team-social") < shown.index("team-ecommerce")  # the funnel's order
    assert "Ana &lt;b&gt;" in shown
    assert "Ana <b>" not in shown
    assert (
        'class="badge good">On track'
        in owner.client.get(
            "/funnel", params={"start": FIRST.isoformat(), "end": LAST.isoformat()}
        ).text
    )
    edited = owner.client.patch(
        f"/api/v1/kpi-goals/{goals['social']['id']}",
        json={"target": at_pace, "team": "site"},
        headers={"x-csrf-token": owner.csrf},
    )
    assert edited.status_code == 200
    assert edited.json()["team"] == "site"
    bad = owner.client.patch(
        f"/api/v1/kpi-goals/{goals['social']['id']}",
        json={"team": "sales"},
        headers={"x-csrf-token": owner.csrf},
    )
    assert bad.status_code == 422
    refused = owner.client.post(
        "/goals", data={"kpi_id": "transactions", "period_start": "x", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "goal.period_start" in refused.text
