"""What Instagram and Facebook share: the Meta Graph API's errors, throttles and paging."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.parsing import parse_timestamp
from mercato.connectors.platforms.client import ApiClient, ClientPolicy
from mercato.connectors.platforms.errors import (
    MetricUnavailable,
    PlatformError,
    RateLimited,
    TokenRejected,
)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80004})
EXPIRED_SUBCODES = frozenset({463})
DEFAULT_THROTTLE_WAIT_S = 300.0


def regain_seconds(headers: Mapping[str, str]) -> float:
    """Longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return DEFAULT_THROTTLE_WAIT_S  # a missing header means unknown, not idle
    try:
        usage = json.loads(raw)
        minutes = [
            float(entry.get("estimated_time_to_regain_access", 0))
            for entries in usage.values()
            for entry in entries
        ]
    except (ValueError, AttributeError, TypeError):
        return DEFAULT_THROTTLE_WAIT_S
    return max(minutes, default=0.0) * 60


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code < 400 and not error:
        return None
    error = error if isinstance(error, dict) else {}
    code = int(error.get("code") or 0)
    subcode = int(error.get("error_subcode") or 0)
    message = str(error.get("message") or response.text[:300])
    status = response.status_code
    if code == 190 or status == 401:
        state = (
            AccountStatus.TOKEN_EXPIRED
            if subcode in EXPIRED_SUBCODES
            else AccountStatus.TOKEN_INVALID
        )
        return TokenRejected(message, account_status=state, status=status, code=str(code))
    if code in THROTTLE_CODES or status == 429:
        return RateLimited(
            message, retry_after_s=regain_seconds(response.headers), status=status, code=str(code)
        )
    if code == 10 and "not enough viewers" in message.lower():
        return MetricUnavailable(message, status=status, code="not_enough_viewers")
    if code == 100 and ("metric" in message.lower() or "no longer supported" in message):
        return MetricUnavailable(message, status=status, code="deprecated")
    if code == 200 or (code == 10 and "permission" in message.lower()):
        return TokenRejected(
            message, account_status=AccountStatus.MISSING_PERMISSION, status=status, code=str(code)
        )
    return PlatformError(message, status=status, code=str(code))


def graph_client(base_url: str | None, token: str, policy: ClientPolicy) -> ApiClient:
    return ApiClient(
        base_url or DEFAULT_BASE_URL, {"Authorization": f"Bearer {token}"}, classify, policy
    )


def api_version(client: ApiClient, configured: str) -> str:
    """The version that actually answered (Meta silently serves expired ones as older)."""
    return client.last_headers.get("facebook-api-version", configured)


def read_page(
    client: ApiClient, path: str, params: dict[str, Any], after: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page's items and the cursor after it; None when `paging.next` is absent."""
    query = {**params, **({"after": after} if after else {})}
    body = client.request("GET", path, params=query)
    paging = body.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return list(body.get("data") or []), after


def pages(
    client: ApiClient, path: str, params: dict[str, Any], after: str | None
) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
    """(items, next cursor) per page, starting after `after`; the last page yields None."""
    while True:
        items, after = read_page(client, path, params, after)
        yield items, after
        if after is None:
            return


def graph_time(raw: str | None) -> datetime | None:
    return parse_timestamp(raw) if raw else None
