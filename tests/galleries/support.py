"""A small shop for gallery tests: products, UGC items (some publishable, some not), galleries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mercato.catalog.models import Site, SocialAccount
from mercato.core.timeutil import utcnow
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import set_status
from mercato.ugc.tagging import set_tag
from tests.support.brands import Brand, make_brand
from tests.ugc.support import add, context, image_bytes, product

XSS = '</script><script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@dataclass
class Shop:
    brand: Brand
    products: dict[str, str]  # sku -> product id
    items: dict[str, str]  # label -> ugc id
    home: str
    pdp: str
    account_id: str


def make_shop(services: Services, origin: str = "http://shop.test") -> Shop:
    brand = make_brand(services)
    ws = brand.workspace_id
    ctx = context(services, ws)
    now = utcnow()
    with services.catalog.session() as s:
        site = s.query(Site).filter(Site.workspace_id == ws).one()
        site.allowed_origins = [origin]
        dress = product(
            s,
            ws,
            "DR-1",
            "Sunset Linen Dress",
            product_line="Summer",
            category="dresses",
            url="http://shop.test/products/dr-1",
        )
        boots = product(
            s,
            ws,
            "BT-9",
            "Trail Ankle Boots",
            product_line="Outdoor",
            category="shoes",
            url="http://shop.test/products/bt-9?color=brown",
        )
        specs = {
            "dress_a": ("p1", "Red dress on the beach", dress.id, 0.9, 1),
            "dress_b": ("p2", XSS, dress.id, 0.5, 2),
            "boots": ("p3", "Boots on the trail", boots.id, 0.7, 3),
            "expiring": ("p4", "Dress with expiring rights", dress.id, 0.8, 4),
            "unapproved": ("p5", "Dress not approved", dress.id, 0.99, 5),
            "no_rights": ("p6", "Dress without rights", dress.id, 0.98, 6),
        }
        items = {}
        for label, (ext, caption, product_id, score, seed) in specs.items():
            item = add(
                s,
                ctx,
                ext,
                caption,
                handle=f"c{seed}",
                files=[image_bytes(seed)],
                posted_at=datetime(2026, 5, seed),
            )
            item.curation_score = score
            set_tag(s, item, product_id, "accepted")
            if label != "unapproved":
                set_status(s, ws, [item.id], "approved")
            if label != "no_rights":
                rights.grant(
                    s,
                    item,
                    channel="comment",
                    evidence="#yesacme",
                    at=now - timedelta(days=1),
                    expires_at=now + timedelta(days=1) if label == "expiring" else None,
                )
            items[label] = item.id
        account = SocialAccount(
            workspace_id=ws, platform="instagram", handle="acme", external_id="1784"
        )
        s.add(account)
        s.flush()
        home = create_gallery(
            s,
            ws,
            GalleryDraft(
                name="Home",
                layout="grid",
                placement="home",
                rule={"sort": "curation"},
                max_items=10,
            ),
        )
        pdp = create_gallery(
            s,
            ws,
            GalleryDraft(
                name="Shop the look",
                layout="strip",
                placement="product",
                min_items=1,
                fallback_id=home.id,
            ),
        )
        return Shop(brand, {"DR-1": dress.id, "BT-9": boots.id}, items, home.id, pdp.id, account.id)
