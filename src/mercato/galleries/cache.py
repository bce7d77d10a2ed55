"""In-process cache of rendered deliveries, with the invalidation rules that keep it honest.

An entry is dropped when:
- anything a gallery shows is committed through SQLAlchemy in this process (items, media,
  tags, products, galleries, rights) — a session listener bumps the workspace's generation;
- the earliest rights expiry among its items passes (rights end without any write);
- it is older than `ttl_seconds`, which bounds staleness from writes made by other processes
  (the CLI, a second server).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from mercato.catalog.models import (
    Experiment,
    ExperimentVariant,
    Gallery,
    GalleryItem,
    Product,
    ProductTag,
    RightsEvent,
    ShopPage,
    Site,
    UgcItem,
    UgcMedia,
)
from mercato.core.timeutil import utcnow

# Experiments decide which variant a gallery serves; their assignments are never watched
# (one is written per new visitor and would empty the cache on every first visit).
WATCHED = (
    Experiment,
    ExperimentVariant,
    Gallery,
    GalleryItem,
    Product,
    ProductTag,
    RightsEvent,
    ShopPage,
    Site,
    UgcItem,
    UgcMedia,
)

ALL = "*"  # a change whose workspace is not on the row (tags, media) invalidates every entry
_PENDING = "mercato_gallery_changes"
_generations: dict[str, int] = {}
_generation_lock = threading.Lock()


def generation(workspace_id: str) -> tuple[int, int]:
    return _generations.get(workspace_id, 0), _generations.get(ALL, 0)


def invalidate(workspace_id: str = ALL) -> None:
    with _generation_lock:
        _generations[workspace_id] = _generations.get(workspace_id, 0) + 1


def _note(session: Session, instances: Any) -> None:
    pending: set[str] = session.info.setdefault(_PENDING, set())
    for instance in instances:
        if isinstance(instance, WATCHED):
            pending.add(getattr(instance, "workspace_id", None) or ALL)
        if isinstance(instance, (Gallery, Site)):
            pending.add(ALL)  # the origin rules are cached before the workspace is known


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    _note(session, [*session.new, *session.dirty, *session.deleted])


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in WATCHED:
        state.session.info.setdefault(_PENDING, set()).add(ALL)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Bumped only after commit, so a reader cannot cache pre-commit rows under a new generation.
    for workspace_id in session.info.pop(_PENDING, set()):
        invalidate(workspace_id)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class Delivery:
    body: bytes
    etag: str
    media_type: str


@dataclass(frozen=True)
class _Entry:
    delivery: Delivery
    generation: tuple[int, int]
    valid_until: datetime


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class DeliveryCache:
    def __init__(self, ttl_seconds: float = 60.0, max_entries: int = 5000) -> None:
        self._ttl = timedelta(seconds=ttl_seconds)
        self._max = max_entries
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get_or_build(
        self,
        workspace_id: str,
        key: Hashable,
        build: Callable[[], tuple[Delivery, datetime | None]],
    ) -> Delivery:
        """`build` returns the delivery and the moment its content stops being valid."""
        now, current = utcnow(), generation(workspace_id)
        cached = self.peek(workspace_id, key)
        if cached is not None:
            return cached
        delivery, expires = build()
        until = min(now + self._ttl, expires) if expires else now + self._ttl
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()  # crude but bounded: a full cache just starts over
            self._entries[key] = _Entry(delivery, current, until)
        return delivery

    def peek(self, workspace_id: str, key: Hashable) -> Delivery | None:
        """The valid cached delivery, or None; never builds (no I/O: safe on the event loop)."""
        now, current = utcnow(), generation(workspace_id)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry.generation == current and entry.valid_until > now:
            return entry.delivery
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
