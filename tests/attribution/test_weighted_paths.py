"""Counts as row weights: equal to the expanded journeys, and never expanded."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mercato.attribution.models import (
    MarkovCredit,
    ModelName,
    ModelOptions,
    NoTouchTimes,
    TouchPaths,
    run_model,
    weighted_paths,
)
from mercato.attribution.path_file import read_path_file
from tests.attribution.path_fixture import path_rows

HEURISTICS = [model for model in ModelName if model not in (ModelName.MARKOV, ModelName.TIME_DECAY)]
VARIANTS = [(model, ModelOptions()) for model in HEURISTICS] + [
    (ModelName.MARKOV, ModelOptions(order=order, credit=credit))
    for order in (1, 2, 3, 4)
    for credit in MarkovCredit
]
ROWS = [row for row in path_rows(120, seed=9) if float(row[1]).is_integer()]


def _expanded() -> tuple[TouchPaths, np.ndarray]:
    """One journey per conversion and per null, each conversion carrying its share of value."""
    sequences: list[tuple[str, ...]] = []
    converted: list[float] = []
    value: list[float] = []
    for path, conversions, worth, nulls in ROWS:
        for _ in range(int(conversions)):
            sequences.append(path)
            converted.append(1.0)
            value.append(worth / conversions)
        for _ in range(int(nulls)):
            sequences.append(path)
            converted.append(0.0)
            value.append(0.0)
    paths, _ = weighted_paths(sequences, converted, [1.0 - c for c in converted])
    return paths, np.array(value)


@pytest.mark.parametrize(("model", "options"), VARIANTS, ids=str)
def test_weighted_rows_equal_their_expanded_journeys(
    model: ModelName, options: ModelOptions
) -> None:
    weighted, _ = weighted_paths(
        [row[0] for row in ROWS], [row[1] for row in ROWS], [row[3] for row in ROWS]
    )
    expanded, expanded_value = _expanded()
    assert expanded.n_journeys == sum(row[1] + row[3] for row in ROWS) > weighted.n_journeys
    rows = run_model(model, weighted, np.array([row[2] for row in ROWS]), options)
    journeys = run_model(model, expanded, expanded_value, options)
    assert rows.conversions == pytest.approx(journeys.conversions, rel=1e-12, abs=1e-9)
    assert rows.revenue == pytest.approx(journeys.revenue, rel=1e-12, abs=1e-9)
    assert rows.conversions.sum() == pytest.approx(sum(row[1] for row in ROWS))
    if rows.markov is not None and journeys.markov is not None:
        assert rows.markov.removal_effects == pytest.approx(
            journeys.markov.removal_effects, abs=1e-12
        )
        assert rows.markov.n_states == journeys.markov.n_states


def _digits(number: int, channels: list[str]) -> tuple[str, ...]:
    """`number` written in base len(channels), one channel per digit."""
    steps: list[str] = []
    while number:
        number, digit = divmod(number, len(channels))
        steps.append(channels[digit])
    return tuple(reversed(steps))


def test_a_hundred_thousand_paths_with_billions_of_journeys_stay_rows() -> None:
    """Counts no expansion could hold in memory: the models run on the rows themselves."""
    rng = np.random.default_rng(3)
    channels = [f"channel {i}" for i in range(12)]
    sequences = [_digits(number, channels) for number in range(12, 100_012)]  # all distinct
    conversions = rng.integers(0, 50_000, len(sequences)).astype(np.float64)
    nulls = rng.integers(0, 10**6, len(sequences)).astype(np.float64)
    started = time.perf_counter()
    paths, labels = weighted_paths(sequences, conversions, nulls)
    result = run_model(ModelName.MARKOV, paths, conversions * 40.0, ModelOptions(order=2))
    elapsed = time.perf_counter() - started
    assert paths.n_journeys == len(sequences) == 100_000
    assert len(paths.label) == sum(len(sequence) for sequence in sequences)
    assert paths.traversals().sum() > 5 * 10**10  # 50 billion journeys
    assert result.conversions.sum() == pytest.approx(conversions.sum(), rel=1e-12)
    assert labels == sorted(channels)
    assert elapsed < 60  # seconds, on a shared two-core machine; about 2 s when idle


def test_time_decay_refuses_paths_without_times() -> None:
    paths, _ = weighted_paths([("email", "direct")], [2.0], [1.0])
    with pytest.raises(NoTouchTimes, match="needs touch times"):
        run_model(ModelName.TIME_DECAY, paths, np.array([10.0]))


def test_times_must_be_integer_microseconds() -> None:
    with pytest.raises(TypeError, match="int64 microseconds"):
        TouchPaths(
            offsets=np.array([0, 1]),
            label=np.array([0]),
            is_direct=np.array([False]),
            converted=np.array([True]),
            n_labels=1,
            time=np.array([1796186710.099638]),
        )


def test_counts_must_agree_with_converted() -> None:
    with pytest.raises(ValueError, match="converted must say"):
        TouchPaths(
            offsets=np.array([0, 1]),
            label=np.array([0]),
            is_direct=np.array([False]),
            converted=np.array([False]),
            n_labels=1,
            conversion_count=np.array([2.0]),
            null_count=np.array([0.0]),
        )


@pytest.mark.parametrize(
    "text",
    [
        "path;total_conversions;total_conversion_value;total_null\n"
        "facebook > email > direct;2;30,50;7\nemail;1;10;0\n",
        "\ufeffPath,Total Conversions,Total Conversion Value,Total Null\r\n"
        '"facebook>email >direct",2,30.5,7\r\n\r\nemail,1,10,\r\n',
        "path\ttotal_conversions\ttotal_null\textra\ttotal_conversion_value\n"
        "facebook >email> direct\t2\t7\tignored\t30.5\nemail\t1\t\t\t10\n",
    ],
    ids=["semicolon-decimal-comma", "comma-bom-crlf-quoted", "tab-reordered-extra-column"],
)
def test_path_files_are_read_liberally(text: str) -> None:
    data = read_path_file(text, "paths.csv")
    assert data.labels == ["direct", "email", "facebook"]
    assert data.paths.offsets.tolist() == [0, 3, 4]
    assert data.paths.label.tolist() == [2, 1, 0, 1]
    assert data.paths.is_direct.tolist() == [False, False, True, False]
    assert data.paths.conversions().tolist() == [2.0, 1.0]
    assert data.paths.nulls().tolist() == [7.0, 0.0]
    assert data.value.tolist() == [30.5, 10.0]


def test_value_and_null_columns_are_optional() -> None:
    data = read_path_file("path,total_conversions\nemail > email,3\nsearch,0.5\n", "p.csv")
    assert data.value.tolist() == [0.0, 0.0]
    assert data.paths.nulls().tolist() == [0.0, 0.0]
    assert data.paths.converted.tolist() == [True, True]
    assert data.columns == ["path", "total_conversions"]
