"""Exact Markov removal effects against two independent computations of the same chain."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
import scipy.sparse as sp

from mercato.attribution.models.markov import build_chain, fit, solve_absorption, state_codes
from tests.attribution.paths_support import simple_paths

SEQUENCES = [
    ("a>b>c", True),
    ("a>c", True),
    ("b>b>c", False),
    ("a", False),
    ("c>a>b", True),
    ("b", True),
    ("a>b", False),
    ("c>c>c", False),
    ("b>a>c", True),
    ("a>a>b>c", True),
]
PATHS, LABELS = simple_paths(SEQUENCES)


def _transition_table(
    sequences: list[tuple[str, bool]], removed: str | None, order: int
) -> dict[tuple[str, ...], dict[tuple[str, ...] | str, float]]:
    """Transition probabilities counted with dicts, straight from the path strings."""
    counts: dict[tuple[str, ...], dict[tuple[str, ...] | str, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    for sequence, converted in sequences:
        steps = sequence.split(">")
        state: tuple[str, ...] = ("start",)
        for i in range(len(steps)):
            nxt = tuple(steps[max(0, i - order + 1) : i + 1])
            counts[state][nxt] += 1
            state = nxt
        counts[state]["conv" if converted else "null"] += 1
    table = {}
    for state, row in counts.items():
        total = sum(row.values())
        table[state] = {
            # Removing a label sends every transition into a state containing it to null.
            (
                "null" if removed is not None and isinstance(nxt, tuple) and removed in nxt else nxt
            ): 0.0
            for nxt in row
        }
        for nxt, count in row.items():
            key = (
                "null" if removed is not None and isinstance(nxt, tuple) and removed in nxt else nxt
            )
            table[state][key] += count / total
    return table


def _conversion_by_iteration(table: dict, sweeps: int = 2000) -> float:
    """P(conv) by value iteration x ← R + Q·x, a different algorithm from the LU solve."""
    value = dict.fromkeys(table, 0.0)
    for _ in range(sweeps):
        value = {
            state: sum(
                p * (1.0 if nxt == "conv" else 0.0 if nxt == "null" else value[nxt])
                for nxt, p in row.items()
            )
            for state, row in table.items()
        }
    return value[("start",)]


def _conversion_by_simulation(table: dict, walks: int, rng: np.random.Generator) -> float:
    """Monte-Carlo: walk the chain from start until it absorbs."""
    options = {state: (list(row), np.array(list(row.values()))) for state, row in table.items()}
    converted = 0
    for _ in range(walks):
        state: object = ("start",)
        while state not in ("conv", "null"):
            targets, weights = options[state]  # type: ignore[index]
            state = targets[rng.choice(len(targets), p=weights)]
        converted += state == "conv"
    return converted / walks


@pytest.mark.parametrize("order", [1, 2, 3])
def test_removal_effects_equal_a_direct_recomputation(order: int) -> None:
    fitted = fit(PATHS, order)
    baseline = _conversion_by_iteration(_transition_table(SEQUENCES, None, order))
    assert fitted.conversion_probability == pytest.approx(baseline, abs=1e-9)
    for code, label in enumerate(LABELS):
        removed = _conversion_by_iteration(_transition_table(SEQUENCES, label, order))
        assert fitted.removal_effects[code] == pytest.approx(1 - removed / baseline, abs=1e-9)


@pytest.mark.parametrize("order", [1, 2])
def test_exact_solution_agrees_with_monte_carlo(order: int) -> None:
    rng = np.random.default_rng(20260323)
    fitted = fit(PATHS, order)
    walks = 12_000
    baseline = _conversion_by_simulation(_transition_table(SEQUENCES, None, order), walks, rng)
    # 4 standard errors of a proportion near 0.6 over 12,000 walks ≈ 0.018.
    assert fitted.conversion_probability == pytest.approx(baseline, abs=0.018)
    for code, label in enumerate(LABELS):
        table = _transition_table(SEQUENCES, label, order)
        simulated = _conversion_by_simulation(table, walks, rng)
        exact_removed = fitted.conversion_probability * (1 - fitted.removal_effects[code])
        assert exact_removed == pytest.approx(simulated, abs=0.018)


def test_self_loops_do_not_change_removal_effects() -> None:
    collapsed, labels = simple_paths(
        [(s.replace("b>b", "b").replace("c>c>c", "c").replace("a>a", "a"), c) for s, c in SEQUENCES]
    )
    assert labels == LABELS
    assert fit(collapsed).removal_effects == pytest.approx(fit(PATHS).removal_effects)


def test_chain_rows_are_probabilities_and_states_are_histories() -> None:
    chain = build_chain(PATHS, order=2)
    totals = np.asarray(chain.q.sum(axis=1)).ravel() + chain.to_conv
    assert (totals <= 1 + 1e-12).all()
    assert len(np.unique(state_codes(PATHS, 2))) == chain.histories.shape[0]


def test_order_outside_one_to_four_is_refused() -> None:
    with pytest.raises(ValueError, match="order must be 1 to 4"):
        fit(PATHS, order=5)


def test_no_conversions_gives_no_credit() -> None:
    paths, _ = simple_paths([("a>b", False), ("b", False)])
    fitted = fit(paths)
    assert fitted.conversion_probability == 0.0
    assert fitted.removal_effects.tolist() == [0.0, 0.0]


def test_krylov_solve_equals_the_lu_solve_on_a_large_chain() -> None:
    rng = np.random.default_rng(5)
    sequences = [
        (">".join(rng.choice(list("abcdefgh"), size=rng.integers(1, 9))), bool(rng.random() < 0.3))
        for _ in range(3000)
    ]
    paths, _ = simple_paths(sequences)
    chain = build_chain(paths, order=3)
    system = sp.identity(chain.q.shape[0], format="csr") - chain.q
    assert system.shape[0] > 200
    krylov = solve_absorption(system, chain.to_conv, direct_max=0)
    lu = solve_absorption(system, chain.to_conv, direct_max=10**9)
    assert krylov == pytest.approx(lu, abs=1e-11)
