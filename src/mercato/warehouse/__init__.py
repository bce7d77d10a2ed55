"""Append-heavy analytic tables, queried only through Ibis expressions."""
