"""Adaptive gallery order: which item leads, learnt by the guarded bandit of `stats.bandit`.

A rule-selected gallery with `"order": "adaptive"` keeps its items (its rule picks them and
sorts them: that is the default order) but the item that leads is chosen per session:

- Every ordering decision is logged as a `gallery_order` event through the collector (the
  lead item as `ugc_id`, the arm as `variant`; update number, propensity, arm, state and the
  default lead in `properties`), so the loader puts it in the visitor's session like any
  other event. Rows without an arm (a client posting that name) are ignored.
- A lead exposure is a session with a `gallery_order` event for an item and an
  `ugc_impression` of that item in the same gallery; it earned the reward when the same
  session also clicked it (`ugc_click`) or added one of its products to the cart
  (`add_to_cart`), per the gallery's `reward`. Periods are UTC days.
- A small holdout (`HOLDOUT_SHARE` of visitors, fixed per visitor) always gets the default
  order: its conversion rate and revenue per visitor are the guardrails' baseline. Once a
  guardrail fires, the gallery serves the default order for good (the log records
  `reverted`, so a restart remembers).
- The decision is recomputed at most once per `UPDATE_SECONDS` (the update number is the
  hour since the epoch); a visitor keeps the order they got while their session lasts (30
  minutes of inactivity, as the collector's sessions) even when the decision moves on.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from mercato.collect.sessions import INACTIVITY
from mercato.core.errors import ValidationFailed
from mercato.stats import off_policy
from mercato.stats.bandit import (
    BanditSettings,
    Decision,
    Guardrail,
    GuardrailKind,
    GuardrailSide,
    Period,
    PolicyState,
    Reward,
    order_for,
    session_uniform,
    update,
)
from mercato.warehouse.connection import ScopedWarehouse

__all__ = ["ORDER_EVENT", "AdaptiveConfig", "AdaptiveOrders", "Order", "Reward", "config_of"]

ORDER_EVENT = "gallery_order"
REWARD_EVENTS = {Reward.CLICK: "ugc_click", Reward.ADD_TO_CART: "add_to_cart"}
HOLDOUT_SHARE = 0.05
UPDATE_SECONDS = 3600
MAX_PINS = 50_000
MAX_DECISIONS = 10_000  # (gallery, item set) pairs (a product gallery has one per product)
EPOCH = datetime(1970, 1, 1)
# The rule keys of the adaptive order (definitions.RULE_KEYS lists them with their types).
ORDER_KEYS = ("order", "reward", "burn_in", "floor")
MAX_BURN_IN = 100_000
DEFAULT_SETTINGS = BanditSettings()


class Order(StrEnum):
    DEFAULT = "default"  # the rule's sort, for everyone
    ADAPTIVE = "adaptive"


class Arm(StrEnum):
    ADAPTIVE = "adaptive"
    HOLDOUT = "holdout"  # the default order, the guardrails' baseline


@dataclass(frozen=True)
class AdaptiveConfig:
    reward: Reward
    settings: BanditSettings

    def as_json(self) -> dict[str, Any]:
        return {
            "reward": self.reward.value,
            "burn_in": self.settings.burn_in,
            "floor": self.settings.floor,
        }


def validate(rule: dict[str, Any], location: str) -> None:
    """The adaptive keys' values (their types are checked with the other rule keys)."""
    order = rule.get("order", Order.DEFAULT.value)
    if order not in tuple(Order):
        raise ValidationFailed(f"must be one of {', '.join(Order)}", location=f"{location}.order")
    if "reward" in rule and rule["reward"] not in tuple(Reward):
        raise ValidationFailed(f"must be one of {', '.join(Reward)}", location=f"{location}.reward")
    if "burn_in" in rule and not 0 <= rule["burn_in"] <= MAX_BURN_IN:
        raise ValidationFailed(
            f"must be between 0 and {MAX_BURN_IN}", location=f"{location}.burn_in"
        )
    if "floor" in rule:
        rule["floor"] = float(rule["floor"])
        if not 0 <= rule["floor"] <= 0.2:
            raise ValidationFailed("must be between 0 and 0.2", location=f"{location}.floor")
    if order != Order.ADAPTIVE and any(k in rule for k in ("reward", "burn_in", "floor")):
        raise ValidationFailed(
            "reward, burn_in and floor need order adaptive", location=f"{location}.order"
        )


def config_of(rule: Mapping[str, Any]) -> AdaptiveConfig | None:
    """The gallery's adaptive settings, or None when it keeps its default order."""
    if rule.get("order") != Order.ADAPTIVE:
        return None
    settings = BanditSettings(
        burn_in=int(rule.get("burn_in", DEFAULT_SETTINGS.burn_in)),
        floor=float(rule.get("floor", DEFAULT_SETTINGS.floor)),
    )
    return AdaptiveConfig(Reward(rule.get("reward", Reward.CLICK.value)), settings)


