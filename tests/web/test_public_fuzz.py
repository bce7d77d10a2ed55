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

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.catalog import team, workspaces
from mercato.connectors import meta_webhooks, shopify_webhooks
from mercato.core.scopes import Role
from mercato.core.settings import Settings
from mercato.web.app import create_app
from mercato.web.services import Services
from tests.galleries.support import make_shop
from tests.support.raw_http import RawConnection, RawResponse
from tests.support.routes import RouteInfo, walk
from tests.support.server import csrf_in, serve_app

EXAMPLES = int(os.environ.get("MERCATO_FUZZ_EXAMPLES", "30"))
SHOPIFY_SECRET = "shpss_fuzz_secret_0123456789"
META_SECRET = "meta_fuzz_app_secret_0123"
META_VERIFY = "verify-fuzz-token"
CHROME = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"

HOSTILE_URLS = [
    "http://[::1",
    "http://[::1]:80/",
    "http://x:99999/",
    "http://x:-1/",
    "http://:80",
    "https://acme.example:0/",
    "javascript:alert(1)//",
    "//evil.example/",
    "http://user:pw@[fe80::1%25eth0]/",
    "http://127.0.0.1/",
    "http://%zz/",
    "http://xn--/",
    "http://" + "a" * 300 + ".example/",
    "file:///etc/passwd",
    "",
]
HOSTILE_TEXT = [
    "%zz",
    "%",
    "%FF%FE",
    "%C3%28",
    "%00",
    "%E2%82",
    "..%2F..%2Fetc%2Fpasswd",
    "NaN",
    "-Infinity",
    "1e309",
    "9" * 400,
    "-1",
    "<script>alert(1)</script>",
    "a" * 5000,
]
QUERY_KEYS = [
    "url",
    "product",
    "sku",
    "page",
    "limit",
    "category",
    "thumb",
    "next",
    "ref",
    "lang",
    "hub.mode",
    "hub.verify_token",
    "hub.challenge",
    "key",
    "v",
]
RAW_SEGMENTS = [b"x", b"%zz", b"%FF%FE", b"\xff\xfe", b"%00", b"..%2F..", b"a" * 3000, b"%E2%82"]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_DOCS = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)
HOSTILE_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b'{"a":',
        b"[1,2,]",
        b"{'single': 'quotes'}",
        _nested(1200),
        _nested(5000),
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
        b'{"n": 1' + b"0" * 5000 + b"}",
        b'{"n": 1e999, "m": -1e999}',
        b'{"n": NaN, "m": Infinity, "o": -Infinity}',
        b"[NaN]",
        b'{"s": "\xff\xfe\xc3\x28"}',
        b"\xef\xbb\xbf{}",
        b"\x00" * 64,
        b"a=%zz&b=%&c=%FF%FE&csrf_token=%E2%82",
        b"--garbage\r\nContent-Disposition: form-data\r\n\r\nx\r\n--garbage--",
        b"--\r\n\r\n--",
        b"null",
        b'"just a string"',
    ]
)


class Literal(str):
    """A JSON token written as it is: `NaN`, `1e400`, a 1000-deep array."""


LITERALS = [
    Literal(t)
    for t in ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 400, "1e-400",
              "[" * 1200 + "]" * 1200, '"\\ud800"', "-0", "1.5e308", "123456789012345678901234")
]  # fmt: skip


def encode(document: Any) -> bytes:
    """JSON text that may carry literal tokens Python's encoder never writes."""
    if isinstance(document, Literal):
        return document.encode()
    if isinstance(document, dict):
        inner = b",".join(json.dumps(k).encode() + b":" + encode(v) for k, v in document.items())
        return b"{" + inner + b"}"
    if isinstance(document, list):
        return b"[" + b",".join(encode(v) for v in document) + b"]"
    return json.dumps(document).encode()


HOSTILE_LEAF = (
    st.sampled_from(LITERALS)
    | st.sampled_from(HOSTILE_TEXT + HOSTILE_URLS)
    | JSON_SCALARS
    | st.lists(JSON_SCALARS, max_size=2)
    | st.just({})
)


