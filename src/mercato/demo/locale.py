# ruff: noqa: RUF001 (Japanese text uses full-width punctuation)
"""The demo brand in each locale: who it is, where it sells, its currency, and the words of
its catalog and its customers' posts (`mercato demo seed --locale ja`).

Every locale uses the same random streams and model; its labels, time zone (which moves
visits across days and months, so totals differ), currency and how the generator's integer
money reads change. The Japanese brand reads the generator's integer amounts as yen (¥1 per
US cent: a $49.95 jacket is ¥4,995), so JPY never has decimals and the ground truth is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoLocale:
    code: str
    slug: str
    name: str
    email: str
    site_domain: str
    time_zone: str
    currency: str
    money_divisor: int  # generator integers per currency unit: 100 (cents) or 1 (yen)
    id_prefix: str  # keeps catalog ids of two demo brands apart
    language: str | None = None  # the workspace's default interface language
    handle: str | None = None  # the brand's social handle (None: each platform profile's)
    product_types: dict[str, str] = field(default_factory=dict)  # English type -> label
    product_lines: dict[str, str] = field(default_factory=dict)
    colorways: dict[str, str] = field(default_factory=dict)
    extra_platforms: tuple[str, ...] = ()  # sources beyond the shared social platforms

    def product_title(self, line: str, product_type: str, colorway: str) -> str:
        if not self.product_types:
            return f"{line} {product_type} — {colorway}"
        return (
            f"{self.product_lines[line]} {self.product_types[product_type]}"
            f"（{self.colorways[colorway]}）"
        )


ENGLISH = DemoLocale(
    code="en",
    slug="demo",
    name="Northwind Outfitters",
    email="demo@mercato.local",
    site_domain="shop.northwind.example",
    time_zone="America/New_York",
    currency="USD",
    money_divisor=100,
    id_prefix="demo",
)

JAPANESE = DemoLocale(
    code="ja",
    slug="demo-ja",
    name="さくら堂アウトドア",
    email="demo-ja@mercato.local",
    site_domain="shop.sakurado.example",
    time_zone="Asia/Tokyo",
    currency="JPY",
    money_divisor=1,
    id_prefix="demoja",
    language="ja",
    handle="sakurado.outdoor",
    product_types={
        "T-Shirt": "Tシャツ",
        "Long Sleeve": "ロングスリーブ",
        "Hoodie": "パーカー",
        "Sweater": "セーター",
        "Overshirt": "シャツジャケット",
        "Jacket": "ジャケット",
        "Parka": "ダウンパーカー",
        "Vest": "ベスト",
        "Jeans": "デニム",
        "Chinos": "チノパン",
        "Shorts": "ショートパンツ",
        "Joggers": "ジョガーパンツ",
        "Beanie": "ニット帽",
        "Cap": "キャップ",
        "Tote Bag": "トートバッグ",
        "Backpack": "バックパック",
        "Socks": "ソックス",
        "Sneakers": "スニーカー",
        "Boots": "ブーツ",
        "Candle": "キャンドル",
        "Mug": "マグカップ",
        "Throw Blanket": "ブランケット",
    },
    product_lines={
        "Trailhead": "山道",
        "Harbor": "港町",
        "Everyday": "毎日",
        "Nordic Knit": "北欧ニット",
        "Coastal Linen": "海辺リネン",
        "Summit": "頂",
    },
    colorways={
        "Oat": "オートミール",
        "Forest": "フォレスト",
        "Navy": "ネイビー",
        "Charcoal": "チャコール",
        "Rust": "ラスト",
        "Sand": "サンド",
        "Sky": "スカイ",
        "Black": "ブラック",
        "Olive": "オリーブ",
    },
    extra_platforms=("line",),
)
LOCALES = {locale.code: locale for locale in (ENGLISH, JAPANESE)}


def demo_locale(code: str) -> DemoLocale:
    try:
        return LOCALES[code]
    except KeyError:
        from mercato.core.errors import ValidationFailed

        raise ValidationFailed(
            f"no demo brand for locale {code!r}; available: {', '.join(LOCALES)}",
            location="--locale",
        ) from None
