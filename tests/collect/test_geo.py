"""Country at intake: looked up in the bundled offline database, only the code is kept."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.geo import country_of
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.core.timeutil import utcnow

SITE = SiteConfig("site_1", "ws_1", "shop.example")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),  # Google public DNS, registered in the US
        ("81.2.69.160", "GB"),  # MaxMind's documented GB test address
        ("2a00:1450:4001:80b::200e", "DE"),  # a Google IPv6 address allocated in Germany
        ("10.0.0.1", None),  # private
        ("127.0.0.1", None),  # loopback
        ("::1", None),
        ("not an address", None),
        ("", None),
    ],
)
def test_country_of(ip: str, country: str | None) -> None:
    assert country_of(ip) == country


def test_event_row_keeps_the_country_and_never_the_address() -> None:
    at = utcnow() - timedelta(minutes=1)
    event = TrackerEvent(name="pageview", url="https://shop.example/", ts=None)
    row = event_row(event, SITE, Hit("81.2.69.160", CHROME, at), SaltStore(None))
    assert row["country"] == "GB"
    text = json.dumps(row)
    assert "81.2.69.160" not in text
    private = event_row(event, SITE, Hit("192.168.1.20", CHROME, at), SaltStore(None))
    assert "country" not in private  # absent = NULL in the warehouse
