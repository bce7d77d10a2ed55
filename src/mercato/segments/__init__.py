"""Audience segments: saved definitions over visitor and session traits, evaluated by the engine."""
