"""Guarded Thompson sampling over the items of a gallery (which item leads the order).

Each update reads per-period counts (exposures of each item in the lead position, and the
rewards they earned: clicks or add-to-carts) and returns an allocation: the probability that
each item leads the order until the next update. The rules, in order:

- Burn-in: until every item has `burn_in` exposures the allocation is even.
- Period-weighted means: each period's level (all items' rate in it, relative to the overall
  rate) weighs the exposures of that period, so every item's rate is read at the same,
  average level. A promotion day that doubles every item's rate lifts every item alike,
  whatever the allocation was that day, so it cannot crown the item that happened to be
  shown most (Simpson's paradox).
- Thompson sampling: the probability an item is best, from draws of a normal approximation
  of each item's period-adjusted posterior; the allocation leans on it by `sharpen`.
- Floor: every item keeps at least `floor` of the allocation, so none starves.
- Guardrails: when a guardrail (conversion rate, revenue per visitor) of the visitors shown
  the adaptive order is significantly worse (one-sided, `guardrail_alpha`) than of a holdout
  shown the default order, the policy reverts to the default order at this update and stays
  reverted.

The order a visitor sees is stable within a session: the lead item is drawn from the
allocation with a uniform number derived from the session id and the update number, and the
rest follow by weighted mean. Each order carries its propensity (the allocation of its lead
item), which `stats.off_policy` needs to evaluate other policies from the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from mercato.stats.samples import StatsInputError

SHRINK = 2.0  # pseudo-exposures of every item's rate towards the overall rate
WINNER = 0.95  # the chance to be best at which an item is named the winner


class Reward(StrEnum):
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"


class PolicyState(StrEnum):
    BURN_IN = "burn_in"
    ADAPTIVE = "adaptive"
    REVERTED = "reverted"  # a guardrail was breached: the default order, for good


class GuardrailKind(StrEnum):
    CONVERSION_RATE = "conversion_rate"  # share of visitors who converted
    REVENUE_PER_VISITOR = "revenue_per_visitor"


@dataclass(frozen=True)
class BanditSettings:
    burn_in: int = 100  # lead exposures each item needs before the allocation moves
    floor: float = 0.005  # the least allocation of any item
    draws: int = 4000  # posterior draws per update
    guardrail_alpha: float = 0.01
    guardrail_min_visitors: int = 500  # per side, before a guardrail may fire
    seed: int = 0
    # Allocation ∝ P(best)^sharpen: above 1 it leans harder on the likely best (less regret
    # on close items); the floor still keeps every item learning.
    sharpen: float = 1.5

    def __post_init__(self) -> None:
        if self.burn_in < 0 or self.draws < 100:
            raise StatsInputError("bandit: burn_in must be >= 0 and draws >= 100")
        if not 0 <= self.floor < 1:
            raise StatsInputError("bandit: floor must be in [0, 1)")


@dataclass(frozen=True)
class Period:
    """One period's lead exposures and rewards, one entry per item (in the items' order)."""

    exposures: np.ndarray
    rewards: np.ndarray

    @classmethod
    def of(cls, exposures: npt.ArrayLike, rewards: npt.ArrayLike) -> Period:
        shown = np.asarray(exposures, dtype=np.float64)
        earned = np.asarray(rewards, dtype=np.float64)
        if shown.shape != earned.shape or shown.ndim != 1:
            raise StatsInputError("bandit: one exposure count and one reward count per item")
        if np.any(shown < 0) or np.any(earned < 0) or np.any(earned > shown):
            raise StatsInputError("bandit: counts must be >= 0 and rewards <= exposures")
        return cls(shown, earned)


@dataclass(frozen=True)
class GuardrailSide:
    """Per-visitor totals: visitors, Σ value and Σ value² (a conversion is a 0/1 value)."""

    visitors: float
    total: float
    total_squares: float


@dataclass(frozen=True)
class Guardrail:
    kind: GuardrailKind
    adaptive: GuardrailSide
    default: GuardrailSide


@dataclass(frozen=True)
class Decision:
    state: PolicyState
    allocation: np.ndarray  # P(item leads), sums to 1
    means: np.ndarray  # period-weighted reward rate per item
    update: int
    chance_to_win: np.ndarray | None = None  # P(item is best); None before the posterior moves
    breached: tuple[GuardrailKind, ...] = field(default=())


def _stack(periods: Sequence[Period], items: int) -> tuple[np.ndarray, np.ndarray]:
    if not periods:
        return np.zeros((1, items)), np.zeros((1, items))
    shown = np.vstack([p.exposures for p in periods])
    earned = np.vstack([p.rewards for p in periods])
    if shown.shape[1] != items:
        raise StatsInputError(f"bandit: every period needs {items} item counts")
    return shown, earned


def weighted_posterior(shown: np.ndarray, earned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the period-adjusted posterior mean and standard deviation of its rate.

    Each period's level is the rate of all items together in it, relative to the overall
    rate; an item's exposures count weighted by their period's level (a promotion day's
    exposure counts double when every item's rate doubled), so the item's rate is read at the
    average period's level (a Mantel-Haenszel-style adjustment). Every exposure still counts,
    so the estimate is as sharp as the pooled one when periods do not differ."""
    overall = (earned.sum() + 1) / (shown.sum() + 2)
    level = ((earned.sum(axis=1) + 1) / (shown.sum(axis=1) + 2)) / overall
    adjusted = shown.T @ level  # exposures at the average period's level, per item
    means = (earned.sum(axis=0) + SHRINK * overall) / (adjusted + SHRINK)
    sd = np.sqrt(means * (1 - means) / (adjusted + SHRINK))
    return means, sd


