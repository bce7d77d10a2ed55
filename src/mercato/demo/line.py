"""The Japanese demo brand's LINE Official Account: its catalog row and the daily statistics
the LINE connector would store (followers, targeted reach, blocks, messages delivered), in
the connector's metric names, with the totals the ground truth states.

Broadcasts go out on Tuesdays and Fridays to every follower who has not blocked the account;
other days deliver only replies. Days are Japan days, as LINE reports them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from mercato.catalog.models import SocialAccount
from mercato.demo import arrow
from mercato.demo.locale import DemoLocale
from mercato.demo.social import account_id
from mercato.demo.timeline import DAYS, SECONDS_PER_DAY, START_DAY, START_EPOCH

PLATFORM = "line"
METRICS = ("followers", "targeted_reaches", "blocks", "messages_delivered")
VENDOR = {
    "followers": "insight/followers.followers",
    "targeted_reaches": "insight/followers.targetedReaches",
    "blocks": "insight/followers.blocks",
    "messages_delivered": "insight/message/delivery.sum",
}
BROADCAST_WEEKDAYS = (1, 4)  # Tuesday, Friday
START_FOLLOWERS = 8_000


def write_extra_accounts(session: Session, workspace_id: str, locale: DemoLocale) -> None:
    if PLATFORM in locale.extra_platforms:
        session.add(
            SocialAccount(
                id=account_id(PLATFORM, locale.id_prefix),
                workspace_id=workspace_id,
                platform=PLATFORM,
                handle="@sakurado",
                external_id="2001234567",
                display_name=locale.name,
                status="demo",
            )
        )


def line_days(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per day of the window: the four statistics, as integers."""
    added = rng.poisson(26, DAYS)
    blocked = rng.poisson(3, DAYS)
    followers = START_FOLLOWERS + np.cumsum(added)  # LINE's count never falls (blocks apart)
    blocks = 400 + np.cumsum(blocked)
    reachable = followers - blocks
    targeted = np.round(reachable * 0.62).astype(np.int64)
    weekday = np.array([(START_DAY + timedelta(days=int(d))).weekday() for d in range(DAYS)])
    broadcast = np.isin(weekday, BROADCAST_WEEKDAYS)
    replies = rng.poisson(40, DAYS)
    delivered = np.where(broadcast, reachable, 0) + replies
    return {
        "followers": followers,
        "targeted_reaches": targeted,
        "blocks": blocks,
        "messages_delivered": delivered,
    }


def line_daily_table(
    rng: np.random.Generator, workspace_id: str, locale: DemoLocale
) -> tuple[pa.Table, dict[str, Any]]:
    """The LINE rows for `social_account_daily`, and their ground truth."""
    values = line_days(rng)
    day = np.tile(np.arange(DAYS, dtype=np.int64), len(METRICS))
    metric = np.repeat(np.arange(len(METRICS)), DAYS)
    rows = day.size
    table = pa.table(
        {
            "workspace_id": pa.array([workspace_id] * rows, pa.string()),
            "platform": pa.array([PLATFORM] * rows, pa.string()),
            "account_id": pa.array([account_id(PLATFORM, locale.id_prefix)] * rows, pa.string()),
            "day": arrow.dates(START_EPOCH // SECONDS_PER_DAY + day),
            "metric": arrow.take_strings(list(METRICS), metric),
            "value": pa.array(np.concatenate([values[m] for m in METRICS]).astype(np.float64)),
            "vendor_metric": arrow.take_strings([VENDOR[m] for m in METRICS], metric),
            "api_version": pa.array(["v2"] * rows, pa.string()),
            "missing_reason": pa.array([None] * rows, pa.string()),
        }
    )
    last = START_DAY + timedelta(days=DAYS - 1)
    truth = {
        "account_id": account_id(PLATFORM, locale.id_prefix),
        "days": DAYS,
        "first_day": START_DAY.isoformat(),
        "last_day": last.isoformat(),
        "followers_first": int(values["followers"][0]),
        "followers_last": int(values["followers"][-1]),
        "blocks_last": int(values["blocks"][-1]),
        "messages_delivered": int(values["messages_delivered"].sum()),
        "broadcast_days": int(
            np.isin(
                [(START_DAY + timedelta(days=d)).weekday() for d in range(DAYS)], BROADCAST_WEEKDAYS
            ).sum()
        ),
    }
    return table, truth
