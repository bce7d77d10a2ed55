"""Background syncs for `mercato serve`: one daemon thread that syncs every active account
every `sync_interval_minutes` (default 60; 0 turns it off), then each connected shop.
A failing account never stops the others."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import ShopConnection
from mercato.connectors.shopify_admin import sync_shop
from mercato.connectors.sync import accounts_to_sync, sync_account
from mercato.warehouse.connection import Warehouse

log = logging.getLogger(__name__)


class SyncScheduler:
    def __init__(self, catalog: Catalog, warehouse: Warehouse, interval_s: float) -> None:
        self.catalog = catalog
        self.warehouse = warehouse
        self.interval_s = interval_s
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mercato-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout_s)

    def run_once(self) -> None:
        for account_id in accounts_to_sync(self.catalog, None):
            if self._stop.is_set():
                return
            try:
                outcome = sync_account(self.catalog, self.warehouse, account_id)
            except Exception:  # one broken account must not end the scheduler
                log.exception("scheduled sync of %s failed", account_id)
                continue
            log.info("synced %s %s: %s", outcome.platform, outcome.handle, outcome.status)
        self._sync_shops()
        self.rounds += 1

    def _sync_shops(self) -> None:
        with self.catalog.session() as session:
            workspace_ids = list(session.scalars(select(ShopConnection.workspace_id)))
        for workspace_id in workspace_ids:
            if self._stop.is_set():
                return
            try:
                sync_shop(self.catalog, self.warehouse, workspace_id)
            except Exception:  # the error is on the shop connection; the next round resumes
                log.exception("scheduled shop sync of workspace %s failed", workspace_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)
