"""Fuzzing every public route over the real server: no request, however hostile, gets a 5xx or
loses the keep-alive connection it came on.

The routes are found by walking the app (the `public` tag, as tests/web/test_auth.py does), so a
new public route is fuzzed without editing this file. Requests go over one raw keep-alive socket
(tests/support/raw_http.py) so that bytes a polite client refuses to send (invalid UTF-8, broken
percent-encoding, garbage multipart boundaries, oversize headers) reach the server; after each
answer the same connection must still serve `/healthz`. Signed webhooks are signed with the
workspace's real secrets about half the time, so hostile payloads get past the signature check.

Seeded (`derandomize=True`); `MERCATO_FUZZ_EXAMPLES` raises the number of requests per route.
"""

import base64
import hashlib
import hmac
import json
import os
import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzz_site import META_SECRET, META_VERIFY, SHOPIFY_SECRET, FuzzSite
from tests.support.fuzz_site import fuzz_site as fuzz_site  # the fixture
from tests.support.hostile_payloads import (
    BODY_JSON_KEYS,
    CONTENT_TYPES,
    HOSTILE_BODIES,
    HOSTILE_LEAF,
    HOSTILE_URLS,
    JSON_DOCS,
    QUERY_KEYS,
    QUERY_VALUES,
    RAW_SEGMENTS,
    encode,
    form_body,
    meta_payload,
    nested,
    shopify_payload,
)
from tests.support.raw_http import RawConnection, RawResponse
from tests.support.routes import RouteInfo

EXAMPLES = int(os.environ.get("MERCATO_FUZZ_EXAMPLES", "30"))
CHROME = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
Request = tuple[str, bytes, list[tuple[bytes, bytes]], bytes]
SHOPIFY_TOPICS = [b"orders/create", b"orders/updated", b"refunds/create"]


@st.composite
def _path(draw: st.DrawFn, route: RouteInfo, params: dict[str, list[str]]) -> bytes:
    def segment(match: re.Match[str]) -> str:
        known = params.get(match.group(1), [])
        if known and draw(st.booleans()):
            return "\x00KNOWN" + draw(st.sampled_from(known)) + "\x00"
        return "\x00RAW" + str(draw(st.integers(0, len(RAW_SEGMENTS) - 1))) + "\x00"

    template = re.sub(r"\{([^}]+)\}", segment, route.path)
    out = b""
    for piece in template.split("\x00"):
        if piece.startswith("KNOWN"):
            out += piece[5:].encode()
        elif piece.startswith("RAW"):
            out += RAW_SEGMENTS[int(piece[3:])]
        else:
            out += piece.encode()
    return out


@st.composite
def _query(draw: st.DrawFn, route: RouteInfo) -> bytes:
    pairs = draw(st.lists(st.tuples(st.sampled_from(QUERY_KEYS), QUERY_VALUES), max_size=4))
    if route.path.startswith("/g/") and draw(st.booleans()):  # the embedding page's address
        pairs.append(
            (draw(st.sampled_from(["url", "product"])), draw(st.sampled_from(HOSTILE_URLS)))
        )
    if route.path.startswith("/hooks/meta") and draw(st.booleans()):
        pairs += [("hub.mode", "subscribe"), ("hub.verify_token", META_VERIFY)]
    if not pairs:
        return b""
    raw = draw(st.booleans())  # unquoted: `%zz`, `%FF` and friends reach the server as they are
    encoded = [
        (k + "=" + v).encode() if raw else httpx.QueryParams({k: v}).__str__().encode()
        for k, v in pairs
    ]
    return b"?" + b"&".join(encoded)


@st.composite
def _body(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["hostile", "json", "object", "binary"]))
    if kind == "hostile":
        return draw(HOSTILE_BODIES)
    if kind == "binary":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(JSON_DOCS)).encode()
    document = draw(st.dictionaries(st.sampled_from(BODY_JSON_KEYS), JSON_DOCS, max_size=6))
    return json.dumps(document).encode()


def _signatures(route: RouteInfo, body: bytes) -> list[tuple[bytes, bytes]]:
    if route.path.startswith("/hooks/shopify"):
        digest = hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
        return [(b"X-Shopify-Hmac-Sha256", base64.b64encode(digest))]
    if route.path.startswith("/hooks/meta"):
        digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return [(b"X-Hub-Signature-256", b"sha256=" + digest.encode())]
    return []


