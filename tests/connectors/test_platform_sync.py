"""Every API connector against the fake platform server over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from mercato.catalog.models import SocialAccount, SyncRun, UgcCandidate
from mercato.connectors import accounts
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.sync import sync_account
from mercato.runtime import Services
from tests.connectors.fake_platforms import (
    FB_PAGE,
    GOOD_TOKEN,
    IG_USER,
    FakePlatforms,
    build_app,
    ig_media,
    tiktok_videos,
)
from tests.support.brands import Brand
from tests.support.server import serve_app

NOW = datetime(2024, 9, 22, 12, 0)


@pytest.fixture
def fake() -> Iterator[tuple[FakePlatforms, str]]:
    state = FakePlatforms()
    with serve_app(build_app(state)) as base:
        yield state, base


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _policy(sleeps: Sleeps | None = None) -> ClientPolicy:
    return ClientPolicy(timeout_s=5, max_retries=3, max_wait_s=5, sleep=sleeps or Sleeps())


def _account(
    services: Services, brand: Brand, base: str, platform: str, external_id: str, **options: Any
) -> str:
    with services.catalog.session() as session:
        return accounts.add_account(
            session,
            brand.workspace_id,
            platform=platform,
            handle=f"acme-{platform}",
            external_id=external_id,
            token=GOOD_TOKEN,
            api_base_url=base,
            api_version=options.pop("api_version", None),
            options=options,
        ).id


def _frame(services: Services, brand: Brand, table: str) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    return scoped.execute(scoped.table(table))


def _account_row(services: Services, account_id: str) -> SocialAccount:
    with services.catalog.session() as session:
        found = session.get(SocialAccount, account_id)
        assert found is not None
        session.expunge(found)
        return found


def _seed_instagram(state: FakePlatforms, count: int = 7) -> None:
    state.ig_media = ig_media(count, NOW - timedelta(days=1))
    for index, media in enumerate(state.ig_media):
        values = {
            "views": 1000 + index,
            "reach": 800 + index,
            "likes": 10 + index,
            "comments": index,
            "saved": 2,
            "shares": 1,
            "total_interactions": 13 + index,
            "follows": 1,
            "profile_visits": 4,
        }
        if media["media_product_type"] == "REELS":
            del values["follows"], values["profile_visits"]
        state.insights[media["id"]] = values
    state.insights[state.ig_media[1]["id"]] = {}  # an empty insight set
    state.account_days = {
        (NOW.date() - timedelta(days=d)).isoformat(): {
            "reach": 5000 + d,
            "views": 9000 + d,
            "profile_links_taps": 12,
        }
        for d in range(1, 8)
    }


def test_instagram_sync_stores_neutral_metrics_and_nulls(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    _seed_instagram(state)
    state.tagged = [
        {
            "id": "t1",
            "caption": "wearing @acme",
            "username": "fan1",
            "media_type": "IMAGE",
            "permalink": "https://instagram.com/p/T1/",
            "timestamp": "2024-09-20T10:00:00+0000",
        }
    ]
    state.hashtag_media = [
        {
            "id": "h1",
            "caption": "#acmesneakers",
            "media_type": "IMAGE",
            "permalink": "https://instagram.com/p/H1/",
            "timestamp": "2024-09-20T11:00:00+0000",
            "like_count": 120,
        }
    ]
    account_id = _account(services, brand, base, "instagram", IG_USER, hashtags=["acmesneakers"])
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    posts = _frame(services, brand, "social_posts")
    assert len(posts) == 7
    assert set(posts.content_type) == {"image", "reels"}
    metrics = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    first = state.ig_media[0]["id"]
    assert metrics.loc[(first, "views"), "value"] == 1000
    assert metrics.loc[(first, "saves"), "vendor_metric"] == "saved"
    assert metrics.loc[(first, "views"), "api_version"] == "v23.0"
    reel = state.ig_media[2]["id"]
    assert pd.isna(metrics.loc[(reel, "follows"), "value"])
    assert metrics.loc[(reel, "follows"), "missing_reason"] == "not_reported_for_reels"
    empty = state.ig_media[1]["id"]
    assert metrics.loc[(empty, "reach"), "missing_reason"] == "empty_insight_set"
    assert pd.isna(metrics.loc[(empty, "reach"), "value"])
    days = _frame(services, brand, "social_account_daily")
    reach = days[days.metric == "reach"].sort_values("day")
    assert len(reach) == 7
    assert reach.value.iloc[-1] == 5001
    followers = days[days.metric == "followers"]
    assert followers.value.tolist() == [48210]
    inter = days[days.metric == "interactions"]
    assert inter.value.isna().all()
    assert set(inter.missing_reason) == {"empty_insight_set"}
    with services.catalog.session() as session:
        candidates = {c.external_id: c for c in session.scalars(select(UgcCandidate))}
    assert candidates["t1"].kind == "tag"
    assert candidates["t1"].author_handle == "fan1"
    assert candidates["h1"].kind == "hashtag"
    assert candidates["h1"].hashtag == "acmesneakers"
    assert _account_row(services, account_id).last_sync_at is not None


def test_instagram_deprecated_impressions_and_not_enough_viewers(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    _seed_instagram(state, count=2)
    state.not_enough_viewers = {state.ig_media[1]["id"]}
    account_id = _account(
        services, brand, base, "instagram", IG_USER, media_metrics=["impressions", "views", "reach"]
    )
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    metrics = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    first, second = (m["id"] for m in state.ig_media)
    assert metrics.loc[(first, "impressions"), "missing_reason"] == "deprecated_by_platform"
    assert pd.isna(metrics.loc[(first, "impressions"), "value"])
    assert metrics.loc[(first, "views"), "value"] == 1000
    assert metrics.loc[(second, "views"), "missing_reason"] == "not_enough_viewers"


def test_interrupted_instagram_sync_resumes_without_loss_or_duplicates(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    _seed_instagram(state, count=7)
    account_id = _account(services, brand, base, "instagram", IG_USER)
    # Calls: 1 profile, 2 media page 1, 3-4 insights, 5 media page 2, 6 insights → crash.
    state.crash_at_call = 6
    first = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert first.status == "failed"
    assert len(_frame(services, brand, "social_posts")) == 2
    state.crash_at_call = None
    state.reset_calls()
    second = sync_account(
        services.catalog,
        services.warehouse,
        account_id,
        policy=_policy(),
        now=NOW + timedelta(minutes=5),
    )
    assert second.status == "ok", second.error
    # It resumed at the saved cursor: page 1 was not fetched again.
    media_calls = [c for c in state.calls if c.startswith(f"GET /v23.0/{IG_USER}/media")]
    assert "after=2" in media_calls[0]
    posts = _frame(services, brand, "social_posts")
    assert sorted(posts.post_id) == sorted(m["id"] for m in state.ig_media)
    metrics = _frame(services, brand, "social_post_metrics")
    views = metrics[metrics.metric == "views"]
    assert len(views) == 7  # one snapshot per post: the resumed pass kept its snapshot time
    assert views.captured_at.nunique() == 1


def test_incremental_instagram_sync_only_refreshes_recent_posts(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.ig_media = ig_media(6, NOW - timedelta(days=30))
    for media in state.ig_media:
        state.insights[media["id"]] = {"views": 5}
    account_id = _account(services, brand, base, "instagram", IG_USER, refresh_days=2)
    sync_account(services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW)
    new = ig_media(1, NOW)[0] | {"id": "17999999999999999"}
    state.ig_media.insert(0, new)
    state.insights[new["id"]] = {"views": 1}
    state.reset_calls()
    sync_account(
        services.catalog,
        services.warehouse,
        account_id,
        policy=_policy(),
        now=NOW + timedelta(hours=1),
    )
    insight_calls = [c for c in state.calls if "/insights" in c and IG_USER not in c]
    assert len(insight_calls) == 1  # only the new post; settled posts were not re-read
    assert len(_frame(services, brand, "social_posts")) == 7
    day_calls = [c for c in state.calls if f"/{IG_USER}/insights" in c]
    assert len(day_calls) == 2  # the last two days are re-read while they settle
    days = _frame(services, brand, "social_account_daily")
    assert len(days[days.metric == "reach"]) == 7  # ... and overwrite, never double


def test_short_throttle_is_waited_out_long_one_stops_and_resumes(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    _seed_instagram(state, count=4)
    account_id = _account(services, brand, base, "instagram", IG_USER)
    sleeps = Sleeps()
    state.throttle_calls = {3}
    state.throttle_minutes = 0.05  # 3 s: within max_wait_s
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(sleeps), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    assert sleeps.waits == [pytest.approx(3.0)]
    state.throttle_calls = {len(state.calls) + 3}
    state.throttle_minutes = 30
    later = sync_account(
        services.catalog,
        services.warehouse,
        account_id,
        policy=_policy(),
        now=NOW + timedelta(days=1),
    )
    assert later.status == "partial"
    account = _account_row(services, account_id)
    assert account.status == "active"
    assert "throttled" in (account.last_error or "")
    assert "1800s" in (account.last_error or "")
    again = sync_account(
        services.catalog,
        services.warehouse,
        account_id,
        policy=_policy(),
        now=NOW + timedelta(days=1, hours=1),
    )
    assert again.status == "ok"
    assert _account_row(services, account_id).last_error is None


@pytest.mark.parametrize(
    ("verdict", "status"), [("expired", "token_expired"), ("revoked", "token_invalid")]
)
def test_rejected_token_is_reported_on_the_account(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str], verdict: str, status: str
) -> None:
    state, base = fake
    _seed_instagram(state, count=2)
    account_id = _account(services, brand, base, "instagram", IG_USER)
    state.tokens[GOOD_TOKEN] = verdict
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "failed"
    account = _account_row(services, account_id)
    assert account.status == status
    assert "Reconnect" in (account.last_error or "")
    with services.catalog.session() as session:
        run = session.scalars(select(SyncRun)).one()
        assert run.status == "failed"
        assert run.error == account.last_error


def test_facebook_posts_and_page_days(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.fb_posts = [
        {
            "id": f"{FB_PAGE}_{i}",
            "message": f"post {i}",
            "created_time": f"2024-09-1{i + 2}T10:00:00+0000",
            "permalink_url": f"https://facebook.com/{FB_PAGE}/posts/{i}",
            "reactions": {"data": [], "summary": {"total_count": 10 * i}},
            "comments": {"data": [], "summary": {"total_count": i}},
            **({"shares": {"count": 3}} if i == 1 else {}),
        }
        for i in range(1, 4)
    ]
    for post in state.fb_posts:
        state.insights[post["id"]] = {"post_media_view": 500, "post_total_media_view_unique": 400}
    state.page_days = {
        (NOW.date() - timedelta(days=d)).isoformat(): {
            "page_media_view": 5120 + d,
            "page_follows": 900,
        }
        for d in range(1, 29)
    }
    account_id = _account(services, brand, base, "facebook", FB_PAGE)
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    metrics = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    assert metrics.loc[(f"{FB_PAGE}_2", "reactions"), "value"] == 20
    assert metrics.loc[(f"{FB_PAGE}_1", "shares"), "value"] == 3
    assert pd.isna(metrics.loc[(f"{FB_PAGE}_2", "shares"), "value"])
    assert metrics.loc[(f"{FB_PAGE}_2", "views"), "vendor_metric"] == "post_media_view"
    assert metrics.loc[(f"{FB_PAGE}_2", "clicks"), "missing_reason"] == "empty_insight_set"
    days = _frame(services, brand, "social_account_daily")
    views = days[days.metric == "views"].set_index("day")
    yesterday = pd.Timestamp(NOW.date() - timedelta(days=1))
    assert views.loc[yesterday, "value"] == 5121
    assert len(views) == 28
    unfollows = days[days.metric == "unfollows"]
    assert unfollows.value.isna().all()


def test_tiktok_display_and_business(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.tiktok_videos = tiktok_videos(5, NOW - timedelta(days=1))
    state.business_days = {
        (NOW.date() - timedelta(days=d)).isoformat(): {
            "video_views": 100 * d,
            "daily_new_followers": d,
        }
        for d in range(1, 4)
    }
    account_id = _account(services, brand, base, "tiktok", "o1", business_id="b1", backfill_days=3)
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    metrics = _frame(services, brand, "social_post_metrics")
    assert metrics.post_id.nunique() == 5
    views = metrics[metrics.metric == "views"].set_index("post_id").value
    assert views.to_dict() == {v["id"]: v["view_count"] for v in state.tiktok_videos}
    assert "reach" not in set(metrics.metric)  # the Display API has no reach: not stored as 0
    days = _frame(services, brand, "social_account_daily")
    business = days[days.api_version == "business-v1.3"]
    assert len(business[business.metric == "views"]) == 3
    assert business[business.metric == "link_clicks"].value.isna().all()


def test_tiktok_throttle_and_invalid_token(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.tiktok_videos = tiktok_videos(3, NOW - timedelta(days=1))
    account_id = _account(services, brand, base, "tiktok", "o1")
    sleeps = Sleeps()
    state.throttle_calls = {2}
    state.throttle_minutes = 0.05
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(sleeps), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    assert sleeps.waits == [3.0]
    assert _frame(services, brand, "social_posts").post_id.nunique() == 3
    state.tokens[GOOD_TOKEN] = "revoked"
    failed = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert failed.status == "failed"
    assert _account_row(services, account_id).status == "token_invalid"


def test_account_without_token_or_connector(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        no_token = accounts.add_account(
            session, brand.workspace_id, platform="instagram", handle="x"
        ).id
    outcome = sync_account(services.catalog, services.warehouse, no_token)
    assert outcome.status == "failed"
    assert _account_row(services, no_token).status == "needs_token"
    _ = date


def test_x_public_and_non_public_metrics_and_mentions(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake

    def tweet(n: int, age_days: int) -> dict[str, Any]:
        created = (NOW - timedelta(days=age_days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        body: dict[str, Any] = {
            "id": f"18000000000000000{n:02d}",
            "text": f"drop {n}",
            "created_at": created,
            "public_metrics": {
                "retweet_count": 1,
                "reply_count": 2,
                "like_count": 87,
                "quote_count": 0,
                "bookmark_count": 9,
                "impression_count": 5400,
            },
        }
        if age_days < 30:
            body["non_public_metrics"] = {
                "impression_count": 5400,
                "url_link_clicks": 61,
                "user_profile_clicks": 17,
            }
        return body

    state.tweets = [tweet(1, 2), tweet(2, 10), tweet(3, 45)]
    state.mentions = [
        {
            "id": "m1",
            "text": "love @acme",
            "author_id": "u9",
            "created_at": "2024-09-21T10:00:00.000Z",
        }
    ]
    account_id = _account(services, brand, base, "x", "2244994945")
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    metrics = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    assert metrics.loc[("1800000000000000001", "link_clicks"), "value"] == 61
    assert metrics.loc[("1800000000000000001", "views"), "vendor_metric"] == "impression_count"
    old = metrics.loc[("1800000000000000003", "link_clicks")]
    assert pd.isna(old.value)
    assert old.missing_reason == "outside_platform_window"
    with services.catalog.session() as session:
        mention = session.scalars(select(UgcCandidate)).one()
    assert mention.kind == "mention"
    assert mention.author_handle == "fan9"


def test_x_rate_limit_reset_header(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.tweets = []
    account_id = _account(services, brand, base, "x", "1")
    state.throttle_calls = {1}
    state.throttle_minutes = 20
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "partial"
    assert "throttled" in (outcome.error or "")


def test_pinterest_pins_and_days_not_ready(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.pins = [
        {
            "id": f"p{i}",
            "title": f"Pin {i}",
            "link": "https://shop.example/p",
            "created_at": "2024-09-03T10:00:00",
        }
        for i in range(3)
    ]
    state.insights = {
        "p0": {"IMPRESSION": 10234, "SAVE": 88, "PIN_CLICK": 310, "OUTBOUND_CLICK": 95}
    }
    state.pin_days = [
        {
            "date": "2024-09-20",
            "data_status": "READY",
            "metrics": {
                "IMPRESSION": 1368,
                "SAVE": 6,
                "PIN_CLICK": 58,
                "OUTBOUND_CLICK": 1,
                "ENGAGEMENT": 65,
            },
        },
        {"date": "2024-09-21", "data_status": "PROCESSING", "metrics": {}},
    ]
    account_id = _account(services, brand, base, "pinterest", "acme")
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    metrics = _frame(services, brand, "social_post_metrics").set_index(["post_id", "metric"])
    assert metrics.loc[("p0", "link_clicks"), "value"] == 95
    assert metrics.loc[("p1", "views"), "missing_reason"] == "empty_insight_set"
    days = _frame(services, brand, "social_account_daily")
    views = days[days.metric == "views"].set_index("day")
    assert views.loc[pd.Timestamp(2024, 9, 20), "value"] == 1368
    assert views.loc[pd.Timestamp(2024, 9, 21), "missing_reason"] == "data_not_ready"


def test_snapchat_spend_from_micros(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.snap_campaigns = [{"id": "c1", "name": "Fall"}, {"id": "c2", "name": "Winter"}]
    state.snap_stats = {
        "c1": [
            {
                "start_time": "2024-09-20T00:00:00.000-07:00",
                "end_time": "2024-09-21T00:00:00.000-07:00",
                "stats": {"impressions": 48211, "swipes": 612, "spend": 153420000},
            }
        ],
        "c2": [
            {
                "start_time": "2024-09-20T00:00:00.000-07:00",
                "end_time": "2024-09-21T00:00:00.000-07:00",
                "stats": {
                    "impressions": 10,
                    "swipes": 1,
                    "spend": 1990000,
                    "conversion_purchases": 2,
                    "conversion_purchases_value": 45500000,
                },
            }
        ],
    }
    account_id = _account(services, brand, base, "snapchat", "ad-acc-1")
    for _ in range(2):  # re-syncing the same days never double counts
        outcome = sync_account(
            services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
        )
        assert outcome.status == "ok", outcome.error
    spend = _frame(services, brand, "ad_spend").set_index("campaign")
    assert len(spend) == 2
    assert spend.loc["Fall", "spend"] == Decimal("153.42")
    assert spend.loc["Fall", "currency"] == "EUR"
    assert spend.loc["Fall", "clicks"] == 612
    assert spend.loc["Winter", "conversion_value"] == Decimal("45.50")
    assert spend.loc["Fall", "day"] == pd.Timestamp(2024, 9, 20)


def test_instagram_hashtag_limit_of_30_a_week(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    _seed_instagram(state, count=2)
    tags = [f"tag{i}" for i in range(32)]
    account_id = _account(services, brand, base, "instagram", IG_USER, hashtags=tags)
    outcome = sync_account(
        services.catalog, services.warehouse, account_id, policy=_policy(), now=NOW
    )
    assert outcome.status == "ok", outcome.error
    searches = [c for c in state.calls if "ig_hashtag_search" in c]
    assert len(searches) == 30
    assert outcome.summary.skipped["hashtag limit (30 unique per 7 days) reached"] == 2
    state.reset_calls()
    sync_account(
        services.catalog,
        services.warehouse,
        account_id,
        policy=_policy(),
        now=NOW + timedelta(days=8),
    )
    assert len([c for c in state.calls if "ig_hashtag_search" in c]) == 30
