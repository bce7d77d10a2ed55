"""A bad row of a mapped event log is named in the FILE's words: file:line and the column as
the user's header (or NDJSON key path) spells it, and an item's key as the file spells it,
never the Mercato field the mapping feeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mercato.runtime import Services
from tests.collect.test_import import _reopen, _run
from tests.support.brands import Brand

# Every field under a name Mercato does not use; `ts` and `visitor_id` have alternatives, and
# the file uses the second one, so the error must name the one that is present.
MAPPING = """
optional = ["order_id", "revenue", "currency", "items", "engaged_ms", "url", "source"]
[columns]
event_id = "Event ID"
ts = ["Timestamp", "Zeitpunkt"]
name = "Aktion"
visitor_id = ["distinct_id", "Besucher"]
order_id = "Bestellnummer"
revenue = "Umsatz"
currency = "Waehrung"
items = "Warenkorb"
engaged_ms = "Verweildauer"
url = "Seite"
source = "Quelle"
[events]
pageview = ["Seitenaufruf"]
purchase = ["Kauf"]
[properties]
column = "Extras"
"""
HEADER = (
    "Event ID,Zeitpunkt,Aktion,Besucher,Bestellnummer,Umsatz,Waehrung,Warenkorb,"
    "Verweildauer,Seite,Quelle,Extras"
)
WHEN = "2025-03-04T05:06:07.123456+01:00"


def _basket(*items: dict[str, object]) -> str:
    return '"' + json.dumps(list(items)).replace('"', '""') + '"'


# (row, the column the error must name, a fragment of its reason); line numbers follow.
BAD_ROWS = [
    ("e1,gestern,Seitenaufruf,v1,,,,,,,,", "Zeitpunkt", "not a timestamp: 'gestern'"),
    (f"e2,{WHEN},Kauf,v1,B-2,12;50,EUR,,,,,", "Umsatz", "got '12;50'"),
    (f"e3,{WHEN},Kauf,v1,B-3,12.50,EUX,,,,,", "Waehrung", "'EUX' is not an ISO 4217"),
    (
        f"e4,{WHEN},Kauf,v1,B-4,12.50,EUR,{_basket({'item_id': 'a', 'item_price': 'abc'})},,,,",
        "Warenkorb[0].item_price",
        "got 'abc'",
    ),
    (
        f"e5,{WHEN},Kauf,v1,B-5,12.50,EUR,{_basket({'sku': 'a'}, {'sku': 'b', 'qty': 'zwei'})},,,,",
        "Warenkorb[1].qty",
        "got 'zwei'",
    ),
    (f"e6,{WHEN},Seitenaufruf,v1,,,,,lang,,,", "Verweildauer", "got 'lang'"),
    (f"e7,{WHEN},Seitenaufruf,v1,,,,,,javascript:alert(1),,", "Seite", "https?"),
    (f"e8,{WHEN},Seitenaufruf,v1,,,,kein json,,,,", "Warenkorb", "not a JSON list"),
    (f'e9,{WHEN},Seitenaufruf,v1,,,,,,,,"{{kaputt"', "Extras", "not a JSON object"),
    (f"e10,{WHEN},Kauf,v1,B-10,-3,EUR,,,,,", "Umsatz", "greater than or equal to 0"),
    ("e11,,Seitenaufruf,v1,,,,,,,,", "Zeitpunkt", "required value is missing"),
]
GOOD = f"e0,{WHEN},Kauf,v1,B-0,30.00,EUR,{_basket({'item_id': 'a', 'price': 30})},1200,,,"
# Mercato's own field names: none may stand where the file's column belongs.
MERCATO_FIELDS = ("ts", "revenue", "currency", "items", "engaged_ms", "url", "props", "name")


def _files(tmp_path: Path) -> list[str]:
    (tmp_path / "map.toml").write_text(MAPPING)
    rows = [HEADER, GOOD, *(row for row, _column, _reason in BAD_ROWS)]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n")
    return [str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "map.toml")]


def test_bad_rows_name_the_files_column_and_line(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _run(services, brand, _files(tmp_path), monkeypatch)
    assert code == 2
    problems = re.findall(r"export\.csv:(\d+):([^:\n]+): ([^\n]*)", output)
    assert len(problems) == len(BAD_ROWS), output
    for (line, column, reason), (_row, wanted_column, fragment) in zip(
        problems, BAD_ROWS, strict=True
    ):
        assert column == wanted_column, (line, column, reason)
        assert fragment in reason, (line, column, reason)
        assert column.split("[")[0] not in MERCATO_FIELDS
    # The header is line 1 and the good row line 2: bad rows are lines 3.. in file order.
    assert [int(line) for line, _c, _r in problems] == list(range(3, 3 + len(BAD_ROWS)))
    assert "nothing was imported" in output
    assert [r for r in _reopen(services) if "event_id" in r] == []


def test_ndjson_errors_name_the_key_path(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a header, the column is the key path the mapping found the value under."""
    (tmp_path / "map.toml").write_text(
        MAPPING.replace('revenue = "Umsatz"', 'revenue = ["Umsatz", "properties.revenue"]')
    )
    rows = [
        {"Event ID": "n1", "Zeitpunkt": WHEN, "Aktion": "Kauf", "Besucher": "v1",
         "Bestellnummer": "N-1", "properties": {"revenue": "viel"}, "Waehrung": "EUR"},
        {"Event ID": "n2", "Zeitpunkt": WHEN, "Aktion": "Kauf", "Besucher": "v1",
         "Bestellnummer": "N-2", "Umsatz": "12,5", "Waehrung": "EUR"},
    ]  # fmt: skip
    (tmp_path / "export.ndjson").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    args = [str(tmp_path / "export.ndjson"), "--mapping", str(tmp_path / "map.toml")]
    code, output = _run(services, brand, args, monkeypatch)
    assert code == 2
    assert "export.ndjson:1:properties.revenue: Input should be a valid decimal, got 'viel'" in (
        output
    )
    assert "export.ndjson:2:Umsatz: Input should be a valid decimal, got '12,5'" in output
