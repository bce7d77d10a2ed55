"""Sessions agree with events; orders agree with purchases; ground truth equals the warehouse."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from tests.demo.conftest import Seeded

# DuckDB hands decimals to pandas as floats: compare money as exact integer cents.
CENTS = "CAST(round({} * 100) AS BIGINT)"


def _events(seeded: Seeded) -> pd.DataFrame:
    return seeded.sql(
        "SELECT session_id, ts, name, path, page_type, engaged_ms, scroll_pct, channel, "
        f"{CENTS.format('revenue')} AS revenue_cents, visitor_id FROM events "
        "WHERE workspace_id = ? ORDER BY session_id, ts",
        seeded.workspace_id,
    )


def test_sessions_recomputed_from_events_equal_the_sessions_table(seeded: Seeded) -> None:
    events = _events(seeded)
    named = {name: (events.name == name) for name in events.name.unique()}
    grouped = events.assign(
        pv=named["pageview"],
        lead=named["generate_lead"],
        atc=named["add_to_cart"],
        chk=named["begin_checkout"],
        buy=named["purchase"],
        rev=events.revenue_cents.fillna(0),
    ).groupby("session_id")
    first_pageview = events[named["pageview"]].groupby("session_id").first()
    expected = pd.DataFrame(
        {
            "pageviews": grouped.pv.sum(),
            "events": grouped.size(),
            "engaged_ms": grouped.engaged_ms.sum(),
            "max_scroll_pct": grouped.scroll_pct.max(),
            "leads": grouped.lead.sum(),
            "add_to_carts": grouped.atc.sum(),
            "checkouts": grouped.chk.sum(),
            "orders": grouped.buy.sum(),
            "revenue_cents": grouped.rev.sum(),
            "started_at": grouped.ts.min(),
            "ended_at": grouped.ts.max(),
            "entry_path": first_pageview.path,
            "entry_page_type": first_pageview.page_type,
            "channel": grouped.channel.first(),
            "visitor_id": grouped.visitor_id.first(),
        }
    )
    # GA4: engaged = longer than 10 s, or a key event, or at least two page views.
    expected["is_engaged"] = (
        (expected.engaged_ms > 10_000)
        | (expected.pageviews >= 2)
        | (expected.orders > 0)
        | (expected.leads > 0)
    )
    sessions = seeded.sql(
        f"SELECT *, {CENTS.format('revenue')} AS revenue_cents FROM sessions "
        "WHERE workspace_id = ?",
        seeded.workspace_id,
    ).set_index("session_id")
    actual = sessions.loc[expected.index, expected.columns]
    assert len(sessions) == len(expected)
    for column in expected.columns:
        left, right = actual[column].to_numpy(), expected[column].to_numpy()
        assert (left == right).all(), column


def test_session_numbers_count_visits_per_visitor(seeded: Seeded) -> None:
    sessions = seeded.sql(
        "SELECT visitor_id, session_number, started_at FROM sessions WHERE workspace_id = ? "
        "ORDER BY visitor_id, started_at",
        seeded.workspace_id,
    )
    steps = sessions.groupby("visitor_id").session_number.diff().dropna()
    assert (steps >= 1).all()  # later visits have higher numbers (gaps: visits before the window)
    assert (sessions.groupby("visitor_id").size() > 1).mean() > 0.25  # multi-session journeys


def test_orders_match_purchase_events_and_money_definitions(seeded: Seeded) -> None:
    money = ", ".join(
        f"{CENTS.format(c)} AS {c}"
        for c in ("gross", "discounts", "refunds", "net", "shipping", "tax")
    )
    orders = seeded.sql(
        f"SELECT order_id, session_id, placed_at, {money} FROM orders WHERE workspace_id = ?",
        seeded.workspace_id,
    )
    purchases = seeded.sql(
        f"SELECT order_id, session_id, ts, {CENTS.format('revenue')} AS revenue FROM events "
        "WHERE workspace_id = ? AND name = 'purchase'",
        seeded.workspace_id,
    ).set_index("order_id")
    assert sorted(purchases.index) == sorted(orders.order_id)
    joined = orders.set_index("order_id").join(purchases, rsuffix="_event")
    assert (joined.revenue == joined.gross - joined.discounts).all()
    assert (joined.session_id == joined.session_id_event).all()
    assert (joined.placed_at == joined.ts).all()
    assert (orders.net == orders.gross - orders.discounts - orders.refunds).all()
    lines = seeded.sql(
        f"SELECT order_id, {CENTS.format('sum(unit_price * quantity)')} AS items_cents, "
        f"{CENTS.format('sum(discount)')} AS discount "
        "FROM order_items WHERE workspace_id = ? GROUP BY order_id",
        seeded.workspace_id,
    ).set_index("order_id")
    joined = joined.join(lines)
    assert (joined.discount == joined.discounts).all()
    assert (joined.items_cents + joined.shipping + joined.tax == joined.gross).all()
    assert 0.03 < (orders.refunds > 0).mean() < 0.15
    assert (orders.discounts > 0).mean() > 0.05


def test_ground_truth_totals_equal_warehouse_totals(seeded: Seeded) -> None:
    truth = seeded.summary.truth
    sessions = seeded.sql(
        "SELECT strftime(started_at, '%Y-%m') AS month, count(*) AS sessions, "
        "count(*) FILTER (WHERE is_engaged) AS engaged_sessions, sum(leads) AS leads, "
        "count(*) FILTER (WHERE add_to_carts > 0) AS carts, "
        "count(*) FILTER (WHERE checkouts > 0) AS checkouts "
        "FROM sessions WHERE workspace_id = ? GROUP BY month",
        seeded.workspace_id,
    ).set_index("month")
    orders = seeded.sql(
        "SELECT strftime(placed_at, '%Y-%m') AS month, count(*) AS orders, "
        "CAST(sum(gross) AS VARCHAR) AS gross, CAST(sum(discounts) AS VARCHAR) AS discounts, "
        "CAST(sum(refunds) AS VARCHAR) AS refunds, CAST(sum(net) AS VARCHAR) AS net, "
        "CAST(sum(gross - discounts) AS VARCHAR) AS paid "
        "FROM orders WHERE workspace_id = ? GROUP BY month",
        seeded.workspace_id,
    ).set_index("month")
    assert sorted(truth.months) == sorted(sessions.index)
    for month, expected in truth.months.items():
        for name in ("sessions", "engaged_sessions", "leads", "carts", "checkouts"):
            assert expected[name] == sessions.loc[month, name], (month, name)
        for name in ("orders",):
            assert expected[name] == orders.loc[month, name], (month, name)
        for name in ("gross", "discounts", "refunds", "net", "paid"):
            assert Decimal(expected[name]) == Decimal(orders.loc[month, name]), (month, name)
    assert truth.totals["sessions"] == sessions.sessions.sum()
    assert Decimal(truth.totals["net"]) == sum(Decimal(v) for v in orders.net)


def test_ground_truth_file_is_saved(seeded: Seeded) -> None:
    path = seeded.summary.truth_path
    assert path == seeded.services.settings.data_dir / "demo" / "ground_truth.json"
    assert '"channel_ranking"' in path.read_text()


def test_paid_sessions_follow_utm_conventions_and_match_ad_spend(seeded: Seeded) -> None:
    sessions = seeded.sql(
        "SELECT channel, source, medium, social_platform, content, started_at FROM sessions "
        "WHERE workspace_id = ? AND channel IN ('Paid Social', 'Organic Social')",
        seeded.workspace_id,
    )
    paid = sessions[sessions.channel == "Paid Social"]
    assert set(paid.medium) == {"paid_social"}
    assert set(paid.source) <= {"instagram", "facebook", "tiktok", "pinterest"}
    assert (paid.source == paid.social_platform).all()
    organic = sessions[sessions.channel == "Organic Social"]
    assert set(organic.medium) == {"social"}
    clicks = seeded.sql(
        "SELECT a.day, a.ad, a.clicks, count(s.session_id) AS sessions FROM ad_spend a "
        "LEFT JOIN sessions s ON s.workspace_id = a.workspace_id AND s.content = a.ad "
        "AND CAST(s.started_at AS DATE) = a.day AND s.channel IN ('Paid Social', 'Paid Search') "
        "WHERE a.workspace_id = ? GROUP BY ALL",
        seeded.workspace_id,
    )
    assert clicks.sessions.sum() == len(paid) + int(
        seeded.sql(
            "SELECT count(*) FROM sessions WHERE workspace_id = ? AND channel = 'Paid Search'",
            seeded.workspace_id,
        ).iloc[0, 0]
    )
    assert (clicks.clicks >= clicks.sessions).all()


def test_organic_social_content_is_an_earlier_post_of_the_same_platform(seeded: Seeded) -> None:
    rows = seeded.sql(
        "SELECT s.started_at, p.posted_at, p.platform, s.social_platform FROM sessions s "
        "JOIN social_posts p ON p.workspace_id = s.workspace_id AND p.post_id = s.content "
        "WHERE s.workspace_id = ? AND s.channel = 'Organic Social'",
        seeded.workspace_id,
    )
    assert len(rows) > 0
    assert (rows.posted_at <= rows.started_at).all()
    assert (rows.platform == rows.social_platform).all()
    links = seeded.sql(
        "SELECT count(*) FROM sessions WHERE workspace_id = ? AND channel = 'Organic Social' "
        "AND content IS NULL AND campaign = 'link-in-bio'",
        seeded.workspace_id,
    ).iloc[0, 0]
    assert links > 0
