"""Error codes of the segments domain (the `code` of an API error body)."""

from __future__ import annotations

from enum import StrEnum


class SegmentError(StrEnum):
    NOT_FOUND = "segment_not_found"
    NAME_TAKEN = "segment_name_taken"
    INVALID_DEFINITION = "segment_invalid_definition"
    INVALID_MEMBERS = "segment_invalid_members"
    WRONG_KIND = "segment_wrong_kind"
