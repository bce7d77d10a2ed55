"""Shapley attribution in the simplified form of Zhao, Mahboobi & Bagheri (2018).

The coalition value v(S) is the conversions (or value) of journeys whose distinct labels all
lie in S. `shapley` computes the Shapley values by exact enumeration of all 2^n coalitions
(a subset-sum transform makes v for every coalition in n·2^n steps), so it refuses more
than `MAX_CHANNELS` labels. `shapley_closed_form` is the paper's identity
φⱼ = Σ_{T∋j} R(T)/|T| (each conversion split equally over its distinct labels), which is
linear in the journeys and serves as the independent check of the enumeration.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value

MAX_CHANNELS = 15


class TooManyChannels(ValueError):
    """Exact enumeration needs 2^n coalitions; above MAX_CHANNELS that is too many."""


def shapley(paths: TouchPaths, value: FloatArray, max_channels: int = MAX_CHANNELS) -> FloatArray:
    value = check_value(paths, value)
    contributing = value[paths.journey_of_touch] != 0
    players = np.unique(paths.label[contributing])
    n = len(players)
    if n > max_channels:
        raise TooManyChannels(
            f"exact Shapley enumerates 2^n coalitions and allows at most {max_channels} "
            f"channels; these journeys have {n} converting ones. Group by a coarser level "
            "(channel or platform) or use the Markov model."
        )
    credits = np.zeros(paths.n_labels)
    if n == 0:
        return credits
    bit = np.zeros(paths.n_labels, dtype=np.int64)
    bit[players] = 1 << np.arange(n, dtype=np.int64)
    masks = np.bitwise_or.reduceat(bit[paths.label], paths.first_index)
    worth = np.bincount(masks, weights=value, minlength=1 << n)
    for player in range(n):  # subset-sum (zeta) transform: v(S) = Σ_{T ⊆ S} R(T)
        has = (np.arange(1 << n) >> player) & 1 == 1
        worth[has] += worth[~has]
    size = np.array([bin(mask).count("1") for mask in range(1 << n)])
    weights = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    coalitions = np.arange(1 << n)
    for player in range(n):
        without = coalitions[(coalitions >> player) & 1 == 0]
        marginal = worth[without | (1 << player)] - worth[without]
        credits[players[player]] = float((weights[size[without]] * marginal).sum())
    return credits


def shapley_closed_form(paths: TouchPaths, value: FloatArray) -> FloatArray:
    """Each journey's value split equally over its distinct labels."""
    value = check_value(paths, value)
    key = paths.journey_of_touch * paths.n_labels + paths.label
    _, first_seen = np.unique(key, return_index=True)
    journey = paths.journey_of_touch[first_seen]
    distinct = np.bincount(journey, minlength=paths.n_journeys)
    share = value[journey] / distinct[journey]
    credits = np.bincount(paths.label[first_seen], weights=share, minlength=paths.n_labels)
    return credits.astype(np.float64)
