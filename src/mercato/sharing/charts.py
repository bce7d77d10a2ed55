"""Charts as self-contained SVG (no script, no network): for e-mails and shared pages."""

from __future__ import annotations

from html import escape

from mercato.sharing.views import Chart

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T = 640, 260, 56, 60, 30
COLOURS = ("#4f7cff", "#22a06b", "#e5a50a", "#c01c28", "#8f5bd1", "#0e9f9f")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(((value // magnitude) + 1) * magnitude)


def svg(chart: Chart) -> str:
    """Grouped bars (or lines) of the chart's series, with axis labels and a legend."""
    values = [v for series in chart.series.values() for v in series]
    top = _nice_max(max(values, default=0.0))
    plot_w, plot_h = WIDTH - PAD_L - 10, HEIGHT - PAD_T - PAD_B
    count = max(len(chart.categories), 1)
    slot = plot_w / count
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(chart.title)}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="{PAD_L}" y="18" font-size="13" font-weight="bold">{escape(chart.title)}</text>',
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - 10}" y2="{PAD_T + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{PAD_L - 4}" y="{PAD_T + 4}" text-anchor="end">{top:,.0f}</text>',
        f'<text x="{PAD_L - 4}" y="{PAD_T + plot_h}" text-anchor="end">0</text>',
    ]
    names = list(chart.series)
    for s_index, name in enumerate(names):
        colour = COLOURS[s_index % len(COLOURS)]
        series = chart.series[name]
        if chart.kind == "line":
            points = " ".join(
                f"{PAD_L + slot * (i + 0.5):.1f},{PAD_T + plot_h - v / top * plot_h:.1f}"
                for i, v in enumerate(series)
            )
            parts.append(f'<polyline fill="none" stroke="{colour}" points="{points}"/>')
        else:
            bar_w = slot * 0.8 / max(len(names), 1)
            for i, value in enumerate(series):
                height = value / top * plot_h
                x = PAD_L + slot * i + slot * 0.1 + bar_w * s_index
                parts.append(
                    f'<rect x="{x:.1f}" y="{PAD_T + plot_h - height:.1f}" width="{bar_w:.1f}" '
                    f'height="{height:.1f}" fill="{colour}"><title>{escape(name)} '
                    f"{escape(chart.categories[i])}: {value:,.2f}</title></rect>"
                )
        parts.append(
            f'<rect x="{PAD_L + 110 * s_index}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{colour}"/><text x="{PAD_L + 110 * s_index + 14}" y="{HEIGHT - 5}">'
            f"{escape(name[:16])}</text>"
        )
    step = max(1, count // 12)  # label at most ~12 categories so they stay legible
    for i, category in enumerate(chart.categories):
        if i % step == 0:
            parts.append(
                f'<text x="{PAD_L + slot * (i + 0.5):.1f}" y="{PAD_T + plot_h + 14}" '
                f'text-anchor="middle">{escape(category[:14])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
