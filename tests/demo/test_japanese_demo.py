# ruff: noqa: RUF001 (Japanese product titles use full-width parentheses)
"""`mercato demo seed --locale ja`: a Japanese brand beside the US one, its money in yen with
no decimals, Japanese products, captions and reviews, a LINE account, and a ground truth the
warehouse agrees with (checked by hand-written SQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mercato.catalog import workspaces
from mercato.catalog.models import Product, SocialAccount, UgcItem
from mercato.cli import context as cli_context
from mercato.cli.main import app as cli_app
from mercato.demo.generator import DemoSummary, seed_demo_brand
from mercato.demo.locale import ENGLISH, JAPANESE
from mercato.i18n.service import workspace_language
from mercato.runtime import Services
from mercato.ugc.search import UgcQuery, search
from tests.demo.conftest import Seeded, open_services


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, DemoSummary]]:
    services = open_services(tmp_path_factory.mktemp("ja") / "data")
    english = seed_demo_brand(services, seed=5, visitors=600, ugc_items=4, locale=ENGLISH)
    japanese = seed_demo_brand(services, seed=5, visitors=600, ugc_items=16, locale=JAPANESE)
    yield Seeded(services, japanese), english
    services.close()


def test_the_japanese_brand_is_its_own_workspace(both: tuple[Seeded, DemoSummary]) -> None:
    seeded, english = both
    assert seeded.workspace_id != english.workspace_id
    with seeded.services.catalog.session() as session:
        shop = workspaces.get_workspace(session, "demo-ja")
        assert (shop.currency, shop.time_zone) == ("JPY", "Asia/Tokyo")
        assert workspace_language(session, shop.id) == "ja"
        titles = session.scalars(
            select(Product.title).where(Product.workspace_id == shop.id).limit(5)
        ).all()
        assert all("（" in t for t in titles), titles
        prices = session.scalars(select(Product.price).where(Product.workspace_id == shop.id))
        assert all(p == p.to_integral_value() for p in prices)  # yen: whole numbers
        platforms = set(
            session.scalars(
                select(SocialAccount.platform).where(SocialAccount.workspace_id == shop.id)
            )
        )
        assert "line" in platforms


def test_money_is_in_yen_and_matches_the_ground_truth(both: tuple[Seeded, DemoSummary]) -> None:
    seeded, english = both
    truth = seeded.summary.truth
    assert (truth.currency, truth.time_zone) == ("JPY", "Asia/Tokyo")
    orders = seeded.sql(
        "SELECT currency, sum(gross) AS gross, sum(net) AS net, "
        "bool_and(gross = round(gross)) AS whole FROM orders WHERE workspace_id = ? "
        "GROUP BY currency",
        seeded.workspace_id,
    )
    assert orders.currency.tolist() == ["JPY"]
    assert bool(orders.whole.iloc[0])
    assert Decimal(str(orders.gross.iloc[0])) == Decimal(truth.totals["gross"])
    assert Decimal(str(orders.net.iloc[0])) == Decimal(truth.totals["net"])
    assert "." not in truth.totals["gross"]
    assert english.truth.currency == "USD"
    assert "." in english.truth.totals["gross"]  # the US brand keeps its cents
    saved = json.loads(seeded.summary.truth_path.read_text())
    assert seeded.summary.truth_path.name == "ground_truth_ja.json"
    assert saved["totals"]["gross"] == truth.totals["gross"]


def test_line_days_match_the_ground_truth(both: tuple[Seeded, DemoSummary]) -> None:
    seeded, _ = both
    line = seeded.summary.truth.line
    rows = seeded.sql(
        "SELECT metric, sum(value) AS total, max(value) AS last, count(*) AS days "
        "FROM social_account_daily WHERE workspace_id = ? AND platform = 'line' GROUP BY metric",
        seeded.workspace_id,
    ).set_index("metric")
    assert rows.loc["messages_delivered", "total"] == line["messages_delivered"]
    assert rows.loc["followers", "last"] == line["followers_last"]
    assert rows.loc["blocks", "last"] == line["blocks_last"]
    assert set(rows.days) == {line["days"]}


def test_japanese_captions_and_reviews_are_searchable(both: tuple[Seeded, DemoSummary]) -> None:
    seeded, _ = both
    with seeded.services.catalog.session() as session:
        items = session.scalars(
            select(UgcItem).where(UgcItem.workspace_id == seeded.workspace_id)
        ).all()
        reviews = [i for i in items if i.source == "review"]
        assert reviews
        assert all(i.rating in (3, 4, 5) for i in reviews)
        assert any("さくら堂" in i.hashtags for i in items)
        found = search(session, seeded.workspace_id, UgcQuery(text="購入しました", limit=100))
        assert {i.id for i in found.items} == {i.id for i in reviews}
        tagged = search(session, seeded.workspace_id, UgcQuery(text="#夏コーデ", limit=100))
        assert tagged.total == len(items) - len(reviews)


def test_cli_seeds_the_japanese_brand(tmp_path: Path) -> None:
    services: Services = open_services(tmp_path / "data")
    cli_context.host(services)
    try:
        result = CliRunner().invoke(
            cli_app, ["demo", "seed", "--locale", "ja", "--visitors", "150"]
        )
        unknown = CliRunner().invoke(cli_app, ["demo", "seed", "--locale", "xx"])
    finally:
        cli_context.host(None)
        services.close()
    assert result.exit_code == 0, result.output
    assert "gross revenue (JPY)" in result.output
    assert "demo-ja@mercato.local" in result.output
    assert unknown.exit_code == 2
    assert "no demo brand for locale 'xx'" in unknown.output
