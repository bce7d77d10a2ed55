"""Results: SRM blocks the verdict, holdouts read from the holdout, numbers equal pandas',
and the CLI creates, starts, lists and reports through the product."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mercato.experiments.aggregate import COLUMNS
from mercato.experiments.results import analyse
from mercato.experiments.schemas import (
    ExperimentPublic,
    Kind,
    Metric,
    Status,
    VariantKind,
    VariantPublic,
    Verdict,
)
from tests.cli.test_cli import mercato

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _experiment(kind: Kind, variants: list[tuple[str, VariantKind, float]]) -> ExperimentPublic:
    return ExperimentPublic(
        id="exp_t",
        name="t",
        kind=kind,
        gallery_id=None,
        status=Status.RUNNING,
        seed="exp_t",
        coverage=1.0,
        primary_metric=Metric.CONVERSION_RATE,
        guardrails=[Metric.REVENUE_PER_VISITOR],
        variants=[VariantPublic(key=k, kind=v, weight=w, config=None) for k, v, w in variants],
        assigned=0,
        started_at=None,
        stopped_at=None,
        created_at=datetime(2024, 5, 1),
    )


def _frame(
    rng: np.random.Generator, sizes: dict[str, int], rates: dict[str, float]
) -> pd.DataFrame:
    rows = []
    for variant, size in sizes.items():
        bought = rng.random(size) < rates[variant]
        clicked = rng.random(size) < np.where(bought, 0.6, 0.2)
        for i in range(size):
            revenue = float(rng.lognormal(4, 0.5)) if bought[i] else 0.0
            rows.append(
                {
                    "visitor_id": f"{variant}{i}",
                    "variant": variant,
                    "identity_mode": "first_party_id",
                    "exposed_at": datetime(2024, 5, 1),
                    "activated": True,
                    "views": 1.0,
                    "clicks": float(clicked[i]),
                    "add_to_carts": float(bought[i]),
                    "later_pageviews": 1.0,
                    "orders": float(bought[i]),
                    "revenue": revenue,
                    "pre_orders": 0.0,
                    "pre_revenue": 0.0,
                    "pre_add_to_carts": 0.0,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def test_sample_ratio_mismatch_blocks_the_verdict() -> None:
    rng = np.random.default_rng(1)
    frame = _frame(rng, {"a": 5000, "b": 4000}, {"a": 0.05, "b": 0.10})  # b clearly better
    experiment = _experiment(
        Kind.AB, [("a", VariantKind.CURRENT, 1), ("b", VariantKind.CURRENT, 1)]
    )
    results = analyse(frame, experiment)
    assert results.srm is not None
    assert results.srm.flagged
    assert results.verdict == Verdict.SRM
    balanced = analyse(_frame(rng, {"a": 5000, "b": 5000}, {"a": 0.05, "b": 0.10}), experiment)
    assert balanced.srm is not None
    assert not balanced.srm.flagged
    assert balanced.verdict == Verdict.WINNER


def test_holdout_lift_is_read_against_the_holdout_and_equals_pandas() -> None:
    rng = np.random.default_rng(2)
    frame = _frame(rng, {"galleries": 9000, "holdout": 1000}, {"galleries": 0.06, "holdout": 0.05})
    experiment = _experiment(
        Kind.HOLDOUT,
        [("galleries", VariantKind.CURRENT, 0.9), ("holdout", VariantKind.HOLDOUT, 0.1)],
    )
    results = analyse(frame, experiment)
    rates = frame.assign(bought=frame.orders > 0).groupby("variant").bought.mean()
    revenue = frame.groupby("variant").revenue.mean()
    conversion = next(c for c in results.comparisons if c.metric == Metric.CONVERSION_RATE)
    rpv = next(c for c in results.comparisons if c.metric == Metric.REVENUE_PER_VISITOR)
    assert (conversion.baseline, conversion.variant) == ("holdout", "galleries")
    assert conversion.baseline_mean == pytest.approx(rates["holdout"])
    assert conversion.relative_lift == pytest.approx(rates["galleries"] / rates["holdout"] - 1)
    assert rpv.relative_lift == pytest.approx(revenue["galleries"] / revenue["holdout"] - 1)
    assert all(c.adjusted_p_value is not None for c in results.comparisons)
    # the vendor figure: among those shown galleries, clickers vs the rest — correlational
    shown = frame[frame.variant == "galleries"]
    clicked = shown.clicks > 0
    vendor = shown[clicked].orders.gt(0).mean() / shown[~clicked].orders.gt(0).mean() - 1
    correlational = next(c for c in results.correlational if c.metric == Metric.CONVERSION_RATE)
    assert correlational.relative_lift == pytest.approx(vendor)
    assert correlational.method.startswith("correlational")
    assert [c.exposed for c in results.counts] == [9000, 1000]


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This checkout's code, whatever the venv's editable install points at."""
    return mercato(data, *args, PYTHONPATH=SRC)


def test_cli_create_start_list_results_from_an_empty_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(data, "db", "upgrade").returncode == 0
    assert _cli(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    created = _cli(
        data,
        "experiments",
        "create",
        "-w",
        "acme",
        "--name",
        "Holdout",
        "--holdout-share",
        "0.1",
        "--format",
        "json",
    )
    assert created.returncode == 0, created.stderr
    [experiment] = json.loads(created.stdout)
    assert experiment["status"] == "draft"
    assert [(v["key"], v["weight"]) for v in experiment["variants"]] == [
        ("galleries", 0.9),
        ("holdout", 0.1),
    ]
    started = _cli(data, "experiments", "start", "-w", "acme", experiment["id"])
    assert started.returncode == 0, started.stderr
    listed = _cli(data, "experiments", "list", "-w", "acme", "--format", "json")
    assert [e["status"] for e in json.loads(listed.stdout)] == ["running"]
    again = _cli(data, "experiments", "start", "-w", "acme", experiment["id"])
    assert again.returncode != 0
    assert "only a draft can start" in again.stderr
    report = _cli(
        data, "experiments", "results", "-w", "acme", experiment["id"], "--format", "json"
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["verdict"] == "no_data"
    table = _cli(data, "experiments", "results", "-w", "acme", experiment["id"])
    assert "No exposures yet" in table.stdout
    bad = _cli(data, "experiments", "create", "-w", "acme", "--name", "x", "--variants", "[{]")
    assert bad.returncode == 2
    assert "--variants" in bad.stderr
    no_gallery = _cli(
        data,
        "experiments",
        "create",
        "-w",
        "acme",
        "--name",
        "x",
        "--variants",
        '[{"key": "a"}, {"key": "b"}]',
    )
    assert no_gallery.returncode != 0
    assert "gallery_id" in no_gallery.stderr
