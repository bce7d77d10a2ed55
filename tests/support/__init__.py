"""Fixtures built from code: servers, stores and brands for the test suite."""
