"""About 200 products in product lines and categories, written to the catalog."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from mercato.catalog.models import Product
from mercato.demo.arrow import cents_to_decimal
from mercato.demo.locale import ENGLISH, DemoLocale

SHOP_URL = "https://shop.northwind.example"
IMAGE_URL = "https://cdn.northwind.example/products"

# product type → (category, typical price in dollars)
PRODUCT_TYPES: dict[str, tuple[str, int]] = {
    "T-Shirt": ("Tops", 32),
    "Long Sleeve": ("Tops", 42),
    "Hoodie": ("Tops", 78),
    "Sweater": ("Tops", 96),
    "Overshirt": ("Tops", 88),
    "Jacket": ("Outerwear", 168),
    "Parka": ("Outerwear", 248),
    "Vest": ("Outerwear", 110),
    "Jeans": ("Bottoms", 98),
    "Chinos": ("Bottoms", 84),
    "Shorts": ("Bottoms", 54),
    "Joggers": ("Bottoms", 72),
    "Beanie": ("Accessories", 28),
    "Cap": ("Accessories", 30),
    "Tote Bag": ("Accessories", 45),
    "Backpack": ("Accessories", 120),
    "Socks": ("Accessories", 16),
    "Sneakers": ("Footwear", 128),
    "Boots": ("Footwear", 189),
    "Candle": ("Home", 34),
    "Mug": ("Home", 22),
    "Throw Blanket": ("Home", 89),
}
PRODUCT_LINES = ["Trailhead", "Harbor", "Everyday", "Nordic Knit", "Coastal Linen", "Summit"]
COLORWAYS = ["Oat", "Forest", "Navy", "Charcoal", "Rust", "Sand", "Sky", "Black", "Olive"]
PRODUCT_COUNT = 200


@dataclass(frozen=True)
class DemoProducts:
    """The catalog as arrays the traffic and order stages sample from."""

    product_ids: list[str]
    skus: list[str]
    titles: list[str]
    paths: list[str]
    product_types: list[str]
    product_lines: list[str]
    price_cents: npt.NDArray[np.int64]
    popularity: npt.NDArray[np.float64]  # sums to 1: how often a product is viewed/bought
    locale: DemoLocale = ENGLISH  # the brand's currency and words

    def __len__(self) -> int:
        return len(self.skus)


def build_products(
    rng: np.random.Generator, count: int = PRODUCT_COUNT, locale: DemoLocale = ENGLISH
) -> DemoProducts:
    types = list(PRODUCT_TYPES)
    type_codes = rng.integers(0, len(types), size=count)
    line_codes = rng.integers(0, len(PRODUCT_LINES), size=count)
    color_codes = rng.integers(0, len(COLORWAYS), size=count)
    base = np.array([PRODUCT_TYPES[types[code]][1] for code in type_codes], dtype=np.float64)
    # Prices end in .00 or .95 the way shops price; the spread is ±25 % around the type's norm.
    dollars = np.maximum(8, np.round(base * rng.uniform(0.75, 1.25, size=count)))
    cents = (dollars * 100 - np.where(rng.random(count) < 0.5, 5, 0)).astype(np.int64)
    popularity = rng.pareto(1.3, size=count) + 0.05  # a few best sellers, a long tail
    titles, skus, paths = [], [], []
    for index in range(count):
        product_type = types[type_codes[index]]
        line = PRODUCT_LINES[line_codes[index]]
        title = locale.product_title(line, product_type, COLORWAYS[color_codes[index]])
        sku = f"NW-{line[:3].upper()}-{product_type[:3].upper()}-{index + 1:04d}"
        titles.append(title)
        skus.append(sku)
        paths.append(f"/products/{sku.lower()}")
    return DemoProducts(
        product_ids=[f"prd_{locale.id_prefix}{index + 1:04d}" for index in range(count)],
        skus=skus,
        titles=titles,
        paths=paths,
        product_types=[types[code] for code in type_codes],
        product_lines=[PRODUCT_LINES[code] for code in line_codes],
        price_cents=cents,
        popularity=popularity / popularity.sum(),
        locale=locale,
    )


def product_rows(workspace_id: str, products: DemoProducts) -> list[Product]:
    rows = []
    for index in range(len(products)):
        rows.append(
            Product(
                id=products.product_ids[index],
                workspace_id=workspace_id,
                sku=products.skus[index],
                title=products.titles[index],
                description=f"{products.titles[index]} from {products.locale.name}.",
                product_type=products.product_types[index],
                product_line=products.product_lines[index],
                category=PRODUCT_TYPES[products.product_types[index]][0],
                price=cents_to_decimal(
                    int(products.price_cents[index]), products.locale.money_divisor
                ),
                currency=products.locale.currency,
                url=f"https://{products.locale.site_domain}" + products.paths[index],
                image_url=f"{IMAGE_URL}/{products.skus[index].lower()}.jpg",
            )
        )
    return rows


def write_products(session: Session, workspace_id: str, products: DemoProducts) -> None:
    session.add_all(product_rows(workspace_id, products))
