"""The vendor-style "visitors who interacted vs those who did not" figure — correlational.

Interactors choose themselves, so this difference mixes the gallery's effect with who
chooses to interact; it is shown beside the randomised holdout, never instead of it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from mercato.stats.compare import AnalysisOptions, Comparison, compare
from mercato.stats.samples import StatsInputError, VariantSample

INTERACTED = "interacted"
DID_NOT = "did not interact"


def interaction_comparison(
    numerator: ArrayLike,
    interacted: ArrayLike,
    denominator: ArrayLike | None = None,
    alpha: float = 0.05,
) -> Comparison:
    """Interacted vs did-not-interact lift among units that saw the gallery (correlational).

    A fixed-horizon delta-method comparison; its method label starts with "correlational"
    because no interval can correct for self-selection.
    """
    values = np.asarray(numerator, dtype=np.float64)
    chose = np.asarray(interacted, dtype=bool)
    if chose.shape != values.shape:
        raise StatsInputError("interaction_comparison: one interacted flag per unit is needed")
    den = None if denominator is None else np.asarray(denominator, dtype=np.float64)
    samples = [
        VariantSample(DID_NOT, values[~chose], None if den is None else den[~chose]),
        VariantSample(INTERACTED, values[chose], None if den is None else den[chose]),
    ]
    options = AnalysisOptions(alpha=alpha, sequential=False, cuped=False)
    result = compare(samples, options)[0]
    method = f"correlational (self-selected, not causal): interacted vs did not; {result.method}"
    return replace(result, method=method)
