"""Missing is not zero, end to end from an empty data dir: an event log without engaged time or
net amounts, a post export with a follower count per post and a Facebook export without link
clicks, imported through the CLI, then read on `mercato report`, /api/v1/kpis (JSON and CSV),
the Full funnel page and the Traffic page, checked against pandas on the imported files."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pandas as pd
import pytest

from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.support.brands import PASSWORD, make_brand, make_token
from tests.support.server import login, serve_app

RANGE = {"start": "2024-05-06", "end": "2024-05-08"}
EVENT_MAPPING = """
optional = ["order_id", "revenue", "currency"]
[columns]
event_id = "uuid"
ts = "timestamp"
name = "event"
url = "page"
visitor_id = "anon"
order_id = "order"
revenue = "total"
currency = "curr"
[events]
pageview = ["page_view"]
purchase = ["Order Completed"]
"""
# A shop's log with microsecond, offset timestamps; purchases carry a total but no net amount
# and nothing measures engaged time.
EVENT_LOG = """uuid,timestamp,event,page,anon,order,total,curr
a1,2024-05-06T10:00:00.123456+02:00,page_view,https://shop.example/?utm_source=ig&utm_medium=social,d1,,,
a2,2024-05-06T10:03:10.999999+02:00,page_view,https://shop.example/p/mug,d1,,,
a3,2024-05-06T10:05:00.5+02:00,Order Completed,https://shop.example/thanks,d1,A-1,30.00,EUR
b1,2024-05-07T21:15:00.000001-04:00,page_view,https://shop.example/,d2,,,
b2,2024-05-07T21:20:00.25-04:00,Order Completed,https://shop.example/thanks,d2,B-2,12.50,EUR
"""
PIN_MAPPING = {
    "platform": "pinterest",
    "post_id": "Pin ID",
    "posted_at": "Created",
    "metrics": {
        "Impressions": "views",
        "Saves": "saves",
        "Reactions": "likes",
        "Comments": "comments",
        "Outbound clicks": "link_clicks",
        "Followers": "followers",
    },
}
PINS = """Pin ID,Created,Impressions,Saves,Reactions,Comments,Outbound clicks,Followers
9001,2024-05-06 08:00,"12,400",310,95,12,41,"8,150"
9002,2024-05-07 19:30,3300,40,22,3,9,8210
9003,2024-05-08 07:45,900,4,5,0,1,
"""
FACEBOOK = """Post ID,Page ID,Page name,Publish time,Post type,Views,Reach,Reactions,Comments,Shares
123_1,123,Acme,05/06/2024 09:00,Photos,"5,120","4,876",100,20,10
123_2,123,Acme,05/07/2024 18:10,Links,800,700,12,,3
123_3,123,Acme,05/08/2024 12:00,Videos,2000,1500,,,
"""


def _pins() -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(PINS), thousands=",")
    frame["engagements"] = frame.Reactions + frame.Comments + frame.Saves + frame["Outbound clicks"]
    return frame


def _facebook() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(FACEBOOK), thousands=",")


def expected_engagement_rate_by_followers() -> float:
    pins = _pins().dropna(subset=["Followers"])
    return float((pins.engagements / pins.Followers).median())


def expected_weighted_rate() -> float:
    """Σ weighted engagements ÷ Σ views over posts reporting any weighted metric; a post counts
    the metrics it reports (Facebook: no link clicks in this export)."""
    pins = _pins()
    pin_weighted = pins.Reactions + 2 * pins.Comments + 4 * pins.Saves + 5 * pins["Outbound clicks"]
    fb = _facebook()
    parts = fb[["Reactions", "Comments", "Shares"]]
    fb_weighted = (parts * [1, 2, 3]).sum(axis=1, min_count=1)
    reported = fb_weighted.notna()
    numerator = pin_weighted.sum() + fb_weighted[reported].sum()
    return float(numerator / (pins.Impressions.sum() + fb.Views[reported].sum()))


def _import(data: Path) -> None:
    (data.parent / "events.toml").write_text(EVENT_MAPPING)
    (data.parent / "log.csv").write_text(EVENT_LOG)
    (data.parent / "pins.json").write_text(json.dumps(PIN_MAPPING))
    (data.parent / "pins.csv").write_text(PINS)
    (data.parent / "facebook.csv").write_text(FACEBOOK)
    folder = str(data.parent)
    runs = [
        ("events", f"{folder}/log.csv", "--mapping", f"{folder}/events.toml"),
        ("generic", f"{folder}/pins.csv", "--mapping", f"{folder}/pins.json"),
        ("meta-posts", f"{folder}/facebook.csv"),
    ]
    for kind, *args in runs:
        done = mercato(data, "import", kind, *args, "--workspace", "nonet")
        assert done.returncode == 0, done.stderr + done.stdout


def _report(data: Path) -> dict[str, dict[str, object]]:
    args = ("--workspace", "nonet", "--from", RANGE["start"], "--to", RANGE["end"])
    done = mercato(data, "report", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {row["kpi"]: row for row in json.loads(done.stdout)}


MISSING = ("revenue_net", "aov_net", "engaged_time_per_session", "engaged_time_per_page")


@pytest.mark.slow
def test_missing_inputs_read_na_on_every_surface(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = Services.open(make_settings(data), upgrade=True)
    brand = make_brand(services, "nonet")
    services.close()
    _import(data)
    report = _report(data)
    for kpi_id in MISSING:
        assert (report[kpi_id]["value"], report[kpi_id]["display"]) == (None, "n/a"), kpi_id
    assert Decimal(str(report["revenue_gross"]["value"])) == Decimal("42.50")
    assert report["transactions"]["value"] == 2
    by_followers = report["engagement_rate_by_followers"]
    assert by_followers["value"] == expected_engagement_rate_by_followers()
    assert (by_followers["coverage_used"], by_followers["coverage_total"]) == (2, 6)
    weighted = report["engagement_mix_weighted"]
    assert abs(float(str(weighted["value"])) - expected_weighted_rate()) < 1e-12
    assert (weighted["coverage_used"], weighted["coverage_total"]) == (5, 6)
    args = ("--workspace", "nonet", "--from", RANGE["start"], "--to", RANGE["end"])
    table = mercato(data, "report", *args, "--kpi", "revenue_net").stdout
    assert "n/a" in table
    assert "0.00" not in table

    services = Services.open(make_settings(data), upgrade=True)
    try:
        token = make_token(services, brand, [Scope.ANALYTICS_READ])
        with serve_app(create_app(services=services)) as base:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                body = client.get("/api/v1/kpis", params={**RANGE, "kpi": list(MISSING)}).json()
                as_csv = client.get("/api/v1/kpis", params={**RANGE, "format": "csv"}).text
            with httpx.Client(base_url=base, timeout=60) as client:
                login(client, brand.email(Role.VIEWER), PASSWORD)
                funnel = client.get("/funnel", params=RANGE).text
                traffic = client.get("/traffic", params=RANGE).text
    finally:
        services.close()
    assert {row["kpi"]: row["value"] for row in body["rows"]} == dict.fromkeys(MISSING)
    rows = {row["kpi"]: row for row in csv.DictReader(io.StringIO(as_csv))}
    for kpi_id in MISSING:
        assert (rows[kpi_id]["value"], rows[kpi_id]["display"]) == ("n/a", "n/a"), kpi_id
    for kpi_id in MISSING:
        tile = funnel.split(f'id="kpi-{kpi_id}"', 1)[1].split("</div>", 1)[0]
        assert '<span class="value">n/a</span>' in tile, kpi_id
    engaged = traffic.split('id="kpi-engaged-time">', 1)[1].split("<", 1)[0]
    assert engaged == "n/a"
