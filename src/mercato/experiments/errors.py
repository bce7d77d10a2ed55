"""Stable error codes of the experiments domain (APIs and tests match on them)."""

from __future__ import annotations

from enum import StrEnum


class ExperimentError(StrEnum):
    NOT_FOUND = "experiment_not_found"
    BAD_STATUS = "experiment_bad_status"  # e.g. starting a stopped experiment
    ALREADY_RUNNING = "experiment_already_running"  # one running experiment per gallery
    BAD_VARIANTS = "experiment_bad_variants"
    BAD_METRIC = "experiment_bad_metric"
    BAD_TARGET = "experiment_bad_target"
