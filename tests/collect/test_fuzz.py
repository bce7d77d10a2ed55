"""Fuzzing the public intake: no payload, however malformed, gets a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.collect.conftest import CHROME
from tests.support.brands import Brand, make_token

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = [
    "name",
    "url",
    "referrer",
    "event_id",
    "ts",
    "visitor_id",
    "consent",
    "engaged_ms",
    "scroll_pct",
    "props",
    "attribution",
    "order_id",
    "revenue",
    "currency",
    "items",
    "form",
]


@pytest.fixture
def app(services: Services, brand: Brand) -> Iterator[FastAPI]:
    application = create_app(services=services)
    application.state.collector.start()
    yield application
    application.state.collector.stop()


def _event(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    return {**base, **overrides}


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    shape=st.sampled_from(["single", "batch", "raw", "json"]),
    overrides=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4),
    raw=st.binary(max_size=300),
    document=JSON,
)
def test_collect_never_answers_5xx(
    app: FastAPI, brand: Brand, shape: str, overrides: dict[str, Any], raw: bytes, document: Any
) -> None:
    valid = {"name": "pageview", "url": "https://acme.example/"}
    if shape == "single":
        body = json.dumps({"key": brand.site_public_key, **_event(valid, overrides)}).encode()
    elif shape == "batch":
        body = json.dumps(
            {"key": brand.site_public_key, "events": [_event(valid, overrides)]}
        ).encode()
    elif shape == "raw":
        body = raw
    else:
        body = json.dumps(document).encode()
    with TestClient(app) as client:
        response = client.post(
            "/api/collect",
            content=body,
            headers={"content-type": "text/plain", "user-agent": CHROME},
        )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["message"]


INTAKE = [
    "/api/collect",
    "/api/v1/cdp/track",
    "/api/v1/cdp/page",
    "/api/v1/cdp/identify",
    "/api/v1/cdp/batch",
    "/api/v1/cdp/screen",
    "/api/v1/cdp/alias",
    "/api/v1/cdp/group",
    "/v1/track",
    "/v1/page",
    "/v1/identify",
    "/v1/alias",
    "/v1/batch",
]


@pytest.mark.parametrize("path", INTAKE)
def test_intake_openapi_no_5xx(app: FastAPI, services: Services, brand: Brand, path: str) -> None:
    """Schemathesis generates bodies from the published OpenAPI schema of each intake route."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operation = schema[path]["POST"]
    token = make_token(services, brand, [Scope.EVENTS_WRITE])
    headers = {"Authorization": f"Bearer {token}", "user-agent": CHROME}

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        if path == "/api/collect" and isinstance(case.body, dict) and "key" in case.body:
            case.body["key"] = brand.site_public_key
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text

    check()
