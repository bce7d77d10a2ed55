"""Experiments on galleries: A/B tests of gallery configurations and randomised holdouts."""
