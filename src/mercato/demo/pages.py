"""The shop's pages (home, collections, products, journal, cart, checkout) and entry pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mercato.demo.channels import (
    DIRECT,
    EMAIL,
    ORGANIC_SEARCH,
    ORGANIC_SOCIAL,
    PAID_SEARCH,
    PAID_SOCIAL,
    REFERRAL,
)
from mercato.demo.products import PRODUCT_TYPES, SHOP_URL, DemoProducts

IntArray = npt.NDArray[np.int64]

PAGE_TYPES = ("home", "collection", "product", "blog", "cart", "checkout")
HOME, COLLECTION, PRODUCT, BLOG, CART, CHECKOUT = range(6)
JOURNAL = (
    "layering-guide",
    "how-we-source-merino",
    "packing-list-weekend",
    "care-for-your-jacket",
    "gift-guide",
    "trail-stories",
)
# Entry page type by channel (home, collection, product, blog).
ENTRY_MIX = {
    ORGANIC_SOCIAL: (0.15, 0.3, 0.5, 0.05),
    PAID_SOCIAL: (0.05, 0.35, 0.6, 0.0),
    ORGANIC_SEARCH: (0.3, 0.2, 0.35, 0.15),
    PAID_SEARCH: (0.35, 0.3, 0.35, 0.0),
    EMAIL: (0.1, 0.5, 0.4, 0.0),
    DIRECT: (0.75, 0.1, 0.15, 0.0),
    REFERRAL: (0.15, 0.1, 0.4, 0.35),
}
BROWSING_MIX = np.array([0.1, 0.25, 0.55, 0.1])  # later pages (home, collection, product, blog)


@dataclass(frozen=True)
class Pages:
    """Every page as a code: paths, types and the product shown (or -1)."""

    paths: list[str]
    page_type: IntArray
    product: IntArray
    first_of_type: IntArray  # code of the first page of each type
    count_of_type: IntArray

    @property
    def urls(self) -> list[str]:
        return [SHOP_URL + path for path in self.paths]

    def product_page(self, product: IntArray) -> IntArray:
        page: IntArray = self.first_of_type[PRODUCT] + product
        return page

    def random_pages(
        self, rng: np.random.Generator, kinds: IntArray, popularity: npt.NDArray[np.float64]
    ) -> IntArray:
        """A page of each requested type; products by popularity, others uniformly."""
        pages = self.first_of_type[kinds] + (
            rng.random(kinds.size) * self.count_of_type[kinds]
        ).astype(np.int64)
        is_product = kinds == PRODUCT
        pages[is_product] = self.product_page(
            rng.choice(popularity.size, size=int(is_product.sum()), p=popularity)
        )
        return pages


def build_pages(products: DemoProducts) -> Pages:
    categories = sorted({category for category, _ in PRODUCT_TYPES.values()})
    groups: list[tuple[int, list[str]]] = [
        (HOME, ["/"]),
        (COLLECTION, [f"/collections/{category.lower()}" for category in categories]),
        (PRODUCT, products.paths),
        (BLOG, [f"/journal/{slug}" for slug in JOURNAL]),
        (CART, ["/cart"]),
        (CHECKOUT, ["/checkout"]),
    ]
    paths: list[str] = []
    kinds: list[int] = []
    product: list[int] = []
    first, count = np.zeros(len(PAGE_TYPES), np.int64), np.zeros(len(PAGE_TYPES), np.int64)
    for kind, group in groups:
        first[kind], count[kind] = len(paths), len(group)
        paths += group
        kinds += [kind] * len(group)
        product += list(range(len(group))) if kind == PRODUCT else [-1] * len(group)
    return Pages(paths, np.array(kinds), np.array(product), first, count)


def entry_pages(
    rng: np.random.Generator, pages: Pages, channel: IntArray, popularity: npt.NDArray[np.float64]
) -> IntArray:
    """The landing page of each session, by its channel's entry mix."""
    draw = rng.random(channel.size)
    kinds = np.zeros(channel.size, np.int64)
    for code, mix in ENTRY_MIX.items():
        on = channel == code
        kinds[on] = np.searchsorted(np.cumsum(mix), draw[on], "right")
    return pages.random_pages(rng, np.minimum(kinds, BLOG), popularity)
