from __future__ import annotations

from pathlib import Path

import pytest

from mercato.core.errors import SettingsError
from mercato.core.settings import IdentityMode, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MERCATO_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_live_under_the_data_dir() -> None:
    settings = load_settings()
    assert settings.data_dir == Path(".mercato")
    assert settings.resolved_catalog_url.endswith(".mercato/catalog.sqlite")
    assert settings.resolved_warehouse_path == Path(".mercato/warehouse.duckdb")
    assert settings.identity_mode is IdentityMode.COOKIELESS


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", "/srv/mercato")
    monkeypatch.setenv("MERCATO_TIME_ZONE", "Europe/Berlin")
    monkeypatch.setenv("MERCATO_IDENTITY_MODE", "first_party_id")
    settings = load_settings()
    assert settings.data_dir == Path("/srv/mercato")
    assert settings.time_zone == "Europe/Berlin"
    assert settings.identity_mode is IdentityMode.FIRST_PARTY_ID


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "mercato.toml").write_text('time_zone = "Asia/Tokyo"\ndata_dir = "/data"\n')
    assert load_settings().time_zone == "Asia/Tokyo"
    monkeypatch.setenv("MERCATO_TIME_ZONE", "UTC")
    settings = load_settings()
    assert settings.time_zone == "UTC"
    assert settings.data_dir == Path("/data")


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MERCATO_TIME_ZONE", "Mars/Olympus_Mons", "time_zone"),
        ("MERCATO_IDENTITY_MODE", "fingerprint", "identity_mode"),
        ("MERCATO_SECRET_KEY", "short", "secret_key"),
        ("MERCATO_SESSION_COOKIE_SECURE", "maybe", "session_cookie_secure"),
    ],
)
def test_bad_setting_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"'{named}'" in str(caught.value)
    assert variable in str(caught.value)


def test_unknown_key_in_toml_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "mercato.toml").write_text('colour = "blue"\n')
    with pytest.raises(SettingsError, match="colour"):
        load_settings()


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "mercato.toml").write_text("time_zone = \n")
    with pytest.raises(SettingsError, match=r"mercato\.toml"):
        load_settings()


def test_missing_config_file_named_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCATO_CONFIG", "/nowhere/mercato.toml")
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "d")
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert load_settings(data_dir=tmp_path / "d").resolved_secret_key() == first
    assert ((tmp_path / "d" / "secret_key").stat().st_mode & 0o777) == 0o600


def test_proxy_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCATO_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8 ,::1 ,")
    monkeypatch.setenv("MERCATO_BASE_URL", "https://mercato.acme.example/")
    loaded = load_settings()
    assert loaded.trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert loaded.base_url == "https://mercato.acme.example"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MERCATO_TRUSTED_PROXIES", "10.0.0.0/8,nginx", "'nginx' is not an IP address or CIDR"),
        ("MERCATO_BASE_URL", "mercato.acme.example", "must be an absolute http(s) URL"),
        ("MERCATO_BASE_URL", "https://m.example/?x=1", "must not have a query"),
    ],
)
def test_bad_proxy_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert f"({name})" in str(raised.value)
    assert message in str(raised.value)
