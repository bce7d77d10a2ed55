"""Realistic export files built in code, one builder per format and variation."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

SHOPIFY_ORDER_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Notes",
    "Cancelled at",
    "Payment Method",
    "Refunded Amount",
    "Vendor",
    "Id",
    "Tags",
    "Source",
    "Lineitem discount",
]


def csv_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    bom: bool = False,
    delimiter: str = ",",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


def shopify_order(
    name: str,
    oid: str,
    created: str,
    lines: Sequence[tuple[str, int, str]],
    *,
    subtotal: str,
    shipping: str = "0.00",
    taxes: str = "0.00",
    discount_code: str = "",
    discount: str = "0.00",
    refunded: str = "0.00",
    email: str = "ann@example.com",
    cancelled: str = "",
) -> list[list[object]]:
    rows: list[list[object]] = []
    for index, (sku, qty, price) in enumerate(lines):
        head = index == 0
        values: dict[str, object] = {
            "Name": name,
            "Email": email if head else "",
            "Financial Status": "paid" if head else "",
            "Currency": "USD" if head else "",
            "Subtotal": subtotal if head else "",
            "Shipping": shipping if head else "",
            "Taxes": taxes if head else "",
            "Discount Code": discount_code if head else "",
            "Discount Amount": discount if head else "",
            "Created at": created,
            "Lineitem quantity": qty,
            "Lineitem name": f"Item {sku}",
            "Lineitem price": price,
            "Lineitem sku": sku,
            "Refunded Amount": refunded if head else "",
            "Id": oid if head else "",
            "Cancelled at": cancelled if head else "",
            "Total": "",
            "Lineitem discount": "0.00",
        }
        rows.append([values.get(column, "") for column in SHOPIFY_ORDER_HEADER])
    return rows


def shopify_orders_file() -> bytes:
    rows = (
        shopify_order(
            "#1001",
            "5001",
            "2024-09-14 14:03:22 -0400",
            [("SNK-RED-42", 2, "60.00"), ("SOCK-1", 1, "10.00")],
            subtotal="120.00",
            shipping="5.00",
            taxes="9.60",
            discount_code="WELCOME10",
            discount="10.00",
        )
        + shopify_order(
            "#1002",
            "5002",
            "2024-09-15 09:00:00 +0000",
            [("SNK-BLU-40", 1, "80.00")],
            subtotal="80.00",
            refunded="80.00",
        )
        + shopify_order(
            "#1003",
            "5003",
            "2024-09-16 23:30:00 -0700",
            [("UNKNOWN-SKU", 3, "5.00")],
            subtotal="15.00",
            taxes="1.20",
        )
    )
    return csv_bytes(SHOPIFY_ORDER_HEADER, rows, bom=True)


SHOPIFY_PRODUCT_HEADER = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Variant SKU",
    "Variant Price",
    "Variant Compare At Price",
    "Image Src",
    "Image Position",
    "Variant Image",
    "Status",
]


def shopify_products_file() -> bytes:
    rows = [
        [
            "trail-runner",
            "Trail Runner",
            "<p>Grippy</p>",
            "Acme",
            "Apparel & Accessories > Shoes > Sneakers",
            "Sneakers",
            "line:Outdoor, new",
            "true",
            "Size",
            "42",
            "SNK-RED-42",
            "120.00",
            "",
            "https://cdn.example/tr.jpg",
            "1",
            "",
            "active",
        ],
        [
            "trail-runner",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "40",
            "SNK-BLU-40",
            "80.00",
            "",
            "",
            "",
            "https://cdn.example/tr-blue.jpg",
            "",
        ],
        [
            "trail-runner",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "https://cdn.example/tr-2.jpg",
            "2",
            "",
            "",
        ],
        [
            "crew-sock",
            "Crew Sock",
            "",
            "Acme",
            "Apparel & Accessories > Socks",
            "Socks",
            "",
            "true",
            "Title",
            "Default Title",
            "SOCK-1",
            "10.00",
            "",
            "",
            "",
            "",
            "active",
        ],
    ]
    return csv_bytes(SHOPIFY_PRODUCT_HEADER, rows)


META_ADS_HEADER = [
    "Reporting starts",
    "Reporting ends",
    "Campaign name",
    "Campaign ID",
    "Ad set name",
    "Ad set ID",
    "Ad name",
    "Ad ID",
    "Delivery status",
    "Result type",
    "Results",
    "Amount spent (EUR)",
    "Cost per result",
    "Reach",
    "Impressions",
    "Frequency",
    "Link clicks",
    "Purchases",
    "Purchases conversion value",
    "Attribution setting",
]


def meta_ads_file() -> bytes:
    rows = [
        [
            "2024-09-03",
            "2024-09-03",
            "Fall Drop",
            "c1",
            "Lookalike",
            "s1",
            "Video A",
            "a1",
            "active",
            "Purchases",
            "3",
            "120.50",
            "40.17",
            "9000",
            "12,000",
            "1.3",
            "240",
            "3",
            "450.00",
            "7-day click",
        ],
        # The same ad name under a second ad id: summed into one stored row.
        [
            "2024-09-03",
            "2024-09-03",
            "Fall Drop",
            "c1",
            "Lookalike",
            "s1",
            "Video A",
            "a2",
            "active",
            "Purchases",
            "1",
            "30.00",
            "30.00",
            "2000",
            "3,000",
            "1.1",
            "60",
            "1",
            "90.00",
            "7-day click",
        ],
        [
            "2024-09-04",
            "2024-09-04",
            "Fall Drop",
            "c1",
            "Lookalike",
            "s1",
            "Video A",
            "a1",
            "active",
            "Purchases",
            "",
            "99.99",
            "",
            "8000",
            "10,500",
            "1.2",
            "200",
            "",
            "",
            "7-day click",
        ],
    ]
    return csv_bytes(META_ADS_HEADER, rows)


def meta_posts_instagram(extra_columns: bool = False) -> bytes:
    header = [
        "Post ID",
        "Account ID",
        "Account username",
        "Account name",
        "Description",
        "Duration (sec)",
        "Publish time",
        "Permalink",
        "Post type",
        "Data comment",
        "Date",
        "Views",
        "Reach",
        "Likes",
        "Shares",
        "Follows",
        "Comments",
        "Saves",
    ]
    rows = [
        [
            "1801",
            "1789",
            "acme",
            "Acme",
            "New drop #acme",
            "0",
            "09/14/2024 14:03",
            "https://www.instagram.com/p/A1/",
            "IG image",
            "",
            "Lifetime",
            "18,342",
            "12,011",
            "820",
            "12",
            "7",
            "44",
            "30",
        ],
        [
            "1802",
            "1789",
            "acme",
            "Acme",
            "Reel time",
            "23",
            "09/15/2024 10:00",
            "https://www.instagram.com/reel/B2/",
            "IG reel",
            "",
            "Lifetime",
            "541.2K",
            "300K",
            "9,001",
            "150",
            "0",
            "",
            "410",
        ],
    ]
    if extra_columns:
        header += ["Custom labels", "Funded content status"]
        rows = [[*row, "", ""] for row in rows]
    return csv_bytes(header, rows, bom=True)


def meta_posts_facebook() -> bytes:
    header = [
        "Post ID",
        "Page ID",
        "Page name",
        "Title",
        "Description",
        "Duration (sec)",
        "Publish time",
        "Caption type",
        "Permalink",
        "Is crosspost",
        "Is share",
        "Post type",
        "Languages",
        "Custom labels",
        "Funded content status",
        "Data comment",
        "Date",
        "Views",
        "Reach",
        "Reactions, Comments and Shares",
        "Reactions",
        "Comments",
        "Shares",
        "Total clicks",
        "Link clicks",
        "Other Clicks",
        "Seconds viewed",
        "Average Seconds viewed",
        "3-Second Video Views",
        "1-Minute Video Views",
        "Estimated earnings (USD)",
        "Approximate content monetization earnings",
        "Qualified Views",
    ]
    rows = [
        [
            "123_456",
            "123",
            "Acme",
            "",
            "Autumn is here",
            "",
            "09/14/2024 14:03",
            "",
            "https://facebook.com/123/posts/456",
            "No",
            "No",
            "Photos",
            "en",
            "",
            "",
            "",
            "Lifetime",
            "5,120",
            "4,876",
            "130",
            "100",
            "20",
            "10",
            "77",
            "31",
            "46",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    ]
    return csv_bytes(header, rows, bom=True)


def meta_daily_utf16(metric: str = "Facebook follows") -> bytes:
    text = (
        f'sep=,\r\n"{metric}"\r\n"Date","Primary"\r\n"2024-08-03T00:00:00","20"\r\n'
        '"2024-08-04T00:00:00","1,204"\r\n"2024-08-05T00:00:00",""\r\n'
    )
    return text.encode("utf-16")


def tiktok_overview(spanish: bool = False) -> bytes:
    if spanish:
        header = [
            "Fecha",
            "Visualizaciones de videos",
            "Visualizaciones del perfil",
            "Me gusta",
            "Comentarios",
            "Veces compartido",
        ]
        rows = [
            ["30 de diciembre", "1.200", "30", "100", "4", "2"],
            ["2 de enero", "2.500", "41", "230", "9", "5"],
        ]
    else:
        header = ["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"]
        rows = [
            ["December 30", "1,200", "30", "100", "4", "2"],
            ["December 31", "-5", "12", "40", "1", "0"],
            ["January 2", "2,500", "41", "230", "9", "5"],
        ]
    return csv_bytes(header, rows)


def x_content_file() -> bytes:
    header = [
        "Post id",
        "Date",
        "Post text",
        "Post Link",
        "Impressions",
        "Likes",
        "Engagements",
        "Bookmarks",
        "Shares",
        "New follows",
        "Replies",
        "Reposts",
        "Profile visits",
        "Detail Expands",
        "URL Clicks",
        "Hashtag Clicks",
        "Permalink Clicks",
    ]
    rows = [
        [
            "1834567890123456789",
            "Sat, Sep 14, 2024",
            "New drop",
            "https://x.com/acme/status/1",
            "1,200",
            "87",
            "140",
            "9",
            "2",
            "3",
            "4",
            "12",
            "17",
            "8",
            "61",
            "0",
            "1",
        ]
    ]
    return csv_bytes(header, rows)
