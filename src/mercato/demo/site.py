"""What the site stage decided per session, shared by the events, sessions and orders writers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mercato.demo.orders import Orders
from mercato.demo.outcomes import Outcomes
from mercato.demo.pages import PRODUCT, Pages
from mercato.demo.paid import Ads
from mercato.demo.products import DemoProducts
from mercato.demo.touches import Touches
from mercato.demo.traffic import Sessions

IntArray = npt.NDArray[np.int64]

COUNTRIES = ("US", "CA", "GB", "AU", "DE")
COUNTRY_MIX = np.array([0.86, 0.06, 0.04, 0.02, 0.02])
OPERATING_SYSTEMS = ("iOS", "Android", "Windows", "macOS", "iPadOS")
BROWSERS = ("Safari", "Chrome", "Edge", "Firefox")


@dataclass
class Site:
    workspace_id: str
    site_id: str
    journeys: Sessions  # every visit of the visitors, including those before the window
    sessions: Sessions  # the visits inside the window: what the warehouse holds
    outcomes: Outcomes
    touches: Touches
    pages: Pages
    products: DemoProducts
    entry_page: IntArray
    cart_product: IntArray
    orders: Orders
    order_of_session: IntArray  # order index of each session, -1 when it bought nothing
    country: IntArray
    os: IntArray
    browser: IntArray
    ads: Ads


def cart_products(
    rng: np.random.Generator, pages: Pages, entry_page: IntArray, products: DemoProducts
) -> IntArray:
    """The product added to cart: usually the landing product, otherwise a popular one."""
    landing = pages.product[entry_page]
    other = rng.choice(len(products), size=entry_page.size, p=products.popularity)
    keep = (pages.page_type[entry_page] == PRODUCT) & (rng.random(entry_page.size) < 0.7)
    return np.where(keep, landing, other)


def platforms_of_devices(rng: np.random.Generator, device: IntArray) -> tuple[IntArray, IntArray]:
    """(os, browser) codes: phones are iOS or Android, desktops Windows or macOS."""
    draw, pick = rng.random(device.size), rng.random(device.size)
    os = np.where(
        device == 0,
        np.where(draw < 0.58, 0, 1),
        np.where(device == 1, np.where(draw < 0.6, 2, 3), 4),
    )
    browser = np.select(
        [os == 0, os == 1, os == 2, os == 3],
        [
            np.zeros(device.size, np.int64),
            np.ones(device.size, np.int64),
            np.where(pick < 0.7, 1, np.where(pick < 0.93, 2, 3)),
            np.where(pick < 0.55, 0, 1),
        ],
        default=0,
    )
    return os.astype(np.int64), browser.astype(np.int64)


def visitor_countries(rng: np.random.Generator, visitor: IntArray) -> IntArray:
    per_visitor = rng.choice(len(COUNTRIES), size=int(visitor.max(initial=-1)) + 1, p=COUNTRY_MIX)
    return per_visitor[visitor].astype(np.int64)
