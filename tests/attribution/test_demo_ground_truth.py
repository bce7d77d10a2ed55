"""On the demo brand, attribution ranks channels and platforms like the generator's truth.

The generator records incremental purchases per channel and platform under its causal
journey model (expected purchases lost when a channel's sessions are removed). Attribution is
descriptive, so only the ranking is compared: exactly for platforms, and for channels the
leaders, the laggard and a rank correlation (Organic and Paid Social are within 0.1 % of
each other in the truth, so their order is a coin toss).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scipy.stats import spearmanr

from mercato.attribution.service import attribution_report, make_request
from tests.demo.conftest import Seeded, seed_into

VISITORS = 10_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    seeded = seed_into(tmp_path_factory.mktemp("demo-attribution"), seed=11, visitors=VISITORS)
    yield seeded
    seeded.services.close()


def _ranking(demo: Seeded, by: str, model: str, labels: list[str]) -> list[str]:
    request = make_request(model=model, by=by, conversion="purchase")
    report = attribution_report(demo.services.warehouse.for_workspace(demo.workspace_id), request)
    credit = {row.label: row.conversions for row in report.rows}
    assert report.conversions > 300
    return sorted(labels, key=lambda label: -credit.get(label, 0.0))


@pytest.mark.slow
def test_markov_channel_ranking_agrees_with_the_ground_truth(demo: Seeded) -> None:
    truth = demo.summary.truth.attribution.channel_ranking
    ours = _ranking(demo, "channel", "markov", truth)
    assert ours[:2] == truth[:2]
    assert ours[-1] == truth[-1]
    correlation = spearmanr(range(len(truth)), [ours.index(label) for label in truth]).statistic
    assert correlation >= 0.7, (ours, truth)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["markov", "shapley", "linear", "time_decay", "last_touch"])
def test_platform_ranking_equals_the_ground_truth(demo: Seeded, model: str) -> None:
    truth = demo.summary.truth.attribution.platform_ranking
    assert _ranking(demo, "platform", model, truth) == truth
