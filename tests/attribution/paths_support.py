"""Journeys written by hand as lists, turned into `TouchPaths` for the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from mercato.attribution.models.paths import TouchPaths

EPOCH = datetime(1970, 1, 1)


def epoch_us(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (aware times by their UTC instant)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return (naive - EPOCH) // timedelta(microseconds=1)


Journey = tuple[list[tuple[str, datetime]], bool]  # (label, time) touches; converted?


def make_paths(
    journeys: list[Journey], labels: list[str] | None = None
) -> tuple[TouchPaths, list[str]]:
    """Paths over `labels` (default: sorted labels seen); conversion time = last touch."""
    seen = sorted({label for touches, _ in journeys for label, _ in touches})
    vocabulary = labels if labels is not None else seen
    code = {label: i for i, label in enumerate(vocabulary)}
    touches = [touch for journey, _ in journeys for touch in journey]
    offsets = np.cumsum([0] + [len(journey) for journey, _ in journeys]).astype(np.int64)
    times = np.array([epoch_us(t) for _, t in touches], dtype=np.int64)
    paths = TouchPaths(
        offsets=offsets,
        label=np.array([code[label] for label, _ in touches], dtype=np.int64),
        time=times,
        is_direct=np.array([label.lower() == "direct" for label, _ in touches]),
        converted=np.array([converted for _, converted in journeys]),
        conversion_time=times[offsets[1:] - 1],
        n_labels=len(vocabulary),
    )
    return paths, vocabulary


def simple_paths(sequences: list[tuple[str, bool]]) -> tuple[TouchPaths, list[str]]:
    """Journeys as 'a>b>c' strings, one hour between touches."""
    journeys: list[Journey] = []
    for sequence, converted in sequences:
        steps = sequence.split(">")
        journeys.append(
            ([(step, datetime(2026, 1, 1, hour)) for hour, step in enumerate(steps)], converted)
        )
    return make_paths(journeys)


def by_label(credits: np.ndarray, labels: list[str]) -> dict[str, float]:
    return {label: round(float(credits[i]), 4) for i, label in enumerate(labels)}


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# DP6 Marketing-Attribution-Models data/test_dataset.csv (Apache-2.0), split at conversions:
# reference attribution-and-experiments.md §7.
DP6_JOURNEYS: list[Journey] = [
    (
        [
            ("seo", dt("2021-07-20 15:00")),
            ("direct", dt("2022-01-20 15:00")),
            ("google_ads", dt("2022-01-20 16:00")),
            ("direct", dt("2022-01-20 17:00")),
        ],
        True,
    ),
    ([("seo", dt("2022-01-21 17:00")), ("direct", dt("2022-01-21 20:00"))], False),
    (
        [
            ("direct", dt("2022-02-21 21:00")),
            ("crm", dt("2022-02-21 22:00")),
            ("direct", dt("2022-02-21 23:00")),
        ],
        True,
    ),
    (
        [
            ("seo", dt("2022-02-21 23:01")),
            ("direct", dt("2022-02-21 23:11")),
            ("direct", dt("2022-02-21 23:21")),
        ],
        True,
    ),
    (
        [
            ("direct", dt("2022-02-22 01:00")),
            ("direct", dt("2022-02-27 01:00")),
            ("seo", dt("2022-02-27 02:00")),
            ("direct", dt("2022-02-27 03:00")),
        ],
        True,
    ),
]
