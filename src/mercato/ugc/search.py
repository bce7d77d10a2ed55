"""Library search: filters, full-text (SQLite FTS5 word + trigram indexes / PostgreSQL tsvector
+ pg_trgm, ADR 2300), semantic search over stored embeddings (numpy cosine), and sorting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, column, exists, func, literal_column, select, table
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    CollectionItem,
    Creator,
    Product,
    ProductTag,
    RightsStatus,
    TagStatus,
    UgcItem,
)
from mercato.core import textsearch
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.ugc import rights
from mercato.ugc.embedding import AI_MISSING_NOTICE, Embedder, one_blas_thread, query_vector
from mercato.ugc.publishable import publishable_condition
from mercato.ugc.vectors import workspace_vectors

FILTERED_FIELDS = (
    "product_id",
    "product_type",
    "product_line",
    "category",
    "content_type",
    "platform",
    "source",
    "creator",
    "posted_from",
    "posted_to",
    "status",
    "rights",
    "collection_id",
)
# Without `exact_count` a search counts its matches only up to this many (or up to the page
# asked for, if deeper): the page then reads "1,000+ items". An exact count scans every match.
COUNT_CAP = 1000
SORTS = ("recent", "engagement", "performance", "curation", "relevance")
# A rights filter: a stored RightsStatus, or "publishable" (what the gate lets through).
PUBLISHABLE = "publishable"
RIGHTS = (*(status.value for status in RightsStatus), PUBLISHABLE)
FTS = table("ugc_items_fts", column("item_id"), column("rank"))
TRIGRAMS = table("ugc_items_fts_trigram", column("item_id"), column("body"), column("rank"))
ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")


STALE_NOTICE = (
    "{count} items have vectors from an earlier embedding model and are left out of semantic "
    "results until they are re-embedded (mercato ugc reembed)."
)


@dataclass
class UgcQuery:
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
    items: list[UgcItem]
    total: int
    notice: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    # True when the count stopped at its cap: there are more than `total` matches.
    total_capped: bool = False


def fts5_query(words: tuple[str, ...]) -> str:
    """Words as quoted FTS5 terms (all must match); operators in the input are inert (a word
    holds only letters, marks, digits and `_`, so it never holds a quote)."""
    return " ".join(f'"{word}"' for word in words)


def _product_filter(query: UgcQuery) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if query.product_id:
        conditions.append(ProductTag.product_id == query.product_id)
    for name in ("product_type", "product_line", "category"):
        value = getattr(query, name)
        if value:
            conditions.append(func.lower(getattr(Product, name)) == value.strip().lower())
    if not conditions:
        return None
    sub = (
        select(ProductTag.item_id)
        .join(Product, Product.id == ProductTag.product_id)
        .where(
            ProductTag.item_id == UgcItem.id,
            ProductTag.status == TagStatus.ACCEPTED.value,
            *conditions,
        )
    )
    return exists(sub)


def _filters(workspace_id: str, query: UgcQuery) -> list[Any]:
    where: list[Any] = [UgcItem.workspace_id == workspace_id]
    for name in ("content_type", "platform", "source", "status"):
        value = getattr(query, name)
        if value:
            # Stored in lower case (intake normalises them), so a filter matches whatever case
            # the user types and still uses the (workspace, column) indexes.
            where.append(getattr(UgcItem, name) == value.strip().lower())
    if query.creator:
        handle = query.creator.strip().lstrip("@").lower()
        where.append(
            UgcItem.creator_id.in_(
                select(Creator.id).where(
                    Creator.workspace_id == workspace_id,
                    (func.lower(Creator.handle) == handle) | (Creator.id == query.creator),
                )
            )
        )
    if query.posted_from:
        where.append(UgcItem.posted_at >= query.posted_from)
    if query.posted_to:
        where.append(UgcItem.posted_at < query.posted_to)
    if query.rights == PUBLISHABLE:
        where.append(publishable_condition(utcnow()))
    elif query.rights:
        where.append(UgcItem.rights_status == query.rights)
    if (product := _product_filter(query)) is not None:
        where.append(product)
    if query.collection_id:
        where.append(
            UgcItem.id.in_(
                select(CollectionItem.item_id).where(
                    CollectionItem.collection_id == query.collection_id
                )
            )
        )
    if query.tagged is not None:
        tagged = exists(
            select(ProductTag.item_id).where(
                ProductTag.item_id == UgcItem.id, ProductTag.status == TagStatus.ACCEPTED.value
            )
        )
        where.append(tagged if query.tagged else ~tagged)
    return where


def _sqlite_matches(terms: textsearch.Terms) -> Any:
    """Items whose words (word index) and unspaced substrings (trigram index) all match,
    with one relevance: the sum of the two bm25 ranks (lower is better)."""
    parts = []
    if terms.spaced:
        parts.append(
            select(FTS.c.item_id, FTS.c.rank.label("rank")).where(
                literal_column("ugc_items_fts").op("MATCH")(fts5_query(terms.spaced))
            )
        )
    if terms.unspaced:
        long = [t for t in terms.unspaced if len(t) >= textsearch.TRIGRAM]
        # Trigrams cannot find one or two characters: LIKE scans the trigram table's text.
        short = [
            TRIGRAMS.c.body.like(textsearch.like_pattern(t), escape="\\")
            for t in terms.unspaced
            if len(t) < textsearch.TRIGRAM
        ]
        where = list(short)
        rank: Any = literal_column("0.0")
        if long:
            match = literal_column("ugc_items_fts_trigram").op("MATCH")(fts5_query(tuple(long)))
            where.append(match)
            rank = TRIGRAMS.c.rank
        parts.append(select(TRIGRAMS.c.item_id, rank.label("rank")).where(*where))
    first = parts[0].subquery("fts")
    if len(parts) == 1:
        return first
    second = parts[1].subquery("trigrams")
    return (
        select(first.c.item_id, (first.c.rank + second.c.rank).label("rank"))
        .join(second, second.c.item_id == first.c.item_id)
        .subquery("matches")
    )


def _postgres_match(terms: textsearch.Terms) -> tuple[list[Any], Any]:
    """tsvector for spaced words, LIKE (pg_trgm's GIN index) for unspaced ones; relevance is
    ts_rank plus how densely the unspaced words occur."""
    conditions: list[Any] = []
    relevance: Any = literal_column("0.0")
    if terms.spaced:
        vector = func.to_tsvector(ENGLISH, UgcItem.search_text)
        tsquery = func.plainto_tsquery(ENGLISH, " ".join(terms.spaced))
        conditions.append(vector.op("@@")(tsquery))
        relevance = relevance + func.ts_rank(vector, tsquery)
    length = func.length(UgcItem.search_text) + 1
    for term in terms.unspaced:
        conditions.append(UgcItem.search_text.like(textsearch.like_pattern(term), escape="\\"))
        rest = func.length(func.replace(UgcItem.search_text, term, ""))
        relevance = relevance + (func.length(UgcItem.search_text) - rest) / (length * 1.0)
    return conditions, relevance


def _full_text(statement: Any, session: Session, text: str) -> tuple[Any, Any]:
    """Restrict to full-text matches; returns the statement and its relevance order."""
    terms = textsearch.query_terms(text)
    if terms.empty:
        return statement, None
    if session.get_bind().dialect.name == "sqlite":
        matches = _sqlite_matches(terms)
        joined = statement.join(matches, matches.c.item_id == UgcItem.id)
        return joined, matches.c.rank.asc()
    conditions, relevance = _postgres_match(terms)
    return statement.where(*conditions), relevance.desc()


def _order(query: UgcQuery, relevance: Any) -> list[Any]:
    recent = [UgcItem.posted_at.desc().nulls_last(), UgcItem.id.desc()]
    if query.sort == "relevance" and relevance is not None:
        return [relevance, *recent]
    if query.sort == "engagement":
        return [UgcItem.engagement.desc(), *recent]
    if query.sort == "performance":
        return [UgcItem.site_performance.desc().nulls_last(), *recent]
    if query.sort == "curation":
        return [UgcItem.curation_score.desc().nulls_last(), *recent]
    return recent


def search(
    session: Session, workspace_id: str, query: UgcQuery, embedder: Embedder | None = None
) -> SearchResult:
    if query.sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}", location="sort")
    if query.rights and query.rights not in RIGHTS:
        raise ValidationFailed(f"rights must be one of {', '.join(RIGHTS)}", location="rights")
    # Grants past their expiry are marked before the library is read, so the `rights` filter
    # and the status shown agree with the public gate (which compares times by itself).
    rights.expire_due(session, workspace_id)
    notice = None
    text = query.text
    if query.semantic:
        if embedder is not None:
            return _semantic(session, workspace_id, query, embedder)
        notice, text = AI_MISSING_NOTICE, " ".join(filter(None, [text, query.semantic]))
    statement = select(UgcItem).where(*_filters(workspace_id, query))
    relevance = None
    if text.strip():
        statement, relevance = _full_text(statement, session, text)
    total, capped = _count(session, statement, query)
    page = statement.order_by(*_order(query, relevance)).limit(query.limit).offset(query.offset)
    return SearchResult(list(session.scalars(page)), total, notice, total_capped=capped)


def _count(session: Session, statement: Any, query: UgcQuery) -> tuple[int, bool]:
    """The number of matches, exact on demand; otherwise counted up to a bound past the page
    asked for, so a large library pages without scanning every match for its total."""
    if query.exact_count:
        return int(
            session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        ), False
    bound = max(COUNT_CAP, query.offset + query.limit)
    # Selecting a constant lets the engine count from an index alone (no table rows read).
    bounded = statement.with_only_columns(literal_column("1")).limit(bound + 1).subquery()
    seen = int(session.scalar(select(func.count()).select_from(bounded)) or 0)
    return (bound, True) if seen > bound else (seen, False)


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
    notice = STALE_NOTICE.format(count=snapshot.stale) if snapshot.stale else None
    filtered = (
        any(getattr(query, name) for name in FILTERED_FIELDS)
        or query.tagged is not None
        or bool(query.text.strip())
    )
    ids, matrix = snapshot.ids, snapshot.matrix
    keep = None
    if filtered and len(ids):
        statement = select(UgcItem.id).where(*_filters(workspace_id, query))
        if query.text.strip():
            statement, _ = _full_text(statement, session, query.text)
        keep = snapshot.rows_of(session.scalars(statement))
        ids = ids[keep]
    if not len(ids):
        return SearchResult([], 0, notice)
    scores = _scores(matrix, keep, query_vector(embedder, query.semantic))
    wanted = min(len(scores), query.offset + query.limit)
    # Partial selection first: only the requested page is fully sorted.
    best = np.argpartition(-scores, wanted - 1)[:wanted]
    top = best[np.argsort(-scores[best])][query.offset :]
    chosen = [str(ids[i]) for i in top]
    found = session.scalars(select(UgcItem).where(UgcItem.id.in_(chosen)))
    by_id = {item.id: item for item in found}
    return SearchResult(
        [by_id[i] for i in chosen if i in by_id],
        len(ids),
        notice,
        scores={str(ids[i]): round(float(scores[i]), 4) for i in top},
    )
