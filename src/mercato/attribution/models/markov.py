"""Markov-chain attribution (Anderl et al. 2014) with removal effects solved exactly.

The chain has `start`, one transient state per observed history of the last `order` labels,
and the absorbing states `conv` and `null`. With P = [[Q, R], [0, I]] the probability of
absorbing in `conv` from every transient state is x = (I - Q)⁻¹ · R[:, conv]; the sparse LU
solve gives it without forming N. Removing a label deletes every state whose history
contains it (their inbound transitions fall to `null`), and the removal effect is
RE = 1 - P₋ₖ(conv) / P(conv). Non-converting journeys are part of the chain: dropping them
changes the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import bicgstab, splu

from mercato.attribution.models.paths import (
    BoolArray,
    FloatArray,
    IntArray,
    TouchPaths,
    check_value,
    split_by_weight,
)

MAX_ORDER = 4
# Histories of order ≥ 3 form a de Bruijn-like graph whose LU factors fill in badly (10k
# states: millions of non-zeros, tens of seconds); above this size a Krylov solve to machine
# precision, checked by its residual, replaces the LU.
DIRECT_SOLVE_MAX_STATES = 2_000
RESIDUAL_TOLERANCE = 1e-11
COUNTING_MAX = 20_000_000  # code ranges up to this are compacted by counting, not sorting


class MarkovCredit(StrEnum):
    """How removal effects become credit; every report names the convention it used."""

    POOLED = "pooled"  # RE share x all conversions (ChannelAttribution)
    PER_JOURNEY = "per_journey"  # each journey split over its touches ∝ RE (DP6 Nova)
    PER_JOURNEY_DISTINCT = "per_journey_distinct"  # as above over distinct labels


CREDIT_LABELS = {
    MarkovCredit.POOLED: "pooled: removal-effect shares x all conversions",
    MarkovCredit.PER_JOURNEY: "per journey, per occurrence: each conversion split ∝ removal effect",
    MarkovCredit.PER_JOURNEY_DISTINCT: "per journey, distinct channels: split ∝ removal effect",
}


@dataclass(frozen=True)
class MarkovFit:
    order: int
    n_states: int  # transient states, `start` included
    conversion_probability: float
    removal_effects: FloatArray  # per label, in [0, 1]; 0 for labels never seen


@dataclass(frozen=True)
class Chain:
    """Transition probabilities among transient states, and their histories."""

    q: sp.csr_matrix  # transient x transient
    to_conv: FloatArray  # per transient state
    histories: IntArray  # per non-start state: its label codes + 1, 0 = padding (k columns)
    start: int


def state_codes(paths: TouchPaths, order: int) -> IntArray:
    """Each touch's state: the last `order` labels of its journey, packed into one integer."""
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"Markov order must be 1 to {MAX_ORDER}, got {order}")
    base = paths.n_labels + 1
    if base**order >= 2**62:
        raise ValueError(f"{paths.n_labels} labels at order {order} overflow the state codes")
    position = paths.position()
    code = np.zeros(len(paths.label), dtype=np.int64)
    for lag in range(order):
        lagged = np.zeros(len(paths.label), dtype=np.int64)
        lagged[lag:] = paths.label[: len(paths.label) - lag] + 1
        code += np.where(position >= lag, lagged, 0) * base**lag
    return code


