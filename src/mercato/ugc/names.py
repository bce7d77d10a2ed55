"""How a UGC item is named where a page lists or asks for one: the creator's handle, the
platform and the caption's first words, never the bare id (attribution's "by UGC" rows, the
gallery builder's item picker)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import Creator, UgcItem
from mercato.core import labels

if TYPE_CHECKING:
    from mercato.attribution.service import AttributionReport

EXCERPT = 60  # characters of the caption a name keeps
MAX_CHOICES = 500  # items a picker lists (the newest); more are reached through the library


@dataclass(frozen=True)
class ItemName:
    id: str
    handle: str  # the creator's handle, "" when unknown
    platform: str  # stored value: pages show its label
    excerpt: str  # the caption's (or alt text's) first words, one line
    status: str
    rights_status: str


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _query(workspace_id: str) -> Select[UgcItem, str]:
    return (
        select(UgcItem, Creator.handle)
        .outerjoin(Creator, Creator.id == UgcItem.creator_id)
        .where(UgcItem.workspace_id == workspace_id)
    )


def _name(item: UgcItem, handle: str | None) -> ItemName:
    return ItemName(
        item.id,
        handle or "",
        item.platform,
        excerpt(item.caption or item.alt_text or ""),
        item.status,
        item.rights_status,
    )


def item_names(session: Session, workspace_id: str, item_ids: Sequence[str]) -> dict[str, ItemName]:
    """The names of the workspace's items among `item_ids` (others are left out)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    query = _query(workspace_id).where(UgcItem.id.in_(wanted))
    return {item.id: _name(item, handle) for item, handle in session.execute(query)}


def item_choices(
    session: Session, workspace_id: str, keep: Sequence[str] = (), limit: int = MAX_CHOICES
) -> list[ItemName]:
    """What an item picker lists: the newest `limit` items (posted, then added), and the
    items of `keep` (those already chosen) wherever they are."""
    newest = (
        _query(workspace_id)
        .order_by(func.coalesce(UgcItem.posted_at, UgcItem.created_at).desc(), UgcItem.id.desc())
        .limit(limit)
    )
    chosen = [_name(item, handle) for item, handle in session.execute(newest)]
    listed = {name.id for name in chosen}
    missing = [item for item in keep if item not in listed]
    found = item_names(session, workspace_id, missing)
    return [found[item] for item in missing if item in found] + chosen


UGC_PREFIX = "ugc:"  # how a "by UGC" attribution report labels an item touch


def ugc_touch_names(
    session: Session, workspace_id: str, report: AttributionReport
) -> dict[str, ItemName]:
    """The items behind a "by UGC" report's `ugc:<id>` labels, by label."""
    if report.request.by.value != "ugc":
        return {}
    found: set[str] = {row.label for row in report.rows}
    for path in report.top_paths:
        found.update(path.path.split(" > "))
    ids = [label[len(UGC_PREFIX) :] for label in found if label.startswith(UGC_PREFIX)]
    return {
        UGC_PREFIX + item: name for item, name in item_names(session, workspace_id, ids).items()
    }


def ugc_name(name: ItemName, _: Callable[[str], str] = str) -> str:
    """An item as a touch: "@handle · Instagram · first words of the caption"."""
    parts = ["@" + name.handle if name.handle else _("unknown creator")]
    parts.append(labels.label(labels.Kind.PLATFORM, name.platform, _))
    if name.excerpt:
        parts.append(name.excerpt)
    return " · ".join(parts)


def touch_label(
    by: str, raw: str, _: Callable[[str], str] = str, ugc: dict[str, ItemName] | None = None
) -> str:
    """A credited label as people read it: a UGC item by its creator and caption (an item
    since deleted as "deleted UGC item"), anything else as `labels.row_label` names it."""
    if by == "ugc" and raw.startswith(UGC_PREFIX):
        found = (ugc or {}).get(raw)
        return ugc_name(found, _) if found else _("deleted UGC item")
    return labels.row_label(by, raw, _)
