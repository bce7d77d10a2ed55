"""Sharing report views: share links, scheduled e-mail reports, exports (CSV, JSON, PDF)."""
