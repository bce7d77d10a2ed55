"""Fuzzing every import format: a file, however malformed, is parsed or refused with Mercato's
own error naming where (file, line, column) — never another exception.

Each format starts from a well-formed file shaped like the real export; hypothesis then swaps
cells for hostile values, drops or duplicates columns, cuts the file short or replaces it with
arbitrary bytes. The parsers are called directly (nothing is written), so the suite is fast.
Seeded (`derandomize=True`); `MERCATO_FUZZ_EXAMPLES` raises the number of files per format.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.attribution.path_file import read_path_file
from mercato.collect.enrich import SiteConfig
from mercato.collect.importer import import_events
from mercato.collect.mapping import parse_mapping
from mercato.connectors.imports import KINDS, ImportOptions, prepare
from mercato.core.errors import MercatoError
from mercato.runtime import Services
from mercato.ugc.review_mapping import ReviewMapping
from mercato.ugc.reviews import parse_reviews
from tests.connectors import samples

EXAMPLES = int(os.environ.get("MERCATO_FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

HOSTILE_CELLS = [
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e309",
    "-1e309",
    "9" * 400,
    "-0",
    "0x1F",
    "1,2,3",
    "1.234.567,89",
    "12,34.5",
    "€ 12",
    "(12.00)",
    "12%",
    "--1",
    "2024-02-30",
    "2024-13-01T25:61:61Z",
    "0000-01-01",
    "9999-12-31T23:59:59.999999+14:00",
    "99999-01-01",
    "1970-01-01T00:00:00-23:59",
    "2024-09-03T10:00:00.1234567891Z",
    "1796186710.099638",
    "-62135596800",
    "javascript:alert(1)//",
    "http://[::1",
    "http://x:99999/",
    '=HYPERLINK("http://evil")',
    "<script>alert(1)</script>",
    "\x00",
    "\ufeff",
    "\u202e",
    "a" * 10_000,
    '{"a": [[[[[[[[[[]]]]]]]]]]}',
    "[" * 1200,
    "true",
    "null",
    "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45",  # full-width letters
]
CELL = st.sampled_from(HOSTILE_CELLS) | st.text(max_size=30)


def _rows(data: bytes, encoding: str = "utf-8-sig") -> tuple[list[list[str]], str]:
    text = data.decode(encoding)
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter)), delimiter


def _write(rows: list[list[str]], delimiter: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, encoding: str = "utf-8-sig") -> bytes:
    """`seed` with hostile edits; sometimes not a CSV at all."""
    how = draw(st.sampled_from(["cells", "cells", "columns", "cut", "bytes", "header_only"]))
    if how == "bytes":
        return draw(st.binary(max_size=400))
    if how == "cut":
        return seed[: draw(st.integers(0, len(seed)))]
    rows, delimiter = _rows(seed, encoding)
    if how == "header_only":
        return _write(rows[:1], delimiter)
    if how == "columns":
        header = rows[0]
        column = draw(st.integers(0, len(header) - 1))
        duplicate = draw(st.booleans())
        rows = [
            ([*row, row[column]] if duplicate else row[:column] + row[column + 1 :])
            if column < len(row)
            else row
            for row in rows
        ]
        if duplicate:
            rows[0][-1] = header[column]
    for _ in range(draw(st.integers(1, 4))):
        line = draw(st.integers(1, max(1, len(rows) - 1))) if len(rows) > 1 else 0
        if line < len(rows) and rows[line]:
            column = draw(st.integers(0, len(rows[line]) - 1))
            rows[line][column] = draw(CELL)
        if draw(st.booleans()) and line < len(rows):  # ragged: too many or too few cells
            rows[line] = rows[line][: draw(st.integers(0, len(rows[line])))] + draw(
                st.lists(CELL, max_size=2)
            )
    return _write(rows, delimiter)


TIKTOK_ADS = samples.csv_bytes(
    ["By Day", "Campaign name", "Ad group name", "Ad name", "Currency", "Cost", "Impressions",
     "Clicks (destination)", "Conversions"],
    [["2024-09-03", "Drop", "G1", "A", "USD", "1,234.56", "100,000", "900", "12"]],
)  # fmt: skip
PINTEREST_ADS = samples.csv_bytes(
    ["Date", "Campaign name", "Ad group name", "Spend in account currency", "Impressions",
     "Pin clicks", "Outbound clicks", "CTR", "Total conversions", "Checkouts",
     "Checkout value in account currency"],
    [["2024-09-03", "Pins", "G", "50.00", "7,000", "80", "40", "0.5%", "3", "2", "120.00"]],
)  # fmt: skip
PINS = samples.csv_bytes(
    ["Pin ID", "Created at", "Title", "Pin link", "Impressions", "Saves", "Pin clicks",
     "Outbound clicks", "Engagements"],
    [["9001", "2024-09-03 10:00", "Linen", "https://pinterest.com/pin/9001/", "1,200", "30",
      "44", "12", "86"]],
)  # fmt: skip
TIKTOK_POSTS = samples.csv_bytes(
    ["Video title", "Video link", "Post time", "Total views", "Total likes", "Total comments",
     "Total shares"],
    [["Drop", "https://www.tiktok.com/@acme/video/7412345678901234567", "September 3", "10,400",
      "800", "31", "12"]],
)  # fmt: skip
X_OVERVIEW = samples.csv_bytes(
    ["Date", "Impressions", "Likes", "Engagements", "New follows", "Unfollows"],
    [["Tue, Sep 03, 2024", "1,234", "40", "77", "5", "1"]],
)  # fmt: skip
ORDERS = samples.csv_bytes(
    ["Bestellung", "Datum", "Betrag", "Rabatt", "Gutschein", "Art", "Menge", "Preis"],
    [["B-1", "2024-09-03 10:00:00", "1.299,00", "100,00", "HERBST", "A-1", "1", "1.299,00"],
     ["B-1", "2024-09-03 10:00:00", "1.299,00", "100,00", "HERBST", "A-2", "2", "0,50"]],
    delimiter=";",
)  # fmt: skip
ORDERS_MAPPING = {
    "order_id": "Bestellung", "placed_at": "Datum", "gross": "Betrag", "discounts": "Rabatt",
    "coupon_codes": "Gutschein", "sku": "Art", "quantity": "Menge", "unit_price": "Preis",
    "defaults": {"currency": "EUR"}, "number_locale": "de",
}  # fmt: skip
PRODUCTS = samples.csv_bytes(
    ["Art", "Name", "Preis", "Linie", "Link"],
    [["A-1", "Mantel", "1.299,00", "Winter", "https://shop.example/a-1"]],
    delimiter=";",
)
PRODUCTS_MAPPING = {
    "sku": "Art", "title": "Name", "price": "Preis", "product_line": "Linie", "url": "Link",
    "defaults": {"currency": "EUR"}, "number_locale": "de",
}  # fmt: skip
GENERIC_MAPPING = {
    "platform": "pinterest", "post_id": "Pin ID", "posted_at": "Created at", "caption": "Title",
    "permalink": "Pin link", "metrics": {"Impressions": "views", "Saves": "saves"},
}  # fmt: skip
EVENTS = samples.csv_bytes(
    ["event_id", "ts", "name", "visitor_id", "session_id", "order_id", "revenue", "currency"],
    [["e1", "2024-09-14T14:03:22.123456Z", "page_view", "v1", "s1", "", "", ""],
     ["e2", "2024-09-14T10:05:00-04:00", "purchase", "v1", "s1", "#1001", "120.00", "USD"]],
)  # fmt: skip

# kind -> (file name, well-formed file, extra import options)
SEEDS: dict[str, tuple[str, bytes, dict[str, Any]]] = {
    "orders-shopify": ("orders_export.csv", samples.shopify_orders_file(), {}),
    "orders-csv": ("orders.csv", ORDERS, {"mapping": ORDERS_MAPPING}),
    "products-shopify": ("products_export.csv", samples.shopify_products_file(), {}),
    "products-csv": ("products.csv", PRODUCTS, {"mapping": PRODUCTS_MAPPING}),
    "meta-posts": ("ig_posts.csv", samples.meta_posts_instagram(True), {}),
    "meta-daily": ("Follows.csv", samples.meta_daily_utf16(), {"platform": "facebook"}),
    "tiktok-posts": ("Content.csv", TIKTOK_POSTS, {}),
    "tiktok-daily": ("Overview.csv", samples.tiktok_overview(), {}),
    "x-posts": ("account_analytics_content.csv", samples.x_content_file(), {}),
    "x-daily": ("account_overview_analytics.csv", X_OVERVIEW, {}),
    "pinterest-posts": ("pins.csv", PINS, {}),
    "meta-ads": ("ads.csv", samples.meta_ads_file(), {}),
    "tiktok-ads": ("tiktok.csv", TIKTOK_ADS, {}),
    "pinterest-ads": ("pinterest.csv", PINTEREST_ADS, {}),
    "generic": ("pins.csv", PINS, {"mapping": GENERIC_MAPPING}),
    "events-csv": ("events.csv", EVENTS, {}),
}


def _assert_clear(error: MercatoError) -> None:
    location = getattr(error, "location", None)
    assert location, f"{type(error).__name__} without a location: {error}"
    assert str(error).strip()


def _parses_or_refuses(parse: Callable[[], object]) -> None:
    try:
        parse()
    except MercatoError as error:
        _assert_clear(error)


def test_every_import_kind_has_a_fuzz_seed() -> None:
    assert set(SEEDS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_import_parsers_refuse_hostile_files_clearly(kind: str) -> None:
    name, seed, extra = SEEDS[kind]
    options = ImportOptions(workspace_id="ws", account_id="acct", **extra)
    prepare(kind, [(name, seed)], options)  # the seed itself is well-formed
    encoding = "utf-16" if kind == "meta-daily" else "utf-8-sig"

    @FUZZ
    @given(data=mutated(seed if kind != "meta-daily" else _utf8(seed), encoding="utf-8-sig"))
    def fuzz(data: bytes) -> None:
        sent = data.decode("utf-8", "replace").encode(encoding) if kind == "meta-daily" else data
        _parses_or_refuses(lambda: prepare(kind, [(name, sent)], options))

    fuzz()


def _utf8(utf16: bytes) -> bytes:
    return utf16.decode("utf-16").encode("utf-8")


REVIEWS = samples.csv_bytes(
    ["Artikel", "Sterne", "Titel", "Text", "Fotos", "Von", "Am", "Produktname"],
    [["DR-1", "5", "Lovely", "Fits well", "https://cdn.example/p1.jpg", "Ana",
      "2024-09-03T10:00:00+02:00", "Linen Dress"]],
)  # fmt: skip
REVIEW_MAPPING = {
    "product_sku": "Artikel", "rating": "Sterne", "title": "Titel", "text": "Text",
    "photo_urls": "Fotos", "author": "Von", "date": "Am", "product_title": "Produktname",
}  # fmt: skip


def test_reviews_parser_refuses_hostile_files_clearly() -> None:
    mapping = ReviewMapping.parse(REVIEW_MAPPING, "mapping.json")
    assert parse_reviews("reviews.csv", REVIEWS.decode(), mapping)

    @FUZZ
    @given(data=mutated(REVIEWS))
    def fuzz(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        _parses_or_refuses(lambda: parse_reviews("reviews.csv", text, mapping))

    fuzz()


PATHS = (
    b"path;total_conversions;total_conversion_value;total_null\r\n"
    b"facebook > email;3;120.5;10\r\ninstagram;0;0;4\r\nemail > email > direct;1;40;0\r\n"
)


def test_path_file_parser_refuses_hostile_files_clearly() -> None:
    assert read_path_file(PATHS.decode(), "paths.csv")

    @FUZZ
    @given(data=mutated(PATHS))
    def fuzz(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        _parses_or_refuses(lambda: read_path_file(text, "paths.csv"))

    fuzz()


EVENT_MAPPING = {
    "optional": ["order_id", "revenue", "currency", "items", "referrer"],
    "columns": {
        "event_id": "id", "ts": "at", "name": "event", "visitor_id": "visitor",
        "user_agent": "agent", "order_id": "order", "revenue": "revenue",
        "currency": "currency", "items": "items", "url": "page", "referrer": "ref",
    },
    "events": {"pageview": ["page_view"], "purchase": ["purchase"]},
}  # fmt: skip
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
ITEMS = json.dumps([{"item_id": "A-1", "item_name": "Dress", "price": 49.5, "quantity": 2}])
EVENT_LOG = samples.csv_bytes(
    ["id", "at", "event", "visitor", "agent", "order", "revenue", "currency", "items", "page",
     "ref"],
    [["e1", "2024-09-14T14:03:22.123456Z", "page_view", "v1", CHROME, "", "", "", "",
      "https://shop.example/", "https://www.google.com/"],
     ["e2", "2024-09-14T16:05:00.5-04:00", "purchase", "v1", CHROME, "#1001", "120.00", "EUR",
      ITEMS, "https://shop.example/thanks", ""]],
)  # fmt: skip


def _ndjson(csv_data: bytes) -> bytes:
    rows, _ = _rows(csv_data)
    return b"\n".join(
        json.dumps(dict(zip(rows[0], row, strict=False))).encode() for row in rows[1:]
    )


@pytest.mark.parametrize("suffix", ["csv", "ndjson"])
def test_event_log_import_refuses_hostile_rows_clearly(
    services: Services, tmp_path: Path, suffix: str
) -> None:
    """Event logs go through the importer with a mapping (it writes nothing when a row is bad)."""
    mapping = parse_mapping(EVENT_MAPPING)
    site = SiteConfig(site_id="site", workspace_id="ws", domain="shop.example")
    counter = iter(range(10_000))

    @FUZZ
    @given(data=mutated(EVENT_LOG), skip_bad_rows=st.booleans())
    def fuzz(data: bytes, skip_bad_rows: bool) -> None:
        path = tmp_path / f"log-{next(counter)}.{suffix}"
        path.write_bytes(_ndjson(data) if suffix == "ndjson" and _is_csv(data) else data)
        _parses_or_refuses(
            lambda: import_events(
                services.warehouse, [path], mapping, site, skip_bad_rows=skip_bad_rows
            )
        )

    fuzz()


def _is_csv(data: bytes) -> bool:
    try:
        return bool(_rows(data)[0])
    except (UnicodeDecodeError, IndexError, csv.Error):
        return False


ACCOUNT_OF = {
    "meta-posts": "instagram", "meta-daily": "facebook", "tiktok-posts": "tiktok",
    "tiktok-daily": "tiktok", "x-posts": "x", "x-daily": "x", "pinterest-posts": "pinterest",
    "generic": "pinterest",
}  # fmt: skip


def _hostile(seed: bytes, encoding: str) -> bytes:
    """The seed's header over one row of hostile cells: a lone carriage return, an amount too
    long to hold, a date past year 9999, an unclosed IPv6 URL."""
    rows, delimiter = _rows(seed.decode(encoding).encode())
    cells = ["9" * 400, "9999-12-31T23:59:59Z", "x\ry", "http://[::1", "NaN"]
    hostile = [cells[i % len(cells)] for i in range(len(rows[0]))]
    return _write([rows[0], hostile], delimiter).decode().encode(encoding)


@pytest.mark.slow
def test_every_import_command_refuses_a_hostile_file_without_a_traceback(tmp_path: Path) -> None:
    """One `mercato import <kind>` per format from an empty data dir, as a user runs it."""
    from tests.cli.test_cli import mercato

    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    for platform in sorted(set(ACCOUNT_OF.values())):
        added = mercato(
            data, "accounts", "add", platform, f"{platform}-acme", "--workspace", "acme"
        )
        assert added.returncode == 0, added.stderr
    for kind, (name, seed, extra) in sorted(SEEDS.items()):
        encoding = "utf-16" if kind == "meta-daily" else "utf-8-sig"
        path = tmp_path / name
        path.write_bytes(_hostile(seed, encoding))
        account_platform = ACCOUNT_OF.get(kind)
        options = ["--account", f"{account_platform}-acme"] if account_platform else []
        if "platform" in extra:
            options += ["--platform", extra["platform"]]
        if "mapping" in extra:
            mapping = tmp_path / f"{kind}.json"
            mapping.write_text(json.dumps(extra["mapping"]))
            options += ["--mapping", str(mapping)]
        run = mercato(data, "import", kind, str(path), "--workspace", "acme", *options)
        assert run.returncode != 0, (kind, run.stdout)
        assert "Traceback" not in run.stderr, (kind, run.stderr)
        assert f"{name}:" in run.stderr or f"{name} " in run.stderr, (kind, run.stderr)
    mapping = tmp_path / "events.toml"
    mapping.write_text(_toml(EVENT_MAPPING))
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps(REVIEW_MAPPING))
    workspace = ["--workspace", "acme"]
    others = {
        "reviews.csv": (REVIEWS, ["ugc", "import-reviews", *workspace, "--mapping", str(reviews)]),
        "paths.csv": (PATHS, ["attribution", "--paths"]),
        "log.csv": (EVENT_LOG, ["import", "events", *workspace, "--mapping", str(mapping),
                                "--site", "shop.example"]),
    }  # fmt: skip
    for name, (seed, command) in others.items():
        (tmp_path / name).write_bytes(_hostile(seed, "utf-8"))
        run = mercato(data, *command, str(tmp_path / name))
        assert run.returncode != 0, (name, run.stdout)
        assert "Traceback" not in run.stderr, (name, run.stderr)
        assert name in run.stderr + run.stdout, (name, run.stderr)


def _toml(mapping: dict[str, Any]) -> str:
    lines = [f"optional = {json.dumps(mapping['optional'])}", "[columns]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in mapping["columns"].items()]
    lines += ["[events]"] + [f"{k} = {json.dumps(v)}" for k, v in mapping["events"].items()]
    return "\n".join(lines) + "\n"
