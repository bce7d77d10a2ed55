"""The connectors' fake platforms listen on loopback, which the outbound guard refuses by
default: these stores are opened with `outbound_allow_private` listing loopback, exactly as
an operator would allow a local test platform."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato.core import outbound
from mercato.runtime import Services
from tests.conftest import make_settings

LOOPBACK = ["127.0.0.1"]
LOOPBACK_ENV = {"MERCATO_OUTBOUND_ALLOW_PRIVATE": '["127.0.0.1"]'}


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = make_settings(tmp_path / "data").model_copy(
        update={"outbound_allow_private": LOOPBACK}
    )
    opened = Services.open(settings, upgrade=True)
    yield opened
    opened.close()
    outbound.install(())  # the next test starts from the strict default
