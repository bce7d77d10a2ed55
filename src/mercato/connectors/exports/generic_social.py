"""Post metrics from any CSV with a mapping: which column is the post id, the time, and
which columns hold which neutral metric.

    {"platform": "pinterest", "post_id": "Pin ID", "posted_at": "Created",
     "caption": "Title", "permalink": "URL",
     "metrics": {"Impressions": "views", "Saves": "saves", "Outbound clicks": "link_clicks"},
     "number_locale": "en"}
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mercato.connectors.csvfile import Table
from mercato.connectors.exports.common import metric_values, snapshot_time
from mercato.connectors.parsing import NumberLocale, parse_timestamp
from mercato.connectors.social import Post, PostSnapshot
from mercato.core.errors import ValidationFailed

FORMAT = "generic_csv"


def _mapping(raw: dict[str, Any], source: str) -> tuple[str, dict[str, str], dict[str, str]]:
    platform = str(raw.get("platform", "")).strip()
    fields: dict[str, str] = {
        k: str(raw[k])
        for k in ("post_id", "posted_at", "caption", "permalink", "account_id", "content_type")
        if k in raw
    }
    metrics = {str(k): str(v) for k, v in dict(raw.get("metrics", {})).items()}
    if not platform or "post_id" not in fields or not metrics:
        raise ValidationFailed(
            "a post mapping needs 'platform', 'post_id' and 'metrics'", location=source
        )
    return platform, fields, metrics


def parse_generic_posts(
    table: Table,
    raw_mapping: dict[str, Any],
    account_id: str,
    *,
    as_of: date | None = None,
    mapping_source: str = "mapping",
) -> list[PostSnapshot]:
    platform, fields, metrics = _mapping(raw_mapping, mapping_source)
    try:
        locale = NumberLocale(str(raw_mapping.get("number_locale", "en")))
    except ValueError:
        raise ValidationFailed(
            "number_locale must be 'en' or 'de'", location=mapping_source
        ) from None
    table.require_columns([*fields.values(), *metrics], "mapped post CSV")
    posts = []
    for row in table.rows:
        posted = row.parse(fields["posted_at"], parse_timestamp) if "posted_at" in fields else None
        posts.append(
            Post(
                platform,
                row.get(fields.get("account_id", "")) or account_id,
                row.require(fields["post_id"]),
                posted,
                row.get(fields.get("content_type", "")) or "",
                row.get(fields.get("caption", "")) or "",
                row.get(fields.get("permalink", "")) or "",
            )
        )
    newest = max((p.posted_at for p in posts if p.posted_at), default=None)
    captured_at = snapshot_time(table.source, as_of, newest)
    pairs = tuple(metrics.items())
    return [
        PostSnapshot(post, captured_at, FORMAT, metric_values(row, pairs, locale))
        for row, post in zip(table.rows, posts, strict=True)
    ]
