"""Shopify webhooks: `orders/create`, `orders/updated`, `refunds/create`.

Shopify signs the raw body with the shop's webhook secret: base64(HMAC-SHA256(secret, body))
in `X-Shopify-Hmac-Sha256`. A bad signature is refused before anything is parsed or stored.
Refunds go through a ledger keyed by refund id, so a redelivered webhook never refunds twice
and an order's refunds are the ledger's sum whatever order the webhooks arrive in. An order
update older (by `updated_at`) than the stored order is stale and skipped, so a late delivery
never turns a cancelled order back into a paid one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import ShopRefund, ShopWebhookSecret
from mercato.connectors.batches import load_all
from mercato.connectors.orders import ZERO, Order, OrderLine, store_orders, stored_order
from mercato.connectors.parsing import parse_timestamp
from mercato.connectors.results import ImportSummary
from mercato.connectors.webhook_deliveries import json_objects
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.money import parse_amount, parse_currency, round_money
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse

PROVIDER = "shopify"
ORDER_TOPICS = frozenset({"orders/create", "orders/updated"})
REFUND_TOPIC = "refunds/create"
TOPICS = ORDER_TOPICS | {REFUND_TOPIC}


def signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, body: bytes, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(signature(secret, body), (sent or "").strip())


def webhook_secret(session: Session, workspace_id: str) -> str:
    found = session.scalar(
        select(ShopWebhookSecret).where(
            ShopWebhookSecret.workspace_id == workspace_id, ShopWebhookSecret.provider == PROVIDER
        )
    )
    if found is None:
        raise NotFoundError("no Shopify webhook secret is configured for this workspace")
    return found.secret


def set_webhook_secret(session: Session, workspace_id: str, secret: str) -> None:
    if len(secret) < 16:
        raise ValidationFailed("a webhook secret has at least 16 characters", location="secret")
    found = session.scalar(
        select(ShopWebhookSecret).where(
            ShopWebhookSecret.workspace_id == workspace_id, ShopWebhookSecret.provider == PROVIDER
        )
    )
    if found is None:
        session.add(ShopWebhookSecret(workspace_id=workspace_id, provider=PROVIDER, secret=secret))
    else:
        found.secret = secret


def _money(payload: Mapping[str, Any], key: str, currency: str | None) -> Decimal:
    """An amount in `currency`'s own precision (JPY none, KWD three decimals); cents when
    the currency is not known yet."""
    value = payload.get(key)
    if value in (None, ""):
        return ZERO
    return parse_amount(value, field=key, currency=currency)


def _shipping(payload: Mapping[str, Any], currency: str) -> Decimal:
    shop_money = (payload.get("total_shipping_price_set") or {}).get("shop_money") or {}
    if shop_money.get("amount") is not None:
        return parse_amount(
            shop_money["amount"], field="total_shipping_price_set", currency=currency
        )
    lines = payload.get("shipping_lines") or []
    return sum((_money(line, "price", currency) for line in lines), ZERO)


def refund_amount(refund: Mapping[str, Any], currency: str | None) -> Decimal:
    """Money actually returned: successful refund transactions, in the order's currency."""
    return sum(
        (
            _money(t, "amount", currency)
            for t in json_objects(refund.get("transactions"), "body.transactions")
            if t.get("kind") == "refund" and t.get("status", "success") == "success"
        ),
        ZERO,
    )


def signed_time(topic: str, payload: Mapping[str, Any]) -> datetime | None:
    """When the change a delivery carries happened, from the signed body (for the replay
    window): an order's `updated_at`, a refund's `created_at`."""
    keys = ("updated_at", "created_at") if topic in ORDER_TOPICS else ("created_at",)
    for key in keys:
        raw = payload.get(key)
        if isinstance(raw, str) and raw.strip():
            try:
                return parse_timestamp(raw)
            except ValueError:
                raise ValidationFailed(
                    f"not a timestamp: {raw[:40]!r}", location=f"body.{key}"
                ) from None
    return None


