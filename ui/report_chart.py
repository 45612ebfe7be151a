"""The bake-off report's Pareto chart as inline SVG (``ui.report``): rendered by vl-convert
when it is installed, otherwise drawn here from the comparison table, with no reference to
anything outside the document.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

from model.bakeoff import COST_COLUMNS, ROWS_WORD
from model.costs import format_money
from model.metrics import format_metric
from ui.bakeoff_charts import (
    DOMINATED_COLOR,
    FRONT_COLOR,
    HIGHLIGHT_COLOR,
    LOG_SCALE_RATIO,
    chart_data,
    pareto_chart,
)

__all__ = ["RENDERERS", "chart_svg", "fixed", "pareto_svg"]

RENDERERS = ("auto", "vl-convert", "builtin")


def _e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


# -- the chart ----------------------------------------------------------------------------------
def chart_svg(table: pd.DataFrame, renderer: str = "auto") -> str:
    """The Pareto chart as inline SVG, with no reference to anything outside the document.

    ``renderer``: "vl-convert" renders :func:`ui.bakeoff_charts.pareto_chart` (needs the
    ``vl-convert-python`` package), "builtin" draws :func:`pareto_svg`, "auto" uses vl-convert
    when it is installed.
    """
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, got {renderer!r}")
    if renderer in ("auto", "vl-convert"):
        try:
            import vl_convert
        except ImportError:
            if renderer == "vl-convert":
                raise ValueError(
                    "the vl-convert renderer needs the vl-convert-python package: "
                    "pip install vl-convert-python"
                ) from None
        else:
            svg = vl_convert.vegalite_to_svg(pareto_chart(table).to_dict())
            return _inline_svg(svg)
    return pareto_svg(table)


def _inline_svg(svg: str) -> str:
    # Inline SVG in HTML needs no namespace declarations; dropping them leaves the document
    # without a single http URL, which is easy to check.
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    return svg.strip()


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(step))
    step = min(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def pareto_svg(table: pd.DataFrame, width: int = 860, height: int = 480) -> str:
    """The Pareto chart drawn as plain SVG from the bake-off table, without any library.

    Same content as :func:`ui.bakeoff_charts.pareto_chart`: score with interval against monthly
    running cost (log scale above a 20× range), size by p50 latency, dominated points grey,
    the MVP ringed; hovering a point shows its figures.
    """
    attrs = table.attrs
    key = attrs["metric_key"]
    label = attrs.get("metric_label", key)
    currency = attrs.get("currency", "USD")
    data = chart_data(table, key)
    left, right, top, bottom = 90, 40, 64, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    parts: list[str] = []
    direction = "higher is better" if attrs.get("higher_is_better", True) else "lower is better"
    title = f"{label} against running cost"
    subtitle = (
        f"{attrs.get('confidence', 0.95):.0%} intervals ({attrs.get('method', 'bootstrap')}, "
        f"{attrs.get('n_rows', 0):,} {ROWS_WORD}); size = latency; grey = dominated; "
        "ring = MVP"
    )
    parts.append(f'<text x="10" y="24" font-size="17" font-weight="bold">{_e(title)}</text>')
    parts.append(f'<text x="10" y="44" font-size="13" fill="#555">{_e(subtitle)}</text>')
    missing = [n for n in table["prototype"] if n not in set(data["prototype"])]
    if missing:
        parts.append(
            f'<text x="10" y="{height - 8}" font-size="13" fill="#555">'
            f"{_e('Not shown (running cost or score unknown): ' + ', '.join(missing))}</text>"
        )
    if data.empty:
        parts.append(
            f'<text x="{left}" y="{top + plot_h / 2}" font-size="15">'
            "No prototype has both a score and a known running cost.</text>"
        )
        return _svg(width, height, parts, title)

    cost = data[COST_COLUMNS[0]].to_numpy(dtype=float)
    low, high = float(cost.min()), float(cost.max())
    log = low > 0 and high / low > LOG_SCALE_RATIO
    if log:
        x_low, x_high = math.log10(low) - 0.15, math.log10(high) + 0.15

        def x_of(value: float) -> float:
            return left + (math.log10(value) - x_low) / (x_high - x_low) * plot_w

        x_ticks = [10.0**k for k in range(math.ceil(x_low), math.floor(x_high) + 1)]
    else:
        x_low, x_high = 0.0, (high * 1.1 if high > 0 else 1.0)

        def x_of(value: float) -> float:
            return left + (value - x_low) / (x_high - x_low) * plot_w

        x_ticks = _nice_ticks(x_low, x_high)
    values = data[[key, f"{key}_low", f"{key}_high"]].to_numpy(dtype=float)
    y_min, y_max = float(np.nanmin(values)), float(np.nanmax(values))
    pad = (y_max - y_min) * 0.08 or abs(y_max) * 0.05 or 0.05
    y_low, y_high = y_min - pad, y_max + pad

    def y_of(value: float) -> float:
        return top + (y_high - value) / (y_high - y_low) * plot_h

    # grid, ticks and axis titles
    for tick in _nice_ticks(y_low, y_high, 8):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e6e6"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="13" text-anchor="end">'
            f"{_e(format_metric(key, tick))}</text>"
        )
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#e6e6e6"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" font-size="13" text-anchor="middle">'
            f"{_e(format_money(tick, currency))}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#888"/>'
    )
    x_title = f"Running cost per month ({currency}{', log scale' if log else ''})"
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 42}" font-size="14" '
        f'font-weight="bold" text-anchor="middle">{_e(x_title)}</text>'
    )
    parts.append(
        f'<text transform="translate(20 {top + plot_h / 2}) rotate(-90)" font-size="14" '
        f'font-weight="bold" text-anchor="middle">{_e(f"{label} ({direction})")}</text>'
    )

    latency = pd.to_numeric(data["latency_ms_per_1000_p50"], errors="coerce").to_numpy(float)
    top_latency = np.nanmax(latency) if np.isfinite(latency).any() else 1.0
    for i, row in data.iterrows():
        x = x_of(float(row[COST_COLUMNS[0]]))
        y = y_of(float(row[key]))
        color = DOMINATED_COLOR if row["dominated"] else FRONT_COLOR
        share = latency[i] / top_latency if top_latency > 0 and np.isfinite(latency[i]) else 0
        radius = 5 + 13 * math.sqrt(max(share, 0))
        tooltip = "\n".join(
            [
                str(row["prototype"]),
                f"{label}: {row['score_text']}",
                f"vs {attrs.get('reference') or 'reference'}: {row['difference_text']}",
                f"Verdict: {row['verdict']}",
                f"Running cost / month: {row['running_text']}",
                f"One-off cost: {row['one_off_text']}",
                f"Latency p50: {fixed(row['latency_ms_per_1000_p50'], 1)} ms per 1,000",
                f"Latency p95: {fixed(row['latency_ms_per_1000_p95'], 1)} ms per 1,000",
                f"Model size: {fixed(row['size_mb'], 2)} MB",
                f"Peak memory: {fixed(row['memory_mb'], 2)} MB",
                f"Training: {fixed(row['train_seconds'], 2)} s",
                f"Effort: {fixed(row['effort_days'], 1)} person-days",
                "Dominated" if row["dominated"] else "On the Pareto front",
            ]
        )
        group = [f"<g><title>{_e(tooltip)}</title>"]
        low_value, high_value = float(row[f"{key}_low"]), float(row[f"{key}_high"])
        if not (math.isnan(low_value) or math.isnan(high_value)):
            group.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_of(low_value):.1f}" '
                f'y2="{y_of(high_value):.1f}" stroke="{color}" stroke-width="3" '
                'stroke-opacity="0.7"/>'
            )
        group.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{color}" '
            'fill-opacity="0.9" stroke="white"/>'
        )
        if row["mvp"]:
            group.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius + 7:.1f}" fill="none" '
                f'stroke="{HIGHLIGHT_COLOR}" stroke-width="3"/>'
            )
        on_right = (x - left) / plot_w > 0.6
        anchor, dx = ("end", -(radius + 10)) if on_right else ("start", radius + 10)
        text_color = HIGHLIGHT_COLOR if row["mvp"] else "#212121"
        group.append(
            f'<text x="{x + dx:.1f}" y="{y - 8:.1f}" font-size="14" text-anchor="{anchor}" '
            f'fill="{text_color}">{_e(row["label"])}</text>'
        )
        group.append("</g>")
        parts.append("".join(group))
    return _svg(width, height, parts, title)


def fixed(value, digits: int) -> str:
    """``value`` with ``digits`` decimals and thousands separators; "—" when not a number."""
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) else f"{float(number):,.{digits}f}"


def _svg(width: int, height: int, parts: list[str], title: str) -> str:
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(title)}" font-family="system-ui, Arial, sans-serif" fill="#212121">'
        + "".join(parts)
        + "</svg>"
    )


# -- the document -------------------------------------------------------------------------------
