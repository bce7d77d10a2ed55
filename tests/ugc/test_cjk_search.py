# ruff: noqa: RUF001 (full-width and CJK characters are the subject here)
"""Full-text search in six languages on SQLite and PostgreSQL (ADR 2300): every word of every
caption finds it, NFKC folds width forms, hashtags in any script, and precision@10 on the
labelled fixture is no worse for English than the word index alone (the search before 2300)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from mercato.catalog.models import UgcItem
from mercato.core import textsearch
from mercato.runtime import Services
from mercato.ugc.search import UgcQuery, search
from tests.support.brands import make_brand
from tests.ugc.multilingual_fixture import CAPTIONS, QUERIES
from tests.ugc.support import add, context

# Stated in docs/i18n.md; the test fails if search gets worse than this.
STATED_PRECISION = {"en": 1.0, "ja": 1.0, "zh": 1.0, "ko": 1.0, "th": 1.0, "vi": 1.0}


def _seed(services: Services) -> tuple[str, dict[str, str]]:
    brand = make_brand(services)
    ctx = context(services, brand.workspace_id)
    ids: dict[str, str] = {}
    start = datetime(2026, 3, 1, 9, 30, 15, 123456)
    with services.catalog.session() as s:
        for n, caption in enumerate(CAPTIONS):
            item = add(
                s, ctx, caption.key, caption.text, handle=f"u{n}", posted_at=start + timedelta(n)
            )
            ids[caption.key] = item.id
    return brand.workspace_id, ids


def _found(services: Services, ws: str, query: str, limit: int = 200) -> list[str]:
    with services.catalog.session() as s:
        return [
            i.id for i in search(s, ws, UgcQuery(text=query, sort="relevance", limit=limit)).items
        ]


def _word_index_only(services: Services, ws: str, query: str) -> list[str]:
    """The search before ADR 2300: the stemmed word index over the raw query's `\\w+` runs."""
    with services.catalog.session() as s:
        if s.get_bind().dialect.name == "sqlite":
            terms = " ".join(f'"{w}"' for w in re.findall(r"\w+", query))
            sql = (
                "SELECT f.item_id FROM ugc_items_fts f JOIN ugc_items i ON i.id = f.item_id "
                "WHERE ugc_items_fts MATCH :q AND i.workspace_id = :ws ORDER BY f.rank LIMIT 10"
            )
            return list(s.scalars(text(sql), {"q": terms, "ws": ws}))
        sql = (
            "SELECT id FROM ugc_items WHERE workspace_id = :ws AND to_tsvector('english', "
            "search_text) @@ websearch_to_tsquery('english', :q) ORDER BY ts_rank("
            "to_tsvector('english', search_text), websearch_to_tsquery('english', :q)) DESC "
            "LIMIT 10"
        )
        return list(s.scalars(text(sql), {"q": query, "ws": ws}))


def _precision(found: list[str], relevant: set[str]) -> float:
    """Relevant share of the first ten results (0 when nothing is found)."""
    top = found[:10]
    return sum(1 for i in top if i in relevant) / len(top) if top else 0.0


def test_every_word_of_every_caption_finds_it(services_any_catalog: Services) -> None:
    services = services_any_catalog
    ws, ids = _seed(services)
    missed = [
        (caption.key, word)
        for caption in CAPTIONS
        for word in caption.words
        if ids[caption.key] not in _found(services, ws, word)
    ]
    assert missed == []
    # Width forms fold both ways: a full-width query finds half-width text and the reverse.
    assert ids["ja4"] in _found(services, ws, "スニーカー")
    assert ids["ja3"] in _found(services, ws, "ｽﾆｰｶｰ")
    assert ids["mx1"] in _found(services, ws, "zara")
    assert ids["en1"] in _found(services, ws, "ＤＲＥＳＳ")
    # Mixed queries: every word must match, in whichever index finds it.
    assert _found(services, ws, "赤い ワンピース") == [ids["ja1"]]
    assert _found(services, ws, "新作 dress") == [ids["mx1"]]
    assert _found(services, ws, "ワンピース coffee") == []
    # Punctuation alone is no word: the query is empty and filters nothing.
    assert _found(services, ws, "% ！") == _found(services, ws, "")


def test_hashtags_in_any_script_are_extracted_and_searchable(
    services_any_catalog: Services,
) -> None:
    services = services_any_catalog
    ws, ids = _seed(services)
    with services.catalog.session() as s:
        ja1 = s.get(UgcItem, ids["ja1"])
        th2 = s.get(UgcItem, ids["th2"])
        assert ja1 is not None
        assert th2 is not None
        assert ja1.hashtags == ["夏コーデ"]
        assert th2.hashtags == ["ชุดสวย"]  # tone marks and vowels stay inside the tag
    assert _found(services, ws, "#夏コーデ") == [ids["ja1"]]
    assert _found(services, ws, "＃夏コーデ") == [ids["ja1"]]
    assert textsearch.hashtags("＃ｻﾏｰｾｰﾙ と #SALE2026 #sale2026") == ["サマーセール", "sale2026"]


def test_precision_at_10_per_language_and_english_no_worse_than_before(
    services_any_catalog: Services,
) -> None:
    services = services_any_catalog
    ws, ids = _seed(services)
    by_topic: dict[str, set[str]] = defaultdict(set)
    for caption in CAPTIONS:
        if caption.topic:
            by_topic[caption.topic].add(ids[caption.key])
    now: dict[str, list[float]] = defaultdict(list)
    before: dict[str, list[float]] = defaultdict(list)
    for language, query, topic in QUERIES:
        now[language].append(_precision(_found(services, ws, query), by_topic[topic]))
        before[language].append(_precision(_word_index_only(services, ws, query), by_topic[topic]))
    mean = {lang: sum(v) / len(v) for lang, v in now.items()}
    mean_before = {lang: sum(v) / len(v) for lang, v in before.items()}
    assert mean["en"] >= mean_before["en"]
    for language, stated in STATED_PRECISION.items():
        assert mean[language] >= stated, (language, mean)
    # The word index alone cannot find words inside unspaced text: the reason for 2300.
    assert mean_before["ja"] < 0.5
    assert mean_before["th"] < 0.5


def test_like_patterns_escape_wildcards() -> None:
    assert textsearch.like_pattern("5%_\\") == "%5\\%\\_\\\\%"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("ビーチで赤いdressを着た", ["ビーチで赤い", "dress", "を着た"]),
        ("ＡＢＣ１２３ ｶﾀｶﾅ", ["abc123", "カタカナ"]),
        ("ใส่ชุดเดรส, สีแดง", ["ใส่ชุดเดรส", "สีแดง"]),
        ("Mặc váy đỏ!", ["mặc", "váy", "đỏ"]),
        ("원피스를 입었어요", ["원피스를", "입었어요"]),
    ],
)
def test_words_split_at_spaces_punctuation_and_script_changes(raw: str, words: list[str]) -> None:
    assert textsearch.words(textsearch.normalise(raw)) == words
