"""Item vectors for semantic search, held in memory per workspace, so a query costs one
index lookup and a matrix product instead of reading every vector from the catalog.

A snapshot is reloaded when a newer item has a vector (item ids sort by creation time; one
O(log n) index read) and at least every `MAX_AGE_S`, which also picks up deletions (deleted
items are already dropped from results, since results are loaded from `ugc_items`).

Only vectors of the model asked for are loaded: a vector made by another model lives in
another space and is re-embedded (`intake.reembed`), never compared; `stale` counts them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import UgcEmbedding
from mercato.ugc.embedding import DIMENSIONS, from_bytes

MAX_WORKSPACES = 16
MAX_AGE_S = 300.0


@dataclass(frozen=True)
class VectorSnapshot:
    newest: str | None
    loaded_at: float
    ids: np.ndarray  # item ids, same order as the matrix rows
    matrix: np.ndarray  # float32, rows L2-normalised
    position: dict[str, int]  # item id -> row
    stale: int = 0  # vectors of this workspace made by another model, left out

    def rows_of(self, item_ids: Iterable[str]) -> np.ndarray:
        """Row numbers of the given items that have a vector, in matrix order."""
        found = [self.position[i] for i in item_ids if i in self.position]
        return np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))


_cache: dict[tuple[str, str, str], VectorSnapshot] = {}
_lock = threading.Lock()


def _newest(session: Session, workspace_id: str, model: str) -> str | None:
    return session.scalar(
        select(func.max(UgcEmbedding.item_id)).where(
            UgcEmbedding.workspace_id == workspace_id, UgcEmbedding.model == model
        )
    )


def stale_vectors(session: Session, workspace_id: str, model: str) -> int:
    """How many of the workspace's vectors another model made."""
    return int(
        session.scalar(
            select(func.count()).where(
                UgcEmbedding.workspace_id == workspace_id, UgcEmbedding.model != model
            )
        )
        or 0
    )


def workspace_vectors(
    session: Session, workspace_id: str, model: str, dimensions: int = DIMENSIONS
) -> VectorSnapshot:
    key = (str(session.get_bind().engine.url), workspace_id, model)
    newest = _newest(session, workspace_id, model)
    with _lock:
        cached = _cache.get(key)
    fresh = cached is not None and time.monotonic() - cached.loaded_at < MAX_AGE_S
    if cached is not None and fresh and cached.newest == newest:
        return cached
    rows = session.execute(
        select(UgcEmbedding.item_id, UgcEmbedding.vector)
        .where(UgcEmbedding.workspace_id == workspace_id, UgcEmbedding.model == model)
        .order_by(UgcEmbedding.item_id)
    ).all()
    ids = [str(row[0]) for row in rows]
    snapshot = VectorSnapshot(
        newest,
        time.monotonic(),
        np.array(ids, dtype=object),
        from_bytes([row[1] for row in rows], dimensions),
        {item_id: n for n, item_id in enumerate(ids)},
        stale_vectors(session, workspace_id, model),
    )
    with _lock:
        if len(_cache) >= MAX_WORKSPACES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = snapshot
    return snapshot


def forget(workspace_id: str) -> None:
    """Drop the workspace's snapshots: after a re-embed, whose items need not be newer than
    the newest vector, the next search reloads instead of waiting for `MAX_AGE_S`."""
    with _lock:
        for key in [key for key in _cache if key[1] == workspace_id]:
            del _cache[key]
