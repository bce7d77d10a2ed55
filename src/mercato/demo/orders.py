"""Orders and their lines: items, coupons, shipping, tax and refunds, in integer cents.

Definitions (docs/demo.md): gross = items + shipping + tax, before discounts and refunds;
paid = gross - discounts (the purchase event's revenue); net = gross - discounts - refunds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mercato.demo import arrow
from mercato.demo.channels import EMAIL, ORGANIC_SOCIAL
from mercato.demo.outcomes import Outcomes, visitor_cumsum
from mercato.demo.products import DemoProducts
from mercato.demo.timeline import END_EPOCH, START_DAY
from mercato.demo.traffic import Sessions

IntArray = npt.NDArray[np.int64]

COUPONS = ("BFCM25", "NEWSLETTER15", "WELCOME10", "CREATOR20", "HOLIDAY15", "SUMMER20")
COUPON_RATE = np.array([0.25, 0.15, 0.10, 0.20, 0.15, 0.20])
# Site-wide promotions: (code index, first day, last day, share of orders using it)
PROMOTIONS = (
    (0, date(2025, 11, 26), date(2025, 12, 1), 0.55),
    (4, date(2025, 12, 2), date(2025, 12, 21), 0.3),
    (5, date(2026, 6, 15), date(2026, 7, 15), 0.35),
)
FREE_SHIPPING_CENTS = 7_500
SHIPPING_CENTS = 695
TAX_RATE = 0.07
REFUND_SHARE = 0.09
FULL_REFUND_SHARE = 0.4


@dataclass
class Orders:
    session: IntArray  # session index of each order
    coupon: IntArray  # index into COUPONS, -1 without coupon
    subtotal: IntArray
    discount: IntArray
    shipping: IntArray
    tax: IntArray
    planned_refund: IntArray
    refund_delay_s: IntArray
    line_order: IntArray  # order index of each line
    line_product: IntArray
    line_quantity: IntArray
    line_unit: IntArray
    line_discount: IntArray
    placed_ms: IntArray  # filled in by the events stage (the purchase event's time)

    def __len__(self) -> int:
        return int(self.session.size)

    @property
    def gross(self) -> IntArray:
        return self.subtotal + self.shipping + self.tax

    @property
    def paid(self) -> IntArray:
        return self.gross - self.discount

    @property
    def refunded(self) -> npt.NDArray[np.bool_]:
        """A refund counts once it has happened inside the window."""
        return (self.planned_refund > 0) & (
            self.placed_ms // 1000 + self.refund_delay_s < END_EPOCH
        )

    @property
    def refunds(self) -> IntArray:
        return np.where(self.refunded, self.planned_refund, 0)

    @property
    def net(self) -> IntArray:
        return self.gross - self.discount - self.refunds


def _coupons(
    rng: np.random.Generator, sessions: Sessions, outcomes: Outcomes, at: IntArray
) -> IntArray:
    draw = rng.random(at.size)
    subscribed = visitor_cumsum(outcomes.lead.astype(np.float64), sessions.visitor) > 0
    day, channel = sessions.day[at], sessions.channel[at]
    coupon = np.full(at.size, -1, np.int64)
    coupon[(channel == ORGANIC_SOCIAL) & (draw < 0.12)] = 3
    coupon[subscribed[at] & (draw < 0.5)] = 2
    coupon[(channel == EMAIL) & (draw < 0.4)] = 1
    for code, first, last, share in PROMOTIONS:
        running = (day >= (first - START_DAY).days) & (day <= (last - START_DAY).days)
        coupon[running & (draw < share)] = code  # the promotion beats other codes
    return coupon


def build_orders(
    rng: np.random.Generator,
    sessions: Sessions,
    outcomes: Outcomes,
    cart_product: IntArray,
    products: DemoProducts,
) -> Orders:
    at = np.flatnonzero(outcomes.purchase)
    lines_per_order = 1 + np.minimum(rng.poisson(0.55, at.size), 3)
    line_order = np.repeat(np.arange(at.size), lines_per_order)
    first_line = np.cumsum(lines_per_order) - lines_per_order
    product = rng.choice(len(products), size=line_order.size, p=products.popularity)
    product[first_line] = cart_product[at]  # the product carted in the session comes first
    quantity = 1 + (rng.random(line_order.size) < 0.12).astype(np.int64)
    unit = products.price_cents[product]
    coupon = _coupons(rng, sessions, outcomes, at)
    rate = np.where(coupon >= 0, COUPON_RATE[np.maximum(coupon, 0)], 0.0)
    line_discount = np.round(unit * quantity * rate[line_order]).astype(np.int64)
    subtotal = np.bincount(line_order, unit * quantity, at.size).astype(np.int64)
    discount = np.bincount(line_order, line_discount, at.size).astype(np.int64)
    shipping = np.where(subtotal - discount >= FREE_SHIPPING_CENTS, 0, SHIPPING_CENTS)
    tax = np.round((subtotal - discount) * TAX_RATE).astype(np.int64)
    paid = subtotal + shipping + tax - discount
    refund = rng.random(at.size) < REFUND_SHARE
    full = rng.random(at.size) < FULL_REFUND_SHARE
    # A partial refund returns one item at what was paid for it.
    last_line = first_line + lines_per_order - 1
    one_item = unit[last_line] - line_discount[last_line] // quantity[last_line]
    partial = np.where(lines_per_order > 1, one_item, np.round(paid * 0.35).astype(np.int64))
    planned = np.where(refund, np.where(full, paid, np.minimum(partial, paid)), 0)
    return Orders(
        session=at,
        coupon=coupon,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping.astype(np.int64),
        tax=tax,
        planned_refund=planned.astype(np.int64),
        refund_delay_s=rng.integers(3 * 86_400, 25 * 86_400, at.size),
        line_order=line_order,
        line_product=product,
        line_quantity=quantity,
        line_unit=unit,
        line_discount=line_discount,
        placed_ms=np.zeros(at.size, np.int64),
    )


def order_ids(count: int) -> pa.Array:
    return arrow.ids("NW-", np.arange(100_001, 100_001 + count, dtype=np.int64), 6)
