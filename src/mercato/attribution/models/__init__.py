"""Attribution models: pure numpy maths over `TouchPaths` (no ORM, web or I/O).

Every model maps (paths, value per journey) to credit per label, and the credits sum to the
total value: run it once with conversions (1 per converting journey, or the row's count for
path data) and once with revenue. `weighted_paths` builds paths from distinct label
sequences with conversion and null counts; the counts weigh every model directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato.attribution.models.first_touch import first_touch
from mercato.attribution.models.last_non_direct import last_non_direct
from mercato.attribution.models.last_touch import last_touch
from mercato.attribution.models.linear import linear
from mercato.attribution.models.markov import MarkovCredit, MarkovFit, allocate, fit
from mercato.attribution.models.paths import FloatArray, TouchPaths
from mercato.attribution.models.position_based import position_based
from mercato.attribution.models.shapley import shapley
from mercato.attribution.models.time_decay import NoTouchTimes, time_decay
from mercato.attribution.models.weighted import weighted_paths


class ModelName(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LAST_NON_DIRECT = "last_non_direct"
    LINEAR = "linear"
    POSITION_BASED = "position_based"
    TIME_DECAY = "time_decay"
    MARKOV = "markov"
    SHAPLEY = "shapley"


@dataclass(frozen=True)
class ModelOptions:
    order: int = 1  # Markov
    credit: MarkovCredit = MarkovCredit.POOLED  # Markov
    half_life_days: float = 7.0  # time decay
    first_share: float = 0.4  # position-based
    last_share: float = 0.4  # position-based


@dataclass(frozen=True)
class ModelCredits:
    """Credits of one model on conversions and on revenue, per label code."""

    model: ModelName
    conversions: FloatArray
    revenue: FloatArray
    markov: MarkovFit | None = None


def run_model(
    model: ModelName,
    paths: TouchPaths,
    revenue: FloatArray,
    options: ModelOptions | None = None,
) -> ModelCredits:
    options = options or ModelOptions()
    conversions = paths.conversions()
    if model is ModelName.MARKOV:
        fitted = fit(paths, options.order)
        return ModelCredits(
            model,
            allocate(fitted, paths, conversions, options.credit),
            allocate(fitted, paths, revenue, options.credit),
            fitted,
        )
    rule = {
        ModelName.FIRST_TOUCH: first_touch,
        ModelName.LAST_TOUCH: last_touch,
        ModelName.LAST_NON_DIRECT: last_non_direct,
        ModelName.LINEAR: linear,
        ModelName.SHAPLEY: shapley,
    }
    if model in rule:
        return ModelCredits(model, rule[model](paths, conversions), rule[model](paths, revenue))
    if model is ModelName.POSITION_BASED:
        first, last = options.first_share, options.last_share
        return ModelCredits(
            model,
            position_based(paths, conversions, first, last),
            position_based(paths, revenue, first, last),
        )
    half_life = options.half_life_days
    return ModelCredits(
        model, time_decay(paths, conversions, half_life), time_decay(paths, revenue, half_life)
    )


__all__ = [
    "MarkovCredit",
    "MarkovFit",
    "ModelCredits",
    "ModelName",
    "ModelOptions",
    "NoTouchTimes",
    "TouchPaths",
    "run_model",
    "weighted_paths",
]
