"""pytest plugin for `make test-future` (the suite under libfaketime, the clock moved ahead).

libfaketime 0.9.10 answers Python's `time.sleep` (an absolute `clock_nanosleep` on the
monotonic clock) with EINVAL once the monotonic clock is left real, which it must be: a faked
one stalls every timed wait (threading, queues, uvicorn). A sleep through `select` waits the
same time without that call. Loaded only by `make test-future` (`-p tests.support.faketime`).
"""

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
