"""Stable error codes of the sharing domain (APIs and tests match on them)."""

from __future__ import annotations

from enum import StrEnum


class SharingError(StrEnum):
    UNKNOWN_VIEW = "unknown_view"
    LINK_NOT_FOUND = "share_link_not_found"  # unknown, revoked and expired look the same
    PASSWORD_REQUIRED = "share_password_required"  # noqa: S105 - an error code
    BAD_ORIGIN = "share_bad_origin"
    BAD_RECIPIENT = "report_bad_recipient"
    BAD_SCHEDULE = "report_bad_schedule"
    NO_SMTP = "smtp_not_configured"
    BAD_SMTP = "smtp_bad_settings"
    BAD_TABLE = "export_unknown_table"
    BAD_SUBJECT = "share_bad_subject"  # an experiment or segment view without its own subject
