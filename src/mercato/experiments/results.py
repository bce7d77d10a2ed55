"""An experiment's results: per-visitor samples → comparisons, SRM check, verdict.

SRM blocks the verdict: when the split of exposed units does not match the weights, every
difference may come from who was lost, not from the variant. A holdout is read the other way
round: the baseline is the holdout, so the lift is what the galleries add; beside it stands
the vendor-style "interacted vs did not" figure, labelled correlational.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mercato.experiments.schemas import (
    ComparisonPublic,
    ExperimentPublic,
    Kind,
    Metric,
    ResultsPublic,
    SrmPublic,
    VariantCount,
    VariantKind,
    Verdict,
)
from mercato.stats import (
    AnalysisOptions,
    Comparison,
    StatsInputError,
    VariantSample,
    compare,
    correct_multiple,
    interaction_comparison,
    srm_check,
)

FloatArray = NDArray[np.float64]
LOWER_IS_BETTER = frozenset({Metric.BOUNCE_RATE})
HOLDOUT_METRICS = (Metric.CONVERSION_RATE, Metric.REVENUE_PER_VISITOR)


def _bool(values: pd.Series) -> FloatArray:
    flags: FloatArray = values.to_numpy(dtype=bool).astype(np.float64)
    return flags


def metric_sample(frame: pd.DataFrame, name: str, metric: Metric) -> VariantSample:
    """One variant's per-visitor values of one metric (covariate: its pre-period value)."""
    f = frame
    if metric == Metric.CONVERSION_RATE:
        return VariantSample(name, _bool(f.orders > 0), None, _bool(f.pre_orders > 0))
    if metric == Metric.REVENUE_PER_VISITOR:
        return VariantSample(name, f.revenue.to_numpy(float), None, f.pre_revenue.to_numpy(float))
    if metric == Metric.ADD_TO_CART_RATE:
        return VariantSample(name, _bool(f.add_to_carts > 0), None, _bool(f.pre_add_to_carts > 0))
    if metric == Metric.AOV:
        return VariantSample(name, f.revenue.to_numpy(float), f.orders.to_numpy(float))
    if metric == Metric.GALLERY_CTR:
        return VariantSample(name, f.clicks.to_numpy(float), f.views.to_numpy(float))
    bounced = (f.later_pageviews == 0) & (f.add_to_carts == 0) & (f.orders == 0)
    return VariantSample(name, _bool(bounced))


def _order(experiment: ExperimentPublic) -> list[str]:
    """Variant keys, baseline first (the holdout, for a holdout experiment)."""
    keys = [v.key for v in experiment.variants]
    if experiment.kind == Kind.HOLDOUT:
        held = [v.key for v in experiment.variants if v.kind == VariantKind.HOLDOUT]
        keys = held[:1] + [k for k in keys if k not in held[:1]]
    return keys


def _counts(frame: pd.DataFrame, experiment: ExperimentPublic) -> list[VariantCount]:
    total = sum(v.weight for v in experiment.variants) or 1.0
    rows = []
    for variant in experiment.variants:
        mine = frame[frame.variant == variant.key]
        cookieless = int((mine.identity_mode == "cookieless").sum())
        rows.append(
            VariantCount(
                variant=variant.key,
                exposed=len(mine),
                activated=int(mine.activated.sum()),
                expected_share=variant.weight / total,
                first_party=len(mine) - cookieless,
                cookieless=cookieless,
            )
        )
    return rows


def _public(metric: Metric, c: Comparison, alpha: float) -> ComparisonPublic:
    p = c.adjusted_p_value if c.adjusted_p_value is not None else c.p_value
    significant = (p is not None and p < alpha) or (
        c.chance_to_win is not None and not c.ci_low <= 0 <= c.ci_high
    )
    return ComparisonPublic(
        metric=metric,
        variant=c.variant,
        baseline=c.baseline,
        baseline_mean=c.baseline_mean,
        variant_mean=c.variant_mean,
        relative_lift=c.relative_lift,
        ci_low=c.ci_low,
        ci_high=c.ci_high,
        p_value=c.p_value,
        adjusted_p_value=c.adjusted_p_value,
        chance_to_win=c.chance_to_win,
        significant=significant,
        method=c.method,
    )


