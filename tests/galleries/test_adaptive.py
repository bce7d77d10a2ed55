"""Adaptive gallery order: rule validation, periods read from warehouse events (against a
pandas computation), the bandit's lead through the delivery's own path, stable sessions,
logged propensities, the guardrail's revert and the policy report."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mercato.core.errors import ValidationFailed
from mercato.galleries import adaptive
from mercato.galleries.adaptive import (
    ORDER_EVENT,
    AdaptiveOrders,
    Arm,
    config_of,
    logging_propensity,
    outcomes,
    periods,
    report,
    update_number,
)
from mercato.galleries.definitions import GalleryDraft, validate, validate_rule
from mercato.runtime import Services
from mercato.stats.bandit import PolicyState, Reward
from mercato.warehouse.loader import load

T0 = datetime(2026, 6, 1, 9)
ITEMS = ("u_a", "u_b", "u_c", "u_d")
WS, GALLERY = "ws1", "g1"


def test_rule_keys_validate() -> None:
    clean = validate_rule({"order": "adaptive", "reward": "add_to_cart", "burn_in": 50, "floor": 0})
    assert clean["floor"] == 0.0
    assert isinstance(clean["floor"], float)
    config = config_of(clean)
    assert config is not None
    assert config.reward is Reward.ADD_TO_CART
    assert config.settings.burn_in == 50
    assert config.settings.floor == 0.0
    assert config_of({"sort": "recent"}) is None
    assert config_of({"order": "default"}) is None
    for rule, where in [
        ({"order": "random"}, "rule.order"),
        ({"order": "adaptive", "reward": "purchase"}, "rule.reward"),
        ({"order": "adaptive", "burn_in": -1}, "rule.burn_in"),
        ({"order": "adaptive", "floor": 0.5}, "rule.floor"),
        ({"order": "adaptive", "floor": "low"}, "rule.floor"),
        ({"reward": "click"}, "rule.order"),  # a reward without the adaptive order
    ]:
        with pytest.raises(ValidationFailed) as caught:
            validate_rule(rule)
        assert caught.value.location == where, rule
    with pytest.raises(ValidationFailed) as caught:
        validate(GalleryDraft("g", selection="manual", rule={"order": "adaptive"}))
    assert caught.value.location == "rule.order"
    segmented = {
        "order": "adaptive",
        "segment_rules": [{"segment_id": "seg_1", "rule": {"order": "adaptive"}}],
    }
    with pytest.raises(ValidationFailed) as caught:
        validate(GalleryDraft("g", rule=segmented))
    assert caught.value.location == "rule.segment_rules[0].rule.order"


_ids = itertools.count()


def _event(name: str, session: str, ugc: str, ts: datetime, **extra: object) -> dict:
    return {
        "workspace_id": extra.pop("ws", WS),
        "event_id": f"e{next(_ids)}",
        "ts": ts,
        "name": name,
        "session_id": session,
        "visitor_id": f"v-{session}",
        "ugc_id": ugc,
        "gallery_id": extra.pop("gallery", GALLERY),
        **extra,
    }


def _logged(arm: str = "adaptive", propensity: float = 0.25, state: str = "adaptive") -> str:
    return json.dumps(
        {"update": 1, "propensity": propensity, "arm": arm, "state": state, "default_lead": "u_a"}
    )


def _random_events(seed: int) -> list[dict]:
    """Three days of sessions: each logs a lead, may see it (and others), may click it, may
    click it unseen (no reward: never an exposure), plus another gallery and workspace."""
    rng = np.random.default_rng(seed)
    events: list[dict] = []
    for s in range(300):
        session = f"s{s}"
        ts = T0 + timedelta(days=int(rng.integers(0, 3)), minutes=int(rng.integers(0, 600)))
        lead = str(rng.choice(ITEMS))
        events.append(
            _event(ORDER_EVENT, session, lead, ts, properties=_logged(), variant="adaptive")
        )
        if rng.random() < 0.8:
            events.append(_event("ugc_impression", session, lead, ts))
        if rng.random() < 0.3:
            events.append(_event("ugc_click", session, lead, ts))
        other = str(rng.choice(ITEMS))
        events.append(_event("ugc_impression", session, other, ts))
        if rng.random() < 0.3:
            events.append(_event("add_to_cart", session, other, ts))
        if rng.random() < 0.1:  # a second visit to the gallery in the same session
            events.append(
                _event(ORDER_EVENT, session, lead, ts, properties=_logged(), variant="adaptive")
            )
        if rng.random() < 0.2:
            events.append(_event("ugc_click", session, lead, ts, gallery="g2"))
            events.append(_event(ORDER_EVENT, session, lead, ts, ws="ws2", variant="adaptive"))
        if rng.random() < 0.2:  # posted by a client: no arm, not the server's log
            forged = str(rng.choice(ITEMS))
            events.append(_event(ORDER_EVENT, session, forged, ts, properties=_logged()))
    return events


def _load(services: Services, events: list[dict], sessions: list[dict] | None = None) -> None:
    load(services.warehouse, "events", pa.Table.from_pylist(events))
    if sessions:
        load(services.warehouse, "sessions", pa.Table.from_pylist(sessions))


def _by_hand(events: list[dict], reward: str) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.DataFrame(events)
    mine = frame[(frame.workspace_id == WS) & (frame.gallery_id == GALLERY)]
    logged = (
        mine[(mine.name == ORDER_EVENT) & mine.variant.notna()]
        .groupby(["session_id", "ugc_id"])
        .ts.min()
    )
    seen = set(map(tuple, mine[mine.name == "ugc_impression"][["session_id", "ugc_id"]].values))
    won = set(map(tuple, mine[mine.name == reward][["session_id", "ugc_id"]].values))
    days = sorted({ts.floor("D") for ts in logged})
    shown = np.zeros((len(days), len(ITEMS)))
    earned = np.zeros((len(days), len(ITEMS)))
    for (session, item), ts in logged.items():
        if (session, item) in seen:
            row, col = days.index(ts.floor("D")), ITEMS.index(item)
            shown[row, col] += 1
            earned[row, col] += (session, item) in won
    return shown, earned


@pytest.mark.parametrize("reward", [Reward.CLICK, Reward.ADD_TO_CART])
def test_periods_from_events_equal_pandas(services: Services, reward: Reward) -> None:
    events = _random_events(7)
    _load(services, events)
    frame = outcomes(services.warehouse.for_workspace(WS), GALLERY, reward)
    read = periods(frame, ITEMS)
    shown, earned = _by_hand(events, adaptive.REWARD_EVENTS[reward])
    assert len(read) == 3
    assert np.array_equal(np.vstack([p.exposures for p in read]), shown)
    assert np.array_equal(np.vstack([p.rewards for p in read]), earned)
    assert shown.sum() > 0
    assert earned.sum() > 0


def _past_burn_in(best: str) -> list[dict]:
    """Each item led and was seen by 300 sessions; `best` was clicked by 20%, others 4%."""
    rng = np.random.default_rng(3)
    events: list[dict] = []
    for i, item in enumerate(ITEMS):
        rate = 0.20 if item == best else 0.04
        for s in range(300):
            session, ts = f"{item}-{s}", T0 + timedelta(minutes=s)
            events.append(
                _event(ORDER_EVENT, session, item, ts, properties=_logged(), variant="adaptive")
            )
            events.append(_event("ugc_impression", session, item, ts))
            if rng.random() < rate:
                events.append(_event("ugc_click", session, item, ts))
        del i
    return events


def test_a_clearly_better_item_leads_most_sessions(services: Services) -> None:
    _load(services, _past_burn_in("u_c"))
    warehouse = services.warehouse.for_workspace(WS)
    config = config_of({"order": "adaptive", "burn_in": 100})
    assert config is not None
    orders, now, reads = AdaptiveOrders(), T0 + timedelta(days=1), []

    def loader() -> pd.DataFrame:
        reads.append(1)
        return outcomes(warehouse, GALLERY, config.reward)

    placements = [orders.place(GALLERY, ITEMS, f"visitor-{v}", config, now, loader)
                  for v in range(400)]  # fmt: skip
    assert len(reads) == 1  # one decision per update, however many visitors
    assert all(p.state is PolicyState.ADAPTIVE for p in placements)
    leads = [p.lead for p in placements]
    assert leads.count("u_c") / len(leads) > 0.8
    holdout = [p for p in placements if p.arm is Arm.HOLDOUT]
    assert 0 < len(holdout) < 40  # about 5%, always the default order
    assert all(p.order == ITEMS for p in holdout)
    for p in placements:  # every order is a permutation; its propensity is the served chance
        assert sorted(p.order) == sorted(ITEMS)
        assert p.order[0] == p.lead
        decision = orders.decision(GALLERY, ITEMS, config, now, loader)
        assert p.propensity == pytest.approx(logging_propensity(decision, ITEMS.index(p.lead)))
        assert 0 < p.propensity <= 1
        assert p.new
        assert p.log_properties()["propensity"] == pytest.approx(p.propensity, 1e-5)


def test_same_session_same_order_until_it_ends(services: Services) -> None:
    _load(services, _past_burn_in("u_b"))
    warehouse = services.warehouse.for_workspace(WS)
    config = config_of({"order": "adaptive"})
    assert config is not None
    orders = AdaptiveOrders()

    def loader() -> pd.DataFrame:
        return outcomes(warehouse, GALLERY, config.reward)

    now = T0 + timedelta(days=1)
    first = {v: orders.place(GALLERY, ITEMS, v, config, now, loader) for v in ("a", "b", "c")}
    # 20-minute gaps keep the session alive across the next hourly updates: same order
    for step in range(1, 6):
        later = now + timedelta(minutes=20 * step)
        for visitor, placement in first.items():
            again = orders.place(GALLERY, ITEMS, visitor, config, later, loader)
            assert again.order == placement.order
            assert not again.new
    # after 30 minutes of silence a new session draws again (and is logged again)
    fresh = orders.place(GALLERY, ITEMS, "a", config, now + timedelta(hours=5), loader)
    assert fresh.new
    assert fresh.update == update_number(now + timedelta(hours=5))


def _guardrail_frame(adaptive_rate: float, holdout_rate: float) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for s in range(3000):
        arm = Arm.HOLDOUT if s % 2 else Arm.ADAPTIVE
        rate = holdout_rate if arm is Arm.HOLDOUT else adaptive_rate
        lead = "u_a" if arm is Arm.HOLDOUT else ITEMS[(s // 2) % 4]
        rows.append(
            {
                "session_id": f"s{s}",
                "lead": lead,
                "first_ts": T0,
                "properties": _logged(arm.value, 0.5),
                "seen": True,
                "rewarded": bool(rng.random() < 0.05),
                "orders": int(rng.random() < rate),
                "revenue": 0.0,
            }
        )
    return adaptive.with_properties(pd.DataFrame(rows))


def test_guardrail_breach_reverts_to_the_default_order() -> None:
    config = config_of({"order": "adaptive", "burn_in": 10})
    assert config is not None
    worse = _guardrail_frame(0.02, 0.10)
    decision = adaptive.decide(worse, ITEMS, config, 5)
    assert decision.state is PolicyState.REVERTED
    placement = adaptive.place(decision, ITEMS, "anyone")
    assert placement.order == ITEMS
    assert placement.propensity == 1.0
    fine = _guardrail_frame(0.05, 0.05)
    assert adaptive.decide(fine, ITEMS, config, 5).state is PolicyState.ADAPTIVE
    # once reverted, the log remembers it even when the next data look fine
    remembered = fine.copy()
    remembered.loc[0, "state"] = PolicyState.REVERTED.value
    assert adaptive.decide(remembered, ITEMS, config, 6).state is PolicyState.REVERTED


def test_policy_report_estimates_the_default_order_from_the_log() -> None:
    """Logged by an even policy (propensity 1/4): the default order's estimated value is
    about its lead's true rate, the served policy's the average."""
    rng = np.random.default_rng(5)
    rates = {"u_a": 0.05, "u_b": 0.10, "u_c": 0.15, "u_d": 0.20}
    rows = []
    for s in range(8000):
        lead = ITEMS[int(rng.integers(0, 4))]
        rows.append(
            {
                "session_id": f"s{s}",
                "lead": lead,
                "first_ts": T0 + timedelta(hours=s % 48),
                "properties": _logged("adaptive", 0.25, "burn_in"),
                "seen": True,
                "rewarded": bool(rng.random() < rates[lead]),
                "orders": 0,
                "revenue": Decimal("0"),
            }
        )
    frame = adaptive.with_properties(pd.DataFrame(rows))
    config = config_of({"order": "adaptive"})
    assert config is not None
    found = report(frame, ITEMS, config, T0 + timedelta(days=3))
    assert found.state is PolicyState.ADAPTIVE
    assert found.default_estimate is not None
    assert found.default_ips is not None
    assert found.default_estimate.value == pytest.approx(0.05, abs=0.015)
    assert found.default_ips.value == pytest.approx(0.05, abs=0.02)
    assert found.logged_value == pytest.approx(0.125, abs=0.01)
    best = max(range(4), key=lambda i: found.allocation[i])
    assert ITEMS[best] == "u_d"
    document = found.as_json()
    assert [row["ugc_id"] for row in document["items"]] == list(ITEMS)
    assert document["logged_exposures"] == 8000


def test_concurrent_first_requests_read_the_warehouse_once() -> None:
    config = config_of({"order": "adaptive"})
    assert config is not None
    orders, reads, gate = AdaptiveOrders(), [], threading.Barrier(8)
    frame = _guardrail_frame(0.05, 0.05)

    def loader() -> pd.DataFrame:
        reads.append(1)
        time.sleep(0.05)  # a slow warehouse: the others arrive while it reads
        return frame

    def visit(n: int) -> None:
        gate.wait()
        orders.place(GALLERY, ITEMS, f"v{n}", config, T0, loader)

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1


def _arm_sessions(prefix: str, arm: Arm, count: int, rate: float, seed: int) -> tuple[list, list]:
    """`count` sessions of one arm shown the gallery (lead seen), converting at `rate`."""
    rng = np.random.default_rng(seed)
    events, sessions = [], []
    for s in range(count):
        session, ts = f"{prefix}-{s}", T0 + timedelta(minutes=s % 600)
        lead = "u_a" if arm is Arm.HOLDOUT else ITEMS[s % 4]
        logged = _logged(arm.value, 0.25)
        events.append(_event(ORDER_EVENT, session, lead, ts, properties=logged, variant=arm.value))
        events.append(_event("ugc_impression", session, lead, ts))
        bought = bool(rng.random() < rate)
        sessions.append({"workspace_id": WS, "session_id": session, "started_at": ts,
                         "orders": int(bought), "revenue": Decimal("40.00") if bought else
                         Decimal("0"), "currency": "USD"})  # fmt: skip
    return events, sessions


def test_a_guardrail_breach_reverts_at_the_next_update(services: Services) -> None:
    warehouse = services.warehouse.for_workspace(WS)
    config = config_of({"order": "adaptive", "burn_in": 50})
    assert config is not None
    orders = AdaptiveOrders()

    def loader() -> pd.DataFrame:
        return outcomes(warehouse, GALLERY, config.reward)

    for arm, rate in ((Arm.ADAPTIVE, 0.10), (Arm.HOLDOUT, 0.10)):
        _load(services, *_arm_sessions(f"a-{arm}", arm, 600, rate, 1))
    now = T0 + timedelta(days=1)
    assert orders.decision(GALLERY, ITEMS, config, now, loader).state is PolicyState.ADAPTIVE
    # the adaptive arm's visitors stop buying; the holdout's keep on
    _load(services, *_arm_sessions("b-adaptive", Arm.ADAPTIVE, 1200, 0.0, 2))
    _load(services, *_arm_sessions("b-holdout", Arm.HOLDOUT, 600, 0.10, 3))
    same_hour = now + timedelta(minutes=10)
    assert orders.decision(GALLERY, ITEMS, config, same_hour, loader).state is PolicyState.ADAPTIVE
    next_update = now + timedelta(hours=1)
    reverted = orders.decision(GALLERY, ITEMS, config, next_update, loader)
    assert reverted.state is PolicyState.REVERTED
    assert set(reverted.breached) == {"conversion_rate", "revenue_per_visitor"}
    for visitor in ("x", "y", "z"):
        placement = orders.place(GALLERY, ITEMS, visitor, config, next_update, loader)
        assert placement.order == ITEMS
        assert placement.state is PolicyState.REVERTED
        assert placement.log_properties()["state"] == "reverted"
