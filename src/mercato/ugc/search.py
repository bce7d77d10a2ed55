"""Library search: filters, full-text (SQLite FTS5 word + trigram indexes / PostgreSQL tsvector
+ pg_trgm, ADR 2300), semantic search over stored embeddings (numpy cosine), and sorting.

The SQL is in `library_sql`; rows come back as `LibraryItem`s (Core, no ORM entities)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from mercato.core import textsearch
from mercato.core.errors import ValidationFailed
from mercato.core.labels import N_plural
from mercato.core.timeutil import utcnow
from mercato.ugc import rights
from mercato.ugc.embedding import AI_MISSING_NOTICE, Embedder, one_blas_thread, query_vector
from mercato.ugc.filters import PUBLISHABLE, RIGHTS, SORTS
from mercato.ugc.library_rows import COLUMNS, ITEMS, LibraryItem
from mercato.ugc.library_sql import (
    Shape,
    bind_filters,
    bind_text,
    fts5_query,
    matching_ids,
    statements,
)
from mercato.ugc.vectors import workspace_vectors

__all__ = ["PUBLISHABLE", "RIGHTS", "SORTS", "LibraryItem", "UgcQuery", "fts5_query", "search"]

# Without `exact_count` a search counts its matches only up to this many (or up to the page
# asked for, if deeper): the page then reads "1,000+ items". An exact count scans every match.
COUNT_CAP = 1000


STALE_NOTICE = N_plural(
    "%(num)s item has a vector from an earlier embedding model and is left out of semantic "
    "results until it is re-embedded (mercato ugc reembed).",
    "%(num)s items have vectors from an earlier embedding model and are left out of semantic "
    "results until they are re-embedded (mercato ugc reembed).",
)


@dataclass(frozen=True)
class Notice:
    """What a search says beside its results: a message marked for the catalogs (with its
    plural and count when it has one, `%(num)s` the count). The API and the CLI give its
    English (`english()`); the library page translates it (docs/i18n.md)."""

    singular: str
    plural: str | None = None
    count: int = 0

    def english(self) -> str:
        if self.plural is None:
            return self.singular
        return (self.singular if self.count == 1 else self.plural) % {"num": self.count}


@dataclass
class UgcQuery:
    """A library search; its filters are the vocabulary in `ugc.filters` (FILTERS)."""

    text: str = ""
    semantic: str = ""
    product_id: str | None = None
    product_type: str | None = None
    product_line: str | None = None
    category: str | None = None
    content_type: str | None = None
    platform: str | None = None
    source: str | None = None
    creator: str | None = None
    posted_from: datetime | None = None
    posted_to: datetime | None = None
    status: str | None = None
    rights: str | None = None
    tagged: bool | None = None
    collection_id: str | None = None
    sort: str = "recent"
    limit: int = 48
    offset: int = 0
    exact_count: bool = False


@dataclass
class SearchResult:
    items: list[LibraryItem]
    total: int
    message: Notice | None = None
    scores: dict[str, float] = field(default_factory=dict)
    # True when the count stopped at its cap: there are more than `total` matches.
    total_capped: bool = False

    @property
    def notice(self) -> str | None:
        """The notice in English (the API's `notice`, the CLI)."""
        return self.message.english() if self.message else None


def _shape(
    session: Session, workspace_id: str, query: UgcQuery, text: str
) -> tuple[Shape, dict[str, Any]]:
    conditions, params = bind_filters(workspace_id, query)
    dialect = session.get_bind().dialect.name
    terms = textsearch.query_terms(text)
    parts: dict[str, Any] = {}
    if not terms.empty:
        parts, bound = bind_text(terms, dialect)
        params.update(bound)
    sort = query.sort if query.sort != "relevance" or parts else "recent"
    return Shape(conditions, sort, dialect, query.exact_count, **parts), params


def page_statements(
    session: Session, workspace_id: str, query: UgcQuery, text: str
) -> tuple[Select[Any], Select[Any], dict[str, Any]]:
    """A search's page statement (rows, each with the capped count), the count alone, and the
    values they bind; `text` is the full-text part (the query's, or its words as a fallback)."""
    shape, params = _shape(session, workspace_id, query, text)
    bound = max(COUNT_CAP, query.offset + query.limit)
    params.update(count_limit=bound + 1, page_limit=query.limit, page_offset=query.offset)
    params["f_due_by"] = utcnow()  # grants past their expiry by now are due
    page, count = statements(shape)
    return page, count, params


def search(
    session: Session, workspace_id: str, query: UgcQuery, embedder: Embedder | None = None
) -> SearchResult:
    if query.sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}", location="sort")
    if query.rights and query.rights not in RIGHTS:
        raise ValidationFailed(f"rights must be one of {', '.join(RIGHTS)}", location="rights")
    session.flush()  # the statements below read the tables directly
    notice: Notice | None = None
    text = query.text
    if query.semantic:
        if embedder is not None:
            rights.expire_due(session, workspace_id)
            return _semantic(session, workspace_id, query, embedder)
        notice, text = Notice(AI_MISSING_NOTICE), " ".join(filter(None, [text, query.semantic]))
    bound = max(COUNT_CAP, query.offset + query.limit)
    page, count, params = page_statements(session, workspace_id, query, text)
    rows, seen = _read(session, page, count, params)
    if (rows and rows[0].due) or (not rows and seen < 0):
        # Grants past their expiry are marked before the library is shown, so the `rights`
        # filter and the status shown agree with the public gate; then the page is read again.
        rights.expire_due(session, workspace_id, params["f_due_by"])
        session.flush()
        rows, seen = _read(session, page, count, params)
    items = [LibraryItem.of(row) for row in rows]
    if query.exact_count:
        return SearchResult(items, seen, notice)
    return SearchResult(items, min(seen, bound), notice, total_capped=seen > bound)


