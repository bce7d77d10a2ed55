"""Every filter and every sort the library offers is served by an index, on SQLite and on
PostgreSQL: the engine's own plan (EXPLAIN QUERY PLAN / EXPLAIN) of the statement a search
runs never reads the whole items table, and a sort alone is read in order from its index
(no sort step), so a page stops at its last row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, text
from sqlalchemy.orm import Session

from mercato.catalog import workspaces
from mercato.runtime import Services
from mercato.ugc import filters
from mercato.ugc.search import UgcQuery, page_statements
from tests.ugc.support import add, context

LONG_AGO = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC).replace(tzinfo=None)
# A value for each filter of the vocabulary (what a user could pick or type).
SAMPLES: dict[str, list[Any]] = {
    "product_id": ["prd_none"],
    "product_type": ["Dress"],
    "product_line": ["Summer"],
    "category": ["Apparel"],
    "content_type": ["video"],
    "platform": ["TikTok"],
    "source": ["review"],
    "creator": ["@Fan3"],
    "posted_from": [LONG_AGO],
    "posted_to": [LONG_AGO + timedelta(days=400)],
    "status": ["approved"],
    "rights": ["granted", "publishable"],
    "tagged": [True, False],
    "collection_id": ["col_none"],
}
SORTS = [s for s in filters.SORTS if s != "relevance"]


def _plan(session: Session, statement: Select[Any], params: dict[str, Any]) -> list[str]:
    bind = session.get_bind()
    sql = str(
        statement.params(params).compile(
            dialect=bind.dialect, compile_kwargs={"literal_binds": True}
        )
    )
    if bind.dialect.name == "sqlite":
        return [str(row[3]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    # Few rows: without this PostgreSQL rightly prefers reading the table; the question
    # here is whether an index *can* serve the statement.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return [str(row[0]) for row in session.execute(text(f"EXPLAIN {sql}"))]


def _reads_whole_table(plan: list[str], dialect: str) -> bool:
    if dialect == "sqlite":
        return any(line.startswith("SCAN ugc_items") and "VIRTUAL" not in line for line in plan)
    return any("Seq Scan on ugc_items" in line for line in plan)


def _sorts(plan: list[str], dialect: str) -> bool:
    if dialect == "sqlite":
        return any("TEMP B-TREE" in line for line in plan)
    return any(line.strip().lstrip("-> ").startswith(("Sort", "Incremental Sort")) for line in plan)


@pytest.fixture
def library(services_any_catalog: Services) -> tuple[Services, str]:
    services = services_any_catalog
    with services.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug="plans", name="Plans").id
    ctx = context(services, ws)
    with services.catalog.session() as s:
        for n in range(30):
            add(s, ctx, f"p{n}", f"red dress {n} 夏コーデ", handle=f"fan{n % 5}", posted_at=None)
    return services, ws


def test_each_sort_alone_is_read_in_order_from_its_index(library: tuple[Services, str]) -> None:
    services, ws = library
    with services.catalog.session() as s:
        dialect = s.get_bind().dialect.name
        for sort in SORTS:
            page, _, params = page_statements(s, ws, UgcQuery(sort=sort), "")
            plan = _plan(s, page, params)
            assert f"ix_ugc_items_sort_{sort}" in " ".join(plan), (sort, plan)
            assert not _sorts(plan, dialect), (sort, plan)
            assert not _reads_whole_table(plan, dialect), (sort, plan)


@pytest.mark.parametrize("name", filters.NAMES)
def test_each_filter_with_each_sort_uses_an_index(library: tuple[Services, str], name: str) -> None:
    services, ws = library
    with services.catalog.session() as s:
        dialect = s.get_bind().dialect.name
        for value in SAMPLES[name]:
            for sort in SORTS:
                query = UgcQuery(sort=sort, **{name: value})
                page, count, params = page_statements(s, ws, query, "")
                for statement in (page, count):
                    plan = _plan(s, statement, params)
                    assert not _reads_whole_table(plan, dialect), (name, value, sort, plan)


@pytest.mark.parametrize("words", ["red dress", "夏コーデ", "red 夏", "夏"])
def test_full_text_reads_its_indexes(library: tuple[Services, str], words: str) -> None:
    """Words through the word index, unspaced text through the trigram index (LIKE for one
    or two characters reads the trigram table's text, never the items table)."""
    services, ws = library
    with services.catalog.session() as s:
        dialect = s.get_bind().dialect.name
        page, count, params = page_statements(
            s, ws, UgcQuery(text=words, sort="relevance", platform="instagram"), words
        )
        for statement in (page, count):
            plan = _plan(s, statement, params)
            assert not _reads_whole_table(plan, dialect), (words, plan)
