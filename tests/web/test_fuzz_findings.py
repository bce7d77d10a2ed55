"""Regressions for what the public-route fuzzer found: each request once answered 500 and reset
the keep-alive connection; now each is a 4xx naming the field (or served), and the connection
stays open."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mercato.core import strict_json
from mercato.core.timeutil import utcnow
from tests.support.fuzz_site import META_SECRET, SHOPIFY_SECRET, FuzzSite
from tests.support.fuzz_site import fuzz_site as fuzz_site  # the fixture
from tests.support.raw_http import RawConnection, RawResponse


def _send(
    site: FuzzSite, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> RawResponse:
    with RawConnection(site.base) as connection:
        answer = connection.request("POST" if body else "GET", target, headers, body)
        assert answer.status < 500, answer.body[:500]
        assert connection.request("GET", b"/healthz", reconnect=False).status == 200
        return answer


@pytest.mark.parametrize("url", [b"http://[::1", b"http://[fe80::1%25/", b"http://%5B::1"])
def test_gallery_with_an_unparseable_page_url_is_served(fuzz_site: FuzzSite, url: bytes) -> None:
    gallery = fuzz_site.params["gallery_id"][1]  # the product gallery reads the page's URL
    for suffix in (b".json", b".html"):
        target = b"/g/" + gallery.encode() + suffix + b"?url=" + url
        assert _send(fuzz_site, target, []).status == 200


def _meta(body: bytes) -> list[tuple[bytes, bytes]]:
    digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return [(b"X-Hub-Signature-256", b"sha256=" + digest.encode())]


@pytest.mark.parametrize("time", [b"1e20", b"99999999999999999999999999", b"1e400", b"Infinity"])
def test_meta_delivery_with_an_impossible_entry_time_is_refused(
    fuzz_site: FuzzSite, time: bytes
) -> None:
    body = b'{"object":"instagram","entry":[{"id":"1784","time":' + time + b',"changes":[]}]}'
    answer = _send(fuzz_site, b"/hooks/meta/acme", _meta(body), body)
    assert answer.status in (400, 422), answer.body
    assert b"entry[0].time" in answer.body or b"not a JSON object" in answer.body  # inf: no JSON


def _shopify(body: bytes, topic: bytes) -> list[tuple[bytes, bytes]]:
    digest = hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
    return [(b"X-Shopify-Hmac-Sha256", base64.b64encode(digest)), (b"X-Shopify-Topic", topic)]


@pytest.mark.parametrize("quantity", [b"1e400", b"Infinity", b"-Infinity", b"NaN"])
def test_signed_shopify_order_with_a_non_finite_number_is_refused(
    fuzz_site: FuzzSite, quantity: bytes
) -> None:
    now = utcnow().isoformat().encode() + b"Z"
    body = (
        b'{"id": 7, "created_at": "' + now + b'", "currency": "USD", "subtotal_price": "9.00",'
        b' "line_items": [{"id": 1, "sku": "DR-1", "price": "9.00", "quantity": ' + quantity
        + b"}]}"
    )  # fmt: skip
    answer = _send(fuzz_site, b"/hooks/shopify/acme", _shopify(body, b"orders/create"), body)
    assert answer.status == 400, answer.body
    assert b"not JSON" in answer.body


@pytest.mark.parametrize(
    "text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e400", "[-1e999]", '{"\\udc00": 1}']
)
def test_strict_json_refuses_what_rfc_8259_does_not_define(text: str) -> None:
    with pytest.raises(ValueError, match=r"number|surrogate"):
        strict_json.loads(text)
    assert strict_json.loads('{"a": [1.5, -0.0, 1e300]}') == {"a": [1.5, -0.0, 1e300]}


@pytest.mark.parametrize("field", [b"name", b"financial_status", b"landing_site"])
def test_signed_shopify_order_with_a_lone_surrogate_is_refused(
    fuzz_site: FuzzSite, field: bytes
) -> None:
    now = utcnow().isoformat().encode() + b"Z"
    body = (
        b'{"id": 8, "created_at": "' + now + b'", "currency": "USD", "subtotal_price": "9.00", "'
        + field + b'": "\\ud800"}'
    )  # fmt: skip
    answer = _send(fuzz_site, b"/hooks/shopify/acme", _shopify(body, b"orders/create"), body)
    assert answer.status == 400, answer.body
    assert b"not JSON" in answer.body
