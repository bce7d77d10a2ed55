"""Social posts, metric snapshots and account days in platform-neutral names.

Each value keeps the vendor's metric name and the API version (or export format) that
produced it. A value the platform did not give is stored as NULL with a reason — never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from mercato.connectors.batches import load_all
from mercato.connectors.results import ImportSummary
from mercato.core.urls import safe_link
from mercato.warehouse.connection import Warehouse


class Missing:
    """Why a value is NULL (stored in `missing_reason`)."""

    NOT_IN_EXPORT = "not_in_export"
    EMPTY = "empty_in_source"
    EMPTY_INSIGHT_SET = "empty_insight_set"
    NOT_FOR_REELS = "not_reported_for_reels"
    DEPRECATED = "deprecated_by_platform"
    TOO_OLD = "outside_platform_window"
    NOT_ENOUGH_VIEWERS = "not_enough_viewers"
    NOT_READY = "data_not_ready"
    NO_PERMISSION = "not_authorized_for_field"


@dataclass(frozen=True)
class MetricValue:
    metric: str
    value: float | None
    vendor_metric: str
    missing_reason: str | None = None

    @classmethod
    def missing(cls, metric: str, vendor_metric: str, reason: str) -> MetricValue:
        return cls(metric, None, vendor_metric, reason)

    @classmethod
    def reported(
        cls, metric: str, value: float | None, vendor_metric: str, reason_if_missing: str
    ) -> MetricValue:
        """What the platform returned, or the metric marked missing with why (ADR 0200)."""
        if value is None:
            return cls.missing(metric, vendor_metric, reason_if_missing)
        return cls(metric, float(value), vendor_metric)


@dataclass(frozen=True)
class Post:
    platform: str
    account_id: str
    post_id: str
    posted_at: datetime | None
    content_type: str = ""
    caption: str = ""
    permalink: str = ""
    is_paid: bool | None = None


@dataclass(frozen=True)
class PostSnapshot:
    post: Post
    captured_at: datetime
    api_version: str
    metrics: Sequence[MetricValue] = ()


@dataclass(frozen=True)
class AccountDay:
    platform: str
    account_id: str
    day: date
    api_version: str
    metrics: Sequence[MetricValue] = field(default_factory=tuple)


def _post_row(workspace_id: str, post: Post) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "platform": post.platform,
        "account_id": post.account_id,
        "post_id": post.post_id,
        "posted_at": post.posted_at,
        "content_type": post.content_type,
        "caption": post.caption,
        "permalink": post.permalink,
        "is_paid": post.is_paid,
    }


def _metric_rows(workspace_id: str, snapshot: PostSnapshot) -> list[dict[str, Any]]:
    return [
        {
            "workspace_id": workspace_id,
            "platform": snapshot.post.platform,
            "account_id": snapshot.post.account_id,
            "post_id": snapshot.post.post_id,
            "captured_at": snapshot.captured_at,
            "metric": value.metric,
            "value": value.value,
            "vendor_metric": value.vendor_metric,
            "api_version": snapshot.api_version,
            "missing_reason": value.missing_reason,
        }
        for value in snapshot.metrics
    ]


def _day_rows(workspace_id: str, account_day: AccountDay) -> list[dict[str, Any]]:
    return [
        {
            "workspace_id": workspace_id,
            "platform": account_day.platform,
            "account_id": account_day.account_id,
            "day": account_day.day,
            "metric": value.metric,
            "value": value.value,
            "vendor_metric": value.vendor_metric,
            "api_version": account_day.api_version,
            "missing_reason": value.missing_reason,
        }
        for value in account_day.metrics
    ]


def social_batches(
    workspace_id: str,
    snapshots: Sequence[PostSnapshot] = (),
    days: Sequence[AccountDay] = (),
) -> dict[str, list[dict[str, Any]]]:
    posts = {(s.post.platform, s.post.post_id): s.post for s in snapshots}
    return {
        "social_posts": [_post_row(workspace_id, post) for post in posts.values()],
        "social_post_metrics": [r for s in snapshots for r in _metric_rows(workspace_id, s)],
        "social_account_daily": [r for d in days for r in _day_rows(workspace_id, d)],
    }


# Data-quality flag: posts stored without their permalink, which was no http(s) link.
UNSAFE_PERMALINKS = "unsafe_permalinks_dropped"


def safe_permalinks(
    snapshots: Sequence[PostSnapshot], summary: ImportSummary
) -> list[PostSnapshot]:
    """Posts whose permalink a browser would not follow as http(s) (`javascript:`, `data:`,
    a relative path, control characters) keep their metrics but lose the link at intake, so
    no page, API answer or export ever carries it; each is flagged and named in a note."""
    kept: list[PostSnapshot] = []
    dropped: set[tuple[str, str]] = set()
    for snapshot in snapshots:
        post = snapshot.post
        link = safe_link(post.permalink) if post.permalink else ""
        if link is None:
            key = (post.platform, post.post_id)
            if key not in dropped:
                dropped.add(key)
                shown = post.permalink[:60] + ("…" if len(post.permalink) > 60 else "")
                summary.notes.append(
                    f"{post.platform} post {post.post_id}: permalink {shown!r} is not an "
                    "http(s) link; stored without it"
                )
            link = ""
        kept.append(
            snapshot
            if link == post.permalink
            else replace(snapshot, post=replace(post, permalink=link))
        )
    if dropped:
        summary.flags[UNSAFE_PERMALINKS] += len(dropped)
    return kept


def store_social(
    warehouse: Warehouse,
    workspace_id: str,
    summary: ImportSummary,
    snapshots: Sequence[PostSnapshot] = (),
    days: Sequence[AccountDay] = (),
) -> None:
    safe = safe_permalinks(snapshots, summary)
    load_all(warehouse, social_batches(workspace_id, safe, days), summary)
