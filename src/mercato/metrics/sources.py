"""Semantic sources: warehouse tables shaped for measures (MetricFlow's semantic models).

Each source yields an Ibis table with a time column (`_ts`, naive UTC, or `_day`, a platform
day), one column per dimension it supports (named by the dimension) and value columns. The
long-format social tables are pivoted here with conditional aggregation: one column per
neutral metric name, NULL when the platform did not report it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Protocol

import ibis
import ibis.expr.types as ir
from ibis import _

from mercato.warehouse.connection import ScopedWarehouse

# Platform-neutral metric names the connectors write into social_post_metrics.metric.
POST_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "reactions",
    "replies",
    "reposts",
    "quotes",
    "link_clicks",
    "engagement",
)
# ... and into social_account_daily.metric.
ACCOUNT_METRICS = ("followers", "follows", "unfollows", "reach", "views", "reach_from_followers")


@dataclass(frozen=True)
class Part:
    """One term of an engagement numerator: the first reported of its neutral names (the demo
    generator and the connectors name Facebook reactions and X replies/reposts differently).
    An optional part counts as 0 when missing; any other missing part leaves the post out."""

    names: tuple[str, ...]
    weight: int = 1
    optional: bool = False


def _parts(*spec: str | tuple[str, ...]) -> tuple[Part, ...]:
    return tuple(Part(item if isinstance(item, tuple) else (item,)) for item in spec)


# Engagement numerator per platform (docs/metrics.md, "Engagement numerator and weights per
# platform"); the report shows it next to every ER.
ENGAGEMENT_NUMERATOR: dict[str, tuple[Part, ...]] = {
    "facebook": _parts(("reactions", "likes"), "comments", "shares"),
    "instagram": _parts("likes", "comments", "saves", "shares"),
    "tiktok": _parts("likes", "comments", "shares"),
    "x": (
        *_parts("likes", ("replies", "comments"), ("reposts", "shares")),
        Part(("quotes",), optional=True),
    ),
    "pinterest": _parts("likes", "comments", "saves", "link_clicks"),
    # A LINE Official Account message is read and tapped, never liked or shared: its
    # engagement is the link clicks of the aggregation unit (connectors/platforms/line.py).
    "line": _parts("link_clicks"),
}

# Engagement mix: link clicks and saves weigh more than likes (a Mercato convention, U).
_WEIGHTS = {
    "likes": 1,
    "reactions": 1,
    "comments": 2,
    "replies": 2,
    "shares": 3,
    "reposts": 3,
    "quotes": 3,
    "saves": 4,
    "link_clicks": 5,
}
_WITH_LINK_CLICKS = {"facebook", "x"}  # per-post link clicks outside the numerator
# Every weighted term is optional: a post counts the weighted metrics it reports (a Facebook
# post without link clicks still has reactions, comments and shares), and one reporting none
# of them has no weighted engagements (metrics.md, "Weighted engagement").
ENGAGEMENT_WEIGHTS: dict[str, tuple[Part, ...]] = {
    platform: tuple(
        Part(part.names, _WEIGHTS[part.names[0]], optional=True)
        for part in (*parts, *_parts(*(["link_clicks"] if platform in _WITH_LINK_CLICKS else [])))
    )
    for platform, parts in ENGAGEMENT_NUMERATOR.items()
}

SOCIAL_CHANNELS = ("Organic Social", "Paid Social")
SOCIAL_IN_APP_PREFIX = "Social in-app"


class Tables(Protocol):
    """Where sources read tenant-scoped tables: a ScopedWarehouse or a TableMemo over one."""

    def table(self, name: str) -> ir.Table: ...


class TableMemo:
    """Scoped tables looked up once per report (each lookup asks the engine for a schema)."""

    def __init__(self, warehouse: ScopedWarehouse) -> None:
        self.warehouse = warehouse
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = self.warehouse.table(name)
        return self._tables[name]


BuildFn = Callable[[Tables], ir.Table]
RollupFn = Callable[[ir.Table, list[str]], ir.Table]


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    build: BuildFn
    dimensions: tuple[str, ...]
    time_column: str  # "_ts" (naive UTC timestamp) or "_day" (date)
    rollup: RollupFn | None = None  # re-aggregates per entity after windowing (see below)


def _sessions(warehouse: Tables) -> ir.Table:
    s = warehouse.table("sessions")
    # GA4's engaged session: > 10 s, or a key event, or ≥ 2 page views (docs/metrics.md,
    # engaged_session_rate).
    rule = (s.engaged_ms > 10_000) | (s.pageviews >= 2) | (s.orders > 0) | (s.leads > 0)
    return s.select(
        _ts=s.started_at,
        platform=s.social_platform,
        channel=s.channel,
        campaign=s.campaign,
        page_type=s.entry_page_type,
        device=s.device,
        session_id=s.session_id,
        visitor_id=s.visitor_id,
        session_number=s.session_number,
        pageviews=s.pageviews,
        engaged_ms=s.engaged_ms,
        is_engaged=s.is_engaged.fill_null(rule.fill_null(False)),
        leads=s.leads,
        add_to_carts=s.add_to_carts,
        checkouts=s.checkouts,
        orders=s.orders,
    )


def _events(warehouse: Tables) -> ir.Table:
    e = warehouse.table("events")
    return e.select(
        _ts=e.ts,
        platform=e.social_platform,
        channel=e.channel,
        campaign=e.campaign,
        page_type=e.page_type,
        device=e.device,
        ugc=e.ugc_id,
        gallery=e.gallery_id,
        name=e.name,
        session_id=e.session_id,
        engaged_ms=e.engaged_ms,
    )


def _orders(warehouse: Tables) -> ir.Table:
    orders = warehouse.table("orders")
    sessions = warehouse.table("sessions").select(
        "session_id", "social_platform", "channel", "campaign", "device", "entry_page_type"
    )
    joined = orders.left_join(sessions, orders.session_id == sessions.session_id)
    return joined.select(
        _ts=joined.placed_at,
        platform=joined.social_platform,
        channel=joined.channel,
        campaign=joined.campaign,
        page_type=joined.entry_page_type,
        device=joined.device,
        order_id=joined.order_id,
        currency=joined.currency,
        gross=joined.gross,
        net=joined.net,
    )


def _latest_snapshots(metrics: ir.Table) -> ir.Table:
    """Each post's latest snapshot per metric (a NULL latest value stays missing)."""
    keys = ["platform", "post_id", "metric"]
    latest = metrics.group_by(keys).aggregate(at=_.captured_at.max())
    joined = metrics.join(latest, [*keys, metrics.captured_at == latest.at])
    return joined.select("platform", "post_id", "metric", "value")


