"""Hostile request material for fuzzing the public routes: URLs, text, JSON bodies with
tokens Python never writes (NaN, 1e400, 1000-deep arrays), platform-shaped webhook payloads
and broken forms."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import strategies as st

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


def nested(depth: int) -> bytes:
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
        nested(1200),
        nested(5000),
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


QUERY_VALUES = st.sampled_from(HOSTILE_URLS + HOSTILE_TEXT) | st.text(max_size=20)


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
