"""Which language a page is in: the user's choice, else the workspace default, else the
browser's Accept-Language, else English; set over the API, the page picker and the CLI."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from mercato.cli import context as cli_context
from mercato.cli.lang import cli_language, with_language
from mercato.cli.main import app as cli_app
from mercato.core.errors import ValidationFailed
from mercato.i18n import service
from mercato.i18n.locales import checked_language, negotiate
from mercato.runtime import Services
from tests.support.brands import PASSWORD, Brand, make_brand, make_token
from tests.support.server import csrf_of, login


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ja,en-US;q=0.9,en;q=0.8", "ja"),
        ("ja-JP", "ja"),
        ("en-GB,ja;q=0.5", "en"),
        ("fr-FR,ja;q=0.3,de;q=0.9", "ja"),
        ("de;q=1.0, en;q=0.1", "en"),
        ("en;q=0.2,ja;q=0.8", "ja"),
        ("*", "en"),
        ("fr, de", None),
        ("ja;q=0", None),
        ("ja;q=abc, en;q=", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_negotiation(header: str | None, language: str | None) -> None:
    assert negotiate(header) == language


def test_language_codes_are_checked() -> None:
    assert checked_language("ja_JP") == checked_language("JA-jp") == "ja"
    with pytest.raises(ValidationFailed) as caught:
        checked_language("klingon")
    assert caught.value.location == "language"


def test_user_choice_beats_workspace_default_beats_browser(
    services_any_catalog: Services,
) -> None:
    services = services_any_catalog
    brand = make_brand(services)
    with services.catalog.session() as session:
        from mercato.catalog.users import get_user_by_email

        user = get_user_by_email(session, brand.email()).id
        ws = brand.workspace_id
        assert service.effective_language(session, user, ws, "ja") == "ja"
        assert service.effective_language(session, user, ws, None) == "en"
        service.set_workspace_language(session, ws, "ja-JP")
        assert service.effective_language(session, user, ws, "en") == "ja"
        service.set_user_language(session, user, "en")
        assert service.effective_language(session, user, ws, "ja") == "en"
        service.set_user_language(session, user, "ja")  # an update, not a second row
        assert service.user_language(session, user) == "ja"
        service.set_user_language(session, user, None)
        service.set_workspace_language(session, ws, None)
        assert service.effective_language(session, user, ws, None) == "en"


def test_pages_follow_accept_language_then_the_settings(
    services: Services, brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server) as anonymous:
        japanese = anonymous.get("/login", headers={"Accept-Language": "ja,en;q=0.5"})
        french = anonymous.get("/login", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="ja">' in japanese.text
    assert "Mercato にログイン" in japanese.text
    assert japanese.headers["content-language"] == "ja"
    assert "Log in to Mercato" in french.text
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        assert "<h1>Overview</h1>" in client.get("/").text
        headers = {"X-CSRF-Token": csrf_of(client)}
        answer = client.put("/api/v1/workspace/language", json={"language": "ja"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["effective"] == "ja"
        assert "<h1>概要</h1>" in client.get("/").text
        mine = client.put("/api/v1/me/language", json={"language": "en"}, headers=headers)
        assert mine.json() == {
            "user_language": "en",
            "workspace_language": "ja",
            "effective": "en",
            "available": {"en": "English", "ja": "日本語"},
        }
        bad = client.put("/api/v1/me/language", json={"language": "xx"}, headers=headers)
        assert bad.status_code == 422
        assert "unknown language" in bad.text
        picked = client.post(
            "/language",
            data={"language": "ja", "next": "/traffic", "csrf_token": headers["X-CSRF-Token"]},
            follow_redirects=False,
        )
        assert (picked.status_code, picked.headers["location"]) == (303, "/traffic")
        assert "<h1>トラフィック</h1>" in client.get("/traffic").text
        away = client.post(
            "/language",
            data={
                "language": "en",
                "next": "https://evil.example/",
                "csrf_token": headers["X-CSRF-Token"],
            },
            follow_redirects=False,
        )
        assert away.headers["location"] == "/"
    token = make_token(services, brand, [])
    viewer = httpx.get(
        f"{live_server}/api/v1/me/language", headers={"Authorization": f"Bearer {token}"}
    )
    assert viewer.status_code == 403


def test_cli_is_english_unless_asked(services: Services, brand: Brand) -> None:
    assert cli_language(None, {"LANG": "ja_JP.UTF-8"}) == "en"
    assert cli_language(None, {"MERCATO_LANG": "auto", "LANG": "ja_JP.UTF-8"}) == "ja"
    assert cli_language("auto", {"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}) == "en"
    assert cli_language("auto", {"LC_ALL": "fr_FR.UTF-8"}) == "en"
    assert cli_language("ja", {}) == "ja"
    assert with_language(["ugc", "search"], {"MERCATO_LANG": "ja"}) == [
        "--lang",
        "ja",
        "ugc",
        "search",
    ]
    assert with_language(["--lang", "auto", "x"], {"LANG": "ja_JP"}) == ["--lang", "ja", "x"]
    runner = CliRunner()
    cli_context.host(services)
    try:
        english = runner.invoke(cli_app, ["language", "set-workspace", brand.slug, "ja"])
        japanese = runner.invoke(
            cli_app,
            [
                "--lang",
                "ja",
                "language",
                "show",
                "--email",
                brand.email(),
                "--workspace",
                brand.slug,
            ],
        )
        wrong = runner.invoke(cli_app, ["language", "set-user", brand.email(), "elvish"])
    finally:
        cli_context.host(None)
    assert english.exit_code == 0, english.output
    assert "Default language of acme: ja" in english.output
    assert japanese.exit_code == 0, japanese.output
    assert "ページの表示言語" in japanese.output
    assert wrong.exit_code == 2
    assert "unknown language 'elvish'" in wrong.output