def _account_pivot(warehouse: Tables) -> ir.Table:
    daily = warehouse.table("social_account_daily")
    return daily.group_by(["platform", "account_id", "day"]).aggregate(
        **{name: _.value.max(where=_.metric == name) for name in ACCOUNT_METRICS}
    )


def _followers(warehouse: Tables) -> ir.Table:
    """Followers per account and day (the ER-by-followers denominator of that day's posts)."""
    daily = warehouse.table("social_account_daily")
    reported = daily.filter(daily.metric == "followers")
    return reported.group_by(["platform", "account_id", "day"]).aggregate(
        followers=reported.value.max()
    )


def _reported(post: ir.Table, part: Part) -> ir.Value:
    """The part's value: the first of its neutral names the platform reported."""
    names = [post[name] for name in part.names]
    return ibis.coalesce(*names) if len(names) > 1 else names[0]


def _term(post: ir.Table, part: Part) -> ir.Value:
    value = _reported(post, part)
    if part.optional:
        value = value.fill_null(0)
    return value * part.weight if part.weight != 1 else value


def _per_platform(post: ir.Table, numerators: dict[str, tuple[Part, ...]]) -> ir.Value:
    """Σ weight x metric with the platform's own metrics; NULL for other platforms and for a
    post that reports none of the parts (optional parts alone do not make a 0)."""
    branches = []
    for platform, parts in numerators.items():
        terms = [_term(post, part) for part in parts]
        total = terms[0]
        for term in terms[1:]:
            total = total + term  # NULL + x is NULL: a missing input stays missing
        reported = reduce(operator.or_, [_reported(post, part).notnull() for part in parts])
        branches.append(((post.platform == platform) & reported, total))
    return ibis.cases(*branches, else_=ibis.null("float64"))


def _engagements(post: ir.Table) -> ir.Value:
    return _per_platform(post, ENGAGEMENT_NUMERATOR)


