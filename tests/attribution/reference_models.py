"""Independent references for every model on weighted path rows: pandas and dense numpy.

Written from the definitions, sharing no code with `mercato.attribution.models`: the
heuristics and simplified Shapley with pandas over exploded touches, Markov by counting
transitions in dicts, building the dense absorbing chain and solving it with numpy.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

Row = tuple[tuple[str, ...], float, float, float]  # path, conversions, value, nulls
START = ("<start>",)


def touches(rows: list[Row]) -> pd.DataFrame:
    records = [
        (row, position, len(path), label, conversions, value)
        for row, (path, conversions, value, _) in enumerate(rows)
        for position, label in enumerate(path)
    ]
    return pd.DataFrame(records, columns=["row", "pos", "n", "label", "conv", "value"])


def _position_based(frame: pd.DataFrame, first: float, last: float) -> pd.Series:
    middle = (1 - first - last) / (frame.n - 2).clip(lower=1)
    weight = middle.where((frame.pos > 0) & (frame.pos < frame.n - 1), 0.0)
    weight = weight + (frame.pos == 0) * first + (frame.pos == frame.n - 1) * last
    pair = frame.n == 2
    weight[pair] = np.where(frame.pos[pair] == 0, first, last) / (first + last)
    weight[frame.n == 1] = 1.0
    return weight


def heuristic_weights(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Per touch: the share of its row's conversions each heuristic gives it."""
    non_direct = frame.pos.where(frame.label.str.lower() != "direct")
    chosen = non_direct.groupby(frame.row).transform("max").fillna(frame.n - 1)
    first_seen = ~frame.duplicated(["row", "label"])
    distinct = first_seen.groupby(frame.row).transform("sum")
    return {
        "first_touch": (frame.pos == 0).astype(float),
        "last_touch": (frame.pos == frame.n - 1).astype(float),
        "last_non_direct": (frame.pos == chosen).astype(float),
        "linear": 1.0 / frame.n,
        "position_based": _position_based(frame, 0.4, 0.4),
        "shapley": first_seen / distinct,  # simplified Shapley: equal over distinct labels
    }


def credited(frame: pd.DataFrame, weight: pd.Series, column: str) -> dict[str, float]:
    return (weight * frame[column]).groupby(frame.label).sum().to_dict()


def markov_reference(rows: list[Row], order: int) -> tuple[dict[str, float], float]:
    """Removal effects and P(conv) of the order-k chain, dense and from scratch."""
    counts: dict[tuple[str, ...], dict[object, float]] = defaultdict(lambda: defaultdict(float))
    for path, conversions, _, nulls in rows:
        state = START
        for i in range(len(path)):
            nxt = tuple(path[max(0, i - order + 1) : i + 1])
            counts[state][nxt] += conversions + nulls
            state = nxt
        counts[state]["conv"] += conversions
        counts[state]["null"] += nulls
    states = sorted(counts, key=repr)
    labels = sorted({label for path, *_ in rows for label in path})

    def p_conv(removed: str | None) -> float:
        kept = [s for s in states if s == START or removed not in s]
        index = {state: i for i, state in enumerate(kept)}
        q, r = np.zeros((len(kept), len(kept))), np.zeros(len(kept))
        for state in kept:
            total = sum(counts[state].values())
            for nxt, count in counts[state].items():
                p = count / total if total else 0.0
                if nxt == "conv":
                    r[index[state]] += p
                elif nxt in index:
                    q[index[state], index[nxt]] += p  # removed states and null absorb
        return float(np.linalg.solve(np.eye(len(kept)) - q, r)[index[START]])

    baseline = p_conv(None)
    return {label: 1 - p_conv(label) / baseline for label in labels}, baseline


def markov_credits(
    rows: list[Row], effects: dict[str, float], column: str
) -> dict[str, dict[str, float]]:
    """Pooled and the two per-journey conventions, from the removal effects."""
    frame = touches(rows)
    total_effect = sum(effects.values())
    totals = frame.groupby("row")[column].first().sum()
    pooled = {label: effect / total_effect * totals for label, effect in effects.items()}
    result = {"markov_pooled": pooled}
    distinct = ~frame.duplicated(["row", "label"])
    for key, eligible in (
        ("markov_per_journey", frame.pos >= 0),
        ("markov_per_journey_distinct", distinct),
    ):
        weight = frame.label.map(effects).where(eligible, 0.0)
        row_total = weight.groupby(frame.row).transform("sum")
        even = eligible / eligible.groupby(frame.row).transform("sum")
        share = (weight / row_total).where(row_total > 0, even)
        result[key] = credited(frame, share, column)
    return result


def every_model(rows: list[Row], order: int) -> dict[str, dict[str, tuple[float, float]]]:
    """model → label → (attributed conversions, attributed value)."""
    frame = touches(rows)
    result: dict[str, dict[str, tuple[float, float]]] = {}
    for model, weight in heuristic_weights(frame).items():
        conv, value = credited(frame, weight, "conv"), credited(frame, weight, "value")
        result[model] = {label: (conv[label], value[label]) for label in conv}
    effects, _ = markov_reference(rows, order)
    on_conv, on_value = (
        markov_credits(rows, effects, "conv"),
        markov_credits(rows, effects, "value"),
    )
    for model in on_conv:
        result[model] = {
            label: (on_conv[model].get(label, 0.0), on_value[model].get(label, 0.0))
            for label in effects
        }
    return result
