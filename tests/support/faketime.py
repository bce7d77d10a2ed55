"""pytest plugin for `make test-future` (the suite under libfaketime, the clock moved ahead).

libfaketime 0.9.10 answers Python's `time.sleep` (an absolute `clock_nanosleep` on the
monotonic clock) with EINVAL once the monotonic clock is left real, which it must be: a faked
one stalls every timed wait (threading, queues, uvicorn). A sleep through `select` waits the
same time without that call. Loaded only by `make test-future` (`-p tests.support.faketime`);
subprocesses (the server, the CLI) get the same fix from faketime_site/sitecustomize.py.
"""

from __future__ import annotations

import os
from pathlib import Path

SITE = Path(__file__).resolve().parent / "faketime_site"

if os.environ.get("FAKETIME"):
    import runpy

    runpy.run_path(str(SITE / "sitecustomize.py"))  # patches time.sleep in this process too
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SITE), *([inherited] if inherited else [])])
