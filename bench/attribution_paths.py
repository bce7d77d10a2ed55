"""Path data: every model on 100,000 distinct weighted paths vs the same data expanded.

The weighted form keeps one row per distinct path and lets the counts weigh the models;
the expanded form repeats each path once per conversion and once per null (what tools
without row weights need). Reports parse time for the ChannelAttribution file, model time
for both forms, their memory, and checks the two give the same credits (to 1e-9). A plain
NumPy order-1 Markov solve with Python-loop transition counting is the hand baseline.

`BENCH_PATHS` overrides the number of distinct paths (default 100,000).
"""

from __future__ import annotations

import os
import platform
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import numpy as np

from mercato.attribution.models import ModelName, TouchPaths, run_model
from mercato.attribution.models.markov import fit
from mercato.attribution.path_file import read_path_file
from mercato.attribution.path_report import attribute_paths

CHANNELS = [
    "facebook", "instagram", "tiktok", "google_ads", "seo", "email", "direct", "affiliate",
    "display", "sms", "youtube", "pinterest",
]  # fmt: skip
MODELS = [model for model in ModelName if model is not ModelName.TIME_DECAY]
Result = TypeVar("Result")


def distinct_paths(n: int, rng: np.random.Generator) -> list[tuple[str, ...]]:
    """`n` distinct paths of 1-10 channels (geometric lengths, mean ≈ 4), drawn until distinct."""
    found: dict[tuple[str, ...], None] = {}
    while len(found) < n:
        lengths = np.minimum(rng.geometric(0.28, n), 10)
        codes = rng.integers(0, len(CHANNELS), int(lengths.sum()))
        ends = np.cumsum(lengths)
        for start, end in zip((ends - lengths).tolist(), ends.tolist(), strict=True):
            found.setdefault(tuple(CHANNELS[c] for c in codes[start:end]), None)
    return list(found)[:n]


def path_file(paths: list[tuple[str, ...]], conversions: np.ndarray, nulls: np.ndarray) -> str:
    lines = ["path;total_conversions;total_conversion_value;total_null"]
    lines += [
        f"{' > '.join(path)};{c:g};{c * 45.5:.2f};{u:g}"
        for path, c, u in zip(paths, conversions.tolist(), nulls.tolist(), strict=True)
    ]
    return "\n".join(lines) + "\n"


def expand(paths: TouchPaths) -> tuple[TouchPaths, np.ndarray]:
    """One journey per conversion and per null, with NumPy repeats (no Python loop)."""
    conversions = paths.conversions().astype(np.int64)
    copies = conversions + paths.nulls().astype(np.int64)
    journey = np.repeat(np.arange(paths.n_journeys), copies)
    # Within each row's copies, the first `conversions` convert.
    rank = np.arange(len(journey)) - np.repeat(np.cumsum(copies) - copies, copies)
    converted = rank < conversions[journey]
    lengths = paths.lengths[journey]
    starts = paths.offsets[journey]
    touch = np.repeat(starts, lengths) + (
        np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    expanded = TouchPaths(
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        label=paths.label[touch],
        is_direct=paths.is_direct[touch],
        converted=converted,
        n_labels=paths.n_labels,
    )
    return expanded, converted * 45.5


def hand_markov(paths: TouchPaths) -> np.ndarray:
    """Plain NumPy: weighted transitions counted in Python loops, dense solve per removal."""
    counts: dict[tuple[int, int], float] = defaultdict(float)
    labels, offsets = paths.label.tolist(), paths.offsets.tolist()
    conversions, nulls = paths.conversions().tolist(), paths.nulls().tolist()
    k = paths.n_labels
    start, conv, null = k, k + 1, k + 2
    for j in range(paths.n_journeys):
        previous = start
        for i in range(offsets[j], offsets[j + 1]):
            counts[(previous, labels[i])] += conversions[j] + nulls[j]
            previous = labels[i]
        counts[(previous, conv)] += conversions[j]
        counts[(previous, null)] += nulls[j]
    matrix = np.zeros((k + 3, k + 3))
    for (source, target), count in counts.items():
        matrix[source, target] += count
    matrix[: k + 1] /= np.maximum(matrix[: k + 1].sum(axis=1, keepdims=True), 1e-300)

    def p_conv(removed: int | None) -> float:
        keep = [s for s in range(k + 1) if s != removed]
        q = matrix[np.ix_(keep, keep)]
        return float(np.linalg.solve(np.eye(len(keep)) - q, matrix[keep, conv])[keep.index(start)])

    baseline = p_conv(None)
    return np.array([1 - p_conv(code) / baseline for code in range(k)])


def timed(label: str, action: Callable[[], Result]) -> tuple[Result, float, float]:
    """Run `action` for its time, then again under tracemalloc for its allocation peak (MiB):
    tracing slows Python-level loops several-fold, so it never runs while timing."""
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"  {label:<58} {seconds:8.2f} s {peak:9,.0f} MiB peak")
    return result, seconds, peak


def every_model(paths: TouchPaths, value: np.ndarray) -> dict[str, np.ndarray]:
    return {model.value: run_model(model, paths, value).conversions for model in MODELS}


def main() -> None:
    n = int(os.environ.get("BENCH_PATHS", "100000"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus; "
          f"{datetime.now():%Y-%m-%d}")  # fmt: skip
    rng = np.random.default_rng(13)
    paths = distinct_paths(n, rng)
    conversions = rng.poisson(1.0, n).astype(np.float64)
    nulls = rng.poisson(9.0, n).astype(np.float64)
    text = path_file(paths, conversions, nulls)
    print(f"  {n:,} distinct paths, {sum(map(len, paths)):,} touches, {len(text) / 2**20:.1f} MiB "
          f"file; {conversions.sum():,.0f} conversions, {nulls.sum():,.0f} nulls")  # fmt: skip
    data, *_ = timed(
        "read the path file (parse + weighted_paths)", lambda: read_path_file(text, "b")
    )
    timed("attribute_paths: every model, Markov order 1, 3 credits", lambda: attribute_paths(data))
    weighted, weighted_s, weighted_mib = timed(
        "weighted rows: every model (conversions)", lambda: every_model(data.paths, data.value)
    )
    (expanded, value), *_ = timed(
        "expand to one journey per conversion / null", lambda: expand(data.paths)
    )
    print(f"  expanded: {expanded.n_journeys:,} journeys, {len(expanded.label):,} touches")
    journeys, expanded_s, expanded_mib = timed(
        "expanded journeys: every model (conversions)", lambda: every_model(expanded, value)
    )
    for model, credits in weighted.items():
        assert np.allclose(credits, journeys[model], rtol=1e-9, atol=1e-6), model
    print(f"  weighted vs expanded: {expanded_s / weighted_s:.1f}x faster, "
          f"{expanded_mib / max(weighted_mib, 1e-9):.1f}x less memory; credits equal")  # fmt: skip
    effects, ours, _ = timed(
        "markov order 1 fit (weighted, sparse exact)", lambda: fit(data.paths, 1)
    )
    reference, loops, _ = timed(
        "hand NumPy baseline (Python-loop counts, dense)", lambda: hand_markov(data.paths)
    )
    assert np.allclose(effects.removal_effects, reference, atol=1e-9)
    print(
        f"  markov fit vs hand baseline: {loops / ours:.1f}x faster, removal effects equal to 1e-9"
    )
    for order in (2, 3):
        timed(f"markov order {order} fit (weighted)", lambda o=order: fit(data.paths, o))  # type: ignore[misc]


if __name__ == "__main__":
    main()
