"""Deltas, benchmark verdicts and stage funnels as the Full funnel and Overview pages show
them: display strings and a tone (good / bad / neutral) the templates colour and name in words,
so no cue is colour only (templates/verdict_macros.html)."""

from __future__ import annotations

from typing import Any

from mercato.core import labels as human
from mercato.metrics.benchmarks import Benchmark
from mercato.metrics.evaluate import Number
from mercato.metrics.present import NA, format_change, format_value
from mercato.metrics.report import Delta
from mercato.metrics.spec import Kpi
from mercato.metrics.stage_funnel import PlatformFunnel
from mercato.metrics.verdicts import BENCHMARK_BAND, change, verdict

ARROWS = {1: "▲", -1: "▼", 0: "="}


def delta_view(kpi: Kpi, found: Delta) -> dict[str, Any] | None:
    """{text, tone, arrow} for a change, None when there is no earlier value to compare.

    From a zero base there is no relative change: the text is the change itself ("+40")."""
    moved = change(kpi, found)
    if moved is None or found.absolute is None:
        return None
    text = format_change(kpi, found)
    if text == NA:
        magnitude: Number = -found.absolute if found.absolute < 0 else found.absolute
        size = format_value(kpi, magnitude)
        text = size if moved.direction == 0 else ("+" if moved.direction > 0 else "-") + size
    return {
        "text": text,
        "tone": moved.tone.value,
        "arrow": ARROWS[moved.direction],
    }


def verdict_view(
    kpi: Kpi, value: Number | None, mark: Benchmark | None, platform: str | None = None
) -> dict[str, Any] | None:
    """{position, tone, value, benchmark, low, high, band, label, url, platform}, or None
    without a value or a benchmark."""
    found = verdict(kpi, value, mark)
    if found is None or mark is None:
        return None
    return {
        "platform": platform,
        "position": found.position.value,
        "tone": found.tone.value,
        "value": format_value(kpi, value),
        "benchmark": format_value(kpi, mark.value),
        "low": format_value(kpi, found.low),
        "high": format_value(kpi, found.high),
        "band": f"±{BENCHMARK_BAND * 100:.0f}%",
        "label": mark.label,
        "url": mark.url,
    }


def stage_figure(funnel: PlatformFunnel, _: Any = str) -> dict[str, Any]:
    """A Plotly funnel of one platform's stages; each bar's text is its value and, from the
    second stage on, its conversion from the stage before (the page's table says the same)."""
    labels = [_(step.kpi.name) for step in funnel.steps]
    texts = []
    for step in funnel.steps:
        shown = _("n/a") if step.value is None else format_value(step.kpi, step.value)
        if step.rate is not None:
            shown += f" ({step.rate * 100:.2f}%)"
        texts.append(shown)
    return {
        "data": [
            {
                "type": "funnel",
                "y": labels,
                "x": [0 if s.value is None else float(s.value) for s in funnel.steps],
                "text": texts,
                "textinfo": "text",
                "textposition": ["inside", "outside", "outside"],
                "hoverinfo": "y+text",
                "marker": {"color": ["#6941c6", "#4f7cff", "#067647"]},
                "connector": {"line": {"color": "#e4e7ec"}},
            }
        ],
        "layout": {
            "title": {
                "text": human.label(human.Kind.PLATFORM, funnel.platform),
                "x": 0,
                "font": {"size": 14},
            },
            "margin": {"t": 32, "r": 16, "b": 8, "l": 96},
            "height": 200,
            "xaxis": {"visible": False},
            "showlegend": False,
        },
        "config": {"displayModeBar": False, "responsive": True},
    }


def sources(found: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Each benchmark source once, in order (per-platform figures often share one study)."""
    return list(dict.fromkeys((item["label"], item.get("url")) for item in found))


def rate_text(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.2f}%"