def _now_iso() -> str:
    from mercato.core.timeutil import utcnow

    return utcnow().isoformat() + "Z"


SHOPIFY_ORDER_KEYS = [
    "id", "order_id", "name", "created_at", "updated_at", "currency", "subtotal_price",
    "total_price", "total_discounts", "total_tax", "financial_status", "cancelled_at",
    "landing_site", "customer", "discount_codes", "shipping_lines", "line_items", "refunds",
    "transactions", "refund_line_items", "total_shipping_price_set",
]  # fmt: skip
LINE_KEYS = ["id", "sku", "title", "quantity", "price", "total_discount", "subtotal", "amount"]


@st.composite
def shopify_payload(draw: st.DrawFn) -> bytes:
    """A plausible order or refund with hostile values in some fields."""
    now = _now_iso()
    document: dict[str, Any] = {
        "id": draw(st.integers(1, 10**6)), "order_id": draw(st.integers(1, 10**6)),
        "created_at": now, "updated_at": now, "currency": "USD", "subtotal_price": "10.00",
        "line_items": [{"id": 1, "sku": "DR-1", "quantity": 1, "price": "10.00"}],
        "transactions": [{"amount": "5.00", "kind": "refund"}],
    }  # fmt: skip
    for key in draw(st.lists(st.sampled_from(SHOPIFY_ORDER_KEYS), max_size=3)):
        document[key] = draw(HOSTILE_LEAF)
    for key in draw(st.lists(st.sampled_from(LINE_KEYS), max_size=2)):
        line = {"id": 2, "quantity": 1, "price": "1.00", key: draw(HOSTILE_LEAF)}
        document[draw(st.sampled_from(["line_items", "refund_line_items", "transactions"]))] = [
            line
        ]
    return encode(document)


@st.composite
def meta_payload(draw: st.DrawFn) -> bytes:
    change = {"field": "mentions", "value": {"media_id": "17890", "comment_id": "1789"}}
    entry: dict[str, Any] = {"id": "1784", "time": 1_700_000_000, "changes": [change]}
    for key in draw(st.lists(st.sampled_from(["id", "time", "changes"]), max_size=2)):
        entry[key] = draw(HOSTILE_LEAF)
    if draw(st.booleans()):
        change["value"] = draw(HOSTILE_LEAF)
    document = {"object": "instagram", "entry": draw(st.sampled_from([[entry], entry, [1]]))}
    return encode(document)


FORM_FIELDS = [
    "email", "password", "name", "display_name", "workspace_name", "time_zone", "currency",
    "next", "consent", "caption", "handle", "new_password", "current_password",
]  # fmt: skip


@st.composite
def form_body(draw: st.DrawFn, csrf: str) -> tuple[bytes, bytes]:
    """(content type, body): urlencoded or multipart, sometimes broken on purpose."""
    fields = [("csrf_token", csrf)] if draw(st.booleans()) else []
    fields += draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS), QUERY_VALUES), max_size=5))
    if draw(st.booleans()):
        encoded = b"&".join(
            (httpx.QueryParams({k: v}).__str__() if draw(st.booleans()) else f"{k}={v}").encode()
            for k, v in fields
        )
        return b"application/x-www-form-urlencoded", encoded
    boundary = draw(st.sampled_from([b"fuzzBoundary", b"a", b"x" * 70]))
    parts = b"".join(
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + k.encode() + b'"\r\n\r\n'
        + v.encode("utf-8", "surrogatepass") + b"\r\n"
        for k, v in fields
    )  # fmt: skip
    filename = draw(st.sampled_from([b"a.jpg", b"", b"../../etc/passwd", b"\xff\xfe.png", b'"']))
    payload = draw(st.sampled_from([b"\xff\xd8\xff\xe0" + b"0" * 64, b"", b"GIF89a", b"\x00" * 9]))
    parts += (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + payload + b"\r\n"
    )  # fmt: skip
    ending = draw(st.sampled_from([b"--" + boundary + b"--\r\n", b"", b"--" + boundary]))
    declared = draw(st.sampled_from([boundary, boundary + b"x", b""]))
    return b"multipart/form-data; boundary=" + declared, parts + ending


