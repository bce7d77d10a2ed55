"""Multi-touch attribution: journeys and models."""
