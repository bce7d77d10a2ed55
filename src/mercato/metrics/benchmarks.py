"""Benchmarks are data, not constants (docs/metrics.md, Conventions): shipped defaults with source,
year and
method, workspace overrides on top, and an internal benchmark from the brand's own history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Benchmark:
    kpi_id: str
    value: float  # a fraction for percentages (0.0047 = 0.47 %)
    method: str
    source: str
    report_year: int | None
    platform: str | None = None  # None: all platforms
    data_year: int | None = None
    industry: str = "all"
    url: str | None = None
    origin: str = "default"  # default | workspace | internal

    @property
    def label(self) -> str:
        """What every chart shows next to the figure: source, year and method."""
        year = str(self.report_year) if self.report_year else "year not stated"
        return f"{self.source} {year}, {self.method}"


_RIVAL_IQ = "Rival IQ (via contentgrip.com, 3created.com)"
_BUFFER = "Buffer (via shortsintel.com)"
_BY_FOLLOWER = "median per post, by follower"
_BY_VIEWS = "by impressions (views)"

DEFAULT_BENCHMARKS: tuple[Benchmark, ...] = (
    *(
        Benchmark(
            "engagement_rate_by_followers",
            value,
            _BY_FOLLOWER,
            _RIVAL_IQ,
            2023,
            platform,
            data_year=2022,
            url="https://www.rivaliq.com/",
        )
        for platform, value in (
            ("facebook", 0.00060),
            ("instagram", 0.0047),
            ("tiktok", 0.0569),
            ("x", 0.00035),
        )
    ),
    *(
        Benchmark("engagement_rate_by_views", value, _BY_VIEWS, _BUFFER, 2025, platform)
        for platform, value in (
            ("facebook", 0.0507),
            ("instagram", 0.0116),
            ("tiktok", 0.0486),
            ("x", 0.0231),
        )
    ),
    Benchmark(
        "cart_abandonment_rate",
        0.7019,
        "average of 49 studies",
        "Baymard Institute",
        None,
        url="https://baymard.com/lists/cart-abandonment-rate",
    ),
    Benchmark(
        "lead_capture_rate",
        0.0309,
        "popup conversion, average across 1.7 B popups",
        "Sumo (via luckyorange)",
        None,
    ),
)


# Platforms with no published engagement benchmark with a stated method: none is shipped, so
# reports compare them with a workspace override or the brand's own history only.
NOT_PUBLISHED: dict[str, str] = {
    "line": (
        "No published benchmark: LINE does not publish Official Account engagement or "
        "click-through figures, and no third-party study states its method"
    ),
}


class BenchmarkRow(Protocol):
    """A workspace override as the catalog stores it (structural, so metrics needs no ORM)."""

    kpi_id: str
    platform: str | None
    value: float
    method: str
    source: str
    report_year: int | None
    data_year: int | None
    industry: str
    url: str | None


def from_row(row: BenchmarkRow) -> Benchmark:
    return Benchmark(
        row.kpi_id,
        row.value,
        row.method,
        row.source,
        row.report_year,
        row.platform,
        row.data_year,
        row.industry,
        row.url,
        origin="workspace",
    )


def resolve(
    kpi_id: str, platform: str | None, overrides: Iterable[Benchmark] = ()
) -> Benchmark | None:
    """The workspace's own figure if it set one, else the shipped default; per platform first."""
    for candidates in (list(overrides), list(DEFAULT_BENCHMARKS)):
        mine = [b for b in candidates if b.kpi_id == kpi_id]
        for wanted in (platform, None):
            found = next((b for b in mine if b.platform == wanted), None)
            if found is not None:
                return found
    return None


def catalogue(overrides: Iterable[Benchmark] = ()) -> list[Benchmark]:
    """Every benchmark in force: overrides replace defaults for the same KPI and platform."""
    chosen = {(b.kpi_id, b.platform): b for b in DEFAULT_BENCHMARKS}
    chosen.update({(b.kpi_id, b.platform): b for b in overrides})
    return sorted(chosen.values(), key=lambda b: (b.kpi_id, b.platform or ""))