def config_from_json(document: Mapping[str, Any]) -> AdaptiveConfig:
    return AdaptiveConfig(
        Reward(document["reward"]),
        BanditSettings(burn_in=int(document["burn_in"]), floor=float(document["floor"])),
    )


def update_number(now: datetime) -> int:
    return int((now - EPOCH).total_seconds() // UPDATE_SECONDS)


def visitor_digest(visitor_id: str) -> str:
    """What stands for the visitor in memory and in the order's draw: never the id itself."""
    return hashlib.blake2b(visitor_id.encode(), digest_size=12).hexdigest()


def arm_of(digest: str) -> Arm:
    """Fixed per visitor, independent of the lead's draw (another stream of the digest)."""
    holdout = session_uniform(f"{digest}\x1fholdout", 0) < HOLDOUT_SHARE
    return Arm.HOLDOUT if holdout else Arm.ADAPTIVE


# --- reading the log and the rewards from the warehouse ---------------------------------


def outcomes(warehouse: ScopedWarehouse, gallery_id: str, reward: Reward) -> pd.DataFrame:
    """One row per (session, lead item) the gallery logged: when, the logged properties,
    whether the lead was seen (an impression) and rewarded in that session, and the
    session's orders and revenue."""
    events = warehouse.table("events")
    mine = events.filter(
        (events.gallery_id == gallery_id) & events.session_id.notnull() & events.ugc_id.notnull()
    )
    # Only the server's rows: it sets `variant` (the arm), which no tracker event carries,
    # so a `gallery_order` posted to the collector cannot forge the log.
    logged = (
        mine.filter((mine.name == ORDER_EVENT) & mine.variant.isin([a.value for a in Arm]))
        .group_by(session_id=mine.session_id, lead=mine.ugc_id)
        .aggregate(first_ts=mine.ts.min(), properties=mine.properties.min())
    )

    def touched(name: str, flag: str) -> Any:
        hits = mine.filter(mine.name == name)
        return hits.select(
            **{f"{flag}_session": hits.session_id, f"{flag}_item": hits.ugc_id}
        ).distinct()

    seen, rewarded = touched("ugc_impression", "seen"), touched(REWARD_EVENTS[reward], "rew")
    joined = logged.left_join(
        seen, (logged.session_id == seen.seen_session) & (logged.lead == seen.seen_item)
    )
    joined = joined.left_join(
        rewarded, (joined.session_id == rewarded.rew_session) & (joined.lead == rewarded.rew_item)
    )
    sessions = warehouse.table("sessions")
    visits = sessions.select(
        visit_id=sessions.session_id,
        orders=sessions.orders.fill_null(0),
        revenue=sessions.revenue.fill_null(0).cast("float64"),
    )
    joined = joined.left_join(visits, joined.session_id == visits.visit_id)
    expr = joined.select(
        session_id=joined.session_id,
        lead=joined.lead,
        first_ts=joined.first_ts,
        properties=joined.properties,
        seen=joined.seen_session.notnull(),
        rewarded=joined.rew_session.notnull(),
        orders=joined.orders.fill_null(0),
        revenue=joined.revenue.fill_null(0.0),
    ).order_by("first_ts", "session_id", "lead")
    frame: pd.DataFrame = warehouse.execute(expr)
    return with_properties(frame)


def with_properties(frame: pd.DataFrame) -> pd.DataFrame:
    """The logged properties as columns: update, propensity, arm, state, default_lead."""
    parsed = [_props(raw) for raw in frame["properties"]]
    out = frame.drop(columns=["properties"]).copy()
    for column, default in (
        ("update", -1),
        ("propensity", np.nan),
        ("arm", ""),
        ("state", ""),
        ("default_lead", ""),
    ):
        out[column] = [p.get(column, default) for p in parsed]
    out["day"] = pd.to_datetime(out["first_ts"]).dt.floor("D")
    out["seen"] = out["seen"].astype(bool)
    out["rewarded"] = out["rewarded"].astype(bool) & out["seen"]
    return out


def _props(raw: object) -> dict[str, Any]:
    try:
        document = json.loads(str(raw)) if raw else {}
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def periods(frame: pd.DataFrame, item_ids: Sequence[str]) -> list[Period]:
    """Per UTC day: each item's lead exposures (logged and seen) and rewards."""
    shown = frame[frame["seen"] & frame["lead"].isin(list(item_ids))]
    if shown.empty:
        return []
    grouped = shown.groupby(["day", "lead"]).agg(
        exposures=("seen", "size"), rewards=("rewarded", "sum")
    )
    result = []
    for day in sorted(shown["day"].unique()):
        counts = grouped.loc[day]
        result.append(
            Period.of(
                [int(counts["exposures"].get(i, 0)) for i in item_ids],
                [int(counts["rewards"].get(i, 0)) for i in item_ids],
            )
        )
    return result


def guardrails(frame: pd.DataFrame) -> list[Guardrail]:
    """Conversion rate and revenue per visitor (per session shown the gallery), adaptive
    arm against the holdout."""
    visits = frame[frame["arm"].isin([Arm.ADAPTIVE.value, Arm.HOLDOUT.value])]
    visits = visits.drop_duplicates("session_id")
    sides: dict[str, dict[GuardrailKind, GuardrailSide]] = {}
    for arm in Arm:
        rows = visits[visits["arm"] == arm.value]
        converted = (rows["orders"] > 0).astype(float)
        revenue = rows["revenue"].astype(float)
        n = float(len(rows))
        sides[arm.value] = {
            GuardrailKind.CONVERSION_RATE: GuardrailSide(
                n, float(converted.sum()), float(converted.sum())
            ),
            GuardrailKind.REVENUE_PER_VISITOR: GuardrailSide(
                n, float(revenue.sum()), float((revenue**2).sum())
            ),
        }
    return [
        Guardrail(kind, sides[Arm.ADAPTIVE.value][kind], sides[Arm.HOLDOUT.value][kind])
        for kind in GuardrailKind
    ]


def decide(
    frame: pd.DataFrame, item_ids: Sequence[str], config: AdaptiveConfig, number: int
) -> Decision:
    reverted = bool((frame["state"] == PolicyState.REVERTED.value).any()) if len(frame) else False
    return update(
        len(item_ids),
        periods(frame, item_ids),
        config.settings,
        guardrails(frame),
        number,
        reverted,
    )


# --- ordering a visitor's gallery ---------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """The order one visitor gets, and what its log row says."""

    order: tuple[str, ...]  # item ids, lead first
    lead: str
    propensity: float  # P(this lead) under the logging policy (arms mixed)
    arm: Arm
    state: PolicyState
    update: int
    default_lead: str
    new: bool  # a new decision for this session: log it

    def log_properties(self) -> dict[str, Any]:
        return {
            "update": self.update,
            "propensity": round(self.propensity, 6),
            "arm": self.arm.value,
            "state": self.state.value,
            "default_lead": self.default_lead,
        }


def logging_propensity(decision: Decision, lead: int) -> float:
    """The chance the lead item leads under the policy as served: the holdout always leads
    with the default's first item, everyone else draws from the allocation."""
    if decision.state is PolicyState.REVERTED:
        return 1.0 if lead == 0 else 0.0
    holdout = HOLDOUT_SHARE if lead == 0 else 0.0
    return float((1 - HOLDOUT_SHARE) * decision.allocation[lead] + holdout)


def place(decision: Decision, item_ids: Sequence[str], digest: str) -> Placement:
    """The order for the visitor whose digest is given (stable for this decision)."""
    arm = arm_of(digest)
    if arm is Arm.HOLDOUT or decision.state is PolicyState.REVERTED:
        positions = list(range(len(item_ids)))
    else:
        positions, _ = order_for(decision, digest)
    order = tuple(item_ids[i] for i in positions)
    return Placement(
        order,
        order[0],
        logging_propensity(decision, positions[0]),
        arm,
        decision.state,
        decision.update,
        item_ids[0],
        True,
    )


Loader = Callable[[], pd.DataFrame]


class AdaptiveOrders:
    """Per process: one decision per gallery and item set per update, and each session's
    order pinned while the session lasts. Holds item ids and visitor digests only."""

    def __init__(self, max_pins: int = MAX_PINS) -> None:
        self._decisions: dict[tuple[str, tuple[str, ...]], Decision] = {}
        self._pins: OrderedDict[tuple[str, tuple[str, ...], str], tuple[Placement, datetime]]
        self._pins = OrderedDict()
        self._max_pins = max_pins
        self._lock = threading.Lock()
        self._computing: dict[tuple[str, tuple[str, ...]], threading.Lock] = {}

    def decision(
        self,
        gallery_id: str,
        item_ids: tuple[str, ...],
        config: AdaptiveConfig,
        now: datetime,
        load: Loader,
    ) -> Decision:
        number = update_number(now)
        key = (gallery_id, item_ids)
        with self._lock:
            found = self._decisions.get(key)
            computing = self._computing.setdefault(key, threading.Lock())
        if found is not None and found.update == number:
            return found
        with computing:  # one warehouse read per key and update, however many requests wait
            with self._lock:
                found = self._decisions.get(key)
            if found is not None and found.update == number:
                return found
            decided = decide(load(), item_ids, config, number)
            if found is not None and found.state is PolicyState.REVERTED:
                decided = update(len(item_ids), [], config.settings, (), number, reverted=True)
            with self._lock:
                if len(self._decisions) >= MAX_DECISIONS and key not in self._decisions:
                    self._decisions.clear()  # bounded: a full table starts over (recomputed)
                    self._computing = {key: computing}
                self._decisions[key] = decided
        return decided

    def place(
        self,
        gallery_id: str,
        item_ids: tuple[str, ...],
        visitor_id: str,
        config: AdaptiveConfig,
        now: datetime,
        load: Loader,
    ) -> Placement:
        digest = visitor_digest(visitor_id)
        pin_key = (gallery_id, item_ids, digest)
        with self._lock:
            pinned = self._pins.get(pin_key)
        if pinned is not None and now - pinned[1] < INACTIVITY:
            placement = replace(pinned[0], new=False)
        else:
            decision = self.decision(gallery_id, item_ids, config, now, load)
            placement = place(decision, item_ids, digest)
        with self._lock:
            self._pins[pin_key] = (placement, now)
            self._pins.move_to_end(pin_key)
            while len(self._pins) > self._max_pins:
                self._pins.popitem(last=False)
        return placement


# --- the policy report -------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyReport:
    state: PolicyState | None  # None: the gallery keeps its default order
    update: int
    items: list[str]  # the default order
    allocation: list[float]
    means: list[float]
    chance_to_win: list[float] | None
    breached: list[str]
    logged: int  # logged sessions in which the lead was seen
    default_estimate: off_policy.Estimate | None  # doubly robust, per lead exposure
    default_ips: off_policy.Estimate | None
    logged_value: float | None  # the reward rate the served policy earned

    @classmethod
    def default_order(cls, now: datetime) -> PolicyReport:
        """A gallery that is not adaptive: nothing allocated, nothing logged."""
        return cls(None, update_number(now), [], [], [], None, [], 0, None, None, None)

    def as_json(self) -> dict[str, Any]:
        def estimate(e: off_policy.Estimate | None) -> dict[str, float] | None:
            return None if e is None else {"value": e.value, "standard_error": e.standard_error}

        return {
            "order": (Order.ADAPTIVE if self.state is not None else Order.DEFAULT).value,
            "state": self.state.value if self.state is not None else None,
            "update": self.update,
            "items": [
                {
                    "ugc_id": item,
                    "allocation": self.allocation[i],
                    "mean": self.means[i],
                    "chance_to_win": (
                        self.chance_to_win[i] if self.chance_to_win is not None else None
                    ),
                }
                for i, item in enumerate(self.items)
            ],
            "breached": self.breached,
            "logged_exposures": self.logged,
            "logged_reward_rate": self.logged_value,
            "default_order_estimate": {
                "doubly_robust": estimate(self.default_estimate),
                "inverse_propensity": estimate(self.default_ips),
            },
        }


def report(
    frame: pd.DataFrame, item_ids: Sequence[str], config: AdaptiveConfig, now: datetime
) -> PolicyReport:
    """The decision as of now, and what the default order would have earned per lead
    exposure, estimated from the log (rows of the current default lead's context). A
    gallery with no items yet is in burn-in with nothing to allocate."""
    if not item_ids:
        logged = int(frame["seen"].sum()) if len(frame) else 0
        number = update_number(now)
        empty: list[float] = []
        return PolicyReport(
            PolicyState.BURN_IN, number, [], empty, empty, None, [], logged, None, None, None
        )
    decision = decide(frame, item_ids, config, update_number(now))
    chance = decision.chance_to_win
    default_dr = default_ips = None
    logged_value = None
    usable = frame[frame["seen"] & frame["lead"].isin(list(item_ids))]
    if item_ids:
        usable = usable[(usable["default_lead"] == item_ids[0]) & (usable["propensity"] > 0)]
    if len(usable) >= 2:
        index = {item: i for i, item in enumerate(item_ids)}
        actions = usable["lead"].map(index).to_numpy(dtype=np.int64)
        propensities = usable["propensity"].to_numpy(dtype=np.float64)
        rewards = usable["rewarded"].to_numpy(dtype=np.float64)
        target = np.zeros(len(item_ids))
        target[0] = 1.0
        default_dr = off_policy.doubly_robust(actions, propensities, rewards, target)
        default_ips = off_policy.inverse_propensity(actions, propensities, rewards, target)
        logged_value = float(rewards.mean())
    return PolicyReport(
        decision.state,
        decision.update,
        list(item_ids),
        [float(x) for x in decision.allocation],
        [float(x) for x in decision.means],
        [float(x) for x in chance] if chance is not None else None,
        [kind.value for kind in decision.breached],
        int(frame["seen"].sum()) if len(frame) else 0,
        default_dr,
        default_ips,
        logged_value,
    )
