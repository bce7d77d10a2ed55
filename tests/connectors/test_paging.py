"""The shared incremental pass (ADR 0201) on a real catalog and warehouse: pages come from a
local list shaped like a newest-first platform listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from mercato.catalog.models import AccountConnection, SocialAccount
from mercato.connectors import accounts
from mercato.connectors.parsing import from_unix
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.platforms.paging import Page, sync_pages
from mercato.connectors.results import ImportSummary
from mercato.connectors.social import MetricValue, Post, PostSnapshot
from mercato.runtime import Services
from tests.support.brands import Brand

NOW = datetime(2019, 5, 14, 9, 30, 12, 345678)


class Interrupted(Exception):
    pass


class Listing:
    """Newest-first posts served `size` at a time; cursors are opaque offsets."""

    def __init__(self, posts: list[dict[str, Any]], size: int) -> None:
        self.posts, self.size = posts, size
        self.asked: list[str | None] = []
        self.fail_at: str | None = None

    def __call__(self, cursor: str | None) -> Page:
        self.asked.append(cursor)
        if cursor is not None and cursor == self.fail_at:
            raise Interrupted(cursor)
        start = int(cursor.removeprefix("c")) if cursor else 0
        end = start + self.size
        return self.posts[start:end], f"c{end}" if end < len(self.posts) else None


def _posts(count: int, newest: datetime) -> list[dict[str, Any]]:
    return [
        {"id": f"p{n}", "at": newest - timedelta(days=n, microseconds=n), "views": 10 * n}
        for n in range(count)
    ]


def _context(services: Services, brand: Brand, now: datetime) -> SyncContext:
    with services.catalog.session() as session:
        account = accounts.add_account(
            session,
            brand.workspace_id,
            platform="x",
            handle="acme",
            external_id="u1",
            token="t",
            options={"refresh_days": 3},
        )
        account_id = account.id
    return _reopen(services, account_id, now)


def _reopen(services: Services, account_id: str, now: datetime) -> SyncContext:
    with services.catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        assert account is not None
        connection = session.get(AccountConnection, account_id)
        assert connection is not None
        session.expunge(account)
        session.expunge(connection)
    return SyncContext(
        services.catalog,
        services.warehouse,
        account,
        connection,
        ImportSummary(kind="sync:x"),
        now=now,
    )


def _snapshot(ctx: SyncContext) -> Any:
    def make(item: dict[str, Any], captured_at: datetime) -> PostSnapshot:
        post = Post("x", ctx.account.id, item["id"], item["at"], "post", "", "")
        return PostSnapshot(post, captured_at, "v", [MetricValue("views", item["views"], "v")])

    return make


def _views(services: Services, brand: Brand) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    metrics = scoped.execute(scoped.table("social_post_metrics"))
    return metrics[metrics.metric == "views"]


def test_interrupted_pass_resumes_at_the_saved_cursor_with_its_snapshot_time(
    services: Services, brand: Brand
) -> None:
    listing = Listing(_posts(7, NOW - timedelta(hours=1)), size=3)
    listing.fail_at = "c6"
    ctx = _context(services, brand, NOW)
    with pytest.raises(Interrupted):
        sync_pages(ctx, "posts", listing, _snapshot(ctx), lambda p: p["at"])
    cursor, state = ctx.load_cursor("posts")
    assert cursor == "c6"  # saved after each stored page, before the failing fetch
    assert state["pass_started_at"] == NOW.isoformat()
    assert state["pass_newest"] == listing.posts[0]["at"].isoformat()

    later = _reopen(services, ctx.account.id, NOW + timedelta(hours=2))
    listing.fail_at, listing.asked = None, []
    sync_pages(later, "posts", listing, _snapshot(later), lambda p: p["at"])
    assert listing.asked == ["c6"]
    views = _views(services, brand)
    assert sorted(views.post_id) == sorted(p["id"] for p in listing.posts)  # none twice
    assert set(views.captured_at) == {pd.Timestamp(NOW)}  # the pass kept its time
    assert later.load_cursor("posts") == (None, {"newest_seen": listing.posts[0]["at"].isoformat()})


def test_next_pass_stops_at_settled_posts(services: Services, brand: Brand) -> None:
    listing = Listing(_posts(9, NOW - timedelta(hours=1)), size=2)
    ctx = _context(services, brand, NOW)
    sync_pages(ctx, "posts", listing, _snapshot(ctx), lambda p: p["at"])
    assert listing.asked == [None, "c2", "c4", "c6", "c8"]

    newest = NOW + timedelta(hours=5)
    listing.posts.insert(0, {"id": "new", "at": newest, "views": 1})
    listing.asked = []
    later = _reopen(services, ctx.account.id, NOW + timedelta(hours=6))
    sync_pages(later, "posts", listing, _snapshot(later), lambda p: p["at"])
    # refresh_days=3: the new post and the three youngest old ones are read again, then the
    # first settled post (4 days old, not newer than newest_seen) ends the pass.
    assert listing.asked == [None, "c2", "c4"]
    fresh = _views(services, brand)
    second = fresh[fresh.captured_at == pd.Timestamp(NOW + timedelta(hours=6))]
    assert sorted(second.post_id) == ["new", "p0", "p1", "p2"]
    assert later.load_cursor("posts") == (None, {"newest_seen": newest.isoformat()})


def test_full_pass_without_post_times_reads_every_page(services: Services, brand: Brand) -> None:
    listing = Listing(_posts(5, NOW - timedelta(days=400)), size=2)
    ctx = _context(services, brand, NOW)
    sync_pages(ctx, "pins", listing, _snapshot(ctx))
    sync_pages(ctx, "pins", listing, _snapshot(ctx))
    assert listing.asked == [None, "c2", "c4"] * 2
    assert ctx.load_cursor("pins") == (None, {})
    assert ctx.summary.rows_read == 10


def test_state_keeps_post_times_in_the_platforms_encoding(services: Services, brand: Brand) -> None:
    seconds = int((NOW - timedelta(hours=1)).replace(tzinfo=UTC).timestamp())
    listing = Listing([{"id": f"v{n}", "t": seconds - 86400 * n} for n in range(4)], size=3)
    for post in listing.posts:
        post.update(at=from_unix(post["t"]), views=1)
    ctx = _context(services, brand, NOW)

    def unix(moment: datetime) -> int:
        return int(moment.replace(tzinfo=UTC).timestamp())

    sync_pages(
        ctx,
        "videos",
        listing,
        _snapshot(ctx),
        lambda v: from_unix(v["t"]),
        encode=unix,
        decode=lambda raw: from_unix(int(raw)),
    )
    assert ctx.load_cursor("videos") == (None, {"newest_seen": seconds})
