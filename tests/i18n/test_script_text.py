"""Text the dashboard's scripts show comes from the catalogs: no script under web/static holds
visible English of its own, every text a script reads is handed to it by the page (the
`ui-text` block, web/ui_text.py), in the page's language; library notices and Sources
statuses are translated where they are shown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from mercato.connectors import accounts
from mercato.core import labels
from mercato.core.labels import Kind
from mercato.i18n.locales import translations
from mercato.runtime import Services
from mercato.ugc import embedding
from mercato.ugc.search import STALE_NOTICE, Notice, SearchResult
from mercato.web import ui_text
from tests.support.brands import PASSWORD, Brand
from tests.support.server import csrf_of, login

STATIC = Path(ui_text.__file__).parent / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))
HOW = (
    "put the text in web/ui_text.py (N_ / N_plural), read it from the page's ui-text block "
    "(`words`), "
    "run `python scripts/i18n.py extract` and translate it (docs/i18n.md)"
)
# Where a script puts text people read: an element's text, a read attribute, a dialog.
SINK = re.compile(
    r"(textContent|innerText|innerHTML|outerHTML|\.title|\.placeholder|\.alt)\s*\+?=(?!=)"
    r"|setAttribute\(\s*[\"'](aria-label|title|placeholder|alt)[\"']"
    r"|\b(alert|confirm|prompt)\(|createTextNode\("
)
# A string literal that holds a word (two letters in a row).
WORDS = re.compile(r"\"[^\"\n]*[A-Za-z]{2}[^\"\n]*\"|'[^'\n]*[A-Za-z]{2}[^'\n]*'")
# A fallback text (`x || "could not save"`) ends up in a sink as well.
FALLBACK = re.compile(r"\|\|\s*(\"[^\"\n]*[A-Za-z]{2}[^\"\n]*\"|'[^'\n]*[A-Za-z]{2}[^'\n]*')")
READ = re.compile(r"\bwords\.([a-z_]+)\b(?!\s*\()|\bcount\(\s*\"([a-z_]+)\"")
# `words` holds the page's text; a second `words` in the script would hide it.
DECLARED = re.compile(r"\b(var|let|const|function)\s+words\b|\(\s*words\s*[,)]|,\s*words\s*[,)]")
UI_TEXT = re.compile(r'<script type="application/json" id="ui-text">(.*?)</script>', re.S)


# Arguments that name things rather than say them (attributes, ids, selectors, placeholders).
NAMING = re.compile(
    r"\b(getAttribute|hasAttribute|getElementById|querySelector|querySelectorAll|closest"
    r"|replace)\(\s*(\"[^\"\n]*\"|'[^'\n]*')"
)


def _code(source: str) -> list[tuple[int, str]]:
    """The script's lines without comments and without naming arguments."""
    source = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), source, flags=re.S)
    return [
        (n, NAMING.sub(r"\1(", re.sub(r"(^|\s)//.*$", "", line)))
        for n, line in enumerate(source.split("\n"), 1)
    ]


def _writes_english(line: str) -> bool:
    sink = SINK.search(line)
    return bool((sink and WORDS.search(line[sink.end() :])) or FALLBACK.search(line))


def test_no_script_shows_english_of_its_own() -> None:
    found = []
    for script in SCRIPTS:
        for number, line in _code(script.read_text(encoding="utf-8")):
            if _writes_english(line):
                found.append(f"{script.name}:{number}: {line.strip()}")
    assert found == [], f"scripts write visible English: {found}; {HOW}"


def test_the_check_catches_a_script_that_writes_english() -> None:
    bad = 'status.textContent = "Saved.";\nbox.setAttribute("aria-label", "table");\n'
    bad += 'return error.message || "could not save";'
    assert [_writes_english(line) for _, line in _code(bad)] == [True, True, True]
    good = 'status.textContent = text.saved;  // "Saved."\nvar x = { method: "POST" };'
    assert [_writes_english(line) for _, line in _code(good)] == [False, False]


def test_every_text_a_script_reads_is_handed_to_it() -> None:
    known = set(ui_text.MESSAGES) | set(ui_text.PLURALS)
    readers = [s for s in SCRIPTS if '"ui-text"' in s.read_text(encoding="utf-8")]
    assert {s.name for s in readers} >= {"app.js", "gallery_builder.js", "settings.js"}
    for script in readers:
        declared = DECLARED.findall(script.read_text(encoding="utf-8"))
        assert len(declared) == 1, f"{script.name}: `words` declared {len(declared)} times"
    read = {
        (script.name, key)
        for script in readers
        for _, line in _code(script.read_text(encoding="utf-8"))
        for match in READ.finditer(line)
        for key in [match.group(1) or match.group(2)]
    }
    assert {(name, key) for name, key in read if key not in known} == set(), HOW
    builder = (STATIC / "gallery_builder.js").read_text(encoding="utf-8")
    assert '"preview_items"' in builder
    # The builder names its preview line from these parts; every combination is a message.
    combinations = {
        "preview_items" + segment + fallback
        for segment in ("", "_segment")
        for fallback in ("", "_fallback")
    }
    assert combinations == set(ui_text.PLURALS)