EXTRA_HEADERS = st.sampled_from(
    [
        (b"X-Shopify-Topic", b"orders/create"),
        (b"X-Shopify-Topic", b"orders/updated"),
        (b"X-Shopify-Topic", b"refunds/create"),
        (b"X-Shopify-Topic", b"\xff\xfe"),
        (b"X-Shopify-Triggered-At", b"not a time"),
        (b"X-Shopify-Triggered-At", b"9999-99-99T99:99:99Z"),
        (b"X-Shopify-Webhook-Id", b"a" * 2000),
        (b"Origin", b"https://evil.example"),
        (b"Origin", b"null"),
        (b"Origin", b"http://[::1"),
        (b"Referer", b"http://x:99999/"),
        (b"Accept-Language", b"\xff;q=NaN"),
        (b"If-None-Match", b'W/"\xff", *, "' + b"e" * 500 + b'"'),
        (b"X-Forwarded-For", b"999.999.999.999, ::zz, \xff"),
        (b"X-Forwarded-Proto", b"gopher"),
        (b"Cookie", b"mercato_session=%zz; x=\xff"),
        (b"Authorization", b"Bearer \xff\xfe"),
        (b"Authorization", b"Basic " + b"=" * 50),
        (b"Range", b"bytes=9999999999-1"),
        (b"X-Fuzz-Oversize", b"o" * 12000),
    ]
)


@st.composite
def _request(draw: st.DrawFn, site: FuzzSite) -> Request:
    route = draw(st.sampled_from(site.routes))
    target = draw(_path(route, site.params)) + draw(_query(route))
    headers: list[tuple[bytes, bytes]] = [(b"User-Agent", CHROME)]
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    body = draw(_body()) if route.method == "POST" else b""
    if route.method == "POST" and draw(st.booleans()):  # shaped like what the route expects
        if route.path.startswith("/hooks/shopify"):
            body = draw(shopify_payload())
            headers.append((b"X-Shopify-Topic", draw(st.sampled_from(SHOPIFY_TOPICS))))
        elif route.path.startswith("/hooks/meta"):
            body = draw(meta_payload())
        elif route.path.startswith("/api/"):
            body = encode(draw(st.dictionaries(st.sampled_from(BODY_JSON_KEYS), HOSTILE_LEAF)))
        else:
            content_type, body = draw(form_body(site.csrf))
    if content_type is not None:
        headers.append((b"Content-Type", content_type))
    if draw(st.booleans()):
        headers += _signatures(route, body)
    if draw(st.booleans()):  # a visitor who opened a form: the CSRF check passes
        headers += [(b"Cookie", site.cookie.encode()), (b"X-CSRF-Token", site.csrf.encode())]
    headers += draw(st.lists(EXTRA_HEADERS, max_size=3))
    return route.method, target, headers, body


def _check(connection: RawConnection, answer: RawResponse, what: str) -> None:
    assert answer.status < 500, f"{what} -> {answer.status}: {answer.body[:2000]!r}"
    if not answer.closes:  # the same keep-alive connection still serves the next request
        follow = connection.request("GET", b"/healthz", reconnect=False)
        assert follow.status == 200, f"after {what}: {follow.status}"


@pytest.mark.slow
def test_no_public_route_answers_5xx_or_drops_the_connection(fuzz_site: FuzzSite) -> None:
    covered = {(r.method, r.path) for r in fuzz_site.routes}
    assert {("POST", "/api/collect"), ("GET", "/g/{gallery_id}.json"), ("POST", "/u/{slug}")} <= (
        covered
    ), "the route walk found the public routes"

    with RawConnection(fuzz_site.base) as connection:

        @settings(
            max_examples=EXAMPLES * len(fuzz_site.routes),
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(request=_request(fuzz_site))
        def fuzz(request: Request) -> None:
            method, target, headers, body = request
            what = f"{method} {target[:300]!r} headers={repr(headers)[:600]} body={body[:600]!r}"
            _check(connection, connection.request(method, target, headers, body), what)

        fuzz()


def test_collect_survives_deep_nesting(fuzz_site: FuzzSite) -> None:
    with RawConnection(fuzz_site.base) as connection:
        for body in (nested(1200), b'{"key":' * 1200 + b"1" + b"}" * 1200):
            headers = [(b"Content-Type", b"text/plain"), (b"User-Agent", CHROME)]
            answer = connection.request("POST", b"/api/collect", headers, body)
            _check(connection, answer, f"POST /api/collect {body[:20]!r}…")
