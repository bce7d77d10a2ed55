"""Meta Ads spend reaches Instagram and Facebook: an Ads Manager export with the delivery
breakdown (a `Platform` column of display values, or the API's `publisher_platform`) is
stored per publisher platform; spend an export does not split stays `meta` and is shown as
"Meta (Facebook + Instagram)" on a row of its own, never dropped and never counted twice.

Files are written here the way Ads Manager writes them (its headers, thousands separators,
a placement breakdown that repeats a platform, an ad name reused under two ids); expected
sums are computed from the same rows in plain Python. Attribution runs on the real server
from an empty data dir."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from mercato.connectors.imports import ImportOptions, run_import
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import login

DAY1, DAY2 = date(2021, 5, 3), date(2021, 5, 4)
FIRST, LAST = date(2021, 5, 1), date(2021, 5, 31)
HEADER = [
    "Reporting starts",
    "Reporting ends",
    "Campaign name",
    "Ad set name",
    "Ad name",
    "Ad ID",
    "Platform",
    "Placement",
    "Amount spent (USD)",
    "Impressions",
    "Link clicks",
]
# day, campaign, ad, ad id, platform (as Ads Manager displays it), placement, spend, impressions
SPLIT = [
    (DAY1, "Spring", "Reel A", "a1", "Instagram", "Instagram Reels", "1,210.40", "40,000"),
    (DAY1, "Spring", "Reel A", "a1", "Instagram", "Instagram Stories", "89.60", "3,500"),
    (DAY1, "Spring", "Reel A", "a2", "Instagram", "Feed", "50.00", "1,000"),  # same name
    (DAY1, "Spring", "Reel A", "a1", "Facebook", "Facebook Feed", "300.25", "9,000"),
    (DAY1, "Spring", "Reel A", "a1", "Audience Network", "Native, banner", "12.75", "2,000"),
    (DAY1, "Spring", "Reel A", "a1", "Messenger", "Messenger Inbox", "3.00", "150"),
    (DAY2, "Spring", "Reel A", "a1", "instagram", "Instagram Reels", "700.00", "20,000"),
    (DAY2, "Spring", "Reel A", "a1", "Unknown", "", "4.00", "10"),  # Meta could not say
]
STORED_AS = {
    "instagram": "instagram",
    "facebook": "facebook",
    "audience network": "audience_network",
    "messenger": "messenger",
    "unknown": "meta",
}


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()  # Ads Manager writes a BOM


def split_file() -> bytes:
    rows = [
        [str(d), str(d), c, "Broad", ad, ad_id, platform, placement, spend, shown, "10"]
        for d, c, ad, ad_id, platform, placement, spend, shown in SPLIT
    ]
    return _csv(HEADER, rows)


def unsplit_file(rows: list[tuple[date, str, str, str]]) -> bytes:
    """No delivery breakdown: the same export without the Platform and Placement columns."""
    header = [h for h in HEADER if h not in ("Platform", "Placement")]
    return _csv(
        header,
        [[str(d), str(d), c, "Broad", ad, "a1", spend, "1,000", "5"] for d, c, ad, spend in rows],
    )


def api_file() -> bytes:
    """The Marketing API's insights written to CSV: `publisher_platform` values."""
    header = ["Reporting starts", "Reporting ends", "Campaign name", "Ad set name", "Ad name",
              "publisher_platform", "Amount spent (USD)"]  # fmt: skip
    rows = [
        [str(DAY1), str(DAY1), "Spring", "Broad", "Reel A", "instagram", "10.00"],
        [str(DAY1), str(DAY1), "Spring", "Broad", "Reel A", "audience_network", "2.50"],
        [str(DAY1), str(DAY1), "Spring", "Broad", "Reel A", "facebook", "4.00"],
    ]
    return _csv(header, rows)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def expected_split() -> dict[tuple[date, str], Decimal]:
    sums: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for day, _, _, _, platform, _, spend, _ in SPLIT:
        sums[(day, STORED_AS[platform.lower()])] += _amount(spend)
    return dict(sums)


def _import(services: Services, brand: Brand, name: str, data: bytes) -> None:
    run_import(
        services.catalog,
        services.warehouse,
        "meta-ads",
        [(name, data)],
        ImportOptions(workspace_id=brand.workspace_id),
    )


def stored(services: Services, brand: Brand) -> dict[tuple[date, str], Decimal]:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    frame: pd.DataFrame = scoped.execute(scoped.table("ad_spend"))
    sums: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for row in frame.itertuples():
        sums[(pd.Timestamp(row.day).date(), row.platform)] += Decimal(row.spend)
    return dict(sums)


def test_the_platform_breakdown_is_stored_per_publisher_platform(
    services: Services, brand: Brand
) -> None:
    _import(services, brand, "ads.csv", split_file())
    assert stored(services, brand) == expected_split()
    assert stored(services, brand)[(DAY1, "instagram")] == Decimal("1350.00")
    _import(services, brand, "ads.csv", split_file())  # the same file again: nothing added
    assert stored(services, brand) == expected_split()


def test_the_api_values_map_alike(services: Services, brand: Brand) -> None:
    _import(services, brand, "insights.csv", api_file())
    assert stored(services, brand) == {
        (DAY1, "instagram"): Decimal("10.00"),
        (DAY1, "audience_network"): Decimal("2.50"),
        (DAY1, "facebook"): Decimal("4.00"),
    }


