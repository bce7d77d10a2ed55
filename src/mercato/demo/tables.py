"""Arrow tables of the site stage: events and sessions per chunk, then orders and lines."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from mercato.demo import arrow
from mercato.demo.channels import CHANNELS, DEVICES
from mercato.demo.events import (
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    EVENT_NAMES,
    GENERATE_LEAD,
    PAGEVIEW,
    PURCHASE,
    ChunkEvents,
)
from mercato.demo.orders import COUPONS, order_ids
from mercato.demo.pages import PAGE_TYPES
from mercato.demo.platforms import PLATFORM_NAMES
from mercato.demo.site import BROWSERS, COUNTRIES, OPERATING_SYSTEMS, Site

IntArray = npt.NDArray[np.int64]
IDENTITY_MODE = "first_party_id"
ENGAGED_AFTER_MS = 10_000  # GA4: an engaged session lasts longer than 10 s


def visitor_ids(visitor: IntArray) -> pa.Array:
    return arrow.ids("v", visitor, 7)


def session_ids(session: IntArray) -> pa.Array:
    return arrow.ids("s", session, 8)


def customer_ids(visitor: IntArray, identified: npt.NDArray[np.bool_]) -> pa.Array:
    return pc.if_else(
        pa.array(identified), arrow.ids("cus-", visitor, 7), pa.scalar(None, pa.string())
    )


def _constant(value: str, size: int) -> pa.Array:
    return pa.array([value] * size, pa.string())


def session_attributes(site: Site, session: IntArray) -> dict[str, pa.Array]:
    """Columns resolved once per session at its start, repeated for `session` (an index array)."""
    s, t = site.sessions, site.touches
    columns = {
        "visitor_id": visitor_ids(s.visitor[session]),
        "session_id": session_ids(session),
        "customer_id": customer_ids(s.visitor[session], site.outcomes.identified[session]),
        "site_id": _constant(site.site_id, session.size),
        "workspace_id": _constant(site.workspace_id, session.size),
        "channel": arrow.take_strings(list(CHANNELS), s.channel[session]),
        "social_platform": arrow.take_strings(PLATFORM_NAMES, s.platform[session]),
        "device": arrow.take_strings(list(DEVICES), s.device[session]),
        "browser": arrow.take_strings(list(BROWSERS), site.browser[session]),
        "os": arrow.take_strings(list(OPERATING_SYSTEMS), site.os[session]),
        "country": arrow.take_strings(list(COUNTRIES), site.country[session]),
    }
    for name in (
        "source",
        "medium",
        "campaign",
        "content",
        "term",
        "referrer_host",
        "click_id_type",
        "channel_signal",
        "in_app_browser",
    ):
        coded = getattr(t, name)
        columns[name] = arrow.take_strings(coded.labels, coded.codes[session])
    return columns


def _product_ids(site: Site, events: ChunkEvents) -> pa.Array:
    """[product] on view_item and add_to_cart, the order's products on purchase, else NULL."""
    lines = site.orders.line_order
    purchase = events.name == PURCHASE
    start = np.searchsorted(lines, np.maximum(events.order, 0), "left")
    stop = np.searchsorted(lines, np.maximum(events.order, 0), "right")
    length = np.where(purchase, stop - start, (events.product >= 0).astype(np.int64))
    owner = np.repeat(np.arange(len(events)), length)
    rank = np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
    product = np.where(
        purchase[owner], site.orders.line_product[start[owner] + rank], events.product[owner]
    )
    offsets = pa.array(np.concatenate([[0], np.cumsum(length)]).astype(np.int32))
    values = arrow.take_strings(site.products.product_ids, product)
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(length == 0))


def events_table(site: Site, events: ChunkEvents) -> pa.Table:
    columns = session_attributes(site, events.session)
    starts = np.flatnonzero(np.r_[True, np.diff(events.session) != 0])
    sequence = np.arange(len(events)) - np.repeat(starts, np.diff(np.r_[starts, len(events)]))
    entry = np.zeros(len(events), bool)
    entry[starts] = True
    order = events.order
    paid = np.where(order >= 0, site.orders.paid[np.maximum(order, 0)], 0)
    columns.update(
        event_id=pc.binary_join_element_wise(
            columns["session_id"], arrow.ids("-", sequence, 3), ""
        ),
        ts=arrow.timestamps(events.ts_ms),
        name=arrow.take_strings(list(EVENT_NAMES), events.name),
        identity_mode=_constant(IDENTITY_MODE, len(events)),
        url=arrow.take_strings(site.pages.urls, events.page),
        path=arrow.take_strings(site.pages.paths, events.page),
        page_type=arrow.take_strings(list(PAGE_TYPES), site.pages.page_type[events.page]),
        engaged_ms=pa.array(events.engaged_ms, mask=events.engaged_ms < 0),
        scroll_pct=pa.array(events.scroll_pct.astype(np.int16), mask=events.scroll_pct < 0),
        order_id=pc.if_else(
            pa.array(order >= 0), pc.take(order_ids(len(site.orders)), np.maximum(order, 0)), None
        ),
        revenue=arrow.money_or_null(paid, order >= 0, site.products.locale.money_divisor),
        currency=pc.if_else(
            pa.array(order >= 0), site.products.locale.currency, pa.scalar(None, pa.string())
        ),
        product_ids=_product_ids(site, events),
    )
    # The referrer belongs to the landing hit only; later hits are internal navigation.
    host = columns["referrer_host"]
    columns["referrer_host"] = pc.if_else(pa.array(entry), host, pa.scalar(None, pa.string()))
    columns["referrer"] = pc.binary_join_element_wise("https://", columns["referrer_host"], "/", "")
    return pa.table(columns)