def _read(
    session: Session, page: Select[Any], count: Select[Any], params: dict[str, Any]
) -> tuple[list[Row[Any]], int]:
    """The page's rows and the number of matches; -1 when the page is empty and a grant is
    due (the caller expires it and reads again)."""
    connection = session.connection()
    rows = list(connection.execute(page, params).all())
    if rows:
        return rows, int(rows[0].total)
    total, due = connection.execute(count, params).one()
    return rows, -1 if due else int(total)


def _scores(matrix: np.ndarray, keep: np.ndarray | None, vector: np.ndarray) -> np.ndarray:
    """Cosine of the kept rows to the query. Copying the kept rows out reads them twice, so a
    large share is scored in place over every row and the kept scores picked after."""
    with one_blas_thread():
        if keep is None:
            return np.asarray(matrix @ vector)
        if len(keep) * 4 < len(matrix):
            return np.asarray(matrix[keep] @ vector)
        return np.asarray((matrix @ vector)[keep])


def _semantic(
    session: Session, workspace_id: str, query: UgcQuery, embedder: Embedder
) -> SearchResult:
    """Cosine similarity of the query to the stored vectors of the items the filters keep.
    Only vectors of the embedder's model are compared (others are in another space)."""
    snapshot = workspace_vectors(session, workspace_id, embedder.model)
    notice = Notice(*STALE_NOTICE, count=snapshot.stale) if snapshot.stale else None
    shape, params = _shape(session, workspace_id, query, query.text)
    ids, matrix = snapshot.ids, snapshot.matrix
    keep = None
    if (shape.conditions or shape.text) and len(ids):
        found = session.connection().execute(matching_ids(shape), params).scalars()
        keep = snapshot.rows_of(found)
        ids = ids[keep]
    if not len(ids):
        return SearchResult([], 0, notice)
    scores = _scores(matrix, keep, query_vector(embedder, query.semantic))
    wanted = min(len(scores), query.offset + query.limit)
    # Partial selection first: only the requested page is fully sorted.
    best = np.argpartition(-scores, wanted - 1)[:wanted]
    top = best[np.argsort(-scores[best])][query.offset :]
    chosen = [str(ids[i]) for i in top]
    rows = session.connection().execute(select(*COLUMNS).where(ITEMS.id.in_(chosen)))
    by_id = {row.id: LibraryItem.of(row) for row in rows}
    return SearchResult(
        [by_id[i] for i in chosen if i in by_id],
        len(ids),
        notice,
        scores={str(ids[i]): round(float(scores[i]), 4) for i in top},
    )