BODY_JSON_KEYS = [
    "id",
    "entry",
    "time",
    "changes",
    "refunds",
    "line_items",
    "total_price",
    "currency",
    "updated_at",
    "created_at",
    "customer",
    "email",
    "name",
    "url",
    "order_id",
    "transactions",
    "field",
    "value",
]
CONTENT_TYPES = [
    None,
    b"application/json",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"multipart/form-data; boundary=",
    b"multipart/form-data; boundary=garbage",
    b'multipart/form-data; boundary="' + b"b" * 300 + b'"',
    b"application/json; charset=utf-16",
    b"text/html; charset=\xff",
    b"image/jpeg",
]


Request = tuple[str, bytes, list[tuple[bytes, bytes]], bytes]
SHOPIFY_TOPICS = [b"orders/create", b"orders/updated", b"refunds/create"]


@dataclass(frozen=True)
class FuzzSite:
    base: str
    routes: list[RouteInfo]
    params: dict[str, list[str]]
    cookie: str
    csrf: str


def _fuzz_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key="fuzz-" + "k" * 40,
        time_zone="UTC",
        hooks_rate_limit_per_minute=1_000_000,
        upload_rate_limit_per_minute=1_000_000,
    )


@pytest.fixture
def fuzz_site(tmp_path: Path) -> Iterator[FuzzSite]:
    """A shop with galleries, UGC media, webhook secrets and an invitation, served over loopback."""
    services = Services.open(_fuzz_settings(tmp_path / "data"), upgrade=True)
    shop = make_shop(services)
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        shopify_webhooks.set_webhook_secret(session, workspace.id, SHOPIFY_SECRET)
        meta_webhooks.set_secrets(session, workspace.id, META_SECRET, META_VERIFY)
        invitation = team.invite(
            session, workspace, email="new@acme.example", role=Role.VIEWER, created_by=None
        )
        media_ids = _media_ids(session)
    app = create_app(services=services)
    routes = [route for route in walk(app) if route.public]
    params = {
        "gallery_id": [shop.home, shop.pdp],
        "handle": [shop.brand.slug],
        "slug": [shop.brand.slug],
        "workspace": [shop.brand.slug],
        "media_id": media_ids,
        "secret": [invitation.secret],
        "name": ["swagger-ui.css", "swagger-ui-bundle.js"],
    }
    with serve_app(app) as base:
        with httpx.Client(base_url=base) as client:
            csrf = csrf_in(client.get(f"/u/{shop.brand.slug}").text)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        yield FuzzSite(base, routes, params, cookie, csrf)
    services.close()


def _media_ids(session: Any) -> list[str]:
    from sqlalchemy import select

    from mercato.catalog.models import UgcMedia

    return list(session.scalars(select(UgcMedia.id).limit(2)))


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


QUERY_VALUES = st.sampled_from(HOSTILE_URLS + HOSTILE_TEXT) | st.text(max_size=20)


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
            if target.startswith(b"/api/collect") and body.startswith(b"[" * 900):
                return  # owned by branch `collect`: test_collect_survives_deep_nesting below
            what = f"{method} {target[:300]!r} headers={repr(headers)[:600]} body={body[:600]!r}"
            _check(connection, connection.request(method, target, headers, body), what)

        fuzz()


@pytest.mark.xfail(
    strict=True,
    reason="issue 14: /api/collect parses 1000+ nested arrays into a RecursionError (500); "
    "the body/depth limits are reworked on branch `collect` — once merged this passes: "
    "remove this marker and the skip in the fuzz test above",
)
def test_collect_survives_deep_nesting(fuzz_site: FuzzSite) -> None:
    with RawConnection(fuzz_site.base) as connection:
        for body in (_nested(1200), b'{"key":' * 1200 + b"1" + b"}" * 1200):
            headers = [(b"Content-Type", b"text/plain"), (b"User-Agent", CHROME)]
            answer = connection.request("POST", b"/api/collect", headers, body)
            _check(connection, answer, f"POST /api/collect {body[:20]!r}…")