def sessions_table(site: Site, events: ChunkEvents, lo: int, hi: int) -> pa.Table:
    """Session rows aggregated from the chunk's events (the same rules a sessionizer uses)."""
    size = hi - lo
    local = events.session - lo

    def count(name: int) -> IntArray:
        return np.bincount(local[events.name == name], minlength=size)

    starts = np.flatnonzero(np.r_[True, np.diff(local) != 0])
    ends = np.r_[starts[1:], len(events)] - 1
    engaged = np.bincount(local, np.maximum(events.engaged_ms, 0), size).astype(np.int64)
    scroll = np.zeros(size, np.int64)
    np.maximum.at(scroll, local, events.scroll_pct)
    paid = np.where(events.order >= 0, site.orders.paid[np.maximum(events.order, 0)], 0)
    revenue = np.bincount(local, paid, size).astype(np.int64)
    pageviews, leads, orders = count(PAGEVIEW), count(GENERATE_LEAD), count(PURCHASE)
    entry_page = events.page[starts]
    session = np.arange(lo, hi)
    columns = session_attributes(site, session)
    columns.update(
        session_number=pa.array(site.sessions.session_number[lo:hi].astype(np.int32)),
        started_at=arrow.timestamps(events.ts_ms[starts]),
        ended_at=arrow.timestamps(events.ts_ms[ends]),
        entry_url=arrow.take_strings(site.pages.urls, entry_page),
        entry_path=arrow.take_strings(site.pages.paths, entry_page),
        entry_page_type=arrow.take_strings(list(PAGE_TYPES), site.pages.page_type[entry_page]),
        pageviews=pa.array(pageviews.astype(np.int32)),
        events=pa.array(np.bincount(local, minlength=size).astype(np.int32)),
        engaged_ms=pa.array(engaged),
        max_scroll_pct=pa.array(scroll.astype(np.int16)),
        is_engaged=pa.array(
            (engaged > ENGAGED_AFTER_MS) | (pageviews >= 2) | (orders > 0) | (leads > 0)
        ),
        leads=pa.array(leads.astype(np.int32)),
        add_to_carts=pa.array(count(ADD_TO_CART).astype(np.int32)),
        checkouts=pa.array(count(BEGIN_CHECKOUT).astype(np.int32)),
        orders=pa.array(orders.astype(np.int32)),
        revenue=arrow.money(revenue, site.products.locale.money_divisor),
        currency=_constant(site.products.locale.currency, size),
        ugc_interactions=pa.array(np.zeros(size, np.int32)),
    )
    return pa.table(columns)


def orders_table(site: Site) -> pa.Table:
    orders = site.orders
    session = orders.session
    visitor = site.sessions.visitor[session]
    refunded = orders.refunded
    full = refunded & (orders.refunds == orders.paid)
    status = np.where(full, 2, np.where(refunded, 1, 0))
    coupon_offsets = np.concatenate([[0], np.cumsum(orders.coupon >= 0)]).astype(np.int32)
    coupons = arrow.take_strings(list(COUPONS), orders.coupon[orders.coupon >= 0])
    placed = orders.placed_ms
    unit = site.products.locale.money_divisor
    return pa.table(
        {
            "workspace_id": _constant(site.workspace_id, len(orders)),
            "order_id": order_ids(len(orders)),
            "source_system": _constant("demo", len(orders)),
            "customer_id": arrow.ids("cus-", visitor, 7),
            "visitor_id": visitor_ids(visitor),
            "session_id": session_ids(session),
            "placed_at": arrow.timestamps(placed),
            "updated_at": arrow.timestamps(
                placed + np.where(refunded, orders.refund_delay_s, 0) * 1000
            ),
            "currency": _constant(site.products.locale.currency, len(orders)),
            "gross": arrow.money(orders.gross, unit),
            "discounts": arrow.money(orders.discount, unit),
            "shipping": arrow.money(orders.shipping, unit),
            "tax": arrow.money(orders.tax, unit),
            "refunds": arrow.money(orders.refunds, unit),
            "net": arrow.money(orders.net, unit),
            "coupon_codes": pa.ListArray.from_arrays(pa.array(coupon_offsets), coupons),
            "status": arrow.take_strings(["paid", "partially_refunded", "refunded"], status),
            "landing_site": arrow.take_strings(site.pages.paths, site.entry_page[session]),
        }
    )


def order_items_table(site: Site) -> pa.Table:
    orders = site.orders
    line_order = orders.line_order
    first = np.searchsorted(line_order, line_order, "left")
    number = np.arange(line_order.size) - first + 1
    order_id = pc.take(order_ids(len(orders)), line_order)
    products = site.products
    return pa.table(
        {
            "workspace_id": _constant(site.workspace_id, line_order.size),
            "order_id": order_id,
            "line_id": pc.binary_join_element_wise(order_id, arrow.ids("-", number, 2), ""),
            "sku": arrow.take_strings(products.skus, orders.line_product),
            "product_id": arrow.take_strings(products.product_ids, orders.line_product),
            "title": arrow.take_strings(products.titles, orders.line_product),
            "quantity": pa.array(orders.line_quantity.astype(np.int32)),
            "unit_price": arrow.money(orders.line_unit, products.locale.money_divisor),
            "discount": arrow.money(orders.line_discount, products.locale.money_divisor),
            "currency": _constant(products.locale.currency, line_order.size),
        }
    )