def test_script_text_is_translated_with_the_count_in_place() -> None:
    english = ui_text.ui_text(translations("en").gettext, translations("en").ngettext)
    japanese = ui_text.ui_text(translations("ja").gettext, translations("ja").ngettext)
    assert english.keys() == japanese.keys() == set(ui_text.MESSAGES) | set(ui_text.PLURALS)
    assert english["saved"] == "Saved."
    assert english["preview_items"] == {"one": "{n} item", "other": "{n} items"}
    for key, text in japanese.items():
        assert text != english[key], f"{key}: not translated into Japanese; {HOW}"
        if key in ui_text.PLURALS:
            assert isinstance(text, dict)
            assert all(form.count("{n}") == 1 for form in text.values()), key
    assert japanese["saved"] == "保存しました。"


def test_pages_hand_their_scripts_the_text_in_the_pages_language(
    services: Services, brand: Brand, live_server: str
) -> None:
    with services.catalog.session() as session:
        accounts.add_account(session, brand.workspace_id, platform="instagram", handle="acme")
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        english = UI_TEXT.search(client.get("/galleries/new").text)
        _choose_japanese(client)
        japanese = UI_TEXT.search(client.get("/galleries/new").text)
        sources = client.get("/sources").text
        failed = client.post(
            "/sources/upload",
            data={"kind": "orders-shopify", "csrf_token": csrf_of(client)},
            files={"file": ("bad.csv", b"Name,Created at\n#1,yesterday\n")},
        )
    assert english is not None
    assert japanese is not None
    assert json.loads(english.group(1))["snippet_copied"] == "Snippet copied."
    shown = json.loads(japanese.group(1))
    assert shown["snippet_copied"] == "スニペットをコピーしました。"
    assert shown["preview_items_segment"]["other"] == "セグメントのルールで {n} 件"
    assert UI_TEXT.search(sources) is not None  # every dashboard page carries the block
    # Sources shows an account's state and a run's outcome as words, in the page's language.
    assert '<td class="status">トークン未設定</td>' in sources
    assert "needs_token" not in sources
    assert failed.status_code == 422
    assert "<td>失敗</td>" in failed.text


def _choose_japanese(client: httpx.Client) -> None:
    headers = {"X-CSRF-Token": csrf_of(client)}
    chosen = client.put("/api/v1/me/language", json={"language": "ja"}, headers=headers)
    assert chosen.status_code == 200, chosen.text


def test_run_and_account_statuses_read_as_words_in_both_languages() -> None:
    japanese = translations("ja").gettext
    for kind in (Kind.RUN_STATUS, Kind.ACCOUNT_STATUS):
        for raw in labels.known(kind):
            english = labels.label(kind, raw, str)
            assert "_" not in english
            assert english[0].isupper(), english
            assert labels.label(kind, raw, japanese) != english, f"{kind} {raw}: {HOW}"
    assert labels.label(Kind.RUN_STATUS, "partial", japanese) == "一部完了"
    assert labels.label(Kind.ACCOUNT_STATUS, "reconnect_needed", str) == "Reconnect needed"


def test_library_notices_are_english_for_the_api_and_translated_for_pages() -> None:
    one = SearchResult([], 0, Notice(*STALE_NOTICE, count=1))
    many = SearchResult([], 0, Notice(*STALE_NOTICE, count=3))
    assert one.notice is not None
    assert one.notice.startswith("1 item has a vector from an earlier embedding model")
    assert many.notice is not None
    assert many.notice.startswith("3 items have vectors from an earlier embedding model")
    japanese = translations("ja").ngettext(*STALE_NOTICE, 3) % {"num": 3}
    assert japanese.startswith("3 件のアイテム")
    assert SearchResult([], 0).notice is None


def test_the_library_page_says_its_notice_in_the_pages_language_and_the_api_in_english(
    services: Services, brand: Brand, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The state a deployment without the sentence model is in (load_embedder's documented None).
    monkeypatch.setattr(embedding, "load_embedder", lambda: None)
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        english = client.get("/ugc", params={"semantic": "red dress"}).text
        api = client.get("/api/v1/ugc/items", params={"semantic": "red dress"})
        _choose_japanese(client)
        japanese = client.get("/ugc", params={"semantic": "red dress"}).text
    assert 'id="notice">Semantic search and embedding-based product suggestions' in english
    assert api.status_code == 200, api.text
    assert api.json()["notice"] == embedding.AI_MISSING_NOTICE
    assert 'id="notice">セマンティック検索と埋め込みによる商品の提案には' in japanese
    assert "Semantic search and embedding-based" not in japanese