def test_a_split_export_replaces_an_unsplit_one_and_the_reverse(
    services: Services, brand: Brand
) -> None:
    unsplit = unsplit_file(
        [(DAY1, "Spring", "Reel A", "1,655.00"), (DAY2, "Spring", "Reel A", "704.00")]
    )
    _import(services, brand, "unsplit.csv", unsplit)
    assert stored(services, brand) == {
        (DAY1, "meta"): Decimal("1655.00"),
        (DAY2, "meta"): Decimal("704.00"),
    }
    _import(services, brand, "split.csv", split_file())
    # The same ads and days: the breakdown replaces the total, it does not add to it.
    assert stored(services, brand) == expected_split()
    assert sum(stored(services, brand).values()) == sum(_amount(row[6]) for row in SPLIT)
    # And back: an unsplit re-export of day 1 replaces that day's split rows only.
    _import(services, brand, "again.csv", unsplit_file([(DAY1, "Spring", "Reel A", "1,665.00")]))
    after = stored(services, brand)
    assert after[(DAY1, "meta")] == Decimal("1665.00")
    assert not [key for key in after if key[0] == DAY1 and key[1] != "meta"]
    assert {k: v for k, v in after.items() if k[0] == DAY2} == {
        k: v for k, v in expected_split().items() if k[0] == DAY2
    }


def test_an_unknown_platform_names_the_cell(services: Services, brand: Brand) -> None:
    data = split_file().replace(b"Messenger,Messenger Inbox", b"Myspace,Messenger Inbox")
    with pytest.raises(ValidationFailed, match="unknown publisher platform 'Myspace'") as caught:
        _import(services, brand, "ads.csv", data)
    assert caught.value.location == "ads.csv:7:Platform"
    assert stored(services, brand) == {}  # nothing stored from a refused file


# --- attribution: the spend meets Instagram's and Facebook's touches ------------------------

T0 = datetime(2021, 5, 3, 9, 30, 12, 345678)
# session, visitor, hours after T0, channel, social platform, revenue (None: no order)
SESSIONS = [
    ("m1", "v1", 0, "Paid Social", "instagram", "2400.00"),
    ("m2", "v2", 1, "Paid Social", "instagram", None),
    ("m3", "v3", 2, "Paid Social", "facebook", "150.00"),
    ("m4", "v4", 3, "Organic Search", None, "80.00"),
]


def _sessions(services: Services, workspace_id: str) -> None:
    rows = SESSIONS
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(rows),
                "session_id": [r[0] for r in rows],
                "visitor_id": [r[1] for r in rows],
                "customer_id": [None] * len(rows),
                "started_at": [T0 + timedelta(hours=r[2]) for r in rows],
                "channel": [r[3] for r in rows],
                "social_platform": [r[4] for r in rows],
                "campaign": ["spring"] * len(rows),
                "orders": [0 if r[5] is None else 1 for r in rows],
                "leads": [0] * len(rows),
                "revenue": [Decimal(r[5] or "0") for r in rows],
                "currency": ["USD"] * len(rows),
            }
        ),
    )


def _revenue(platform: str) -> Decimal:
    return sum((Decimal(r[5]) for r in SESSIONS if r[4] == platform and r[5]), Decimal(0))


def test_attribution_by_platform_reads_the_split_spend_and_shows_the_rest(
    live_server: str, services: Services, brand: Brand
) -> None:
    _sessions(services, brand.workspace_id)
    _import(services, brand, "split.csv", split_file())
    # A second campaign exported without the breakdown: it cannot be split.
    _import(services, brand, "unsplit.csv", unsplit_file([(DAY2, "Summer", "Story B", "95.50")]))
    spend: defaultdict[str, Decimal] = defaultdict(Decimal)
    for (_, platform), value in expected_split().items():
        spend[platform] += value
    spend["meta"] += Decimal("95.50")
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    params = {"model": "last_touch", "by": "platform", "from": str(FIRST), "to": str(LAST)}
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        body = client.get("/api/v1/attribution", params=params).json()
    rows = {row["label"]: row for row in body["rows"]}
    assert Decimal(rows["instagram"]["spend"]) == spend["instagram"]
    assert rows["instagram"]["roas"] == pytest.approx(
        float(_revenue("instagram") / spend["instagram"])
    )
    assert Decimal(rows["facebook"]["spend"]) == spend["facebook"]
    assert rows["facebook"]["roas"] == pytest.approx(
        float(_revenue("facebook") / spend["facebook"])
    )
    # Spend no touch takes is on rows of its own, without a ROAS, not dropped.
    assert Decimal(rows["meta"]["spend"]) == spend["meta"]
    assert rows["meta"]["roas"] is None
    assert rows["meta"]["conversions"] == 0
    assert Decimal(rows["audience_network"]["spend"]) == spend["audience_network"]
    total = sum((Decimal(r["spend"]) for r in body["rows"] if r["spend"] is not None), Decimal(0))
    assert total == sum(spend.values())  # every stored cent is on the page, once
    assert any("cannot be split between Facebook and Instagram" in n for n in body["notices"])

    with httpx.Client(base_url=live_server, timeout=60) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get(
            "/attribution",
            params={"model": "last_touch", "by": "platform", "start": str(FIRST), "end": str(LAST)},
        ).text
        ja = client.get(
            "/attribution",
            params={"model": "last_touch", "by": "platform", "start": str(FIRST), "end": str(LAST)},
            headers={"Accept-Language": "ja"},
        ).text
    table = page[page.index('id="credits"') : page.index("</table>", page.index('id="credits"'))]
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    ]
    assert "Meta (Facebook + Instagram)" in cells
    meta = cells.index("Meta (Facebook + Instagram)")
    assert cells[meta + 3] == f"{spend['meta']:,.2f}"
    assert cells[meta + 4] == "n/a"
    assert "Meta Audience Network" in cells
    assert "audience_network" not in page
    assert ">meta<" not in page
    assert "Part of the Meta spend has no delivery breakdown" in page
    assert "Meta\uff08Facebook + Instagram\uff09" in ja  # full-width brackets
    assert "Meta の広告費の一部" in ja
