"""The entry points the CLI, the web routes and the scheduler share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from mercato.catalog import workspaces
from mercato.catalog.db import Catalog
from mercato.catalog.models import RunStatus, SyncRun
from mercato.catalog.quality import record_quality, record_refused
from mercato.connectors import accounts
from mercato.connectors.imports import ImportOptions, quality_report, run_import
from mercato.connectors.parsing import NumberLocale
from mercato.connectors.results import ImportSummary
from mercato.core.errors import MercatoError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse


def import_options(
    catalog: Catalog,
    workspace: str,
    *,
    mapping: dict[str, Any] | None = None,
    mapping_source: str = "mapping",
    account: str | None = None,
    platform: str | None = None,
    as_of: date | None = None,
    shop_url: str = "",
    locale: str = "en",
    currency: str | None = None,
) -> ImportOptions:
    """Options for an import into `workspace` (slug or id); `account` is a handle or id."""
    with catalog.session() as session:
        found = workspaces.get_workspace(session, workspace)
        account_id = accounts.get_account(session, found.id, account).id if account else None
        return ImportOptions(
            workspace_id=found.id,
            currency=(currency or found.currency).upper(),
            mapping=mapping,
            mapping_source=mapping_source,
            account_id=account_id,
            platform=platform,
            as_of=as_of,
            shop_url=shop_url,
            locale=NumberLocale(locale),
        )


def import_files(
    catalog: Catalog,
    warehouse: Warehouse,
    kind: str,
    files: Sequence[tuple[str, bytes]],
    options: ImportOptions,
) -> ImportSummary:
    """Run an import and record it in `sync_runs` (failed imports too, with the reason)."""
    with catalog.session() as session:
        run = SyncRun(
            workspace_id=options.workspace_id,
            kind=f"import:{kind}",
            detail={"files": [name for name, _ in files]},
        )
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        summary = run_import(catalog, warehouse, kind, files, options)
    except MercatoError as exc:
        _close(catalog, run_id, RunStatus.FAILED, None, str(exc))
        if isinstance(exc, ValidationFailed):
            subject = ", ".join(name for name, _ in files)
            record_refused(catalog, options.workspace_id, f"import:{kind}", subject, exc)
        raise
    summary.quality = quality_report(kind, summary)
    if summary.quality is not None:
        record_quality(catalog, options.workspace_id, summary.quality)
    _close(catalog, run_id, RunStatus.OK, summary, None)
    return summary


def _close(
    catalog: Catalog, run_id: str, status: str, summary: ImportSummary | None, error: str | None
) -> None:
    with catalog.session() as session:
        run = session.get(SyncRun, run_id)
        if run is None:
            return
        run.status = status
        run.finished_at = utcnow()
        run.error = error
        if summary is not None:
            run.rows_read = summary.rows_read
            run.inserted = summary.total_inserted
            run.updated = summary.total_updated
            run.skipped = summary.total_skipped
            run.detail = summary.as_dict()
