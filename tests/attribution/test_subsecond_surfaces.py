"""Tracker events (microsecond times) → the real collector → API, page and CLI all answer,
and every model equals the pandas / numpy reference on the stored sessions."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from mercato.attribution.models import ModelName
from mercato.catalog import workspaces
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.attribution.reference_models import Row, every_model
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.support.brands import PASSWORD, make_brand
from tests.support.server import login, serve_app

SHOP = "https://acme.example"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
SRC = str(Path(__file__).resolve().parents[2] / "src")
HOUR_MS = 3_600_000
# visitor → (hours before sending, landing query/referrer, purchase amount or None)
VISITS: dict[str, list[tuple[float, dict[str, str], str | None]]] = {
    "v1": [
        (50, {"url": f"{SHOP}/?utm_source=instagram&utm_medium=paid_social"}, None),
        (30.2, {"url": f"{SHOP}/?utm_source=news&utm_medium=email"}, None),
        (2.5, {"url": f"{SHOP}/"}, "49.90"),
    ],
    "v2": [
        (40, {"url": f"{SHOP}/", "referrer": "https://www.google.com/"}, None),
        (20.7, {"url": f"{SHOP}/?utm_source=instagram&utm_medium=paid_social"}, None),
    ],
    "v3": [(10.1, {"url": f"{SHOP}/?utm_source=news&utm_medium=email"}, "12.35")],
    "v4": [
        (60, {"url": f"{SHOP}/"}, None),
        (5.3, {"url": f"{SHOP}/", "referrer": "https://www.google.com/"}, "80.00"),
        (1.2, {"url": f"{SHOP}/?utm_source=news&utm_medium=email"}, None),
    ],
}


def _tracker_batch(key: str, sent_ms: int) -> dict[str, Any]:
    """What tracker.js sends: client times in ms, moved onto the server's µs clock."""
    events: list[dict[str, Any]] = []
    for visitor, visits in VISITS.items():
        for n, (hours, landing, amount) in enumerate(visits):
            at = sent_ms - int(hours * HOUR_MS) + 137 * n  # odd milliseconds
            common = {"visitor_id": visitor, "consent": True}
            events.append({"name": "pageview", "ts": at, "event_id": f"{visitor}-{n}",
                           **landing, **common})  # fmt: skip
            if amount is not None:
                order = {"order_id": f"o-{visitor}-{n}", "revenue": amount, "currency": "EUR"}
                events.append({"name": "purchase", "ts": at + 61_003, "url": f"{SHOP}/thanks",
                               "event_id": f"{visitor}-{n}-buy", **order, **common})  # fmt: skip
    return {"key": key, "sent_at": sent_ms, "events": events}


def _reference_rows(sessions: pd.DataFrame) -> list[Row]:
    """Journeys by hand: each visitor's sessions in time order, split after a purchase."""
    rows: list[Row] = []
    ordered = sessions.sort_values(["visitor_id", "started_at", "session_id"])
    for _, mine in ordered.groupby("visitor_id"):
        path: list[str] = []
        for session in mine.to_dict("records"):
            path.append(session["channel"])
            if session["orders"] > 0:
                rows.append((tuple(path), 1.0, float(session["revenue"]), 0.0))
                path = []
        if path:
            rows.append((tuple(path), 0.0, 0.0, 1.0))
    return rows


def _time_decay_reference(sessions: pd.DataFrame) -> dict[str, float]:
    credit: dict[str, float] = {}
    for _, mine in sessions.sort_values(["visitor_id", "started_at"]).groupby("visitor_id"):
        current: list[dict[str, Any]] = []
        for session in mine.to_dict("records"):
            current.append(session)
            if session["orders"] > 0:
                end = session["started_at"]
                weights = [0.5 ** ((end - s["started_at"]) / pd.Timedelta(days=7)) for s in current]
                for s, weight in zip(current, weights, strict=True):
                    credit[s["channel"]] = credit.get(s["channel"], 0.0) + weight / sum(weights)
                current = []
    return credit


def _collect(tmp_path: Path) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """An empty data dir, one brand, and the tracker's events through the real collector."""
    data_dir = tmp_path / "data"
    services = Services.open(make_settings(data_dir), upgrade=True)
    brand = make_brand(services)
    with services.catalog.session() as session:
        for site in workspaces.get_workspace(session, brand.slug).sites:
            site.identity_mode = "first_party_id"
    app = create_app(services=services)
    answers: dict[str, Any] = {}
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        sent = client.post("/api/collect", json=_tracker_batch(brand.site_public_key,
                           int(time.time() * 1000)), headers={"user-agent": CHROME})  # fmt: skip
        assert sent.status_code == 202, sent.text
        assert app.state.collector.loader.wait_until_loaded(60)
        login(client, brand.email(), PASSWORD)
        for model in ModelName:
            answers[model.value] = client.get("/api/v1/attribution", params={"model": model.value})
        today = datetime.now(UTC).date()
        days = {"from": str(today - timedelta(days=4)), "to": str(today + timedelta(days=1))}
        answers["ranged"] = client.get("/api/v1/attribution", params=days)
        answers["far"] = client.get("/api/v1/attribution",
                                    params={"from": "0001-01-01", "to": "9999-12-31"})  # fmt: skip
        answers["page"] = client.get("/attribution")
    with services.warehouse.lock:
        table = services.warehouse.raw_table("sessions")
        stored = services.warehouse.backend.to_pyarrow(table).to_pandas()
    services.close()
    return data_dir, stored, answers


def test_microsecond_sessions_answer_on_api_page_and_cli(tmp_path: Path) -> None:
    data_dir, stored, answers = _collect(tmp_path)
    assert len(stored) == 9
    assert (stored.started_at.dt.microsecond % 1000 != 0).all()  # truly sub-millisecond
    rows = _reference_rows(stored)
    expected = every_model(rows, order=1)
    expected["markov"] = expected["markov_pooled"]
    expected["time_decay"] = {
        k: (v, float("nan")) for k, v in _time_decay_reference(stored).items()
    }
    for model in ModelName:
        response = answers[model.value]
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["journeys"], body["conversions"]) == (len(rows), 3)
        got = {row["label"]: row for row in body["rows"]}
        for label, (conversions, value) in expected[model.value].items():
            assert got[label]["conversions"] == pytest.approx(conversions, abs=1e-9), (model, label)
            if model is not ModelName.TIME_DECAY:
                assert float(got[label]["revenue"]) == pytest.approx(value, abs=0.006)
    for key in ("ranged", "far"):
        assert answers[key].status_code == 200, answers[key].text
        assert answers[key].json()["conversions"] == 3
    page = answers["page"]
    assert page.status_code == 200
    assert "Paid Social" in page.text
    assert 'id="comparison-chart"' in page.text
    cli = mercato(data_dir, "attribution", "--format", "json", PYTHONPATH=SRC)
    assert cli.returncode == 0, cli.stderr
    body = json.loads(cli.stdout)
    comparison = {row["label"]: row["conversions"] for row in body["comparison"]}
    for key in [*(m.value for m in ModelName if m is not ModelName.MARKOV), "markov_pooled"]:
        for label, (conversions, _) in expected[key].items():
            assert comparison[label][key] == pytest.approx(conversions, abs=1e-9), (key, label)
