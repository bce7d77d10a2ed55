"""The outbound guard's allow-list: exact host names, addresses and networks, nothing more;
and the setting reaches the guard the server and CLI use."""

from __future__ import annotations

from pathlib import Path

import pytest

from mercato.core import outbound
from mercato.core.outbound import OutboundGuard, OutboundRefused
from mercato.runtime import Services
from tests.conftest import make_settings


def _resolver(host: str, _port: int) -> list[str]:
    known = {"platform.test": ["127.0.0.1"], "shop.lan": ["10.0.5.7"], "cdn.example": ["::1"]}
    return known[host.lower().rstrip(".")]


def test_only_listed_private_targets_pass() -> None:
    guard = OutboundGuard(("platform.test", "10.0.5.0/24", "[::1]"), _resolver)
    assert guard.checked_address("platform.test", 80) == "127.0.0.1"
    assert guard.checked_address("PLATFORM.test.", 80) == "127.0.0.1"
    assert guard.checked_address("shop.lan", 443) == "10.0.5.7"
    assert guard.checked_address("cdn.example", 80) == "::1"
    for host in ("127.0.0.1", "10.0.6.1", "169.254.169.254", "::ffff:10.0.9.9", "[fe80::1]"):
        with pytest.raises(OutboundRefused, match="refused"):
            guard.checked_address(host, 80)
    with pytest.raises(OutboundRefused, match="refused"):
        OutboundGuard(("other.test",), _resolver).checked_address("platform.test", 80)


def test_the_setting_installs_the_guard(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data").model_copy(
        update={"outbound_allow_private": ["127.0.0.1"]}
    )
    services = Services.open(settings, upgrade=True)
    try:
        assert outbound.installed_guard().allowed == ("127.0.0.1",)
    finally:
        services.close()
        outbound.install(())
    assert outbound.installed_guard().allowed == ()