def _breached(
    guardrails: Sequence[Guardrail], settings: BanditSettings
) -> tuple[GuardrailKind, ...]:
    found = []
    for rail in guardrails:
        a, b = rail.adaptive, rail.default
        if min(a.visitors, b.visitors) < settings.guardrail_min_visitors:
            continue
        mean_a, mean_b = a.total / a.visitors, b.total / b.visitors
        var_a = max(a.total_squares / a.visitors - mean_a**2, 0.0)
        var_b = max(b.total_squares / b.visitors - mean_b**2, 0.0)
        se = np.sqrt(var_a / a.visitors + var_b / b.visitors)
        if se == 0:
            continue
        # One-sided Welch z: is the adaptive order's per-visitor mean lower?
        if norm.cdf((mean_a - mean_b) / se) < settings.guardrail_alpha:
            found.append(rail.kind)
    return tuple(found)


def update(
    items: int,
    periods: Sequence[Period],
    settings: BanditSettings = BanditSettings(),
    guardrails: Sequence[Guardrail] = (),
    update_number: int = 0,
    reverted: bool = False,
) -> Decision:
    """The allocation until the next update (see the module's rules)."""
    if items < 1:
        raise StatsInputError("bandit: a gallery needs at least one item")
    shown, earned = _stack(periods, items)
    means, sd = weighted_posterior(shown, earned)
    breached = _breached(guardrails, settings)
    if reverted or breached:
        lead = np.zeros(items)
        lead[0] = 1.0  # the default order: its first item leads
        return Decision(PolicyState.REVERTED, lead, means, update_number, None, breached)
    even = np.full(items, 1 / items)
    if shown.sum(axis=0).min() < settings.burn_in:
        return Decision(PolicyState.BURN_IN, even, means, update_number)
    rng = np.random.default_rng([settings.seed, update_number])
    draws = rng.normal(means, sd, size=(settings.draws, items))
    best = np.bincount(draws.argmax(axis=1), minlength=items) / settings.draws
    leaning = best**settings.sharpen
    leaning = leaning / leaning.sum()
    floor = min(settings.floor, 1 / items)
    allocation = floor + (1 - floor * items) * leaning
    return Decision(PolicyState.ADAPTIVE, allocation / allocation.sum(), means, update_number, best)


def winner(decision: Decision) -> int | None:
    """The item named best (chance to win >= WINNER), or None."""
    if decision.chance_to_win is None or decision.chance_to_win.max() < WINNER:
        return None
    return int(decision.chance_to_win.argmax())


def session_uniform(session_id: str, update_number: int) -> float:
    """A number in [0, 1) fixed by the session and the update: the same order all visit."""
    digest = hashlib.blake2b(f"{session_id}\x1f{update_number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def order_for(decision: Decision, session_id: str) -> tuple[list[int], float]:
    """Item positions for one session (the default order is 0..n-1) and the propensity of the
    lead item; the others follow by weighted mean (ties: the default order)."""
    u = session_uniform(session_id, decision.update)
    cumulative = np.cumsum(decision.allocation)
    lead = min(int(np.searchsorted(cumulative, u, side="right")), len(cumulative) - 1)
    if decision.state is PolicyState.REVERTED:
        return list(range(len(decision.allocation))), 1.0
    rest = sorted(
        (i for i in range(len(decision.means)) if i != lead), key=lambda i: (-decision.means[i], i)
    )
    return [lead, *rest], float(decision.allocation[lead])
