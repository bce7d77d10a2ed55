"""Meta Business Suite post exports (Facebook and Instagram), one row per post.

Files vary between 32 and 34 columns month to month, so the platform is detected from a
required subset of columns, never an exact list. Unknown columns are ignored.
"""

from __future__ import annotations

from datetime import date

from mercato.connectors.csvfile import Row, Table
from mercato.connectors.exports.common import metric_values, snapshot_time
from mercato.connectors.parsing import NumberLocale, parse_timestamp
from mercato.connectors.social import Missing, Post, PostSnapshot
from mercato.core.errors import ValidationFailed

FORMAT = "meta_business_suite_export"
FACEBOOK_REQUIRED = ("Post ID", "Page ID", "Publish time", "Post type")
INSTAGRAM_REQUIRED = ("Post ID", "Publish time", "Post type", "Likes", "Saves")
FACEBOOK_METRICS = (
    ("Views", "views"),
    ("Reach", "reach"),
    ("Reactions", "reactions"),
    ("Comments", "comments"),
    ("Shares", "shares"),
    ("Total clicks", "clicks"),
    ("Link clicks", "link_clicks"),
    ("Seconds viewed", "watch_time_s"),
    ("3-Second Video Views", "video_views_3s"),
)
INSTAGRAM_METRICS = (
    ("Views", "views"),
    ("Reach", "reach"),
    ("Likes", "likes"),
    ("Comments", "comments"),
    ("Shares", "shares"),
    ("Saves", "saves"),
    ("Follows", "follows"),
    ("Profile visits", "profile_visits"),
)


def detect_meta_platform(table: Table) -> str | None:
    if table.has_columns(INSTAGRAM_REQUIRED):
        return "instagram"
    if table.has_columns(FACEBOOK_REQUIRED):
        return "facebook"
    return None


def _content_type(raw: str) -> str:
    lowered = raw.strip().lower()
    return {
        "photos": "image",
        "photo": "image",
        "videos": "video",
        "reels": "reel",
        "links": "link",
        "ig reel": "reel",
        "ig image": "image",
        "ig carousel": "carousel",
        "ig story": "story",
    }.get(lowered, lowered)


def _post(row: Row, platform: str) -> Post:
    account = row.get("Page ID") if platform == "facebook" else row.get("Account ID")
    caption = row.get("Description") or row.get("Title") or ""
    return Post(
        platform=platform,
        account_id=account or row.get("Account username") or "",
        post_id=row.require("Post ID"),
        posted_at=row.parse("Publish time", parse_timestamp),
        content_type=_content_type(row.get("Post type") or ""),
        caption=caption,
        permalink=row.get("Permalink") or "",
    )


def parse_meta_posts(
    table: Table, *, as_of: date | None = None, locale: NumberLocale = NumberLocale.EN
) -> list[PostSnapshot]:
    platform = detect_meta_platform(table)
    if platform is None:
        raise ValidationFailed(
            f"not a Meta Business Suite post export: needs columns {list(FACEBOOK_REQUIRED)} "
            f"(Facebook) or {list(INSTAGRAM_REQUIRED)} (Instagram)",
            location=f"{table.source}:1",
        )
    columns = INSTAGRAM_METRICS if platform == "instagram" else FACEBOOK_METRICS
    posts = [_post(row, platform) for row in table.rows]
    newest = max((p.posted_at for p in posts if p.posted_at), default=None)
    captured_at = snapshot_time(table.source, as_of, newest)
    snapshots = []
    for row, post in zip(table.rows, posts, strict=True):
        # Reels have no follows or profile visits: structural absence, not a measured zero.
        absent = (
            {"follows": Missing.NOT_FOR_REELS, "profile_visits": Missing.NOT_FOR_REELS}
            if platform == "instagram" and post.content_type == "reel"
            else None
        )
        snapshots.append(
            PostSnapshot(post, captured_at, FORMAT, metric_values(row, columns, locale, absent))
        )
    return snapshots
