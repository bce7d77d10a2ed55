"""Attribution on 1M journeys built from a synthetic DuckDB warehouse.

Reports journey building (the Ibis query + Arrow → arrays) apart from model time, every
model on conversions and revenue, the exact Markov fit against a plain NumPy reference that
counts transitions in Python loops, and the memory peak.

`BENCH_ATTRIBUTION_JOURNEYS` overrides the journey count (default 1,000,000).
"""

from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
import tracemalloc
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from mercato.attribution.journeys import JourneyQuery, build_journeys
from mercato.attribution.models import MarkovCredit, ModelName, ModelOptions, run_model
from mercato.attribution.models.markov import fit
from mercato.attribution.models.paths import TouchPaths
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import conform
from mercato.warehouse.schemas import SESSIONS

WORKSPACE = "bench"
CHANNELS = [
    "Direct", "Organic Search", "Paid Search", "Organic Social", "Paid Social", "Email",
    "Referral", "Affiliate", "Display", "SMS",
]  # fmt: skip
PLATFORMS = ["instagram", "tiktok", "facebook", "pinterest", "youtube"]
MAX_TOUCHES = 20
T0 = datetime(2026, 1, 1)


def synthetic_sessions(journeys: int, rng: np.random.Generator) -> pa.Table:
    """One visitor per journey, 1..20 sessions each (geometric, mean ≈ 4), ~30 % convert."""
    lengths = np.minimum(rng.geometric(0.25, journeys), MAX_TOUCHES)
    n = int(lengths.sum())
    visitor = np.repeat(np.arange(journeys), lengths)
    start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(n) - start
    is_last = position == np.repeat(lengths - 1, lengths)
    channel = rng.integers(0, len(CHANNELS), n)
    offset_days = rng.uniform(0, 300, journeys)[visitor] + position * rng.uniform(0.01, 2.0, n)
    converts = is_last & (rng.random(n) < 0.3)
    social = np.isin(channel, [3, 4])
    platform_ix = rng.integers(0, len(PLATFORMS), n)
    return pa.table(
        {
            "workspace_id": pa.array([WORKSPACE] * n),
            "session_id": pa.array(np.char.add("s", np.arange(n).astype(str))),
            "visitor_id": pa.array(np.char.add("v", visitor.astype(str))),
            "started_at": pa.array(
                np.datetime64(T0) + (offset_days * 86_400).astype("timedelta64[s]")
            ),
            "channel": pa.array(np.array(CHANNELS)[channel]),
            "social_platform": pa.array(
                np.where(
                    social,
                    np.array(PLATFORMS, dtype=object)[platform_ix],
                    np.array(None, dtype=object),
                ).tolist(),
                pa.string(),
            ),
            "orders": pa.array(converts.astype(np.int32)),
            "leads": pa.array(np.zeros(n, dtype=np.int32)),
            "revenue": pa.array(np.where(converts, rng.gamma(2.0, 40.0, n).round(2), 0.0)),
        }
    )


def fill_warehouse(path: Path, journeys: int) -> tuple[Warehouse, int]:
    warehouse = Warehouse.open_duckdb(path)
    table = conform(SESSIONS, synthetic_sessions(journeys, np.random.default_rng(7)))
    connection = warehouse.backend.con  # bench-only bulk insert, bypassing the upsert
    connection.register("bench_sessions", table)
    connection.execute("INSERT INTO sessions SELECT * FROM bench_sessions")
    connection.unregister("bench_sessions")
    return warehouse, table.num_rows


def reference_markov_fit(paths: TouchPaths) -> np.ndarray:
    """Plain NumPy: transitions counted in Python loops, dense solve per removal (order 1)."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    labels = paths.label.tolist()
    offsets = paths.offsets.tolist()
    converted = paths.converted.tolist()
    k = paths.n_labels
    start, conv, null = k, k + 1, k + 2
    for j in range(paths.n_journeys):
        previous = start
        for i in range(offsets[j], offsets[j + 1]):
            counts[(previous, labels[i])] += 1
            previous = labels[i]
        counts[(previous, conv if converted[j] else null)] += 1
    matrix = np.zeros((k + 3, k + 3))
    for (source, target), count in counts.items():
        matrix[source, target] += count
    matrix[: k + 1] /= np.maximum(matrix[: k + 1].sum(axis=1, keepdims=True), 1)

    def p_conv(removed: int | None) -> float:
        keep = [s for s in range(k + 1) if s != removed]
        q = matrix[np.ix_(keep, keep)]
        absorbed = np.linalg.solve(np.eye(len(keep)) - q, matrix[keep, conv])
        return float(absorbed[keep.index(start)])

    baseline = p_conv(None)
    return np.array([1 - p_conv(code) / baseline for code in range(k)])


def timed(label: str, action: object) -> object:
    started = time.perf_counter()
    result = action()  # type: ignore[operator]
    print(f"  {label:<44} {time.perf_counter() - started:8.2f} s")
    return result


def main() -> None:
    journeys = int(os.environ.get("BENCH_ATTRIBUTION_JOURNEYS", "1000000"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus; "
          f"{datetime.now():%Y-%m-%d}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        warehouse, rows = fill_warehouse(Path(folder) / "bench.duckdb", journeys)
        print(f"  filled {rows:,} sessions in {time.perf_counter() - started:.1f} s")
        scoped = warehouse.for_workspace(WORKSPACE)
        query = JourneyQuery(start=T0, end=T0 + timedelta(days=400))
        tracemalloc.start()
        built = timed(
            "journey building (Ibis on DuckDB → arrays)", lambda: build_journeys(scoped, query)
        )
        paths = built.paths  # type: ignore[attr-defined]
        revenue = built.revenue  # type: ignore[attr-defined]
        print(f"  {paths.n_journeys:,} journeys, {len(paths.label):,} touches, "
              f"{int(paths.converted.sum()):,} conversions")  # fmt: skip
        for model in ModelName:
            if model is ModelName.MARKOV:
                continue
            timed(
                f"{model.value} (conversions + revenue)",
                lambda m=model: run_model(m, paths, revenue),
            )
        for order in (1, 2, 3, 4):
            for credit in (MarkovCredit.POOLED, MarkovCredit.PER_JOURNEY):
                options = ModelOptions(order=order, credit=credit)
                timed(f"markov order {order}, {credit.value}",
                      lambda o=options: run_model(ModelName.MARKOV, paths, revenue, o))  # fmt: skip
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        exact = fit(paths, 1).removal_effects
        ours = time.perf_counter() - started
        started = time.perf_counter()
        reference = reference_markov_fit(paths)
        loops = time.perf_counter() - started
        assert np.allclose(exact, reference, atol=1e-9), (exact, reference)
        print(f"  markov order-1 fit: {ours:.2f} s vs Python-loop NumPy reference {loops:.2f} s "
              f"→ {loops / ours:.1f}x faster (removal effects equal to 1e-9)")  # fmt: skip
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
        print(f"  peak traced allocations (journeys + models): {traced_peak / 2**20:,.0f} MiB; "
              f"process max RSS {max_rss:,.0f} MiB")  # fmt: skip
        warehouse.close()


if __name__ == "__main__":
    main()
