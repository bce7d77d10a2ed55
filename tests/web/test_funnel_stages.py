"""The Full funnel and Overview pages from an empty data dir holding the KPI fixture: the stage
chart shows the API's numbers, deltas and verdicts carry the tone each KPI's better direction
gives (worked out here from the API's raw numbers, not with the page's code), and the social
revenue target asks for a forecast until one exists."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from mercato.core.scopes import Role
from mercato.runtime import Services
from tests.metrics.test_surfaces import RANGE, seed
from tests.support.brands import PASSWORD, Brand
from tests.support.server import csrf_of, login

TIMEOUT = 120  # the funnel page runs every KPI; this machine is shared
STAGES = ("views", "sessions", "transactions")
# How the page names each platform (the API keeps the keys).
NAMES = {"facebook": "Facebook", "instagram": "Instagram", "tiktok": "TikTok", "x": "X"}


def _get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def _rows(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    return _get(client, "/api/v1/kpis", **params).json()["rows"]  # type: ignore[no-any-return]


def _tile(page: str, kpi_id: str) -> str:
    begin = page.index(f'<div class="tile" id="kpi-{kpi_id}"')
    return page[begin : page.index('<div class="spark"', begin)]


def _expected_tone(definition: dict[str, Any], row: dict[str, Any]) -> str | None:
    """By hand: rates are flat under 0.05 points, other KPIs under 0.5 % of the earlier value."""
    if row["delta"] is None:
        return None
    change = float(row["delta"])
    if definition["unit"] == "percent":
        flat = abs(change) < 0.0005
    elif row["delta_relative"] is not None:
        flat = abs(row["delta_relative"]) < 0.005
    else:
        flat = change == 0
    if flat:
        return "neutral"
    higher = definition["better"] == "higher"
    return "good" if (change > 0) == higher else "bad"


def _expected_position(value: float, benchmark: float) -> str:
    low, high = benchmark * 0.9, benchmark * 1.1
    return "above" if value > high else "below" if value < low else "within"


def test_stage_chart_deltas_and_verdicts_match_the_api(
    services: Services, brand: Brand, live_server: str
) -> None:
    seed(services, brand)
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/funnel", compare="previous", **RANGE).text
        by_platform = _rows(
            client,
            by="platform",
            kpi=[*STAGES, "conversion_rate", "engagement_rate_by_followers"],
            **RANGE,
        )
        total = _rows(client, compare="previous", **RANGE)
        definitions = {d["id"]: d for d in _get(client, "/api/v1/kpi-definitions").json()}

    api = {(r["kpi"], r["platform"]): r for r in by_platform}
    platforms = sorted({r["platform"] for r in by_platform if r["kpi"] in STAGES} - {"(none)"})
    assert platforms == ["facebook", "instagram", "tiktok", "x"]

    # The stage chart: one Plotly funnel per platform, its bars the API's numbers.
    charts = dict(
        re.findall(r'id="stage-chart-([^"]+)" data-platform="[^"]*" data-figure="([^"]*)"', page)
    )
    assert sorted(charts) == platforms
    for platform in platforms:
        figure = json.loads(html.unescape(charts[platform]))
        assert figure["config"]["displayModeBar"] is False  # no toolbar over the title
        trace = figure["data"][0]
        assert trace["type"] == "funnel"
        assert trace["y"] == ["Views", "Sessions", "Transactions"]
        # A platform without sessions or orders in the range reads 0 there (no rows, no sum).
        numbers = [
            float(api[(k, platform)]["value"]) if (k, platform) in api else 0.0 for k in STAGES
        ]
        assert trace["x"] == numbers
        shown = [api[(k, platform)]["display"] if (k, platform) in api else "0" for k in STAGES]
        assert [text.split(" (")[0] for text in trace["text"]] == shown
        # The table under the charts: the same numbers and the conversions between stages.
        row = re.search(rf'<tr data-platform="{platform}">(.*?)</tr>', page, re.S)[1]  # type: ignore[index]
        values = dict(re.findall(r'class="num value" data-kpi="(\w+)">([^<]*)<', row))
        rates = dict(re.findall(r'class="num rate" data-kpi="(\w+)">([^<]*)<', row))
        assert values == dict(zip(STAGES, shown, strict=True))
        views, sessions = numbers[0], numbers[1]
        assert rates["sessions"] == f"{sessions / views * 100:.2f}%"
        conversion = api.get(("conversion_rate", platform))
        assert rates["transactions"] == (conversion["display"] if conversion else "n/a")
    # Facebook by hand from the fixture's counts: 32 sessions from 15,988 views, 4 orders.
    assert "0.20%" in html.unescape(charts["facebook"])
    assert "(none)" not in re.search(r'id="stage-table"[^>]*>(.*?)</table>', page, re.S)[1]  # type: ignore[index]

    # Deltas: the class and the words both say whether the change is good for this KPI.
    tones = set()
    for row in total:
        tile = _tile(page, row["kpi"])
        expected = _expected_tone(definitions[row["kpi"]], row)
        found = re.search(
            r'<span class="delta tone-(\w+)" data-tone="\w+">([^<]*)'
            r'<span class="cue">([^<]*)</span>',
            tile,
        )
        if expected is None:
            assert found is None, row["kpi"]
            continue
        assert found is not None, row["kpi"]
        tones.add(expected)
        assert found[1] == expected, row["kpi"]
        word = {"good": "better", "bad": "worse", "neutral": "flat"}[expected]
        assert found[3].endswith(word), row["kpi"]
        if definitions[row["kpi"]]["unit"] == "percent":
            assert found[2].strip() == f"{float(row['delta']) * 100:+.2f} pt"
    assert {"good", "bad"} <= tones  # the fixture moves KPIs both ways

    # Verdicts: the workspace-wide cart-abandonment benchmark (lower is better) ...
    cart = next(r for r in total if r["kpi"] == "cart_abandonment_rate")
    position = _expected_position(cart["value"], cart["benchmark"])
    tone = {"above": "bad", "below": "good", "within": "neutral"}[position]
    tile = _tile(page, "cart_abandonment_rate")
    assert f'class="verdict tone-{tone}" data-position="{position}"' in tile
    assert (
        f"{position} benchmark" in tile
        if position != "within"
        else "within benchmark range" in tile
    )
    assert f"vs {cart['benchmark'] * 100:.2f}%" in tile
    assert "Baymard Institute year not stated, average of 49 studies" in tile
    assert 'href="https://baymard.com/lists/cart-abandonment-rate"' in tile
    # ... and per platform where the benchmark is per platform (higher is better).
    tile = _tile(page, "engagement_rate_by_followers")
    verdicts = re.findall(
        r'data-position="(\w+)" data-tone="(\w+)"><span class="position">(\w+): ', tile
    )
    expected_verdicts = []
    for platform in platforms:
        row = api.get(("engagement_rate_by_followers", platform))
        if row is None or row["value"] is None:
            continue
        where = _expected_position(row["value"], row["benchmark"])
        expected_verdicts.append(
            (where, {"above": "good", "below": "bad", "within": "neutral"}[where], NAMES[platform])
        )
    assert verdicts == expected_verdicts
    assert len(verdicts) >= 2

    # Sparklines carry their scale: the lowest and highest values as y ticks, in the KPI's unit.
    spark = re.search(
        r'<div class="spark" data-chart="spark" data-figure="([^"]*)"',
        page[page.index('id="kpi-transactions"') :],
    )
    figure = json.loads(html.unescape(spark[1]))  # type: ignore[index]
    ys = [y for y in figure["data"][0]["y"] if y is not None]
    assert figure["layout"]["yaxis"]["tickvals"] == sorted({min(ys), max(ys)})
    assert figure["layout"]["yaxis"]["ticktext"] == [
        f"{int(v):,}" for v in sorted({min(ys), max(ys)})
    ]
    days = re.search(
        r'<span class="spark-days"><span>([^<]*)</span><span>([^<]*)</span>',
        page[page.index('id="kpi-transactions"') :],
    )
    assert (days[1], days[2]) == (figure["data"][0]["x"][0], figure["data"][0]["x"][-1])  # type: ignore[index]

    # Every table sits in a scroller inside its card.
    assert (
        page.count('<table class="data"')
        == page.count('<div class="table-scroll"><table class="data"') + 1
    )
    assert (
        '<div class="table-scroll">\n  <table class="data" data-export="stage-table" '
        'id="stage-table">' in page
    )


def test_social_revenue_target_asks_for_a_forecast_until_one_is_set(
    services: Services, brand: Brand, live_server: str
) -> None:
    seed(services, brand)
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as viewer:
        login(viewer, brand.email(Role.VIEWER), PASSWORD)
        tile = _tile(_get(viewer, "/funnel", **RANGE).text, "social_revenue_target")
    assert "no forecast covers these dates" in tile
    assert 'href="/goals#forecast-form"' not in tile  # viewers cannot set one: told who can
    assert "An admin can set one" in tile
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as admin:
        login(admin, brand.email(), PASSWORD)
        before = _tile(_get(admin, "/funnel", **RANGE).text, "social_revenue_target")
        assert '<a href="/goals#forecast-form">Set a forecast</a>' in before
        goals = _get(admin, "/goals").text
        assert 'id="forecast-form"' in goals  # the link's target exists
        created = admin.post(
            "/api/v1/revenue-forecasts",
            headers={"X-CSRF-Token": csrf_of(admin)},
            json={
                "period_start": RANGE["start"],
                "period_end": RANGE["end"],
                "amount": "10000.00",
                "currency": "USD",
            },
        )
        assert created.status_code == 201, created.text
        after = _tile(_get(admin, "/funnel", **RANGE).text, "social_revenue_target")
        share = next(r for r in _rows(admin, kpi=["social_revenue_share"], **RANGE))["value"]
    assert "Set a forecast" not in after
    value = re.search(r'<span class="value">([^<]*)</span>', after)[1]  # type: ignore[index]
    # share x 10,000.00, rounded to cents
    assert value == f"{round(share * 10000, 2):,.2f}"


def test_overview_compares_with_the_previous_period(
    services: Services, brand: Brand, live_server: str
) -> None:
    seed(services, brand)
    kpis = ["sessions", "transactions", "conversion_rate", "revenue_gross"]
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/", **RANGE).text
        rows = {r["kpi"]: r for r in _rows(client, compare="previous", kpi=kpis, **RANGE)}
        yoy = _get(client, "/", compare="yoy", **RANGE).text
        definitions = {d["id"]: d for d in _get(client, "/api/v1/kpi-definitions").json()}
    dash = "\N{EN DASH}"
    assert f"Deltas against 2024-02-10 {dash} 2024-02-25." in page  # 16 days before Feb 26
    assert f"Deltas against 2023-02-26 {dash} 2023-03-12." in yoy
    for kpi in kpis:
        tile = page[page.index(f'id="kpi-{kpi}"') :]
        tile = tile[: tile.index("</a>")]
        found = re.search(r'class="delta tone-(\w+)" data-tone="\w+">([^<]*)<', tile)
        row = rows[kpi]
        assert found is not None, kpi
        assert found[1] == _expected_tone(definitions[kpi], row), kpi
        base = row["base"]
        if kpi == "conversion_rate":
            assert found[2].strip() == f"{float(row['delta']) * 100:+.2f} pt"
            assert f"was {float(base) * 100:.2f}%" in tile
        else:
            assert found[2].strip() == f"{row['delta_relative'] * 100:+.1f}%"


def test_an_empty_data_dir_shows_no_funnel_and_no_error(
    services: Services, brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        funnel = _get(client, "/funnel", **RANGE).text
        overview = _get(client, "/", **RANGE).text
    assert "No platform has posts, sessions or orders in this range." in funnel
    assert 'id="stage-chart-' not in funnel
    assert "data-position=" not in funnel  # nothing to judge without values ...
    assert "Instagram: no value to compare" in funnel  # ... but the benchmark is still shown
    # Nothing before and nothing now: counts and revenue are flat, none good or bad; the
    # conversion rate is n/a in both windows, so it has no change at all.
    tones = re.findall(r'id="kpi-(\w+)">[^<]*</span><span class="delta tone-(\w+)"', overview)
    assert tones == [
        ("sessions", "neutral"),
        ("transactions", "neutral"),
        ("revenue_gross", "neutral"),
    ]