def _posts(warehouse: Tables) -> ir.Table:
    snapshots = _latest_snapshots(warehouse.table("social_post_metrics"))
    pivot = snapshots.group_by(["platform", "post_id"]).aggregate(
        **{name: _.value.max(where=_.metric == name) for name in POST_METRICS},
        post_followers=_.value.max(where=_.metric == "followers"),
    )
    stored = warehouse.table("social_posts")
    posts = stored.select(
        "platform", "account_id", "post_id", "posted_at", "campaign", "content_type"
    )
    joined = posts.left_join(pivot, ["platform", "post_id"]).select(
        posts, *[pivot[name] for name in POST_METRICS], pivot.post_followers
    )
    followers = _followers(warehouse)
    with_day = joined.mutate(_posted_day=joined.posted_at.date())
    full = with_day.left_join(
        followers,
        [
            with_day.platform == followers.platform,
            with_day.account_id == followers.account_id,
            with_day._posted_day == followers.day,
        ],
    ).select(with_day, account_followers=followers.followers)
    # A post export's own follower count (as the post went out) beats the account's day value.
    full = full.mutate(followers=full.post_followers.fill_null(full.account_followers))
    return full.select(
        _ts=full.posted_at,
        platform=full.platform,
        campaign=full.campaign,
        content_type=full.content_type,
        post_id=full.post_id,
        engagements=_engagements(full),
        weighted_engagements=_per_platform(full, ENGAGEMENT_WEIGHTS),
        followers=full.followers,
        **{name: full[name] for name in POST_METRICS},
    )


def _account_days(warehouse: Tables) -> ir.Table:
    pivot = _account_pivot(warehouse)
    return pivot.select(
        _day=pivot.day,
        platform=pivot.platform,
        account_id=pivot.account_id,
        **{name: pivot[name] for name in ACCOUNT_METRICS},
    )


def _follower_accounts(windowed: ir.Table, keys: list[str]) -> ir.Table:
    """Per account and slice: followers on the first and last day that reported them."""
    known = windowed.filter(windowed.followers.notnull())
    return known.group_by([*keys, "account_id"]).aggregate(
        followers_start=known.followers.argmin(known._day),
        followers_end=known.followers.argmax(known._day),
    )


def _purchasers(windowed: ir.Table, keys: list[str]) -> ir.Table:
    """Per visitor and slice: the session number of their first purchasing session."""
    bought = windowed.filter((windowed.orders > 0) & windowed.visitor_id.notnull())
    return bought.group_by([*keys, "visitor_id"]).aggregate(
        first_purchase_session=bought.session_number.min()
    )


def _ad_spend(warehouse: Tables) -> ir.Table:
    spend = warehouse.table("ad_spend")
    return spend.select(
        _day=spend.day,
        platform=spend.platform,
        campaign=spend.campaign,
        currency=spend.currency,
        spend=spend.spend,
    )


SESSION_DIMENSIONS = ("platform", "channel", "campaign", "page_type", "device")

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("sessions", "one row per visit", _sessions, SESSION_DIMENSIONS, "_ts"),
        Source(
            "events",
            "site events",
            _events,
            (*SESSION_DIMENSIONS, "ugc", "gallery"),
            "_ts",
        ),
        Source("orders", "orders with their session's source", _orders, SESSION_DIMENSIONS, "_ts"),
        Source(
            "posts",
            "the brand's posts, latest metric snapshot, pivoted",
            _posts,
            ("platform", "campaign", "content_type"),
            "_ts",
        ),
        Source(
            "account_days", "account metrics per day, pivoted", _account_days, ("platform",), "_day"
        ),
        Source(
            "follower_accounts",
            "followers at the start and end of the slice, per account",
            _account_days,
            ("platform",),
            "_day",
            rollup=_follower_accounts,
        ),
        Source(
            "purchasers",
            "visitors who bought, with the session number of their first purchase",
            _sessions,
            SESSION_DIMENSIONS,
            "_ts",
            rollup=_purchasers,
        ),
        Source("ad_spend", "paid media spend by day", _ad_spend, ("platform", "campaign"), "_day"),
    )
}

DIMENSIONS = (
    "platform",
    "channel",
    "campaign",
    "content_type",
    "page_type",
    "device",
    "ugc",
    "gallery",
)
