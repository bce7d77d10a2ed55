"""Importers against realistic files built in code: values, atomicity, idempotency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from mercato.catalog.models import Product
from mercato.connectors.imports import ImportOptions, run_import
from mercato.connectors.parsing import NumberLocale
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from tests.connectors import samples
from tests.support.brands import Brand


def _opts(brand: Brand, **extra: object) -> ImportOptions:
    return ImportOptions(workspace_id=brand.workspace_id, **extra)  # type: ignore[arg-type]


def _table(services: Services, brand: Brand, name: str) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    return scoped.execute(scoped.table(name))


def _import(services: Services, kind: str, files: list[tuple[str, bytes]], options: ImportOptions):  # type: ignore[no-untyped-def]
    return run_import(services.catalog, services.warehouse, kind, files, options)


def test_shopify_orders_with_products_matched_and_idempotent(
    services: Services, brand: Brand
) -> None:
    _import(
        services,
        "products-shopify",
        [("products.csv", samples.shopify_products_file())],
        _opts(brand, shop_url="https://shop.acme.example"),
    )
    files = [("orders_export.csv", samples.shopify_orders_file())]
    first = _import(services, "orders-shopify", files, _opts(brand))
    assert first.rows_read == 4
    assert first.inserted["orders"] == 3
    assert first.inserted["order_items"] == 4
    orders = _table(services, brand, "orders").set_index("order_id")
    # Hand-checked: #1001 subtotal 120 after a 10 discount → gross 130, net 120.
    assert orders.loc["5001", "gross"] == Decimal("130.00")
    assert orders.loc["5001", "discounts"] == Decimal("10.00")
    assert orders.loc["5001", "net"] == Decimal("120.00")
    assert orders.loc["5001", "shipping"] == Decimal("5.00")
    assert orders.loc["5001", "tax"] == Decimal("9.60")
    assert list(orders.loc["5001", "coupon_codes"]) == ["WELCOME10"]
    assert orders.loc["5001", "placed_at"] == datetime(2024, 9, 14, 18, 3, 22)
    assert orders.loc["5002", "refunds"] == Decimal("80.00")
    assert orders.loc["5002", "net"] == Decimal("0.00")
    items = _table(services, brand, "order_items")
    matched = items.dropna(subset=["product_id"])
    assert sorted(matched.sku) == ["SNK-BLU-40", "SNK-RED-42", "SOCK-1"]
    assert any("UNKNOWN-SKU" in note for note in first.notes)
    second = _import(services, "orders-shopify", files, _opts(brand))
    assert second.inserted["orders"] == 0
    assert second.updated["orders"] == 3
    assert len(_table(services, brand, "orders")) == 3
    assert len(_table(services, brand, "order_items")) == 4


def test_orders_are_tied_to_the_tracked_session(services: Services, brand: Brand) -> None:
    from mercato.connectors.batches import arrow_rows
    from mercato.warehouse.loader import load

    event = {
        "workspace_id": brand.workspace_id,
        "event_id": "e1",
        "site_id": "s",
        "ts": datetime(2024, 9, 14, 18, 5),
        "name": "purchase",
        "order_id": "#1001",
        "session_id": "sess-9",
        "visitor_id": "vis-9",
    }
    load(services.warehouse, "events", arrow_rows("events", [event]))
    _import(services, "orders-shopify", [("o.csv", samples.shopify_orders_file())], _opts(brand))
    orders = _table(services, brand, "orders").set_index("order_id")
    assert orders.loc["5001", "session_id"] == "sess-9"
    assert orders.loc["5001", "visitor_id"] == "vis-9"
    assert pd.isna(orders.loc["5002", "session_id"])


def test_bad_file_writes_nothing_and_names_line_and_column(
    services: Services, brand: Brand
) -> None:
    good = samples.shopify_orders_file()
    bad = good.replace(b"80.00,0.00,0.00", b"80.00,abc,0.00", 1)
    assert bad != good
    with pytest.raises(ValidationFailed) as caught:
        _import(services, "orders-shopify", [("good.csv", good), ("bad.csv", bad)], _opts(brand))
    assert caught.value.location is not None
    assert caught.value.location.startswith("bad.csv:")
    assert caught.value.location.endswith(":Shipping")
    assert "expected" in caught.value.reason or "not a number" in caught.value.reason
    assert _table(services, brand, "orders").empty


def test_warehouse_failure_mid_import_rolls_back(
    services: Services, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mercato.connectors import batches
    from mercato.warehouse.bulk import load_bulk  # what `batches.load` is

    calls = {"n": 0}

    def failing_load(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return load_bulk(*args, **kwargs)

    monkeypatch.setattr(batches, "load", failing_load)
    with pytest.raises(RuntimeError):
        _import(
            services, "orders-shopify", [("o.csv", samples.shopify_orders_file())], _opts(brand)
        )
    assert _table(services, brand, "orders").empty


def test_products_upsert_by_sku(services: Services, brand: Brand) -> None:
    files = [("products_export.csv", samples.shopify_products_file())]
    first = _import(services, "products-shopify", files, _opts(brand, shop_url="https://s.example"))
    assert first.inserted["products"] == 3
    with services.catalog.session() as session:
        products = {p.sku: p for p in session.scalars(select(Product))}
    red = products["SNK-RED-42"]
    assert red.title == "Trail Runner - 42"
    assert red.product_type == "Sneakers"
    assert red.product_line == "Outdoor"
    assert red.category == "Sneakers"
    assert red.price == Decimal("120.00")
    assert red.url == "https://s.example/products/trail-runner"
    assert red.image_url == "https://cdn.example/tr.jpg"
    assert products["SNK-BLU-40"].image_url == "https://cdn.example/tr-blue.jpg"
    assert products["SOCK-1"].title == "Crew Sock"
    again = _import(services, "products-shopify", files, _opts(brand, shop_url="https://s.example"))
    assert again.inserted["products"] == 0
    assert again.unchanged["products"] == 3


def test_generic_products_and_orders_with_mapping(services: Services, brand: Brand) -> None:
    products = samples.csv_bytes(
        ["Art", "Name", "Preis", "Linie"], [["A-1", "Mantel", "1.299,00", "Winter"]], delimiter=";"
    )
    mapping = {
        "sku": "Art",
        "title": "Name",
        "price": "Preis",
        "product_line": "Linie",
        "defaults": {"currency": "EUR"},
        "number_locale": "de",
    }
    _import(services, "products-csv", [("p.csv", products)], _opts(brand, mapping=mapping))
    with services.catalog.session() as session:
        stored = session.scalars(select(Product)).one()
    assert stored.price == Decimal("1299.00")
    assert stored.currency == "EUR"
    orders = samples.csv_bytes(
        ["Bestellung", "Datum", "Betrag", "Rabatt", "Gutschein", "Art", "Menge", "Preis"],
        [["B-1", "2024-09-03 10:00:00", "1.299,00", "100,00", "HERBST", "A-1", "1", "1.299,00"]],
        delimiter=";",
    )
    order_mapping = {
        "order_id": "Bestellung",
        "placed_at": "Datum",
        "gross": "Betrag",
        "discounts": "Rabatt",
        "coupon_codes": "Gutschein",
        "sku": "Art",
        "quantity": "Menge",
        "unit_price": "Preis",
        "defaults": {"currency": "EUR"},
        "number_locale": "de",
    }
    _import(services, "orders-csv", [("o.csv", orders)], _opts(brand, mapping=order_mapping))
    row = _table(services, brand, "orders").iloc[0]
    assert row.gross == Decimal("1299.00")
    assert row.net == Decimal("1199.00")
    assert list(row.coupon_codes) == ["HERBST"]
    assert _table(services, brand, "order_items").iloc[0].product_id == stored.id


def test_mapping_naming_a_missing_column_is_rejected(services: Services, brand: Brand) -> None:
    orders = samples.csv_bytes(["id", "when"], [["1", "2024-09-03"]])
    with pytest.raises(ValidationFailed, match="Total"):
        _import(
            services,
            "orders-csv",
            [("o.csv", orders)],
            _opts(
                brand,
                mapping={
                    "order_id": "id",
                    "placed_at": "when",
                    "gross": "Total",
                    "defaults": {"currency": "USD"},
                },
            ),
        )


def test_meta_ads_sums_reused_names_and_is_idempotent(services: Services, brand: Brand) -> None:
    files = [("ads.csv", samples.meta_ads_file())]
    _import(services, "meta-ads", files, _opts(brand))
    _import(services, "meta-ads", files, _opts(brand))
    spend = _table(services, brand, "ad_spend").sort_values("day").reset_index()
    assert len(spend) == 2
    first = spend.iloc[0]
    assert first.day == pd.Timestamp(2024, 9, 3)
    assert first.currency == "EUR"
    assert first.spend == Decimal("150.50")
    assert first.impressions == 15000
    assert first.clicks == 300
    assert first.conversions == 4
    assert first.conversion_value == Decimal("540.00")
    assert pd.isna(spend.iloc[1].conversions)  # blank is missing, not zero


def test_meta_ads_rejects_multi_day_rows(services: Services, brand: Brand) -> None:
    data = samples.meta_ads_file().replace(b"2024-09-04,2024-09-04", b"2024-09-04,2024-10-02")
    with pytest.raises(ValidationFailed, match="one day per row") as caught:
        _import(services, "meta-ads", [("ads.csv", data)], _opts(brand))
    assert caught.value.location == "ads.csv:4:Reporting ends"


def test_tiktok_and_pinterest_ads(services: Services, brand: Brand) -> None:
    tiktok = samples.csv_bytes(
        [
            "By Day",
            "Campaign name",
            "Ad group name",
            "Ad name",
            "Currency",
            "Cost",
            "Impressions",
            "Clicks (destination)",
            "Conversions",
        ],
        [["2024-09-03", "Drop", "G1", "A", "USD", "1,234.56", "100,000", "900", "12"]],
    )
    pinterest = samples.csv_bytes(
        [
            "Date",
            "Campaign name",
            "Ad group name",
            "Spend in account currency",
            "Impressions",
            "Pin clicks",
            "Outbound clicks",
            "CTR",
            "eCPC",
            "Total conversions",
            "Checkouts",
            "Checkout value in account currency",
            "Checkout ROAS",
        ],
        [
            [
                "2024-09-03",
                "Pins",
                "G",
                "50.00",
                "7,000",
                "80",
                "40",
                "0.5%",
                "1.25",
                "3",
                "2",
                "120.00",
                "2.4",
            ],
            ["Total", "", "", "50.00", "7,000", "80", "40", "", "", "3", "2", "120.00", ""],
        ],
    )
    _import(services, "tiktok-ads", [("t.csv", tiktok)], _opts(brand))
    _import(services, "pinterest-ads", [("p.csv", pinterest)], _opts(brand, currency="GBP"))
    spend = _table(services, brand, "ad_spend").set_index("platform")
    assert spend.loc["tiktok", "spend"] == Decimal("1234.56")
    assert spend.loc["tiktok", "impressions"] == 100000
    assert spend.loc["pinterest", "currency"] == "GBP"
    assert spend.loc["pinterest", "conversion_value"] == Decimal("120.00")
    assert len(spend) == 2  # the Total row was skipped


def _metrics(services: Services, brand: Brand) -> pd.DataFrame:
    return _table(services, brand, "social_post_metrics")


@pytest.mark.parametrize("extra_columns", [False, True])
def test_meta_instagram_post_export(services: Services, brand: Brand, extra_columns: bool) -> None:
    files = [("ig_posts.csv", samples.meta_posts_instagram(extra_columns))]
    summary = _import(services, "meta-posts", files, _opts(brand, account_id="acc_ig"))
    _import(services, "meta-posts", files, _opts(brand, account_id="acc_ig"))
    posts = _table(services, brand, "social_posts").set_index("post_id")
    assert set(posts.platform) == {"instagram"}
    assert posts.loc["1802", "content_type"] == "reel"
    metrics = _metrics(services, brand).set_index(["post_id", "metric"])
    assert metrics.loc[("1802", "views"), "value"] == 541200
    assert metrics.loc[("1801", "views"), "value"] == 18342
    reel_follows = metrics.loc[("1802", "follows")]
    assert pd.isna(reel_follows.value)
    assert reel_follows.missing_reason == "not_reported_for_reels"
    blank = metrics.loc[("1802", "comments")]
    assert pd.isna(blank.value)
    assert blank.missing_reason == "empty_in_source"
    assert metrics.loc[("1801", "saves"), "vendor_metric"] == "Saves"
    assert summary.inserted["social_post_metrics"] == len(metrics)


def test_meta_facebook_post_export_is_detected(services: Services, brand: Brand) -> None:
    _import(services, "meta-posts", [("fb.csv", samples.meta_posts_facebook())], _opts(brand))
    posts = _table(services, brand, "social_posts")
    assert list(posts.platform) == ["facebook"]
    assert list(posts.account_id) == ["123"]
    metrics = _metrics(services, brand).set_index("metric")
    assert metrics.loc["reach", "value"] == 4876
    assert metrics.loc["link_clicks", "value"] == 31
    assert metrics.loc["reactions", "vendor_metric"] == "Reactions"


def test_meta_daily_utf16_with_sep_line(services: Services, brand: Brand) -> None:
    _import(
        services,
        "meta-daily",
        [("Follows.csv", samples.meta_daily_utf16())],
        _opts(brand, account_id="acc_fb", platform="facebook"),
    )
    days = _table(services, brand, "social_account_daily").sort_values("day")
    assert list(days.metric) == ["follows"] * 3
    assert list(days.value[:2]) == [20, 1204]
    assert pd.isna(days.value.iloc[2])
    assert days.missing_reason.iloc[2] == "empty_in_source"
    assert set(days.vendor_metric) == {"Facebook follows"}


@pytest.mark.parametrize("spanish", [False, True])
def test_tiktok_studio_dates_without_year_across_new_year(
    services: Services, brand: Brand, spanish: bool
) -> None:
    locale = NumberLocale.DE if spanish else NumberLocale.EN
    _import(
        services,
        "tiktok-daily",
        [("Overview.csv", samples.tiktok_overview(spanish))],
        _opts(brand, account_id="acc_tt", as_of=date(2025, 1, 5), locale=locale),
    )
    days = _table(services, brand, "social_account_daily")
    views = days[days.metric == "views"].sort_values("day")
    assert views.day.iloc[0] == pd.Timestamp(2024, 12, 30)
    assert views.day.iloc[-1] == pd.Timestamp(2025, 1, 2)
    assert views.value.iloc[0] == 1200
    assert views.value.iloc[-1] == 2500
    if not spanish:
        assert views.value.iloc[1] == -5  # negative revisions are kept


def test_x_content_export(services: Services, brand: Brand) -> None:
    name = "account_analytics_content_2024-09-03_2024-10-02.csv"
    _import(services, "x-posts", [(name, samples.x_content_file())], _opts(brand, account_id="a"))
    post = _table(services, brand, "social_posts").iloc[0]
    # Snowflake id → exact creation time.
    expected_ms = (1834567890123456789 >> 22) + 1288834974657
    assert post.posted_at == datetime.utcfromtimestamp(expected_ms / 1000)
    metrics = _metrics(services, brand).set_index("metric")
    assert metrics.loc["views", "value"] == 1200
    assert metrics.loc["link_clicks", "value"] == 61
    assert set(metrics.captured_at) == {datetime(2024, 10, 3)}


def test_unknown_columns_error_lists_what_was_found(services: Services, brand: Brand) -> None:
    with pytest.raises(ValidationFailed, match="missing column") as caught:
        _import(services, "orders-shopify", [("x.csv", b"a,b\n1,2\n")], _opts(brand))
    assert caught.value.location == "x.csv:1"


def test_events_log_is_insert_only_and_validated(services: Services, brand: Brand) -> None:
    log = samples.csv_bytes(
        ["event_id", "ts", "name", "visitor_id", "session_id", "order_id", "revenue", "currency"],
        [
            ["e1", "2024-09-14T14:03:22Z", "page_view", "v1", "s1", "", "", ""],
            ["e2", "2024-09-14T10:05:00-04:00", "purchase", "v1", "s1", "#1001", "120.00", "USD"],
        ],
    )
    first = _import(services, "events-csv", [("events.csv", log)], _opts(brand))
    second = _import(services, "events-csv", [("events.csv", log)], _opts(brand))
    assert first.inserted["events"] == 2
    assert second.inserted["events"] == 0
    events = _table(services, brand, "events").set_index("event_id")
    assert len(events) == 2
    assert events.loc["e2", "ts"] == datetime(2024, 9, 14, 14, 5)
    assert events.loc["e2", "revenue"] == Decimal("120.00")
    bad = log.replace(b"2024-09-14T10:05:00-04:00", b"12/11/2024 10:05")
    with pytest.raises(ValidationFailed) as caught:
        _import(services, "events-csv", [("bad.csv", bad)], _opts(brand))
    assert caught.value.location == "bad.csv:3:ts"


def test_x_legacy_tweet_activity_export(services: Services, brand: Brand) -> None:
    legacy = samples.csv_bytes(
        [
            "Tweet id",
            "Tweet permalink",
            "Tweet text",
            "time",
            "impressions",
            "engagements",
            "engagement rate",
            "retweets",
            "replies",
            "likes",
            "user profile clicks",
            "url clicks",
            "promoted impressions",
            "promoted likes",
        ],
        [
            [
                "1300000000000000001",
                "https://twitter.com/acme/status/1300000000000000001",
                "hello",
                "2020-08-30 14:00 +0000",
                "1,200",
                "40",
                "0.033",
                "3",
                "2",
                "30",
                "4",
                "6",
                "5000",
                "90",
            ]
        ],
    )
    _import(
        services,
        "x-posts",
        [("tweet_activity_metrics_acme_20200801_20200901_en.csv", legacy)],
        _opts(brand, account_id="acc_x"),
    )
    metrics = _metrics(services, brand).set_index("metric")
    assert metrics.loc["views", "value"] == 1200  # organic, not the promoted twin
    assert metrics.loc["likes", "value"] == 30
    assert set(metrics.api_version) == {"x_tweet_activity_export"}
    post = _table(services, brand, "social_posts").iloc[0]
    assert post.posted_at == datetime(2020, 8, 30, 14, 0)
