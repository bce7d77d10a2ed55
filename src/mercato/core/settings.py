"""Settings from `MERCATO_*` environment variables, then `mercato.toml`, then defaults.

A bad value fails at start-up with a message that names the setting.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from mercato.core.errors import SettingsError
from mercato.core.timeutil import zone


class IdentityMode(StrEnum):
    """How site visitors are identified (DESIGN.md, kpis.md §6)."""

    COOKIELESS = "cookieless"
    FIRST_PARTY_ID = "first_party_id"
    IDENTIFIED = "identified"


def _config_file() -> Path:
    return Path(os.environ.get("MERCATO_CONFIG", "mercato.toml"))


class Settings(BaseSettings):
    """Every knob of a Mercato install. Paths default under `data_dir`."""

    model_config = SettingsConfigDict(env_prefix="MERCATO_", extra="forbid")

    data_dir: Path = Field(default=Path(".mercato"), description="Where the stores live.")
    catalog_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog; default sqlite file in data_dir.",
    )
    warehouse_path: Path | None = Field(
        default=None, description="DuckDB warehouse file; default warehouse.duckdb in data_dir."
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies and CSRF tokens; default is generated once "
        "and kept in data_dir/secret_key.",
    )
    time_zone: str = Field(default="UTC", description="Default workspace reporting time zone.")
    identity_mode: IdentityMode = Field(
        default=IdentityMode.COOKIELESS, description="Default visitor identity mode for new sites."
    )
    session_cookie_secure: bool = Field(
        default=False, description="Mark the login cookie Secure (set true behind HTTPS)."
    )
    spark_master: str = Field(
        default="local[*]",
        description="Spark master for `mercato report --engine spark` (e.g. spark://host:7077).",
    )
    collect_rate_limit_per_minute: int = Field(
        default=1200,
        ge=1,
        description="Requests per minute one client address may send to `POST /api/collect` "
        "for one site.",
    )
    loader_max_lag_seconds: float = Field(
        default=60.0,
        gt=0,
        description="`/healthz` is unhealthy (503) once an acknowledged event has waited "
        "longer than this for the loader.",
    )
    access_log: bool = Field(
        default=False,
        description="`mercato serve` logs one line per request (off: a reverse proxy "
        "usually logs them, and each line costs the request path).",
    )
    sync_interval_minutes: int = Field(
        default=60,
        ge=0,
        description="Sync every social account (and the connected shop) this often from "
        "`mercato serve`; 0 = off. An hour stays well inside every platform's rate limits "
        "and keeps X (2 h) and Snapchat (1 h) tokens refreshed before they lapse.",
    )

    outbound_allow_private: list[str] = Field(
        default_factory=list,
        description="Private addresses, networks (CIDR) or host names server-side requests "
        "may reach anyway (a local test platform); everything else must be public.",
    )

    webhook_replay_window_minutes: int = Field(
        default=2880,
        ge=1,
        description="Webhook deliveries whose signed time (updated_at, created_at) is older "
        "than this are refused as replays; delivery ids are remembered this long.",
    )
    hooks_rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Webhook requests per minute per client address."
    )
    upload_rate_limit_per_minute: int = Field(
        default=20, ge=1, description="UGC upload form posts per minute per client address."
    )
    share_rate_limit_per_minute: int = Field(
        default=120,
        ge=1,
        description="Requests per minute one client address may send to share links "
        "(`/shared/...`, `/embed/...`).",
    )
    report_check_seconds: int = Field(
        default=60,
        ge=0,
        description="How often `mercato serve` looks for scheduled reports to send and "
        "failed deliveries to retry; 0 = off.",
    )
    base_url: str | None = Field(
        default=None,
        description="The public address of this install (e.g. https://mercato.example.com); "
        "every absolute URL it prints or serves starts with it. Default: the request's own.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses/CIDRs of reverse proxies whose "
        "X-Forwarded-For / Forwarded headers give the client address; none by default.",
    )

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL, e.g. https://mercato.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or fragment")
        return value.strip().rstrip("/")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        networks = []
        for item in (str(raw).strip() for raw in items):
            if not item:
                continue
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR") from None
        return networks

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except SettingsError:
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @property
    def resolved_catalog_url(self) -> str:
        if self.catalog_url:
            return self.catalog_url
        return f"sqlite:///{(self.data_dir / 'catalog.sqlite').resolve()}"

    @property
    def resolved_warehouse_path(self) -> Path:
        return self.warehouse_path or self.data_dir / "warehouse.duckdb"

    @property
    def wal_dir(self) -> Path:
        return self.data_dir / "wal"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first use and kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def _describe(error: ErrorDetails) -> str:
    name = ".".join(str(part) for part in error["loc"]) or "settings"
    env_name = f"MERCATO_{name.upper()}"
    return f"setting {name!r} ({env_name}): {error['msg']}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one readable SettingsError."""
    config = _config_file()
    if "MERCATO_CONFIG" in os.environ and not config.exists():
        raise SettingsError(f"setting 'config' (MERCATO_CONFIG): file {config} does not exist")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError("; ".join(_describe(e) for e in exc.errors())) from None
    except ValueError as exc:  # e.g. a malformed mercato.toml
        raise SettingsError(f"{config}: {exc}") from None
