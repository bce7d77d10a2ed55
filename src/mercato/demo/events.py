"""Site events of a chunk of sessions: pageviews, engagement, ecommerce events and leads.

Events are the primary record; the chunk's session rows are aggregated from them
(see `sessions_table.py`), so sessions and events always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mercato.demo.pages import BROWSING_MIX, CART, CHECKOUT, PRODUCT
from mercato.demo.site import Site

IntArray = npt.NDArray[np.int64]

EVENT_NAMES = (
    "pageview",
    "engagement",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "generate_lead",
)
PAGEVIEW, ENGAGEMENT, VIEW_ITEM, ADD_TO_CART, BEGIN_CHECKOUT, PURCHASE, GENERATE_LEAD = range(7)
NULL = -1


@dataclass
class ChunkEvents:
    """One row per event, sorted by session and time; codes index the site's dictionaries."""

    session: IntArray  # global session index
    ts_ms: IntArray
    name: IntArray
    page: IntArray
    engaged_ms: IntArray  # NULL except on engagement events
    scroll_pct: IntArray
    product: IntArray  # NULL except view_item / add_to_cart
    order: IntArray  # NULL except purchase

    def __len__(self) -> int:
        return int(self.session.size)


@dataclass
class _Pageviews:
    session: IntArray
    position: IntArray
    last: IntArray  # position of the session's last pageview
    page: IntArray
    ts_ms: IntArray
    dwell_ms: IntArray


def _pageviews(rng: np.random.Generator, site: Site, lo: int, hi: int) -> _Pageviews:
    count = site.outcomes.pageviews[lo:hi]
    local = np.repeat(np.arange(hi - lo), count)
    first = np.cumsum(count) - count
    position = np.arange(local.size) - first[local]
    last = count[local] - 1
    kinds = rng.choice(BROWSING_MIX.size, size=local.size, p=BROWSING_MIX)
    page = site.pages.random_pages(rng, kinds, site.products.popularity)
    page[first] = site.entry_page[lo:hi]
    _funnel_pages(site, lo + local, position, last, page)
    median = np.where(count[local] == 1, 9_000.0, 28_000.0)  # bounces leave quickly
    dwell = np.clip(median * rng.lognormal(0, 0.9, local.size), 1_500, 900_000).astype(np.int64)
    step = dwell + rng.integers(200, 3_000, local.size)
    offset = np.cumsum(step) - step
    offset -= offset[first][local]
    ts = site.sessions.start[lo + local] * 1000 + offset
    return _Pageviews(lo + local, position, last, page, ts, dwell)


def _funnel_pages(
    site: Site, session: IntArray, position: IntArray, last: IntArray, page: IntArray
) -> None:
    """Checkout sessions end product → cart → checkout; cart-only sessions product → cart."""
    checkout = site.outcomes.checkout[session]
    cart_only = site.outcomes.cart[session] & ~checkout
    carted = site.pages.product_page(site.cart_product[session])
    cart_page = site.pages.first_of_type[CART]
    page[checkout & (position == last)] = site.pages.first_of_type[CHECKOUT]
    page[checkout & (position == last - 1)] = cart_page
    at = checkout & (position == last - 2)
    page[at] = carted[at]
    page[cart_only & (position == last)] = cart_page
    at = cart_only & (position == last - 1)
    page[at] = carted[at]


def _blank(size: int) -> IntArray:
    return np.full(size, NULL, np.int64)


def build_events(rng: np.random.Generator, site: Site, lo: int, hi: int) -> ChunkEvents:
    """All events of sessions [lo, hi); records each purchase time on the site's orders."""
    views = _pageviews(rng, site, lo, hi)
    size = views.session.size
    parts = [_part(views, np.arange(size), PAGEVIEW, 0)]
    engagement = _part(views, np.arange(size), ENGAGEMENT, views.dwell_ms)
    engagement.engaged_ms = np.round(views.dwell_ms * rng.uniform(0.55, 1.0, size)).astype(np.int64)
    engagement.scroll_pct = rng.integers(10, 101, size)
    parts.append(engagement)
    is_product = site.pages.page_type[views.page] == PRODUCT
    items = _part(views, np.flatnonzero(is_product), VIEW_ITEM, 400)
    items.product = site.pages.product[views.page[is_product]]
    parts.append(items)
    parts += _cart_and_checkout(site, views)
    parts.append(_purchases(site, views))
    lead = np.flatnonzero((views.position == 0) & site.outcomes.lead[views.session])
    parts.append(_part(views, lead, GENERATE_LEAD, views.dwell_ms[lead] // 2))
    return _concat(parts)


def _part(views: _Pageviews, at: IntArray, name: int, delay: IntArray | int) -> ChunkEvents:
    size = at.size
    return ChunkEvents(
        session=views.session[at],
        ts_ms=views.ts_ms[at] + delay,
        name=np.full(size, name, np.int64),
        page=views.page[at],
        engaged_ms=_blank(size),
        scroll_pct=_blank(size),
        product=_blank(size),
        order=_blank(size),
    )


def _cart_and_checkout(site: Site, views: _Pageviews) -> list[ChunkEvents]:
    checkout = site.outcomes.checkout[views.session]
    cart = site.outcomes.cart[views.session]
    product_at = np.flatnonzero(cart & (views.position == views.last - np.where(checkout, 2, 1)))
    added = _part(views, product_at, ADD_TO_CART, views.dwell_ms[product_at] * 3 // 5)
    added.product = site.cart_product[views.session[product_at]]
    # Further order lines are added from the cart page's "complete the look" widget.
    cart_page = np.flatnonzero(checkout & (views.position == views.last - 1))
    order = site.order_of_session[views.session[cart_page]]
    bought = order >= 0
    extra = _extra_lines(site, views, cart_page[bought], order[bought])
    checkout_at = np.flatnonzero(checkout & (views.position == views.last))
    began = _part(views, checkout_at, BEGIN_CHECKOUT, 800)
    return [added, extra, began]


def _extra_lines(
    site: Site, views: _Pageviews, cart_page: IntArray, order: IntArray
) -> ChunkEvents:
    lines = site.orders.line_order
    start = np.searchsorted(lines, order, "left")
    stop = np.searchsorted(lines, order, "right")
    extra_count = stop - start - 1
    at = np.repeat(cart_page, extra_count)
    rank = np.arange(at.size) - np.repeat(np.cumsum(extra_count) - extra_count, extra_count)
    line = np.repeat(start + 1, extra_count) + rank
    event = _part(views, at, ADD_TO_CART, views.dwell_ms[at] * (rank + 1) // 5)
    event.product = site.orders.line_product[line]
    return event


def _purchases(site: Site, views: _Pageviews) -> ChunkEvents:
    at = np.flatnonzero(site.outcomes.purchase[views.session] & (views.position == views.last))
    event = _part(views, at, PURCHASE, views.dwell_ms[at] * 9 // 10)
    event.order = site.order_of_session[views.session[at]]
    site.orders.placed_ms[event.order] = event.ts_ms
    return event


def _concat(parts: list[ChunkEvents]) -> ChunkEvents:
    fields = ChunkEvents.__dataclass_fields__
    merged = ChunkEvents(
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in fields}
    )
    order = np.lexsort((merged.name, merged.ts_ms, merged.session))
    return ChunkEvents(**{name: getattr(merged, name)[order] for name in fields})
