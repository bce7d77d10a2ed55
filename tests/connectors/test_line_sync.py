"""The LINE Official Account connector against a fake Messaging API over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd
import pytest

from mercato.catalog.models import SocialAccount
from mercato.connectors import accounts
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.sync import sync_account
from mercato.runtime import Services
from tests.connectors.fake_line import LINE_TOKEN, FakeLine, build_line_app
from tests.support.brands import Brand
from tests.support.server import serve_app

# 21:00 in Japan: LINE's "yesterday" is 2024-09-21.
NOW = datetime(2024, 9, 22, 12, 0, 0, 250_000)


@pytest.fixture
def fake_line() -> Iterator[tuple[FakeLine, str]]:
    state = FakeLine()
    with serve_app(build_line_app(state)) as base:
        yield state, base


def _policy(waits: list[float]) -> ClientPolicy:
    return ClientPolicy(timeout_s=5, max_retries=3, max_wait_s=5, sleep=waits.append)


def _account(services: Services, brand: Brand, base: str, token: str = LINE_TOKEN) -> str:
    with services.catalog.session() as session:
        return accounts.add_account(
            session,
            brand.workspace_id,
            platform="line",
            handle="@acme-jp",
            external_id="2001234567",
            token=token,
            api_base_url=base,
            options={"backfill_days": 3},
        ).id


def _frame(services: Services, brand: Brand, table: str) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    return scoped.execute(scoped.table(table))


def _seed(state: FakeLine) -> None:
    state.followers = {
        "20240919": {"status": "ready", "followers": 1200, "targetedReaches": 800, "blocks": 40},
        "20240920": {"status": "ready", "followers": 1230, "targetedReaches": 815, "blocks": 41},
    }
    state.delivery = {
        "20240919": {"status": "ready", "broadcast": 1000, "apiPush": 50, "apiReply": 7},
        "20240920": {"status": "ready"},  # nothing was sent that day
    }
    state.units = {
        "autumn_sale": {
            "overview": {"uniqueImpression": 640, "uniqueClick": 75, "uniqueMediaPlayed": None},
            "messages": [{"seq": 1, "impression": 700}, {"seq": 2, "impression": 150}],
            "clicks": [
                {"seq": 1, "url": "https://acme.example/sale", "click": 60, "uniqueClick": 50},
                {"seq": 1, "url": "https://acme.example/new", "click": 30, "uniqueClick": None},
            ],
        },
        "staff_test": {
            "overview": {"uniqueImpression": None, "uniqueClick": None},
            "messages": [{"seq": 1, "impression": None}],
            "clicks": [],
        },
        "welcome": {
            "overview": {"uniqueImpression": 25, "uniqueClick": -1},
            "messages": [{"seq": 1, "impression": 31}],
            "clicks": [{"seq": 1, "url": "https://lin.ee/x", "click": None}],
        },
    }


def test_line_syncs_followers_deliveries_and_units(
    services: Services, brand: Brand, fake_line: tuple[FakeLine, str]
) -> None:
    state, base = fake_line
    _seed(state)
    account_id = _account(services, brand, base)
    waits: list[float] = []
    for _ in range(2):  # re-reading the same days and units never doubles a row
        outcome = sync_account(
            services.catalog, services.warehouse, account_id, policy=_policy(waits), now=NOW
        )
        assert outcome.status == "ok", outcome.error
    days = _frame(services, brand, "social_account_daily").set_index(["day", "metric"])
    assert len(days) == 3 * 4
    sep19, sep20, sep21 = (pd.Timestamp(2024, 9, d) for d in (19, 20, 21))
    assert days.loc[(sep19, "followers"), "value"] == 1200
    assert days.loc[(sep20, "targeted_reaches"), "value"] == 815
    assert days.loc[(sep20, "blocks"), "value"] == 41
    assert days.loc[(sep19, "messages_delivered"), "value"] == 1057
    assert days.loc[(sep20, "messages_delivered"), "value"] == 0
    assert pd.isna(days.loc[(sep21, "followers"), "value"])
    assert days.loc[(sep21, "followers"), "missing_reason"] == "data_not_ready"
    assert days.loc[(sep21, "messages_delivered"), "missing_reason"] == "data_not_ready"
    units = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    assert set(units.index.get_level_values(0)) == {"autumn_sale", "staff_test", "welcome"}
    assert units.loc[("autumn_sale", "views"), "value"] == 850
    assert units.loc[("autumn_sale", "unique_views"), "value"] == 640
    assert units.loc[("autumn_sale", "link_clicks"), "value"] == 90
    assert units.loc[("autumn_sale", "unique_link_clicks"), "value"] == 75
    assert units.loc[("staff_test", "views"), "missing_reason"] == "not_enough_viewers"
    assert units.loc[("welcome", "unique_link_clicks"), "missing_reason"] == "not_enough_viewers"
    assert units.loc[("welcome", "views"), "value"] == 31
    # Dates asked are Japan days; the unit window is the 30 days up to yesterday in Japan.
    asked = [c for c in state.calls if "followers" in c]
    assert asked[:3] == [f"/v2/bot/insight/followers?date=202409{d}" for d in (19, 20, 21)]
    window = next(c for c in state.calls if "event/aggregation" in c)
    assert "from=20240823" in window
    assert "to=20240921" in window
    # The second sync starts one day before the last ready day (2024-09-20).
    second = asked[3:]
    assert second[0].endswith("date=20240919")


def test_line_day_boundary_is_japan_time(
    services: Services, brand: Brand, fake_line: tuple[FakeLine, str]
) -> None:
    state, base = fake_line
    account_id = _account(services, brand, base)
    # 15:30 UTC is 00:30 the next day in Japan: yesterday there is 2024-09-22.
    late = datetime(2024, 9, 22, 15, 30, 0, 1)
    sync_account(services.catalog, services.warehouse, account_id, policy=_policy([]), now=late)
    asked = [c for c in state.calls if "followers" in c]
    assert asked[-1].endswith("date=20240922")


def test_line_rejected_token_and_throttle(
    services: Services, brand: Brand, fake_line: tuple[FakeLine, str]
) -> None:
    state, base = fake_line
    _seed(state)
    bad = _account(services, brand, base, token="revoked")
    outcome = sync_account(services.catalog, services.warehouse, bad, policy=_policy([]), now=NOW)
    assert outcome.status == "failed"
    with services.catalog.session() as session:
        account = session.get(SocialAccount, bad)
        assert account is not None
        assert account.status == "token_invalid"
        assert "Authentication failed" in (account.last_error or "")
    with services.catalog.session() as session:
        good = accounts.add_account(
            session,
            brand.workspace_id,
            platform="line",
            handle="@acme-tw",
            token=LINE_TOKEN,
            api_base_url=base,
            options={"backfill_days": 3},
        ).id
    state.calls.clear()
    state.throttle_calls = {3}  # LINE gives no Retry-After: 60 s, more than the run waits
    outcome = sync_account(services.catalog, services.warehouse, good, policy=_policy([]), now=NOW)
    assert outcome.status == "partial"
    assert "rate limit" in (outcome.error or "")
