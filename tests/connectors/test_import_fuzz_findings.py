"""Regressions for what the import fuzzer found: each file once crashed its parser with a
Python exception (a traceback in `mercato import`, a 500 on the upload form); now each is
refused with the file, line and column."""

from __future__ import annotations

import pytest

from mercato.connectors.imports import ImportOptions, prepare
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_amount
from mercato.ugc.reviews import parse_reviews
from tests.connectors import samples

OPTIONS = ImportOptions(workspace_id="ws", account_id="acct")


def _refused(kind: str, name: str, data: bytes, options: ImportOptions = OPTIONS) -> str:
    with pytest.raises(ValidationFailed) as refused:
        prepare(kind, [(name, data)], options)
    assert refused.value.location
    return refused.value.location


def test_a_lone_carriage_return_in_a_cell_names_the_line() -> None:
    broken = samples.shopify_orders_file().replace(b"#1001", b"#10\r01", 1)
    assert _refused("orders-shopify", "orders.csv", broken).startswith("orders.csv:")
    with pytest.raises(ValidationFailed) as refused:
        parse_reviews("reviews.csv", "product_sku,rating,author,date\r\nDR-1,5,A\rx,2024-09-03\r\n")
    assert refused.value.location == "reviews.csv:2"


def test_event_log_with_a_non_utf8_header_or_repeated_columns() -> None:
    assert _refused("events-csv", "events.csv", b"\x80event_id,ts\r\n1,2\r\n") == "events.csv:1"
    repeated = b"event_id,ts,name,visitor_id,event_id\r\ne1,2024-09-03T10:00:00Z,x,v,e1\r\n"
    assert _refused("events-csv", "events.csv", repeated) == "events.csv:1"


@pytest.mark.parametrize("digits", [400, 40])
def test_an_amount_too_long_to_hold_is_refused(digits: int) -> None:
    with pytest.raises(ValidationFailed, match="out of range") as refused:
        parse_amount("9" * digits, field="Spend", currency="USD")
    assert refused.value.location == "Spend"
    ads = samples.csv_bytes(
        ["Date", "Campaign name", "Spend in account currency", "Impressions"],
        [["2024-09-03", "Pins", "9" * digits, "7"]],
    )
    assert _refused("pinterest-ads", "p.csv", ads).startswith("p.csv:2")


@pytest.mark.parametrize("post_id", ["9" * 30, "\u00b2", "\u0663\u0664"])
def test_an_x_post_id_that_is_no_64_bit_number_is_refused(post_id: str) -> None:
    export = samples.x_content_file().decode()
    first_id = export.splitlines()[1].split(",")[0]
    broken = export.replace(first_id, post_id, 1).encode()
    assert _refused("x-posts", "content.csv", broken) == "content.csv:2:Post id"


def test_a_post_dated_on_the_last_representable_day_is_refused() -> None:
    header = ["Pin ID", "Created at", "Title", "Pin link", "Impressions", "Saves", "Pin clicks",
              "Outbound clicks", "Engagements"]  # fmt: skip
    row = [
        "9001",
        "9999-12-31 10:00",
        "T",
        "https://pinterest.com/pin/9001/",
        "1",
        "0",
        "0",
        "0",
        "0",
    ]
    pins = samples.csv_bytes(header, [row])
    assert _refused("pinterest-posts", "pins.csv", pins) == "pins.csv"
