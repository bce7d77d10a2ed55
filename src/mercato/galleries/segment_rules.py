"""Per-segment gallery rules: which rule a visitor's segments pick, and the fallback.

A gallery's rule may carry `segment_rules`, an ordered list of
`{"segment_id": ..., "rule": {...}}`. The `rule` overrides keys of the gallery's own rule
(the same keys: platform, content type, product line, sort...); the first entry whose
segment the visitor belongs to is used. When that selection has fewer than the gallery's
`min_items`, the gallery is served by its own rule (and its own fallback chain), so a
segment never sees an emptier gallery than everyone else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from mercato.catalog.models import Gallery, GallerySelection
from mercato.core.errors import ValidationFailed

if TYPE_CHECKING:  # selection imports definitions, which validates with this module
    from mercato.galleries.selection import PageContext, Selection

KEY = "segment_rules"
ENTRY_KEYS = ("segment_id", "rule")
MAX_SEGMENT_RULES = 20
MAX_SEGMENT_ID = 200

RuleCheck = Callable[[dict[str, Any], str], dict[str, Any]]


@dataclass(frozen=True)
class SegmentRule:
    segment_id: str
    rule: Mapping[str, Any]  # the keys it overrides


def validate(
    raw: object, check_rule: RuleCheck, location: str = f"rule.{KEY}"
) -> list[dict[str, Any]]:
    """The rules cleaned (override rules checked by `check_rule`), or the first mistake
    named by its position and field, e.g. `rule.segment_rules[1].rule.platform`."""
    if not isinstance(raw, list):
        raise ValidationFailed("must be a list of {segment_id, rule} objects", location=location)
    if len(raw) > MAX_SEGMENT_RULES:
        raise ValidationFailed(f"at most {MAX_SEGMENT_RULES} segment rules", location=location)
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        here = f"{location}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationFailed("must be an object with segment_id and rule", location=here)
        for key in entry:
            if key not in ENTRY_KEYS:
                raise ValidationFailed(
                    f"unknown key; use {', '.join(ENTRY_KEYS)}", location=f"{here}.{key}"
                )
        segment_id = entry.get("segment_id")
        if not isinstance(segment_id, str) or not 0 < len(segment_id.strip()) <= MAX_SEGMENT_ID:
            raise ValidationFailed(
                f"needs a segment id of 1 to {MAX_SEGMENT_ID} characters",
                location=f"{here}.segment_id",
            )
        segment_id = segment_id.strip()
        if segment_id in seen:
            raise ValidationFailed(
                "this segment already has a rule above (the first match wins)",
                location=f"{here}.segment_id",
            )
        seen.add(segment_id)
        override = entry.get("rule")
        if not isinstance(override, dict):
            raise ValidationFailed("must be an object of rule keys", location=f"{here}.rule")
        if KEY in override:
            raise ValidationFailed("segment rules do not nest", location=f"{here}.rule.{KEY}")
        cleaned = check_rule(override, f"{here}.rule")
        if not cleaned:
            raise ValidationFailed("needs at least one rule key", location=f"{here}.rule")
        clean.append({"segment_id": segment_id, "rule": cleaned})
    return clean


def rules_of(gallery: Gallery) -> list[SegmentRule]:
    """The stored segment rules; only a rule-selected gallery has any."""
    if gallery.selection != GallerySelection.RULE:
        return []
    return [
        SegmentRule(str(entry["segment_id"]), dict(entry["rule"]))
        for entry in gallery.rule.get(KEY) or []
    ]


def pick(rules: list[SegmentRule], is_member: Callable[[str], bool]) -> SegmentRule | None:
    """The first rule whose segment the visitor is in; segments after it are never asked."""
    for rule in rules:
        if is_member(rule.segment_id):
            return rule
    return None


def base_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in rule.items() if key != KEY}


def with_rule(gallery: Gallery, override: Mapping[str, Any]) -> Gallery:
    """A never-stored copy of `gallery` whose rule is its own overridden by `override`, with
    no fallback (falling back is the caller's decision)."""
    return Gallery(
        id=gallery.id,
        workspace_id=gallery.workspace_id,
        name=gallery.name,
        layout=gallery.layout,
        placement=gallery.placement,
        selection=GallerySelection.RULE.value,
        rule={**base_rule(gallery.rule), **override},
        max_items=gallery.max_items,
        min_items=gallery.min_items,
        fallback_id=None,
        version=gallery.version,
    )


@dataclass
class SegmentSelection:
    selection: Selection
    segment_id: str | None  # the segment whose rule chose the items; None: the default rule


def select_for_segment(
    session: Session,
    gallery: Gallery,
    rule: SegmentRule | None,
    context: PageContext,
    now: datetime,
) -> SegmentSelection:
    """The segment rule's items when there are at least `min_items` (at least one), else
    the gallery as defined (with its own fallback gallery)."""
    from mercato.galleries.selection import select_items

    if rule is not None:
        chosen = select_items(session, with_rule(gallery, rule.rule), context, now)
        if len(chosen.items) >= max(gallery.min_items, 1):
            chosen.gallery = gallery
            return SegmentSelection(chosen, rule.segment_id)
    return SegmentSelection(select_items(session, gallery, context, now), None)
