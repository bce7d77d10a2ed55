"""A From after its To gets one clear message on every page, API and CLI command that takes a
range — never a silent swap, never raw JSON on a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mercato.core.scopes import Scope
from mercato.runtime import Services
from tests.cli.test_cli import mercato
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import login

TODAY = datetime.now(UTC).date()
LATER, EARLIER = str(TODAY - timedelta(days=3)), str(TODAY - timedelta(days=10))
MESSAGE = f"From ({LATER}) is after To ({EARLIER}): choose a From on or before To"

PAGES = [
    ("/", {"start": LATER, "end": EARLIER}),
    ("/funnel", {"start": LATER, "end": EARLIER}),
    ("/traffic", {"start": LATER, "end": EARLIER}),
    ("/attribution", {"start": LATER, "end": EARLIER}),
]
APIS = [
    ("/api/v1/kpis", {"start": LATER, "end": EARLIER}),
    ("/api/v1/traffic", {"start": LATER, "end": EARLIER}),
    ("/api/v1/attribution", {"from": LATER, "to": EARLIER}),
    ("/api/v1/sessions-before-purchase", {"start": LATER, "end": EARLIER}),
    ("/api/v1/galleries/performance", {"start": f"{LATER}T00:00:00", "end": EARLIER}),
]


@pytest.mark.parametrize(("path", "query"), PAGES)
def test_pages_say_it_in_html(
    services: Services, brand: Brand, live_server: str, path: str, query: dict[str, str]
) -> None:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        login(client, brand.email(), PASSWORD)
        response = client.get(path, params=query, headers={"accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert MESSAGE in response.text


def test_the_api_says_it_as_an_error(services: Services, brand: Brand, live_server: str) -> None:
    token = make_token(services, brand, [Scope.ANALYTICS_READ, Scope.UGC_READ, Scope.ADMIN])
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        for path, query in APIS:
            response = client.get(path, params=query)
            assert response.status_code == 422, (path, response.text)
            error = response.json()["error"]
            assert error["code"] == "range_reversed", path
            assert MESSAGE in error["message"], path
        goal = {"kpi_id": "sessions", "period_start": LATER, "period_end": EARLIER, "target": 10}
        created = client.post("/api/v1/kpi-goals", json=goal)
    assert created.status_code == 422
    assert MESSAGE in created.json()["error"]["message"]


@pytest.mark.slow
def test_the_cli_says_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    range_ = ("--from", LATER, "--to", EARLIER)
    for args in (
        ("report", "-w", "acme", *range_),
        ("attribution", "--workspace", "acme", *range_),
        ("goals", "set", "--workspace", "acme", "--kpi", "sessions", *range_, "--target", "5"),
    ):
        result = mercato(data, *args)
        assert result.returncode == 2, args
        assert MESSAGE in " ".join(result.stderr.split()), (args, result.stderr)
