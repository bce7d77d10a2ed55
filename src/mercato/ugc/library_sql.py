"""The library search's SQL: filters, full-text matching (SQLite FTS5 word + trigram indexes /
PostgreSQL tsvector + pg_trgm, ADR 2300), order, and the page with its capped count.

A query's values are bound parameters; what it filters on, how it matches text and how it
sorts make its *shape*, and each shape's statements are built once and kept (`statements`):
a search then only binds values, so no expression is rebuilt and SQLAlchemy's compiled-SQL
cache is hit without recomputing a cache key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
)

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
from mercato.core.timeutil import utcnow
from mercato.ugc.filters import PUBLISHABLE
from mercato.ugc.library_rows import COLUMNS
from mercato.ugc.publishable import publishable_condition

FTS = table("ugc_items_fts", column("item_id"), column("rank"))
TRIGRAMS = table("ugc_items_fts_trigram", column("item_id"), column("body"), column("rank"))
ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
# Item columns compared with the value as given, after trimming and lower-casing (intake
# stores them in lower case, so the (workspace, column) indexes serve them).
KEYS = ("content_type", "platform", "source", "status")
PRODUCT_TEXT = ("product_type", "product_line", "category")


def _text(name: str) -> Any:
    """A bound text value (typed, so it renders and compares as text on every engine)."""
    return bindparam(name, type_=String)


def fts5_query(words: tuple[str, ...]) -> str:
    """Words as quoted FTS5 terms (all must match); operators in the input are inert (a word
    holds only letters, marks, digits and `_`, so it never holds a quote)."""
    return " ".join(f'"{word}"' for word in words)


@dataclass(frozen=True)
class Shape:
    """What decides a search statement's form; its values are bound separately."""

    conditions: tuple[str, ...]
    sort: str = "recent"
    dialect: str = "sqlite"
    exact_count: bool = False
    # Full text: any spaced words; trigram-searchable unspaced words (SQLite) or all
    # unspaced words (PostgreSQL); unspaced words too short for trigrams (SQLite).
    words: bool = False
    unspaced: int = 0
    short: int = 0

    @property
    def text(self) -> bool:
        return self.words or bool(self.unspaced or self.short)


