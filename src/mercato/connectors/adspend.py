"""Ad spend by day, platform, campaign, ad set and ad, with platform-reported results.

Rows that share a key within one import (ads Meta lets you name alike, under different ids)
are summed, so the stored day is the platform's total for that name; re-importing the same
or an overlapping date range replaces those days instead of adding to them.

A network that stores one ad under several platforms (Meta: `instagram`, `facebook`, or
`meta` when the export has no delivery breakdown) names them as a `family`: an import then
replaces the day's rows of the ad on every platform of the family, so an export with the
breakdown and one without it never count the same spend twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from mercato.connectors.batches import load_all
from mercato.connectors.results import ImportSummary
from mercato.core.errors import ValidationFailed
from mercato.core.money import round_money
from mercato.warehouse.connection import Warehouse

MICRO = Decimal(1_000_000)


@dataclass(frozen=True)
class AdSpendDay:
    day: date
    platform: str
    campaign: str
    ad_set: str
    ad: str
    currency: str
    spend: Decimal
    impressions: int | None = None
    clicks: int | None = None
    conversions: int | None = None
    conversion_value: Decimal | None = None
    source_system: str = ""
    where: str = ""  # file:line of the first row, for error messages

    @property
    def key(self) -> tuple[date, str, str, str, str]:
        return (self.day, self.platform, self.campaign, self.ad_set, self.ad)


def from_micros(micros: int, currency: str | None) -> Decimal:
    """Snapchat reports money in micro-currency units (1e-6 units): rounded to the
    currency's own minor unit (JPY none, KWD three decimals)."""
    return round_money(Decimal(micros) / MICRO, currency)


def _add(left: int | None, right: int | None) -> int | None:
    if left is None and right is None:
        return None
    return (left or 0) + (right or 0)


def _merge(first: AdSpendDay, second: AdSpendDay) -> AdSpendDay:
    if first.currency != second.currency:
        raise ValidationFailed(
            f"same campaign/ad set/ad and day in two currencies ({first.currency}, "
            f"{second.currency})",
            location=second.where,
        )
    value = None
    if first.conversion_value is not None or second.conversion_value is not None:
        value = (first.conversion_value or Decimal(0)) + (second.conversion_value or Decimal(0))
    return replace(
        first,
        spend=first.spend + second.spend,
        impressions=_add(first.impressions, second.impressions),
        clicks=_add(first.clicks, second.clicks),
        conversions=_add(first.conversions, second.conversions),
        conversion_value=value,
    )


def combine(rows: Sequence[AdSpendDay]) -> list[AdSpendDay]:
    merged: dict[tuple[date, str, str, str, str], AdSpendDay] = {}
    for row in rows:
        merged[row.key] = _merge(merged[row.key], row) if row.key in merged else row
    return list(merged.values())


def store_ad_spend(
    warehouse: Warehouse,
    workspace_id: str,
    rows: Sequence[AdSpendDay],
    summary: ImportSummary,
    family: frozenset[str] = frozenset(),
) -> None:
    """Store the rows (all or none); with a `family`, first drop the stored rows of the same
    days and ads on the family's other platforms."""
    table: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "day": row.day,
            "platform": row.platform,
            "campaign": row.campaign,
            "ad_set": row.ad_set,
            "ad": row.ad,
            "currency": row.currency,
            "spend": row.spend,
            "impressions": row.impressions,
            "clicks": row.clicks,
            "conversions": row.conversions,
            "conversion_value": row.conversion_value,
            "source_system": row.source_system,
        }
        for row in combine(rows)
    ]
    if not family:
        load_all(warehouse, {"ad_spend": table}, summary)
        return
    with warehouse.transaction():
        _drop_family_rows(warehouse, workspace_id, table, family)
        load_all(warehouse, {"ad_spend": table}, summary, in_transaction=False)


def _drop_family_rows(
    warehouse: Warehouse, workspace_id: str, table: list[dict[str, Any]], family: frozenset[str]
) -> None:
    ads = {(row["day"], row["campaign"], row["ad_set"], row["ad"]) for row in table}
    if not ads or "ad_spend" not in set(warehouse.backend.list_tables()):
        return
    incoming = pa.table(
        {
            "day": pa.array([ad[0] for ad in ads], pa.date32()),
            "campaign": [ad[1] for ad in ads],
            "ad_set": [ad[2] for ad in ads],
            "ad": [ad[3] for ad in ads],
        }
    )
    connection = warehouse.backend.con
    connection.register("incoming_ads", incoming)
    try:
        # Parameters only: the platforms come from code, the workspace id is bound.
        marks = ", ".join("?" for _ in family)
        connection.execute(
            "DELETE FROM ad_spend AS s WHERE s.workspace_id = ? "  # noqa: S608
            f"AND s.platform IN ({marks}) AND EXISTS (SELECT 1 FROM incoming_ads AS i "
            "WHERE i.day = s.day AND i.campaign = s.campaign AND i.ad_set = s.ad_set "
            "AND i.ad = s.ad)",
            [workspace_id, *sorted(family)],
        )
    finally:
        connection.unregister("incoming_ads")
