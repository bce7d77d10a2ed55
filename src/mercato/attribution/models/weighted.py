"""Distinct paths with counts (path data) as `TouchPaths`, without one journey per count.

A row such as `facebook > email > direct` with 120 conversions and 3,400 nulls stays one row
whose counts weigh every model: the heuristics and Shapley split the row's conversions (or
value) once, and the Markov chain counts the row's transitions `conversions + nulls` times.
Path data has no clock, so the paths carry no times (time decay refuses them).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths

DIRECT = "direct"


def weighted_paths(
    sequences: Sequence[Sequence[str]],
    conversions: Sequence[float] | FloatArray,
    nulls: Sequence[float] | FloatArray | None = None,
) -> tuple[TouchPaths, list[str]]:
    """Label sequences and their counts → (paths, labels); label codes follow sorted labels.

    `conversions[i]` and `nulls[i]` are how many journeys along `sequences[i]` converted and
    did not (non-negative, fractional allowed); `nulls` defaults to none.
    """
    converted = np.asarray(conversions, dtype=np.float64)
    missed = np.zeros(len(sequences)) if nulls is None else np.asarray(nulls, dtype=np.float64)
    if converted.shape != (len(sequences),) or missed.shape != (len(sequences),):
        raise ValueError("conversions and nulls need one number per path")
    if any(len(sequence) == 0 for sequence in sequences):
        raise ValueError("every path needs at least one channel")
    labels = sorted(set(chain.from_iterable(sequences)))
    code = {label: i for i, label in enumerate(labels)}
    flat = np.fromiter((code[label] for label in chain.from_iterable(sequences)), np.int64)
    lengths = np.fromiter((len(sequence) for sequence in sequences), np.int64, len(sequences))
    direct = np.array([label.lower() == DIRECT for label in labels], dtype=bool)
    paths = TouchPaths(
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        label=flat,
        is_direct=direct[flat] if len(labels) else np.zeros(0, dtype=bool),
        converted=converted > 0,
        n_labels=len(labels),
        conversion_count=converted,
        null_count=missed,
    )
    return paths, labels
