"""Runs that never finished. A sync or import killed mid-way (kill -9, a crash, a power cut)
leaves its `sync_runs` row "running" forever, which reads as if work were still going on.
Only one process writes a data dir, so when the server starts nothing can be running: every
such row is marked failed, with the reason, before the scheduler starts new runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import RunStatus, SyncRun
from mercato.core.timeutil import utcnow

INTERRUPTED = (
    "interrupted: the process stopped before this run finished (marked failed at start-up)"
)


def fail_interrupted_runs(catalog: Catalog, now: datetime | None = None) -> int:
    """Mark every unfinished run failed; returns how many there were."""
    moment = now or utcnow()
    with catalog.session() as session:
        stuck = session.scalars(
            select(SyncRun).where(
                SyncRun.status == RunStatus.RUNNING, SyncRun.finished_at.is_(None)
            )
        ).all()
        for run in stuck:
            run.status = RunStatus.FAILED
            run.finished_at = moment
            run.error = INTERRUPTED
        return len(stuck)
