"""Item vectors for semantic search, held in memory per workspace and reloaded only when the
stored set changes (count or newest item id), so a query costs one small fingerprint query
and a matrix product instead of reading every vector from the catalog."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import UgcEmbedding
from mercato.ugc.embedding import from_bytes

MAX_WORKSPACES = 16


@dataclass(frozen=True)
class VectorSnapshot:
    fingerprint: tuple[int, str | None]
    ids: np.ndarray  # item ids, same order as the matrix rows
    matrix: np.ndarray  # float32, rows L2-normalised
    position: dict[str, int]  # item id -> row

    def rows_of(self, item_ids: Iterable[str]) -> np.ndarray:
        """Row numbers of the given items that have a vector, in matrix order."""
        found = [self.position[i] for i in item_ids if i in self.position]
        return np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))


_cache: dict[tuple[str, str], VectorSnapshot] = {}
_lock = threading.Lock()


def _fingerprint(session: Session, workspace_id: str) -> tuple[int, str | None]:
    count, newest = session.execute(
        select(func.count(), func.max(UgcEmbedding.item_id)).where(
            UgcEmbedding.workspace_id == workspace_id
        )
    ).one()
    return int(count), newest


def workspace_vectors(session: Session, workspace_id: str) -> VectorSnapshot:
    key = (str(session.get_bind().engine.url), workspace_id)
    fingerprint = _fingerprint(session, workspace_id)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    rows = session.execute(
        select(UgcEmbedding.item_id, UgcEmbedding.vector)
        .where(UgcEmbedding.workspace_id == workspace_id)
        .order_by(UgcEmbedding.item_id)
    ).all()
    ids = [str(row[0]) for row in rows]
    snapshot = VectorSnapshot(
        fingerprint,
        np.array(ids, dtype=object),
        from_bytes([row[1] for row in rows]),
        {item_id: n for n, item_id in enumerate(ids)},
    )
    with _lock:
        if len(_cache) >= MAX_WORKSPACES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = snapshot
    return snapshot
