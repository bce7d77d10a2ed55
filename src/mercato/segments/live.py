"""Segment membership for live decisions (gallery delivery), cached so a request never
evaluates a segment.

A segment is resolved (its definition digest read from the catalog) at most every
`resolve_ttl_seconds`, and its members are evaluated by the engine at most every
`ttl_seconds` per (segment, definition digest): an edited definition is a new digest and so
a fresh evaluation; a visitor who joins a segment is seen within `ttl_seconds`. The member
set lives in this process only and is never written anywhere; a segment with more than
`max_members` is not held at all: the engine is asked about one visitor at a time, and the
answer is cached for that visitor (ADR 1701).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from mercato.catalog.db import Catalog
from mercato.core.errors import NotFoundError
from mercato.segments.service import Resolved, resolve
from mercato.warehouse.connection import Warehouse

MEMBERS_TTL_SECONDS = 300.0
RESOLVE_TTL_SECONDS = 30.0
MAX_ENTRIES = 1000
MAX_MEMBERS = 1_000_000  # a larger segment is asked per visitor instead of held in memory
MAX_VISITOR_ENTRIES = 100_000
K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True)
class _Members:
    members: frozenset[str] | None  # None: too many to hold


@dataclass(frozen=True)
class _Timed(Generic[T]):
    value: T
    until: float


class LiveMembership:
    def __init__(
        self,
        ttl_seconds: float = MEMBERS_TTL_SECONDS,
        resolve_ttl_seconds: float = RESOLVE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self._ttl, self._resolve_ttl, self._clock = ttl_seconds, resolve_ttl_seconds, clock
        self._max_members = max_members
        self._resolved: dict[tuple[str, str], _Timed[Resolved | None]] = {}
        self._members: dict[tuple[str, str, str], _Timed[_Members]] = {}
        self._visitors: dict[tuple[str, str, str, str], _Timed[bool]] = {}
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str, str], threading.Lock] = {}
        self.evaluations = 0  # how many times the engine evaluated a segment (for tests)

    def is_member(
        self,
        catalog: Catalog,
        warehouse: Warehouse,
        workspace_id: str,
        segment_id: str,
        visitor_id: str,
    ) -> bool:
        resolved = self._resolve(catalog, workspace_id, segment_id)
        if resolved is None:
            return False
        members = self._member_set(warehouse, workspace_id, resolved)
        if members is not None:
            return visitor_id in members
        key = (workspace_id, resolved.segment_id, resolved.digest, visitor_id)
        found = self._fresh(self._visitors, key)
        if found is None:  # a segment too large to hold: the engine answers for one visitor
            scoped = warehouse.for_workspace(workspace_id)
            expr = resolved.members(scoped)
            found = bool(scoped.execute(expr.filter(expr.visitor_id == visitor_id).count()))
            self._store(self._visitors, key, found, self._ttl, MAX_VISITOR_ENTRIES)
        return found

    def members(
        self, catalog: Catalog, warehouse: Warehouse, workspace_id: str, segment_id: str
    ) -> frozenset[str] | None:
        """The segment's members now (empty for a segment that no longer exists); None for a
        segment with more than `max_members`, which is asked visitor by visitor."""
        resolved = self._resolve(catalog, workspace_id, segment_id)
        if resolved is None:
            return frozenset()
        return self._member_set(warehouse, workspace_id, resolved)

    def _member_set(
        self, warehouse: Warehouse, workspace_id: str, resolved: Resolved
    ) -> frozenset[str] | None:
        key = (workspace_id, resolved.segment_id, resolved.digest)
        found = self._fresh(self._members, key)
        if found is not None:
            return found.members
        with self._lock:
            if len(self._building) >= MAX_ENTRIES:
                self._building.clear()
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one evaluation per key at a time; the others wait for its result
            found = self._fresh(self._members, key)
            if found is not None:
                return found.members
            scoped = warehouse.for_workspace(workspace_id)
            expr = resolved.members(scoped).limit(self._max_members + 1)
            ids = [str(v) for v in scoped.execute(expr)["visitor_id"]]
            self.evaluations += 1
            members = frozenset(ids) if len(ids) <= self._max_members else None
            self._store(self._members, key, _Members(members), self._ttl)
        return members

    def _resolve(self, catalog: Catalog, workspace_id: str, segment_id: str) -> Resolved | None:
        key = (workspace_id, segment_id)
        with self._lock:
            entry = self._resolved.get(key)
        if entry is not None and entry.until > self._clock():
            return entry.value
        try:
            with catalog.session() as session:
                resolved: Resolved | None = resolve(session, workspace_id, segment_id)
        except NotFoundError:
            resolved = None  # deleted since the rule was saved: nobody is a member
        self._store(self._resolved, key, resolved, self._resolve_ttl)
        return resolved

    def _fresh(self, entries: dict[K, _Timed[T]], key: K) -> T | None:
        with self._lock:
            entry = entries.get(key)
        if entry is not None and entry.until > self._clock():
            return entry.value
        return None

    def _store(
        self,
        entries: dict[K, _Timed[T]],
        key: K,
        value: T,
        ttl: float,
        limit: int = MAX_ENTRIES,
    ) -> None:
        with self._lock:
            if len(entries) >= limit:
                entries.clear()  # bounded: a full cache starts over
            entries[key] = _Timed(value, self._clock() + ttl)

    def clear(self) -> None:
        with self._lock:
            self._resolved.clear()
            self._members.clear()
            self._visitors.clear()
