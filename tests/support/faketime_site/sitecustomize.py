"""Loaded by every Python subprocess `make test-future` starts (servers, the CLI): the same
`time.sleep` fix as tests/support/faketime.py, whose plugin puts this folder on PYTHONPATH."""

from __future__ import annotations

import os
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


if os.environ.get("FAKETIME"):
    time.sleep = _sleep
