# ruff: noqa: RUF001 (Japanese text uses full-width punctuation)
"""A refused input reads in the page's language: a domain error marked `N_()` (its data as
params) is translated where a page shows it, its location kept; the API and the CLI keep its
English, and an unmarked message shows as it came."""

from __future__ import annotations

import re

import httpx

from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.labels import N_
from mercato.i18n.locales import translations
from mercato.runtime import Services
from tests.support.brands import PASSWORD, Brand
from tests.support.server import csrf_of, login

ERROR = re.compile(r'id="import-error">([^<]*)</p>')


def test_a_marked_error_is_english_in_text_and_translated_on_request() -> None:
    japanese = translations("ja").gettext
    cells = ValidationFailed(
        N_("%(cells)s cells but the header has %(columns)s columns"),
        location="orders.csv:7",
        params={"cells": 5, "columns": 4},
    )
    assert str(cells) == "orders.csv:7: 5 cells but the header has 4 columns"
    assert cells.reason == "5 cells but the header has 4 columns"
    said_in_japanese = "orders.csv:7: セルが 5 個ありますが、見出しの列は 4 列です"
    assert cells.translated(japanese) == said_in_japanese
    assert cells.translated(translations("en").gettext) == str(cells)
    missing = NotFoundError(N_("no Shopify shop connected (mercato shop connect)"))
    shop = "Shopify ストアが接続されていません（mercato shop connect）"
    assert missing.translated(japanese) == shop
    # Not in the catalogs (a platform's own words): shown as it came, percent signs and all.
    said = ValidationFailed("the platform said 100% no", location="code")
    assert said.translated(japanese) == "code: the platform said 100% no"


def test_the_sources_page_says_a_refused_upload_in_the_pages_language(
    services: Services, brand: Brand, live_server: str
) -> None:
    empty = {"file": ("empty.csv", b"", "text/csv")}
    wrong = {"file": ("sales.csv", b"Day,Visitors\n2024-01-02,5\n", "text/csv")}
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        data = {"kind": "orders-shopify", "csrf_token": csrf_of(client)}
        english = client.post("/sources/upload", data=data, files=empty)
        headers = {"X-CSRF-Token": csrf_of(client)}
        chosen = client.put("/api/v1/me/language", json={"language": "ja"}, headers=headers)
        assert chosen.status_code == 200, chosen.text
        japanese = client.post("/sources/upload", data=data, files=empty)
        columns = client.post("/sources/upload", data=data, files=wrong)
    assert english.status_code == japanese.status_code == columns.status_code == 422
    assert 'id="import-error">empty.csv: the file is empty</p>' in english.text
    assert 'id="import-error">empty.csv: ファイルが空です</p>' in japanese.text
    shown = ERROR.search(columns.text)
    assert shown is not None
    assert shown.group(1).startswith(
        "sales.csv:1: Shopify orders export のファイルではありません：列 "
    )
    assert "missing column" not in shown.group(1)
    # What is stored (the run's error in Recent syncs) keeps its English.
    assert "missing column(s)" in columns.text
