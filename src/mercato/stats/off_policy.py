"""Off-policy evaluation: the value a new lead-item policy would have had, from logged data.

Each logged exposure has the item that led (`actions`), the probability the logging policy
gave it (`propensities`, from `bandit.order_for`) and the reward. A target policy is the
probability of each item leading. Inverse-propensity weighting re-weights logged rewards;
the doubly-robust estimate adds a reward model (each item's mean logged reward) and corrects
it with the weighted residuals, which keeps it unbiased when either part is right and lowers
the variance when the model is good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mercato.stats.samples import StatsInputError


@dataclass(frozen=True)
class Estimate:
    value: float  # expected reward per exposure under the target policy
    standard_error: float


def _check(
    actions: np.ndarray, propensities: np.ndarray, rewards: np.ndarray, target: np.ndarray
) -> None:
    if not (actions.shape == propensities.shape == rewards.shape) or actions.ndim != 1:
        raise StatsInputError("off-policy: one action, propensity and reward per exposure")
    if actions.size == 0:
        raise StatsInputError("off-policy: no logged exposures")
    if np.any(propensities <= 0) or np.any(propensities > 1):
        raise StatsInputError("off-policy: propensities must be in (0, 1]")
    if np.any(actions < 0) or np.any(actions >= target.size):
        raise StatsInputError("off-policy: an action is not one of the target policy's items")
    if np.any(target < 0) or not np.isclose(target.sum(), 1.0):
        raise StatsInputError("off-policy: the target policy must be probabilities summing to 1")


def _estimate(terms: np.ndarray) -> Estimate:
    return Estimate(float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(terms.size)))


def inverse_propensity(
    actions: np.ndarray, propensities: np.ndarray, rewards: np.ndarray, target: np.ndarray
) -> Estimate:
    """Σ r · π(a) / p(a) over the log, per exposure (Horvitz-Thompson)."""
    actions, propensities = np.asarray(actions), np.asarray(propensities, dtype=np.float64)
    rewards, target = np.asarray(rewards, dtype=np.float64), np.asarray(target, dtype=np.float64)
    _check(actions, propensities, rewards, target)
    return _estimate(rewards * target[actions] / propensities)


def reward_model(actions: np.ndarray, rewards: np.ndarray, items: int) -> np.ndarray:
    """Each item's mean logged reward, shrunk by one pseudo-exposure towards the overall mean
    (an item never logged gets the overall mean, never a division by zero)."""
    counts = np.bincount(actions, minlength=items).astype(np.float64)
    sums = np.bincount(actions, weights=rewards, minlength=items)
    overall = float(rewards.mean())
    model: np.ndarray = (sums + overall) / (counts + 1)
    return model


def doubly_robust(
    actions: np.ndarray, propensities: np.ndarray, rewards: np.ndarray, target: np.ndarray
) -> Estimate:
    """Σ_a π(a) q(a) + π(a_i) / p_i · (r_i - q(a_i)), per exposure."""
    actions, propensities = np.asarray(actions), np.asarray(propensities, dtype=np.float64)
    rewards, target = np.asarray(rewards, dtype=np.float64), np.asarray(target, dtype=np.float64)
    _check(actions, propensities, rewards, target)
    model = reward_model(actions, rewards, target.size)
    direct = float(target @ model)
    correction = target[actions] / propensities * (rewards - model[actions])
    return _estimate(direct + correction)
