"""LINE: its in-app browser and its links (line.me, lin.ee, the Android app) are social, in the
classifier and in the channel report (Traffic API and the social-sessions KPI)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from mercato.collect.channels import classify
from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.collect.useragent import parse_client
from mercato.runtime import Services
from mercato.warehouse.rows import EventRecord
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login

LINE_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0"
)
LINE_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SO-51D; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0.6478.71 Mobile Safari/537.36 Line/14.9.1/IAB"
)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
DAY = datetime(2024, 11, 12, 3, 0, 0, 412_345)


@pytest.mark.parametrize(
    "referrer",
    [
        "https://line.me/R/ti/p/@acme",
        "https://lin.ee/AbCdEf",
        "https://liff.line.me/1657000000-abcd",
        "android-app://jp.naver.line.android",
    ],
)
def test_line_links_are_organic_social(referrer: str) -> None:
    found = classify("https://acme.example/products/mug", referrer)
    assert (found.channel, found.source, found.social_platform) == (
        "Organic Social",
        "line",
        "line",
    )


def test_line_in_app_browser_without_referrer_is_social_in_app() -> None:
    for agent in (LINE_IOS, LINE_ANDROID):
        client = parse_client(agent)
        assert (client.in_app_browser, client.device, client.is_bot) == ("LINE", "mobile", False)
        found = classify("https://acme.example/", None, client.in_app_browser)
        assert (found.channel, found.source, found.medium) == (
            "Social in-app (LINE)",
            "line",
            "social",
        )
    tagged = classify("https://acme.example/?utm_source=line&utm_medium=social", None, "LINE")
    assert tagged.channel == "Organic Social"


def _seed(services: Services, brand: Brand) -> None:
    site = SiteConfig("site_x", brand.workspace_id, "acme.example", identity_mode="first_party_id")
    salts = SaltStore(None)

    def hit(visitor: str, agent: str, **fields: Any) -> EventRecord:
        fields.setdefault("url", "https://acme.example/")
        event = TrackerEvent(name="pageview", visitor_id=visitor, event_id=f"{visitor}-1", **fields)
        return event_row(event, site, Hit("", agent, DAY + timedelta(minutes=len(visitor))), salts)

    EventStore(services.warehouse).store(
        [
            hit("v-ios", LINE_IOS),  # LINE sends no referrer from a chat: the UA decides
            hit("v-android", LINE_ANDROID),
            hit("v-short", CHROME, referrer="https://lin.ee/AbCdEf"),
            hit("v-direct", CHROME),
        ]
    )


def test_visits_from_line_are_social_in_the_channel_report(
    services: Services, brand: Brand, live_server: str
) -> None:
    _seed(services, brand)
    window = {"start": "2024-11-12", "end": "2024-11-12"}
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        traffic = client.get("/api/v1/traffic", params=window).json()
        kpis = client.get("/api/v1/kpis", params={**window, "kpi": "social_sessions"})
    channels = {r["label"]: r["sessions"] for r in traffic["by_channel"]}
    assert channels == {"Social in-app (LINE)": 2, "Organic Social": 1, "Direct": 1}
    platforms = {r["label"]: r["sessions"] for r in traffic["by_social_platform"]}
    assert platforms == {"line": 3}
    assert kpis.status_code == 200, kpis.text
    (row,) = kpis.json()["rows"]
    assert (row["kpi"], row["value"]) == ("social_sessions", 3)