def build_chain(paths: TouchPaths, order: int) -> Chain:
    unique, state = _compact(state_codes(paths, order), (paths.n_labels + 1) ** order)
    n_states = len(unique)
    start, conv = n_states, n_states + 1  # then null = n_states + 2
    first, last = paths.first_index, paths.last_index
    follows = np.ones(len(state), dtype=bool)
    follows[first] = False
    # Each row's path is walked `traversals` times; its end goes `conversions` times to
    # conv and `nulls` times to null, so a weighted row counts like its expanded journeys.
    walked = paths.traversals()
    source = np.concatenate(
        [np.full(paths.n_journeys, start), state[:-1][follows[1:]], state[last], state[last]]
    )
    ends = np.full(paths.n_journeys, conv)
    target = np.concatenate([state[first], state[follows], ends, ends + 1])  # conv, null
    times = np.concatenate(
        [walked, walked[paths.journey_of_touch[follows]], paths.conversions(), paths.nulls()]
    )
    pair, index = _compact(source * (n_states + 3) + target, (n_states + 1) * (n_states + 3))
    weight_of = np.bincount(index, weights=times, minlength=len(pair)).astype(np.float64)
    counts = sp.csr_matrix(
        (weight_of, (pair // (n_states + 3), pair % (n_states + 3))),
        shape=(n_states + 1, n_states + 3),
    )
    row_total = np.asarray(counts.sum(axis=1)).ravel()
    probabilities = sp.diags(1.0 / np.where(row_total > 0, row_total, 1.0)) @ counts
    probabilities = probabilities.tocsc()
    base = paths.n_labels + 1
    histories = np.stack([(unique // base**lag) % base for lag in range(order)], axis=1)
    return Chain(
        q=probabilities[:, : n_states + 1].tocsr(),
        to_conv=probabilities[:, conv].toarray().ravel(),
        histories=histories,
        start=start,
    )


def _compact(codes: IntArray, bound: int) -> tuple[IntArray, IntArray]:
    """Distinct codes (sorted) and each code's index among them, like np.unique(...,
    return_inverse=True), by counting instead of sorting when the code range is small."""
    if bound > COUNTING_MAX:
        distinct, index = np.unique(codes, return_inverse=True)
        return distinct.astype(np.int64), index.astype(np.int64)
    present = np.bincount(codes, minlength=bound) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64), position[codes].astype(np.int64)


def conversion_probability(chain: Chain, keep: BoolArray | None = None) -> float:
    """P(absorbed in conv | start), over the states in `keep` only (the others removed)."""
    q, to_conv, start = chain.q, chain.to_conv, chain.start
    if keep is not None:
        index = np.flatnonzero(keep)
        q = q[index][:, index]
        to_conv = to_conv[index]
        start = int(np.searchsorted(index, chain.start))
    system = sp.identity(q.shape[0], format="csr") - q
    return float(solve_absorption(system, to_conv)[start])


def solve_absorption(
    system: sp.csr_matrix, to_conv: FloatArray, direct_max: int = DIRECT_SOLVE_MAX_STATES
) -> FloatArray:
    """x = (I - Q)⁻¹ r: sparse LU, or BiCGSTAB verified to machine precision on big chains."""
    if system.shape[0] > direct_max:
        solution, info = bicgstab(system, to_conv, rtol=1e-14, atol=0.0, maxiter=20_000)
        residual = float(np.abs(system @ solution - to_conv).max()) if len(to_conv) else 0.0
        if info == 0 and residual <= RESIDUAL_TOLERANCE:
            return np.asarray(solution, dtype=np.float64)
    exact: FloatArray = splu(sp.csc_matrix(system)).solve(to_conv)
    return exact


def fit(paths: TouchPaths, order: int = 1) -> MarkovFit:
    chain = build_chain(paths, order)
    effects = np.zeros(paths.n_labels)
    baseline = conversion_probability(chain) if paths.converted.any() else 0.0
    if baseline > 0:
        for code in np.unique(paths.label):
            contains = (chain.histories == code + 1).any(axis=1)
            keep = np.append(~contains, True)  # the start state always stays
            removed = conversion_probability(chain, keep)
            effects[code] = min(max(1.0 - removed / baseline, 0.0), 1.0)
    return MarkovFit(order, len(chain.to_conv), baseline, effects)


def allocate(
    fitted: MarkovFit, paths: TouchPaths, value: FloatArray, credit: MarkovCredit
) -> FloatArray:
    """Turn removal effects into credits that sum to the total value."""
    value = check_value(paths, value)
    effects = fitted.removal_effects
    if credit is MarkovCredit.POOLED:
        total = effects.sum()
        if total <= 0:
            return np.zeros(paths.n_labels)
        pooled: FloatArray = effects / total * value.sum()
        return pooled
    if credit is MarkovCredit.PER_JOURNEY:
        return split_by_weight(paths, effects[paths.label], value)
    # Distinct: keep the first occurrence of each label within a journey.
    key = paths.journey_of_touch * paths.n_labels + paths.label
    _, first_seen = np.unique(key, return_index=True)
    weight = np.zeros(len(paths.label))
    weight[first_seen] = effects[paths.label[first_seen]]
    distinct = np.zeros(len(paths.label), dtype=bool)
    distinct[first_seen] = True
    # Journeys whose distinct labels all have RE 0 split equally over distinct labels.
    journey_total = np.bincount(paths.journey_of_touch, weights=weight, minlength=paths.n_journeys)
    fallback = (journey_total[paths.journey_of_touch] <= 0) & distinct
    weight = np.where(fallback, 1.0, weight)
    return split_by_weight(paths, weight, value)


def markov(
    paths: TouchPaths,
    value: FloatArray,
    order: int = 1,
    credit: MarkovCredit = MarkovCredit.POOLED,
) -> FloatArray:
    return allocate(fit(paths, order), paths, value, credit)
