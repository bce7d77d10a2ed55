"""No raw identifier in any page's text: model ids, lowercase platform keys, KPI, status and
metric ids with underscores, the stored "(none)". The pages run on the real server over a
workspace seeded from an empty data dir (sessions on several platforms, ad spend, a UGC item,
an experiment), in English and in Japanese."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pyarrow as pa
import pytest

from mercato.connectors import accounts
from mercato.core import labels
from mercato.experiments.schemas import ExperimentCreate, Kind
from mercato.experiments.service import create_experiment, start_experiment
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.metrics.registry import KPIS
from mercato.runtime import Services
from mercato.ugc.items import IntakeContext
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login
from tests.ugc.support import add

T0 = datetime(2026, 3, 2, 10, 0)
SPAN = {"start": "2026-03-01", "end": "2026-03-31"}
# channel, social platform, campaign, revenue (None: no order)
TOUCHES = [
    ("Paid Social", "instagram", "spring", "120.00"),
    ("Organic Social", "x", None, "35.00"),
    ("Organic Social", "tiktok", None, None),
    ("Paid Social", "tiktok", "launch", "45.50"),
    ("Organic Social", "line", None, "20.00"),
    ("Organic Social", "youtube", None, None),
    ("Paid Search", None, "brand-search", "300.00"),
    (None, None, None, "12.00"),
    ("Email", None, "newsletter", "80.00"),
]
# Brand keys that are no English word: seen lowercase as a word, they are raw identifiers.
PLATFORM_KEYS = ("instagram", "facebook", "tiktok", "pinterest", "snapchat", "youtube")
RAW_IDS = sorted(
    {kpi.id for kpi in KPIS if "_" in kpi.id}
    | {key for key in labels.MODELS if "_" in key}
    | {key for table in labels.TABLES.values() for key in table if "_" in key}
)


def _seed(services: Services, workspace_id: str) -> tuple[str, str]:
    n = len(TOUCHES) * 3
    rows = [(i, TOUCHES[i % len(TOUCHES)]) for i in range(n)]
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * n,
                "session_id": [f"s{i}" for i, _ in rows],
                "visitor_id": [f"v{i % 7}" for i, _ in rows],
                "session_number": [i // 7 + 1 for i, _ in rows],
                "customer_id": [None] * n,
                "started_at": [T0 + timedelta(hours=5 * i) for i, _ in rows],
                "channel": [t[0] for _, t in rows],
                "social_platform": [t[1] for _, t in rows],
                "campaign": [t[2] for _, t in rows],
                "entry_path": [f"/products/{i % 4}" for i, _ in rows],
                "orders": [0 if t[3] is None else 1 for _, t in rows],
                "leads": [0] * n,
                "revenue": [Decimal(t[3] or "0") for _, t in rows],
                "currency": ["USD"] * n,
            }
        ),
    )
    load(
        services.warehouse,
        "ad_spend",
        pa.table(
            {
                "workspace_id": [workspace_id] * 3,
                "day": [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 2)],
                "platform": ["instagram", "TikTok", "google"],
                "campaign": ["spring", "launch", "brand-search"],
                "ad_set": ["a", "b", "c"],
                "ad": ["x1", "x2", "x3"],
                "currency": ["USD"] * 3,
                "spend": [Decimal("40.00"), Decimal("15.00"), Decimal("100.00")],
            }
        ),
    )
    context = IntakeContext(workspace_id=workspace_id, media_dir=services.settings.media_dir)
    with services.catalog.session() as session:
        item = add(session, context, "post-1", "Our new jacket #fall", platform="instagram")
        create_gallery(
            session,
            workspace_id,
            GalleryDraft(name="Home lookbook", layout="lookbook", placement="product"),
        )
        draft = ExperimentCreate(name="Galleries holdout", kind=Kind.HOLDOUT, holdout_share=0.2)
        experiment = create_experiment(session, workspace_id, draft)
        start_experiment(session, workspace_id, experiment.id)
        # An account without a token yet (status needs_token), shown on Sources.
        accounts.add_account(session, workspace_id, platform="tiktok", handle="acme.tt")
        return item.id, experiment.id


def _text(page: str) -> str:
    """What a reader sees: the page without scripts, styles, tags and attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _figure_names(page: str) -> list[str]:
    names = []
    for raw in re.findall(r'data-figure="([^"]*)"', page):
        figure = json.loads(html.unescape(raw))
        names += [str(trace.get("name", "")) for trace in figure.get("data", [])]
        names += [str(x) for trace in figure.get("data", []) for x in trace.get("x", [])]
    return names


