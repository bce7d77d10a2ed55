"""Experiment statistics: pure functions, RNG injected, no I/O."""

from mercato.stats.compare import AnalysisOptions, Comparison, compare
from mercato.stats.interaction import interaction_comparison
from mercato.stats.multiple import adjust_p_values, correct_multiple
from mercato.stats.power import sample_size
from mercato.stats.samples import StatsInputError, VariantSample, per_unit_totals
from mercato.stats.srm import SrmResult, srm_check

__all__ = [
    "AnalysisOptions",
    "Comparison",
    "SrmResult",
    "StatsInputError",
    "VariantSample",
    "adjust_p_values",
    "compare",
    "correct_multiple",
    "interaction_comparison",
    "per_unit_totals",
    "sample_size",
    "srm_check",
]
