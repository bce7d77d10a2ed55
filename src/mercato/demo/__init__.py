"""Deterministic generator of a realistic demo brand, with its recorded ground truth."""
