"""Charts drawn with matplotlib and returned as inline SVG, so the report fetches nothing.

Each function takes plain numbers (prepared by `reports.summary`) and returns `Markup` holding
one `<svg>` element, or None when there is too little to draw. Figures are built with
`matplotlib.figure.Figure`, not pyplot, so no global state or GUI backend is touched. Text stays
text (`svg.fonttype: none`), which keeps the SVG small and selectable. Every chart gets its own
`svg.id` and `svg.hashsalt`, because several SVGs inline in one page share one id namespace and
matplotlib's clip-path ids would otherwise collide. No store text is drawn into a chart; labels
are kinds, days and the scenario's own parameters (and matplotlib escapes them anyway).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup

__all__ = ["daily_chart", "heatmap", "kind_rates_chart", "trend_chart"]

_KEPT = "#2e7d32"
_BROKEN = "#c62828"
_INK = "#263238"
_MUTED = "#90a4ae"
_SERIES = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return fig


def _svg(fig: Any, ident: str) -> Markup:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": f"keepword-{ident}", "svg.id": "chart"}
    ):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "keepword"})
    text = buf.getvalue()
    start = text.find("<svg")
    # matplotlib numbers elements per figure ("patch_1"); prefix every id and reference so the
    # page's several inline SVGs keep ids unique.
    svg = re.sub(r'(\bid="|url\(#|href="#)', lambda m: f"{m.group(1)}{ident}-", text[start:])
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(ident)}" class="chart" ', 1)
    return Markup(svg)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_INK, labelsize=8)
    ax.grid(axis="y", color="#eceff1", linewidth=0.8)
    ax.set_axisbelow(True)


def _pct_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(1.0, decimals=0))


def kind_rates_chart(rows: Sequence[dict[str, Any]], ident: str = "kinds") -> Markup | None:
    """Horizontal bars: keeping rate per kind with its Wilson 95% interval as a whisker."""
    rows = [r for r in rows if r.get("rate") is not None]
    if not rows:
        return None
    fig = _figure(6.4, 0.45 * len(rows) + 0.9)
    ax = fig.add_subplot()
    names = [str(r["name"]) for r in rows][::-1]
    rates = [float(r["rate"]) for r in rows][::-1]
    lo = [max(0.0, rate - float(r["lo"])) for rate, r in zip(rates, rows[::-1], strict=True)]
    hi = [max(0.0, float(r["hi"]) - rate) for rate, r in zip(rates, rows[::-1], strict=True)]
    colours = [_KEPT if rate >= 0.95 else ("#f9a825" if rate >= 0.8 else _BROKEN) for rate in rates]
    ax.barh(names, rates, color=colours, height=0.6, xerr=[lo, hi],
            error_kw={"ecolor": _INK, "capsize": 3, "linewidth": 1})
    ax.set_xlim(0, 1.0)
    _pct_axis(ax, "x")
    _style(ax)
    ax.grid(axis="x", color="#eceff1", linewidth=0.8)
    ax.set_xlabel("promises kept (bar) and 95% interval (whisker)", fontsize=8, color=_INK)
    return _svg(fig, ident)


def trend_chart(points: Sequence[dict[str, Any]], ident: str = "trend") -> Markup | None:
    """Keeping rate per run, in run order, with the 95% interval as a band. Needs two runs."""
    points = [p for p in points if p.get("rate") is not None]
    if len(points) < 2:
        return None
    fig = _figure(6.4, 2.2)
    ax = fig.add_subplot()
    ax.margins(x=0.08)
    xs = list(range(len(points)))
    ax.fill_between(xs, [p["lo"] for p in points], [p["hi"] for p in points],
                    color=_SERIES[0], alpha=0.15, linewidth=0)
    ax.plot(xs, [p["rate"] for p in points], marker="o", color=_SERIES[0], linewidth=1.5)
    ax.set_xticks(xs, [f"run {p['run']}" for p in points])
    ax.set_ylim(0, 1.02)
    _pct_axis(ax)
    _style(ax)
    ax.set_ylabel("kept", fontsize=8, color=_INK)
    return _svg(fig, ident)


def daily_chart(
    days: Sequence[date],
    traffic: Sequence[float | None] | None,
    series: dict[str, Sequence[tuple[float | None, float | None, float | None]]],
    *,
    ylabel: str,
    percent: bool,
    ident: str,
) -> Markup | None:
    """A daily series (one line per configuration, with its band) against daily orders as bars."""
    if len(days) < 2 or not series:
        return None  # one day is a number, not a chart
    fig = _figure(7.2, 2.8)
    ax = fig.add_subplot()
    xs = list(range(len(days)))
    if traffic and any(t is not None for t in traffic):
        bars = ax.twinx()
        bars.bar(xs, [t or 0 for t in traffic], color="#cfd8dc", width=0.8, label="orders per day")
        bars.set_ylabel("orders per day (bars)", fontsize=8, color=_MUTED)
        bars.tick_params(colors=_MUTED, labelsize=8)
        for side in ("top", "left"):
            bars.spines[side].set_visible(False)
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
    for i, (label, points) in enumerate(series.items()):
        colour = _SERIES[i % len(_SERIES)]
        values = [p[0] for p in points]
        ax.plot(xs, [float("nan") if v is None else v for v in values], marker="o", markersize=3,
                color=colour, linewidth=1.5, label=label)
        if all(p[1] is not None and p[2] is not None for p in points):
            ax.fill_between(xs, [p[1] for p in points], [p[2] for p in points],
                            color=colour, alpha=0.12, linewidth=0)
    step = max(1, -(-len(days) // 8))  # at most 8 day labels, so they never overlap
    ax.set_xticks(xs[::step], [d.strftime("%d %b") for d in days][::step])
    if percent:
        ax.set_ylim(0, 1.02)
        _pct_axis(ax)
    else:
        ax.set_ylim(bottom=0)
    _style(ax)
    ax.set_ylabel(ylabel, fontsize=8, color=_INK)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False, loc="lower left")
    return _svg(fig, ident)


def heatmap(
    xs: Sequence[str],
    ys: Sequence[str],
    grid: Sequence[Sequence[float | None]],
    *,
    xlabel: str,
    ylabel: str,
    percent: bool,
    ident: str,
) -> Markup | None:
    """A sweep's metric over a two-parameter grid, each cell written out as well as coloured."""
    if not xs or not ys:
        return None
    data = [[math.nan if v is None else float(v) for v in row] for row in grid]
    fig = _figure(min(2.0 + 1.1 * len(xs), 8.0), 1.3 + 0.6 * len(ys))
    ax = fig.add_subplot()
    kwargs: dict[str, Any] = {"vmin": 0.0, "vmax": 1.0} if percent else {}
    image = ax.imshow(data, cmap="RdYlGn" if percent else "viridis", aspect="auto", **kwargs)
    ax.set_xticks(range(len(xs)), list(xs))
    ax.set_yticks(range(len(ys)), list(ys))
    ax.set_xlabel(xlabel, fontsize=8, color=_INK)
    ax.set_ylabel(ylabel, fontsize=8, color=_INK)
    ax.tick_params(labelsize=8, colors=_INK)
    for y in range(len(ys)):
        for x in range(len(xs)):
            v = data[y][x]
            if not math.isnan(v):
                r, g, b, _ = image.cmap(image.norm(v))
                ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else _INK
                ax.text(x, y, f"{v:.0%}" if percent else f"{v:.3g}", ha="center", va="center",
                        fontsize=8, color=ink)
    fig.colorbar(image, ax=ax, shrink=0.8).ax.tick_params(labelsize=7)
    return _svg(fig, ident)
