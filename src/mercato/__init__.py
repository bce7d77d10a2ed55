"""Mercato: open, self-hosted social commerce."""

__version__ = "0.1.0"