def bind_filters(workspace_id: str, values: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The conditions a query's filters (a `UgcQuery`) set and the values they bind."""
    names: list[str] = []
    params: dict[str, Any] = {"f_workspace": workspace_id}
    for name in KEYS:
        if value := getattr(values, name):
            names.append(name)
            params[f"f_{name}"] = value.strip().lower()
    if values.creator:
        names.append("creator")
        params["f_creator_handle"] = values.creator.strip().lstrip("@").lower()
        params["f_creator_id"] = values.creator
    for name in ("posted_from", "posted_to"):
        if (moment := getattr(values, name)) is not None:
            names.append(name)
            params[f"f_{name}"] = moment
    if values.rights == PUBLISHABLE:
        names.append(PUBLISHABLE)
        params["f_now"] = utcnow()
    elif values.rights:
        names.append("rights")
        params["f_rights"] = values.rights
    if values.product_id:
        names.append("product_id")
        params["f_product_id"] = values.product_id
    for name in PRODUCT_TEXT:
        if value := getattr(values, name):
            names.append(name)
            params[f"f_{name}"] = value.strip().lower()
    if values.collection_id:
        names.append("collection_id")
        params["f_collection_id"] = values.collection_id
    if values.tagged is not None:
        names.append("tagged" if values.tagged else "untagged")
    return tuple(names), params


def bind_text(terms: textsearch.Terms, dialect: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full-text part of a shape (as `Shape` fields) and the values it binds."""
    params: dict[str, Any] = {}
    if terms.spaced:
        params["t_words"] = (
            fts5_query(terms.spaced) if dialect == "sqlite" else " ".join(terms.spaced)
        )
    if dialect != "sqlite":
        for n, term in enumerate(terms.unspaced):
            params[f"t_like_{n}"] = textsearch.like_pattern(term)
            params[f"t_term_{n}"] = term
        return {"words": bool(terms.spaced), "unspaced": len(terms.unspaced)}, params
    long = tuple(t for t in terms.unspaced if len(t) >= textsearch.TRIGRAM)
    short = [t for t in terms.unspaced if len(t) < textsearch.TRIGRAM]
    if long:
        params["t_trigrams"] = fts5_query(long)
    for n, term in enumerate(short):
        params[f"t_short_{n}"] = textsearch.like_pattern(term)
    return {"words": bool(terms.spaced), "unspaced": 1 if long else 0, "short": len(short)}, params


def _product_filter(names: tuple[str, ...]) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if "product_id" in names:
        conditions.append(ProductTag.product_id == _text("f_product_id"))
    for name in PRODUCT_TEXT:
        if name in names:
            conditions.append(func.lower(getattr(Product, name)) == _text(f"f_{name}"))
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


def _condition(name: str) -> Any:
    if name in KEYS:
        return getattr(UgcItem, name) == _text(f"f_{name}")
    if name == "creator":
        return UgcItem.creator_id.in_(
            select(Creator.id).where(
                Creator.workspace_id == _text("f_workspace"),
                (func.lower(Creator.handle) == _text("f_creator_handle"))
                | (Creator.id == _text("f_creator_id")),
            )
        )
    if name == "posted_from":
        return UgcItem.posted_at >= bindparam("f_posted_from")
    if name == "posted_to":
        return UgcItem.posted_at < bindparam("f_posted_to")
    if name == PUBLISHABLE:
        return publishable_condition(bindparam("f_now", type_=UgcItem.posted_at.type))
    if name == "rights":
        return UgcItem.rights_status == _text("f_rights")
    if name == "collection_id":
        return UgcItem.id.in_(
            select(CollectionItem.item_id).where(
                CollectionItem.collection_id == _text("f_collection_id")
            )
        )
    tagged = exists(
        select(ProductTag.item_id).where(
            ProductTag.item_id == UgcItem.id, ProductTag.status == TagStatus.ACCEPTED.value
        )
    )
    return tagged if name == "tagged" else ~tagged


def _where(names: tuple[str, ...]) -> list[Any]:
    where: list[Any] = [UgcItem.workspace_id == _text("f_workspace")]
    where += [_condition(n) for n in names if n not in PRODUCT_TEXT and n != "product_id"]
    if (product := _product_filter(names)) is not None:
        where.append(product)
    return where


def _sqlite_matches(shape: Shape) -> Any:
    """Items whose words (word index) and unspaced substrings (trigram index) all match,
    with one relevance: the sum of the two bm25 ranks (lower is better)."""
    parts = []
    if shape.words:
        parts.append(
            select(FTS.c.item_id, FTS.c.rank.label("rank")).where(
                literal_column("ugc_items_fts").op("MATCH")(_text("t_words"))
            )
        )
    if shape.unspaced or shape.short:
        # Trigrams cannot find one or two characters: LIKE scans the trigram table's text.
        where = [
            TRIGRAMS.c.body.like(_text(f"t_short_{n}"), escape="\\") for n in range(shape.short)
        ]
        rank: Any = literal_column("0.0")
        if shape.unspaced:
            match = literal_column("ugc_items_fts_trigram").op("MATCH")(_text("t_trigrams"))
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


def _postgres_match(shape: Shape) -> tuple[list[Any], Any]:
    """tsvector for spaced words, LIKE (pg_trgm's GIN index) for unspaced ones; relevance is
    ts_rank plus how densely the unspaced words occur."""
    conditions: list[Any] = []
    relevance: Any = literal_column("0.0")
    if shape.words:
        vector = func.to_tsvector(ENGLISH, UgcItem.search_text)
        tsquery = func.plainto_tsquery(ENGLISH, _text("t_words"))
        conditions.append(vector.op("@@")(tsquery))
        relevance = relevance + func.ts_rank(vector, tsquery)
    length = func.length(UgcItem.search_text) + 1
    for n in range(shape.unspaced):
        like: Any = _text(f"t_like_{n}")
        conditions.append(UgcItem.search_text.like(like, escape="\\"))
        rest = func.length(func.replace(UgcItem.search_text, _text(f"t_term_{n}"), ""))
        relevance = relevance + (func.length(UgcItem.search_text) - rest) / (length * 1.0)
    return conditions, relevance


def _order(sort: str, relevance: Any) -> list[Any]:
    """Each order ends with newest first, then id: read backwards, the sort's index
    (ix_ugc_items_sort_*) gives exactly this order, so a page stops at its last row."""
    recent = [UgcItem.posted_at.desc().nulls_last(), UgcItem.id.desc()]
    if sort == "relevance" and relevance is not None:
        return [relevance, *recent]
    if sort == "engagement":
        return [UgcItem.engagement.desc(), *recent]
    if sort == "performance":
        return [UgcItem.site_performance.desc().nulls_last(), *recent]
    if sort == "curation":
        return [UgcItem.curation_score.desc().nulls_last(), *recent]
    return recent


def matching(shape: Shape) -> tuple[Select[Any], Any]:
    """A constant for each matching item (`with_only_columns` picks what to read) and the
    relevance order of a full-text search (None without text)."""
    statement: Select[Any] = (
        select(literal_column("1")).select_from(UgcItem).where(*_where(shape.conditions))
    )
    if not shape.text:
        return statement, None
    if shape.dialect == "sqlite":
        matches = _sqlite_matches(shape)
        return statement.join(matches, matches.c.item_id == UgcItem.id), matches.c.rank.asc()
    conditions, relevance = _postgres_match(shape)
    return statement.where(*conditions), relevance.desc()


@lru_cache(maxsize=512)
def statements(shape: Shape) -> tuple[Select[Any], Select[Any]]:
    """The page (its rows, each with the count) and the count alone, for one shape.

    The count is an uncorrelated scalar subquery, which SQLite and PostgreSQL evaluate once
    per statement. Unless the exact number is asked for it reads at most `count_limit` matches
    (one past the bound says "more"); counting a constant lets the engine read an index
    alone."""
    matches, relevance = matching(shape)
    counted = (
        matches if shape.exact_count else matches.limit(bindparam("count_limit", type_=Integer))
    )
    count = select(func.count()).select_from(counted.subquery("counted")).scalar_subquery()
    due = _grants_due().label("due")
    page = (
        matches.with_only_columns(*COLUMNS, count.label("total"), due)
        .order_by(*_order(shape.sort, relevance))
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )
    return page, select(count.label("total"), due)


def _grants_due() -> Any:
    """Whether a grant of the workspace is past its expiry (`f_due_by`): the search marks them
    expired and reads again, so the status shown and the rights filter agree with the gate.
    One read of the (workspace, rights, expiry) index, inside the page's statement."""
    items = UgcItem.__table__.alias("due_items")
    return exists(
        select(items.c.id).where(
            items.c.workspace_id == _text("f_workspace"),
            items.c.rights_status == RightsStatus.GRANTED.value,
            items.c.rights_expires_at.is_not(None),
            items.c.rights_expires_at <= bindparam("f_due_by", type_=UgcItem.posted_at.type),
        )
    )


@lru_cache(maxsize=512)
def matching_ids(shape: Shape) -> Select[Any]:
    """The ids of the matching items (semantic search narrows its vectors with them)."""
    matches, _ = matching(shape)
    return matches.with_only_columns(UgcItem.id)
