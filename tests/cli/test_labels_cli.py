"""The CLI reads like the pages: goal targets in their unit, Yes/No for booleans, KPI names
rather than ids, rate deltas in points, and benchmarks with their value and source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mercato.runtime import Services
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.metrics.test_surfaces import RANGE, seed
from tests.support.brands import make_brand


@pytest.mark.slow
def test_goals_and_report_tables_show_labels(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = Services.open(make_settings(data), upgrade=True)
    brand = make_brand(services, "kpibrand")
    seed(services, brand)
    services.close()
    period = ("--from", "2024-03-01", "--to", "2024-03-31")
    for kpi, target, platform in (
        ("conversion_rate", "0.03", ()),
        ("transactions", "100000", ("--platform", "instagram")),
    ):
        made = mercato(
            data, "goals", "set", "--workspace", "kpibrand", "--kpi", kpi, *period,
            "--target", target, *platform,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
    listed = mercato(data, "goals", "list", "--workspace", "kpibrand")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[2].strip(): line for line in listed.stdout.splitlines() if "│" in line}
    rate = rows["Conversion rate"]
    assert "3.00%" in rate
    assert "0.03" not in rate.replace("3.00%", "")
    transactions = rows["Transactions (Instagram)"]
    assert "100,000" in transactions
    assert re.search(r"│\s*No\s*│\s*Behind\s*│", transactions)
    for raw in ("False", "True", "conversion_rate", "on_track", "instagram"):
        assert raw not in listed.stdout
    args = ("report", "--workspace", "kpibrand", "--from", RANGE["start"], "--to", RANGE["end"])
    report = mercato(data, *args, "--compare", "previous")
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    cart = next(line for line in lines if "Cart abandonment rate" in line)
    # the benchmark's value in the KPI's unit, then where it comes from
    assert re.search(r"\d+\.\d\d% \(Baymard Institute", cart)
    assert re.search(r"[+-]\d+\.\d\d pt", cart)  # a rate's change in points, as on the page
    assert not any(re.match(r"│\s*(awareness|consideration|purchase)\s", line) for line in lines)
