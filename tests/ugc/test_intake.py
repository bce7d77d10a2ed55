"""Intake from connector candidates (idempotent), review CSV import (atomic, located errors),
add by URL through the guarded fetcher, and semantic search with the bundled model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from mercato.catalog.models import ProductTag, UgcCandidate, UgcItem
from mercato.core.errors import ValidationFailed
from mercato.core.outbound import OutboundGuard
from mercato.runtime import Services
from mercato.ugc.embedding import load_embedder
from mercato.ugc.fetch import SafeFetcher
from mercato.ugc.search import UgcQuery, search
from mercato.ugc.service import add_url, import_reviews, intake_candidates
from tests.support.brands import make_brand
from tests.ugc.support import context, image_bytes, product

PHOTO = image_bytes(21, (300, 300))
PAGE = (
    b'<html><head><meta property="og:image" content="/p.png">'
    b'<meta property="og:description" content="Beach day in the &lt;b&gt;sunset&lt;/b&gt; dress">'
    b"</head></html>"
)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        body, kind = {"/p.png": (PHOTO, "image/png"), "/post": (PAGE, "text/html")}.get(
            self.path, (b"", "text/plain")
        )
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _loopback_context(services: Services, ws: str):  # type: ignore[no-untyped-def]
    ctx = context(services, ws)
    ctx.fetcher = SafeFetcher(OutboundGuard(("127.0.0.1/32",)))
    return ctx


def test_candidates_become_items_once(services_any_catalog: Services, origin: str) -> None:
    services = services_any_catalog
    ws = make_brand(services).workspace_id
    with services.catalog.session() as s:
        for n, url in enumerate([f"{origin}/p.png", "http://10.0.0.7/private.png", None]):
            s.add(
                UgcCandidate(
                    workspace_id=ws,
                    platform="instagram",
                    external_id=f"ig{n}",
                    kind="mention",
                    author_handle=f"@fan{n}",
                    caption=f"post {n} #acme",
                    media_url=url,
                    posted_at=datetime(2026, 5, n + 1),
                    metrics={"likes": 10 * n, "comments": n},
                )
            )
    with services.catalog.session() as s:
        first = intake_candidates(s, _loopback_context(services, ws), embedder=lambda: None)
    with services.catalog.session() as s:
        again = intake_candidates(s, _loopback_context(services, ws), embedder=lambda: None)
        items = {i.external_id: i for i in s.scalars(select(UgcItem))}
        consumed = s.scalars(select(UgcCandidate.consumed_at)).all()
    assert (first.added, first.media_errors, again.added) == (3, 1, 0)
    assert all(consumed)
    assert items["ig0"].media_error is None
    assert items["ig0"].quality_score is not None
    assert "refused" in (items["ig1"].media_error or "")
    assert items["ig2"].hashtags == ["acme"]
    assert items["ig1"].engagement == 10 + 2 * 1


CSV_OK = """product_sku,rating,title,text,photo_urls,author,date
DR-1,5,Love it,"Perfect summer dress, fits great",{photo},Ana,2026-04-01
DR-1,4,Nice,"A bit long",,Bo,2026-04-02T10:00:00+02:00
"""


def test_review_import_is_atomic_idempotent_and_tagged(services: Services, origin: str) -> None:
    ws = make_brand(services).workspace_id
    with services.catalog.session() as s:
        product(s, ws, "DR-1", "Sunset Linen Dress")
    good = CSV_OK.format(photo=f"{origin}/p.png")
    bad = good + "NOPE-9,5,x,y,,Cy,2026-04-03\n"
    with pytest.raises(ValidationFailed) as error, services.catalog.session() as s:
        import_reviews(
            s, _loopback_context(services, ws), "reviews.csv", bad, embedder=lambda: None
        )
    assert error.value.location == "reviews.csv:4:product_sku"
    with services.catalog.session() as s:
        assert s.scalars(select(UgcItem)).all() == []  # nothing from the good rows either
    for content, where in [
        (good.replace(",5,Love", ",9,Love"), "reviews.csv:2:rating"),
        (good.replace("2026-04-01", "yesterday"), "reviews.csv:2:date"),
        ("product_sku,rating\nDR-1,5\n", "reviews.csv:1"),
    ]:
        with pytest.raises(ValidationFailed) as located, services.catalog.session() as s:
            import_reviews(
                s, _loopback_context(services, ws), "reviews.csv", content, embedder=lambda: None
            )
        assert located.value.location == where
    with services.catalog.session() as s:
        summary = import_reviews(
            s, _loopback_context(services, ws), "reviews.csv", good, embedder=lambda: None
        )
    with services.catalog.session() as s:
        repeat = import_reviews(
            s, _loopback_context(services, ws), "reviews.csv", good, embedder=lambda: None
        )
        items = s.scalars(select(UgcItem).order_by(UgcItem.posted_at)).all()
        tags = s.scalars(select(ProductTag.status)).all()
    assert (summary.added, repeat.added, repeat.skipped) == (2, 0, 2)
    assert [i.rating for i in items] == [5, 4]
    assert items[0].caption == "Love it\nPerfect summer dress, fits great"
    assert items[1].posted_at == datetime(2026, 4, 2, 8)  # +02:00 stored as UTC
    assert items[1].content_type == "text"
    assert tags == ["accepted", "accepted"]


def test_add_by_url_reads_open_graph_and_reports_unreachable(
    services: Services, origin: str
) -> None:
    ws = make_brand(services).workspace_id
    with services.catalog.session() as s:
        page = add_url(s, _loopback_context(services, ws), f"{origin}/post", embedder=lambda: None)
        missing = add_url(
            s, _loopback_context(services, ws), f"{origin}/gone", embedder=lambda: None
        )
        private = add_url(s, context(services, ws), "http://192.168.1.1/x", embedder=lambda: None)
        items = {i.id: i for i in s.scalars(select(UgcItem))}
    item = items[page.item_ids[0]]
    assert item.caption == "Beach day in the <b>sunset</b> dress"  # stored raw
    assert item.media_error is None
    assert "HTTP 404" in (items[missing.item_ids[0]].media_error or "")
    assert "refused" in (items[private.item_ids[0]].media_error or "")


@pytest.mark.slow
def test_semantic_search_finds_the_picture_described(services: Services) -> None:
    embedder = load_embedder()
    assert embedder is not None
    ws = make_brand(services).workspace_id
    captions = {
        "beach": "golden hour by the sea in my new scarlet dress #vacation",
        "boots": "muddy hike, my boots survived",
        "coffee": "latte art at my favourite cafe",
        "office": "monday meeting outfit: grey blazer",
    }
    with services.catalog.session() as s:
        for key, caption in captions.items():
            s.add(
                UgcCandidate(
                    workspace_id=ws,
                    platform="instagram",
                    external_id=key,
                    kind="hashtag",
                    caption=caption,
                )
            )
    with services.catalog.session() as s:
        intake_candidates(s, context(services, ws), embedder=lambda: embedder)
    with services.catalog.session() as s:
        result = search(s, ws, UgcQuery(semantic="red dress on a beach"), embedder)
        assert result.items[0].external_id == "beach"
        assert result.total == 4
        assert list(result.scores.values()) == sorted(result.scores.values(), reverse=True)
        narrowed = search(s, ws, UgcQuery(semantic="red dress on a beach", text="hike"), embedder)
        assert [i.external_id for i in narrowed.items] == ["boots"]
