"""Collections: named sets of items a team curates by hand (a campaign, a lookbook)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import Collection, CollectionItem
from mercato.catalog.owned import get_owned
from mercato.core.errors import ConflictError, ValidationFailed
from mercato.ugc.items import get_item


def create_collection(session: Session, workspace_id: str, name: str) -> Collection:
    name = name.strip()
    if not name:
        raise ValidationFailed("a collection needs a name", location="name")
    exists = session.scalar(
        select(Collection.id).where(
            Collection.workspace_id == workspace_id, Collection.name == name
        )
    )
    if exists:
        raise ConflictError(f"a collection named {name!r} already exists")
    collection = Collection(workspace_id=workspace_id, name=name)
    session.add(collection)
    session.flush()
    return collection


def get_collection(session: Session, workspace_id: str, collection_id: str) -> Collection:
    return get_owned(session, Collection, workspace_id, collection_id, "collection")


def add_to_collection(
    session: Session, workspace_id: str, collection_id: str, item_ids: Sequence[str]
) -> int:
    """Add items (each checked to belong to the workspace); returns how many were new."""
    collection = get_collection(session, workspace_id, collection_id)
    present = set(
        session.scalars(
            select(CollectionItem.item_id).where(CollectionItem.collection_id == collection.id)
        )
    )
    added = 0
    for item_id in dict.fromkeys(item_ids):
        get_item(session, workspace_id, item_id)
        if item_id not in present:
            session.add(CollectionItem(collection_id=collection.id, item_id=item_id))
            added += 1
    return added


def collections_of(session: Session, workspace_id: str) -> list[tuple[Collection, int]]:
    rows = session.execute(
        select(Collection, func.count(CollectionItem.item_id))
        .outerjoin(CollectionItem, CollectionItem.collection_id == Collection.id)
        .where(Collection.workspace_id == workspace_id)
        .group_by(Collection.id)
        .order_by(Collection.name)
    ).all()
    return [(collection, int(count)) for collection, count in rows]