def order_from_payload(payload: Mapping[str, Any]) -> Order:
    try:
        order_id = str(payload["id"])
        currency = parse_currency(str(payload.get("currency") or ""))
        discounts = _money(payload, "total_discounts", currency)
        lines = tuple(
            OrderLine(
                str(line.get("id") or index),
                line.get("sku") or None,
                str(line.get("title") or ""),
                int(line.get("quantity") or 0),
                _money(line, "price", currency),
                _money(line, "total_discount", currency),
            )
            for index, line in enumerate(payload.get("line_items") or [], start=1)
        )
        name = str(payload.get("name") or "")
        return Order(
            order_id=order_id,
            source_system="shopify",
            placed_at=parse_timestamp(str(payload["created_at"])),
            updated_at=parse_timestamp(str(payload.get("updated_at") or payload["created_at"])),
            currency=currency,
            gross=_money(payload, "subtotal_price", currency) + discounts,
            discounts=discounts,
            shipping=_shipping(payload, currency),
            tax=_money(payload, "total_tax", currency),
            coupon_codes=tuple(str(c.get("code")) for c in payload.get("discount_codes") or []),
            status="cancelled"
            if payload.get("cancelled_at")
            else str(payload.get("financial_status") or ""),
            customer_id=str((payload.get("customer") or {}).get("id") or "") or None,
            landing_site=payload.get("landing_site"),
            lines=lines,
            aliases=tuple(a for a in (name, name.lstrip("#")) if a),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValidationFailed(f"not a Shopify order payload: {exc}", location="body") from None


def _record_refund(
    session: Session,
    workspace_id: str,
    order_id: str,
    refund: Mapping[str, Any],
    currency: str | None,
) -> bool:
    refund_id = str(refund.get("id") or "")
    if not refund_id:
        raise ValidationFailed("a refund needs an id", location="body.id")
    known = session.scalar(
        select(ShopRefund).where(
            ShopRefund.workspace_id == workspace_id, ShopRefund.refund_id == refund_id
        )
    )
    if known is not None:
        return False
    session.add(
        ShopRefund(
            workspace_id=workspace_id,
            refund_id=refund_id,
            order_id=order_id,
            amount=refund_amount(refund, currency),
            currency=currency or "XXX",  # ISO 4217's "no currency": the order is not known yet
        )
    )
    session.flush()
    return True


def _refund_total(
    session: Session, workspace_id: str, order_id: str, currency: str | None
) -> Decimal:
    """The order's refunds so far, in its currency's precision (a KWD refund keeps 0.001)."""
    total = session.scalar(
        select(func.coalesce(func.sum(ShopRefund.amount), 0)).where(
            ShopRefund.workspace_id == workspace_id, ShopRefund.order_id == order_id
        )
    )
    return round_money(Decimal(total or 0), currency)


def handle_webhook(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    topic: str,
    payload: Mapping[str, Any],
) -> ImportSummary:
    summary = ImportSummary(kind=f"webhook:{topic}", rows_read=1)
    if topic not in TOPICS:
        summary.skip(f"topic {topic!r} is not used")
        return summary
    if topic in ORDER_TOPICS:
        order = order_from_payload(payload)
        refunds_sent = json_objects(payload.get("refunds"), "body.refunds")
        stored = stored_order(warehouse, workspace_id, order.order_id)
        with catalog.session() as session:
            for refund in refunds_sent:  # the ledger keeps even a stale delivery's refunds
                _record_refund(session, workspace_id, order.order_id, refund, order.currency)
            refunds = _refund_total(session, workspace_id, order.order_id, order.currency)
        if stored is not None and _is_stale(order, stored):
            summary.skip(f"stale update: the stored order changed at {stored['updated_at']} UTC")
            return summary
        store_orders(catalog, warehouse, workspace_id, [replace(order, refunds=refunds)], summary)
        return summary
    return _apply_refund(catalog, warehouse, workspace_id, payload, summary)


def _is_stale(order: Order, stored: Mapping[str, Any]) -> bool:
    """Older than what is stored: equal times are the same state again (Shopify sends
    `orders/create` and `orders/updated` with one `updated_at`), so they are applied."""
    known = stored.get("updated_at")
    return isinstance(known, datetime) and order.updated_at is not None and order.updated_at < known


def _refund_currency(refund: Mapping[str, Any]) -> str | None:
    """A refund that arrives before its order: the currency its transactions name, if any."""
    for transaction in json_objects(refund.get("transactions"), "body.transactions"):
        raw = transaction.get("currency")
        if isinstance(raw, str) and raw.strip():
            return parse_currency(raw, field="body.transactions.currency")
    return None


def _apply_refund(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    payload: Mapping[str, Any],
    summary: ImportSummary,
) -> ImportSummary:
    order_id = str(payload.get("order_id") or "")
    if not order_id:
        raise ValidationFailed("a refund needs its order_id", location="body.order_id")
    stored = stored_order(warehouse, workspace_id, order_id)
    currency = str(stored["currency"]) if stored else _refund_currency(payload)
    with catalog.session() as session:
        if not _record_refund(session, workspace_id, order_id, payload, currency):
            summary.skip("refund already applied")
            return summary
        refunds = _refund_total(session, workspace_id, order_id, currency)
    if stored is None:
        summary.notes.append("refund kept; its order is not imported yet")
        return summary
    # The order changed when the refund was made (Shopify's clock, like `updated_at`), not
    # when it reached us: a later genuine `orders/updated` must not look stale.
    refunded_at = signed_time(REFUND_TOPIC, payload)
    known = stored.get("updated_at")
    changed_at = max((t for t in (refunded_at, known) if isinstance(t, datetime)), default=utcnow())
    stored.update(
        refunds=refunds, net=stored["gross"] - stored["discounts"] - refunds, updated_at=changed_at
    )
    row = {k: v for k, v in stored.items() if k != "row_key"}
    row["coupon_codes"] = list(row.get("coupon_codes") or [])
    load_all(warehouse, {"orders": [row]}, summary)
    return summary
