"""Who placed an order, and the key an order gets when its id is already another buyer's.

The orders table is keyed by `(workspace_id, order_id)` (ADR 0003). Real shop exports reuse
order ids, so an order whose id another buyer already holds is stored as
`<id>~<digest of its buyer>` (ADR 1300): both orders keep their revenue, and the same buyer
sending the same id again lands on the same key, so re-imports stay idempotent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SEPARATOR = "~"


@dataclass(frozen=True)
class Buyer:
    visitor_id: str | None
    customer_id: str | None
    system: str  # customer ids are only comparable within one system ("tracker", "shopify")

    def same_as(self, other: Buyer) -> bool:
        """The same buyer unless the ids both carry contradict each other."""
        if self.system == other.system and self.customer_id and other.customer_id:
            return self.customer_id == other.customer_id
        if self.visitor_id and other.visitor_id:
            return self.visitor_id == other.visitor_id
        return True

    @property
    def key(self) -> str:
        return self.customer_id or self.visitor_id or ""


def kept_apart_id(order_id: str, buyer: Buyer) -> str:
    digest = hashlib.blake2b(buyer.key.encode(), digest_size=4).hexdigest()
    return f"{order_id}{SEPARATOR}{digest}"


def claim(order_id: str, buyer: Buyer, taken: dict[str, Buyer]) -> str:
    """The id `buyer`'s order is stored under, given the ids `taken` so far (updated)."""
    owner = taken.get(order_id)
    if owner is None or owner.same_as(buyer):
        taken.setdefault(order_id, buyer)
        return order_id
    apart = kept_apart_id(order_id, buyer)
    taken.setdefault(apart, buyer)
    return apart
