"""bench/bandit: the guarded Thompson-sampling gallery order, calibrated by seeded simulation.

Scenarios (the same functions run small in tests/stats/test_bandit.py):
- 5 items with click-through 3.0, 3.2, 3.4, 3.6, 4.0 %, 30 batches x 2,000 lead exposures:
  lost clicks against always leading with the best item (an even split loses ~336) and how
  often the best item ends with the highest weighted mean.
- 5 identical items (3 %) whose click-through doubles for 3 of 30 batches: how often a
  false winner is named (an item's chance to be best >= 95 % at the end).
- A guardrail breach: the update after the breach is in the data reverts.
- Off-policy: inverse-propensity and doubly-robust estimates of fixed policies from a
  bandit's log, against their true online value.
`BENCH_BANDIT_RUNS` overrides the runs per scenario (default 400).
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import numpy as np

from mercato.stats.bandit import (
    BanditSettings,
    Decision,
    Guardrail,
    GuardrailKind,
    GuardrailSide,
    Period,
    PolicyState,
    update,
    winner,
)
from mercato.stats.off_policy import doubly_robust, inverse_propensity

CTRS = np.array([0.030, 0.032, 0.034, 0.036, 0.040])
BATCHES, BATCH = 30, 2000


@dataclass(frozen=True)
class Run:
    regret: float  # expected clicks lost against always leading with the best item
    best_found: bool
    named: int | None  # the item named winner at the end (chance to win >= 95 %), if any
    log: tuple[np.ndarray, np.ndarray, np.ndarray]  # actions, propensities, clicks


def simulate(
    rng: np.random.Generator,
    ctrs_by_batch: np.ndarray,
    settings: BanditSettings,
    batch: int = BATCH,
) -> Run:
    """One bandit run: each batch draws `batch` lead items from the allocation, then updates."""
    batches, items = ctrs_by_batch.shape
    periods: list[Period] = []
    decision = update(items, periods, settings)
    actions, propensities, clicks = [], [], []
    regret = 0.0
    for number in range(batches):
        ctr = ctrs_by_batch[number]
        lead = rng.choice(items, size=batch, p=decision.allocation)
        click = rng.random(batch) < ctr[lead]
        regret += float(batch * ctr.max() - ctr[lead].sum())
        actions.append(lead)
        propensities.append(decision.allocation[lead])
        clicks.append(click.astype(np.float64))
        shown = np.bincount(lead, minlength=items)
        earned = np.bincount(lead, weights=click, minlength=items)
        periods.append(Period.of(shown, earned))
        decision = update(items, periods, settings, update_number=number + 1)
    best = int(np.argmax(ctrs_by_batch.mean(axis=0)))
    log = (np.concatenate(actions), np.concatenate(propensities), np.concatenate(clicks))
    found = int(np.argmax(decision.means)) == best
    return Run(regret, found, winner(decision), log)


def regret_scenario(
    rng: np.random.Generator, runs: int, settings: BanditSettings
) -> tuple[float, float]:
    """Mean lost clicks and the share of runs that found the best item."""
    found = [simulate(rng, np.tile(CTRS, (BATCHES, 1)), settings) for _ in range(runs)]
    return float(np.mean([r.regret for r in found])), float(np.mean([r.best_found for r in found]))


def promotion_ctrs(
    base: float = 0.03, items: int = 5, days: tuple[int, ...] = (8, 9, 10)
) -> np.ndarray:
    ctrs = np.full((BATCHES, items), base)
    ctrs[list(days)] *= 2
    return ctrs


def false_winner_rate(rng: np.random.Generator, runs: int, settings: BanditSettings) -> float:
    """Identical items, a promotion lifting all: share of runs naming a winner anyway."""
    named = [simulate(rng, promotion_ctrs(), settings).named for _ in range(runs)]
    return float(np.mean([item is not None for item in named]))


def guardrail_updates_to_revert(settings: BanditSettings) -> int:
    """Updates after a clear conversion-rate breach arrives until the order reverts (0: the
    first update that sees it)."""
    periods = [Period.of([400] * 5, [12, 13, 14, 15, 16])]
    healthy = Guardrail(
        GuardrailKind.CONVERSION_RATE, GuardrailSide(5000, 150, 150), GuardrailSide(5000, 152, 152)
    )
    worse = Guardrail(
        GuardrailKind.CONVERSION_RATE, GuardrailSide(6000, 120, 120), GuardrailSide(6000, 200, 200)
    )
    decision: Decision = update(5, periods, settings, [healthy], update_number=1)
    assert decision.state is PolicyState.ADAPTIVE
    for waited in range(5):
        decision = update(5, periods, settings, [worse], update_number=2 + waited)
        if decision.state is PolicyState.REVERTED:
            return waited
    return 5


@dataclass(frozen=True)
class OffPolicy:
    worst_ips_error: float  # the largest |estimate / truth - 1| over the target policies
    worst_dr_error: float


TARGETS = (
    np.full(5, 0.2),  # even split
    np.array([0.0, 0.0, 0.0, 0.0, 1.0]),  # always the best
    np.array([0.5, 0.2, 0.1, 0.1, 0.1]),  # mostly the worst
)


def off_policy(rng: np.random.Generator, runs: int, settings: BanditSettings) -> OffPolicy:
    """Estimates from a bandit's log, pooled over runs, against Σ π(a) ctr(a)."""
    logs = [simulate(rng, np.tile(CTRS, (BATCHES, 1)), settings).log for _ in range(runs)]
    actions, propensities, clicks = (np.concatenate(part) for part in zip(*logs, strict=True))
    ips_errors, dr_errors = [], []
    for target in TARGETS:
        truth = float(target @ CTRS)
        ips = inverse_propensity(actions, propensities, clicks, target).value
        dr = doubly_robust(actions, propensities, clicks, target).value
        ips_errors.append(abs(ips / truth - 1))
        dr_errors.append(abs(dr / truth - 1))
    return OffPolicy(max(ips_errors), max(dr_errors))


def main() -> None:
    runs = int(os.environ.get("BENCH_BANDIT_RUNS", "400"))
    settings = BanditSettings()
    rng = np.random.default_rng(20261202)
    print(f"bench/bandit on {platform.processor() or platform.machine()}, {runs} runs each")
    start = time.perf_counter()
    regret, found = regret_scenario(rng, runs, settings)
    even = BATCHES * BATCH * float(CTRS.max() - CTRS.mean())
    print(f"regret: {regret:.1f} lost clicks (even split {even:.0f}; target <= 130)")
    print(f"best item found: {found:.1%} (target >= 95%)")
    print(f"false winner under a promotion: {false_winner_rate(rng, runs, settings):.1%} (<= 2%)")
    plain = BanditSettings(seed=settings.seed)
    print(f"guardrail: reverted {guardrail_updates_to_revert(plain)} updates after the breach")
    estimates = off_policy(rng, max(runs // 10, 10), settings)
    print(
        f"off-policy worst error: IPS {estimates.worst_ips_error:.1%}, "
        f"DR {estimates.worst_dr_error:.1%} (target <= 10%)"
    )
    print(f"took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
