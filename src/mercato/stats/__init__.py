"""Experiment statistics: pure functions, RNG injected."""
