"""Every model on path data (distinct paths with counts): the report CLI and API share.

The rows' counts weigh the models directly; nothing is expanded into one journey per
conversion. Time decay is left out (path data has no clock) and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.attribution.models import MarkovCredit, ModelName, run_model
from mercato.attribution.models.markov import allocate, fit
from mercato.attribution.models.shapley import TooManyChannels
from mercato.attribution.path_file import PathData
from mercato.core.errors import ValidationFailed

HEURISTICS = (
    ModelName.FIRST_TOUCH,
    ModelName.LAST_TOUCH,
    ModelName.LAST_NON_DIRECT,
    ModelName.LINEAR,
    ModelName.POSITION_BASED,
    ModelName.SHAPLEY,
)
NO_TIME_DECAY = (
    "time decay is left out: path data has no touch times, and decaying by position instead "
    "would be a different model under the same name"
)


@dataclass(frozen=True)
class PathCredit:
    label: str
    conversions: dict[str, float]  # model key → attributed conversions
    value: dict[str, float]  # model key → attributed conversion value


@dataclass(frozen=True)
class PathReport:
    source: str
    paths: int  # rows in the file
    conversions: float
    value: float
    nulls: float
    order: int
    models: list[str]
    credits: list[PathCredit]
    removal_effects: dict[str, float]
    conversion_probability: float
    notices: list[str]


def model_keys() -> list[str]:
    return [model.value for model in HEURISTICS] + [
        f"markov_{credit.value}" for credit in MarkovCredit
    ]


def attribute_paths(data: PathData, order: int = 1) -> PathReport:
    if not 1 <= order <= 4:
        raise ValidationFailed(f"Markov order must be 1 to 4, got {order}", location="order")
    paths, value = data.paths, data.value
    conversions: dict[str, list[float]] = {}
    values: dict[str, list[float]] = {}
    notices = [NO_TIME_DECAY]
    for model in HEURISTICS:
        try:
            credits = run_model(model, paths, value)
        except TooManyChannels as exc:
            notices.append(f"shapley is left out: {exc}")
            continue
        conversions[model.value] = credits.conversions.tolist()
        values[model.value] = credits.revenue.tolist()
    fitted = fit(paths, order)  # once: the three conventions share the removal effects
    for credit in MarkovCredit:
        key = f"markov_{credit.value}"
        conversions[key] = allocate(fitted, paths, paths.conversions(), credit).tolist()
        values[key] = allocate(fitted, paths, value, credit).tolist()
    models = list(conversions)
    rows = [
        PathCredit(
            label,
            {key: conversions[key][i] for key in models},
            {key: values[key][i] for key in models},
        )
        for i, label in enumerate(data.labels)
    ]
    rows.sort(key=lambda row: (-row.conversions["markov_pooled"], row.label))
    return PathReport(
        source=data.source,
        paths=paths.n_journeys,
        conversions=float(paths.conversions().sum()),
        value=float(value.sum()),
        nulls=float(paths.nulls().sum()),
        order=order,
        models=models,
        credits=rows,
        removal_effects=dict(zip(data.labels, fitted.removal_effects.tolist(), strict=True)),
        conversion_probability=fitted.conversion_probability,
        notices=notices,
    )
