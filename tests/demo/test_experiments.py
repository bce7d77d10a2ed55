"""The demo's finished experiments recover their recorded true effects within their intervals,
and the holdout report shows the vendor-style figure far from the true (zero) lift."""

from __future__ import annotations

from mercato.experiments.schemas import Metric, Status
from mercato.experiments.service import experiment_results
from tests.demo.conftest import Seeded


def _results(seeded: Seeded, experiment_id: str):  # type: ignore[no-untyped-def]
    services = seeded.services
    scoped = services.warehouse.for_workspace(seeded.workspace_id)
    with services.catalog.session() as session:
        return experiment_results(session, scoped, seeded.workspace_id, experiment_id)


def test_ab_test_recovers_its_true_click_through_lift(seeded: Seeded) -> None:
    truth = seeded.summary.truth.experiments["ab"]
    results = _results(seeded, truth["id"])
    assert results.experiment.status == Status.STOPPED
    assert results.srm is not None
    assert not results.srm.flagged
    [ctr] = [c for c in results.comparisons if c.metric == Metric.GALLERY_CTR]
    assert (ctr.baseline, ctr.variant) == ("grid", "carousel")
    assert ctr.ci_low <= truth["true_relative_lift"] <= ctr.ci_high
    assert sum(c.exposed for c in results.counts) == results.experiment.assigned
    # the observed click-through equals a hand-written count over the raw events
    raw = seeded.sql(
        "SELECT sum(CASE WHEN e.name = 'ugc_click' THEN 1 ELSE 0 END) / "
        "sum(CASE WHEN e.name = 'gallery_view' THEN 1 ELSE 0 END) AS ctr FROM events e "
        "JOIN (SELECT DISTINCT visitor_id FROM events WHERE name = 'experiment_exposure' "
        "AND experiment_id = ? AND variant = 'grid') x USING (visitor_id) "
        "WHERE e.workspace_id = ? AND e.name IN ('ugc_click', 'gallery_view') "
        "AND e.gallery_id = (SELECT max(gallery_id) FROM events WHERE experiment_id = ?)",
        truth["id"],
        seeded.workspace_id,
        truth["id"],
    )
    assert ctr.baseline_mean == raw.ctr[0]


def test_holdout_recovers_zero_lift_beside_a_large_correlational_figure(seeded: Seeded) -> None:
    truth = seeded.summary.truth.experiments["holdout"]
    results = _results(seeded, truth["id"])
    [conversion] = [c for c in results.comparisons if c.metric == Metric.CONVERSION_RATE]
    assert (conversion.baseline, conversion.variant) == ("holdout", "galleries")
    assert conversion.ci_low <= truth["true_conversion_lift"] <= conversion.ci_high
    [vendor] = [c for c in results.correlational if c.metric == Metric.CONVERSION_RATE]
    assert vendor.method.startswith("correlational")
    assert vendor.relative_lift > 1.0  # interactors "convert 2x+": self-selection, not effect
    shares = {c.variant: c.exposed for c in results.counts}
    assert 0.05 < shares["holdout"] / sum(shares.values()) < 0.15