def metrics_of(experiment: ExperimentPublic) -> list[Metric]:
    if experiment.kind == Kind.HOLDOUT:
        wanted = [experiment.primary_metric, *HOLDOUT_METRICS, *experiment.guardrails]
    else:
        wanted = [experiment.primary_metric, *experiment.guardrails]
    return [
        m
        for m in dict.fromkeys(wanted)
        if not (experiment.kind == Kind.HOLDOUT and m == Metric.GALLERY_CTR)
    ]


def _comparisons(
    frame: pd.DataFrame, experiment: ExperimentPublic, options: AnalysisOptions
) -> tuple[list[ComparisonPublic], list[str]]:
    keys, found, notes = _order(experiment), [], []
    labelled: list[tuple[Metric, Comparison]] = []
    for metric in metrics_of(experiment):
        samples = [metric_sample(frame[frame.variant == k], k, metric) for k in keys]
        try:
            labelled += [(metric, c) for c in compare(samples, options)]
        except StatsInputError as exc:
            notes.append(f"{metric}: not compared ({exc})")
    corrected = correct_multiple([c for _, c in labelled])
    found = [_public(m, c, options.alpha) for (m, _), c in zip(labelled, corrected, strict=True)]
    return found, notes


def _correlational(frame: pd.DataFrame, experiment: ExperimentPublic) -> list[ComparisonPublic]:
    """Among units that were shown galleries: those who clicked vs those who did not."""
    held = {v.key for v in experiment.variants if v.kind == VariantKind.HOLDOUT}
    shown = frame[~frame.variant.isin(held)]
    clicked = (shown.clicks > 0).to_numpy()
    found: list[ComparisonPublic] = []
    if clicked.all() or not clicked.any():
        return found
    for metric in HOLDOUT_METRICS:
        values = metric_sample(shown, "shown", metric).numerator
        try:
            c = interaction_comparison(values, clicked)
        except StatsInputError:
            continue
        found.append(_public(metric, c, 0.05))
    return found


def _verdict(
    experiment: ExperimentPublic, comparisons: list[ComparisonPublic], srm_flagged: bool, units: int
) -> tuple[Verdict, str]:
    if units == 0:
        return Verdict.NO_DATA, "No exposures yet."
    if srm_flagged:
        return Verdict.SRM, (
            "Sample-ratio mismatch: the exposed split does not match the weights, so no "
            "verdict is given. Check for lost exposures or a changed split."
        )
    primary = [c for c in comparisons if c.metric == experiment.primary_metric]
    lower_better = experiment.primary_metric in LOWER_IS_BETTER
    wins = [c for c in primary if c.significant and (c.relative_lift < 0) == lower_better]
    losses = [c for c in primary if c.significant and (c.relative_lift < 0) != lower_better]
    if wins:
        best = max(wins, key=lambda c: abs(c.relative_lift))
        return Verdict.WINNER, f"{best.variant} beats {best.baseline} on {best.metric}."
    if losses and len(losses) == len(primary):
        return (
            Verdict.LOSER,
            f"Every variant is worse than {primary[0].baseline} on {primary[0].metric}.",
        )
    return Verdict.INCONCLUSIVE, "No significant difference on the primary metric yet."


def analyse(
    frame: pd.DataFrame, experiment: ExperimentPublic, options: AnalysisOptions | None = None
) -> ResultsPublic:
    options = options or AnalysisOptions()
    counts = _counts(frame, experiment)
    srm = None
    if len(frame):
        checked = srm_check([c.exposed for c in counts], [c.expected_share for c in counts])
        srm = SrmPublic(chi2=checked.chi2, p_value=checked.p_value, flagged=checked.flagged)
    comparisons, notes = _comparisons(frame, experiment, options) if len(frame) else ([], [])
    verdict, text = _verdict(experiment, comparisons, bool(srm and srm.flagged), len(frame))
    correlational = _correlational(frame, experiment) if experiment.kind == Kind.HOLDOUT else []
    method = comparisons[0].method if comparisons else ""
    note = "; ".join(notes)
    return ResultsPublic(
        experiment=experiment,
        counts=counts,
        srm=srm,
        verdict=verdict,
        verdict_text=text,
        comparisons=comparisons,
        correlational=correlational,
        method=method,
        note=note,
    )
