"""Connector catalog tables (migration 0200) on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mercato.catalog import workspaces
from mercato.catalog.models import AccountConnection, ShopRefund, SyncCursor
from mercato.connectors import accounts, shopify_webhooks
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.results import ImportSummary
from mercato.core.errors import ConflictError
from mercato.runtime import Services


def test_accounts_cursors_and_refund_ledger(services_any_catalog: Services) -> None:
    services = services_any_catalog
    with services.catalog.session() as session:
        workspace = workspaces.create_workspace(session, slug="acme", name="Acme")
        account = accounts.add_account(
            session,
            workspace.id,
            platform="instagram",
            handle="acme",
            token="t",
            options={"hashtags": ["a"]},
        )
        workspace_id, account_id = workspace.id, account.id
    with services.catalog.session() as session, pytest.raises(ConflictError):
        accounts.add_account(session, workspace_id, platform="instagram", handle="acme")
    with services.catalog.session() as session:
        stored = accounts.get_account(session, workspace_id, "acme")
        connection = session.get(AccountConnection, account_id)
        session.expunge_all()
    assert connection is not None
    context = SyncContext(
        services.catalog, services.warehouse, stored, connection, ImportSummary("sync")
    )
    context.save_cursor("media", "QVFIUmx1", {"pass_started_at": "2024-09-22T12:00:00"})
    context.save_cursor("media", "next", {"pass_started_at": "2024-09-22T12:00:00"})
    assert context.load_cursor("media") == ("next", {"pass_started_at": "2024-09-22T12:00:00"})
    assert context.option("hashtags") == ["a"]
    refund = {
        "id": 1,
        "order_id": 7,
        "transactions": [{"kind": "refund", "status": "success", "amount": "12.34"}],
    }
    for _ in range(2):
        shopify_webhooks.handle_webhook(
            services.catalog, services.warehouse, workspace_id, "refunds/create", refund
        )
    with services.catalog.session() as session:
        ledger = session.query(ShopRefund).all()
        cursors = session.query(SyncCursor).count()
    assert [r.amount for r in ledger] == [Decimal("12.34")]
    assert cursors == 1
