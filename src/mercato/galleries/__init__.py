"""Shoppable galleries and link-in-bio pages."""
