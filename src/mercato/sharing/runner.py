"""The report scheduler of `mercato serve`: a daemon thread that sends due reports every
`report_check_seconds`. The clock is injected so tests can drive it across a DST change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from mercato.catalog.db import Catalog
from mercato.core.secret_box import SecretBox
from mercato.core.timeutil import utcnow
from mercato.sharing.reports import ViewRenderer, run_due

log = logging.getLogger(__name__)


class ReportScheduler:
    def __init__(
        self,
        catalog: Catalog,
        render: ViewRenderer,
        box: SecretBox,
        interval_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalog, self.render, self.box = catalog, render, box
        self.interval_s, self.clock = interval_s, clock
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mercato-reports", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout_s)

    def run_once(self) -> dict[str, int]:
        try:
            outcomes = run_due(self.catalog, self.render, self.box, self.clock())
        except Exception:  # a broken round must not end the scheduler
            log.exception("scheduled reports round failed")
            outcomes = {}
        self.rounds += 1
        return outcomes

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)