def _raw_identifiers(page: str) -> list[str]:
    text = _text(page)
    found = [raw for raw in RAW_IDS if re.search(rf"(?<![\w-]){re.escape(raw)}(?![\w-])", text)]
    found += [key for key in PLATFORM_KEYS if re.search(rf"(?<![\w.@/-]){key}(?![\w.-])", text)]
    found += ["(none) in text"] if labels.NONE in text else []
    found += [f"chart: {name}" for name in _figure_names(page) if name in RAW_IDS]
    found += [f"chart: {name}" for name in _figure_names(page) if name in PLATFORM_KEYS]
    return found


@pytest.mark.parametrize("language", ["en", "ja"])
def test_pages_show_labels_not_raw_identifiers(
    services: Services, brand: Brand, live_server: str, language: str
) -> None:
    item_id, experiment_id = _seed(services, brand.workspace_id)
    paths = [
        ("/attribution", {**SPAN, "by": "channel"}),
        ("/attribution", {**SPAN, "by": "platform"}),
        ("/attribution", {**SPAN, "by": "campaign", "model": "first_touch"}),
        ("/funnel", SPAN),
        ("/funnel", {**SPAN, "drill": "campaign"}),
        ("/traffic", SPAN),
        ("/", SPAN),
        ("/ugc", {}),
        (f"/ugc/items/{item_id}", {}),
        ("/experiments", {}),
        ("/galleries", {}),
        (f"/experiments/{experiment_id}", {}),
        ("/sources", {}),
    ]
    pages = {}
    headers = {"Accept-Language": language}
    with httpx.Client(base_url=live_server, timeout=180, headers=headers) as client:
        login(client, brand.email(), PASSWORD)
        for path, params in paths:
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text[:500])
            pages[f"{path}?{params}"] = response.text
    found = {name: _raw_identifiers(page) for name, page in pages.items()}
    assert {name: raw for name, raw in found.items() if raw} == {}
    by_platform = _text(pages[f"/attribution?{ {**SPAN, 'by': 'platform'} }"])
    for name in ("Instagram", "TikTok", "LINE", "YouTube"):
        assert name in by_platform
    assert re.search(r"(?<!\w)X(?!\w)", by_platform)
    if language == "en":
        by_channel = _text(pages[f"/attribution?{ {**SPAN, 'by': 'channel'} }"])
        assert "Markov (pooled)" in by_channel
        assert "First touch" in by_channel
        assert "Order 1; credit: Pooled" in by_channel
        assert "Unassigned" in by_channel
        assert "Direct / none" in _text(pages[f"/?{SPAN}"])
        assert "Running" in _text(pages["/experiments?{}"])
        assert "Product page" in _text(pages["/galleries?{}"])
        assert "Needs a token" in _text(pages["/sources?{}"])
    else:
        by_channel = _text(pages[f"/attribution?{ {**SPAN, 'by': 'channel'} }"])
        assert "マルコフ（全体配分）" in by_channel  # noqa: RUF001
        assert "ダイレクト / なし" in _text(pages[f"/?{SPAN}"])
        assert "次数 1、配分：全体配分" in by_channel  # noqa: RUF001
        assert "実行中" in _text(pages["/experiments?{}"])
        assert "ルックブック" in _text(pages["/galleries?{}"])
        assert "トークン未設定" in _text(pages["/sources?{}"])


def test_the_check_finds_raw_identifiers() -> None:
    """The detector itself: it must see what it is meant to forbid."""
    page = (
        "<table><tr><td>first_touch</td><td>instagram</td><td>(none)</td>"
        '<td>@instagram_fan</td></tr></table><div data-figure="{&#34;data&#34;: '
        '[{&#34;name&#34;: &#34;markov_pooled&#34;}]}"></div>'
    )
    assert _raw_identifiers(page) == [
        "first_touch",
        "instagram",
        "(none) in text",
        "chart: markov_pooled",
    ]
    assert _raw_identifiers("<p>Instagram · First touch · Direct / none</p>") == []
