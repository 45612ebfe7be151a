"""How the pages' charts look, sized for a projector at 1280×720 (text of at least 14 px,
18 px in presenter mode; label limits wide enough for "Process temperature [K]" with its
value), and what turns a chart into the spec ``st.vega_lite_chart`` draws.

Every chart's text size comes from :func:`font_size`, and its style from :func:`chart_config`
(or :func:`styled`, for Altair charts): switching a chart to presenter mode is one argument.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from ui import vega

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = [
    "balanced_lines",
    "chart_config",
    "chart_spec",
    "font_size",
    "presented",
    "styled",
    "value_labels",
    "with_arrow_datasets",
]


FONT_SIZE = 15
TITLE_FONT_SIZE = 16
#: Text size of charts in presenter mode, read from the back of a meeting room.
PRESENTER_FONT_SIZE = 18
LABEL_LIMIT = 380
#: Pixels right of a presenter-mode chart, for value labels; y titles longer than
#: ``TITLE_WRAP`` characters are wrapped there.
PRESENTER_PADDING = 56
TITLE_WRAP = 30
#: Characters of a y title on one line at the usual text size: a 300-pixel axis holds about
#: 36 ("moves the chance of wear being new by" was cut after its 36th).
TITLE_WRAP_NORMAL = 34
#: Characters of an x title on one line: the waterfall beside the predictions table is about
#: 420 pixels wide, which holds 66 at the usual size ("how much each reading moves the
#: model's score for tool state being old", 71, lost its first word) and about 52 in
#: presenter mode.
X_TITLE_WRAP_NORMAL = 56
X_TITLE_WRAP = 44
UP_COLOR = "#c62828"  # pushes the explained output up
DOWN_COLOR = "#1565c0"  # pushes it down
NEUTRAL_COLOR = "#546e7a"
TEXT_COLOR = "#212121"
HIGHLIGHT_COLOR = "#e65100"


def font_size(presenter: bool = False) -> int:
    """The text size of axis labels, titles, legends and value labels."""
    return PRESENTER_FONT_SIZE if presenter else FONT_SIZE


def styled(chart: alt.TopLevelMixin, presenter: bool = False) -> alt.TopLevelMixin:
    """``chart`` with the projector-friendly fonts, label limits and frame (Altair charts)."""
    size = font_size(presenter)
    return (
        chart.configure_axis(
            labelFontSize=size,
            titleFontSize=size,
            labelLimit=LABEL_LIMIT,
            titleLimit=600,
            labelColor=TEXT_COLOR,
            titleColor=TEXT_COLOR,
            titleFontWeight="normal",
        )
        .configure_legend(
            labelFontSize=size,
            titleFontSize=size,
            labelLimit=LABEL_LIMIT,
            labelColor=TEXT_COLOR,
        )
        .configure_title(fontSize=max(TITLE_FONT_SIZE, size))
        .configure_text(fontSize=size)
        .configure_view(strokeWidth=0)
    )


def chart_config(presenter: bool = False) -> dict:
    """What :func:`styled` configures, as a Vega-Lite ``config``."""
    size = font_size(presenter)
    return {
        "view": {"strokeWidth": 0},
        "axis": {
            "labelColor": TEXT_COLOR,
            "labelFontSize": size,
            "labelLimit": LABEL_LIMIT,
            "titleColor": TEXT_COLOR,
            "titleFontSize": size,
            "titleFontWeight": "normal",
            "titleLimit": 600,
        },
        "legend": {
            "labelColor": TEXT_COLOR,
            "labelFontSize": size,
            "labelLimit": LABEL_LIMIT,
            "titleFontSize": size,
        },
        "text": {"fontSize": size},
        "title": {"fontSize": max(TITLE_FONT_SIZE, size)},
    }


def value_labels(x_field: str, y: dict, presenter: bool = False) -> dict:
    """A layer writing each row's ``text`` just right of ``x_field``: the values of bars."""
    size = font_size(presenter)
    mark = {"type": "text", "align": "left", "color": TEXT_COLOR, "dx": 6, "fontSize": size}
    encoding = {
        "text": vega.field("text", "nominal"),
        "x": vega.field(x_field, "quantitative"),
        "y": y,
    }
    return {"mark": mark, "encoding": encoding}


def presented(spec: Mapping, presenter: bool = True) -> dict:
    """``spec`` in presenter mode's style (``presenter``; else ``spec`` unchanged): its own
    config over the presenter's, and every font size it sets (a text mark's, a title's, an
    axis's) at least :data:`PRESENTER_FONT_SIZE`, which a config alone does not override.

    Applied when a chart is drawn, so a cached spec serves both modes. In either mode a
    long y title is wrapped onto lines that fit the axis (Vega-Lite cuts it at the chart's
    height).
    """
    if not presenter:
        return _wrapped_titles(dict(spec), TITLE_WRAP_NORMAL, X_TITLE_WRAP_NORMAL)
    size = font_size(True)

    def walk(node):
        if isinstance(node, dict):
            return {
                key: (
                    max(value, size)
                    if _is_font_size(key) and isinstance(value, int | float)
                    else value
                    if key in ("data", "datasets", "values")
                    else walk(value)
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    shown = _wrapped_titles(walk(dict(spec)), TITLE_WRAP, X_TITLE_WRAP)
    config = dict(shown.get("config") or {})
    for group, settings in chart_config(presenter=True).items():
        config[group] = {**settings, **(config.get(group) or {})}
    shown["config"] = config
    # Room right of the plot for the value labels written beside the longest bars, which the
    # larger text would push past the chart's edge.
    shown.setdefault("padding", {"left": 5, "top": 5, "bottom": 5, "right": PRESENTER_PADDING})
    return shown


def _wrapped_titles(node, limit: int, x_limit: int):
    """``node`` with each y axis title longer than ``limit`` characters, and each x axis title
    longer than ``x_limit``, on two or more lines: a long y title is cut at the chart's
    height, a long x title at its width."""
    if isinstance(node, list):
        return [_wrapped_titles(item, limit, x_limit) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: v if k in ("data", "datasets") else _wrapped_titles(v, limit, x_limit)
        for k, v in node.items()
    }
    encoding = out.get("encoding")
    if not isinstance(encoding, dict):
        return out
    for channel, most in (("y", limit), ("x", x_limit)):
        axis = encoding.get(channel)
        if (
            isinstance(axis, dict)
            and isinstance(axis.get("title"), str)
            and len(axis["title"]) > most
        ):
            encoding = {
                **encoding,
                channel: {**axis, "title": balanced_lines(axis["title"], most)},
            }
    out["encoding"] = encoding
    return out


def balanced_lines(text: str, limit: int) -> list[str]:
    """``text`` on as few lines of at most ``limit`` characters as it needs, of even length
    ("moves the chance of / wear being new by", not a lone "by" on the second)."""
    needed = len(textwrap.wrap(text, limit))
    for width in range(-(-len(text) // needed), limit + 1):
        lines = textwrap.wrap(text, width)
        if len(lines) <= needed:
            return lines
    return textwrap.wrap(text, limit)


def _is_font_size(key: str) -> bool:
    return key == "fontSize" or key.endswith("FontSize")


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of an Altair chart, for ``st.vega_lite_chart``: built and validated
    once, so a cached spec is drawn on a rerun without Altair's work.

    Drops the 300-pixel view size of Altair's default theme, as ``st.altair_chart`` does, so
    the page's ``width="stretch"`` decides the width.
    """
    spec = chart.to_dict()
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    return spec


def with_arrow_datasets(spec: Mapping) -> dict:
    """``spec`` with each named dataset (a list of records) as Arrow IPC stream bytes, the form
    ``st.vega_lite_chart`` sends to the browser and passes through unchanged: a cached spec is
    then drawn without converting its data on every rerun."""
    datasets = {}
    for name, values in (spec.get("datasets") or {}).items():
        table = pa.Table.from_pandas(pd.DataFrame(values), preserve_index=False)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        datasets[name] = sink.getvalue().to_pybytes()
    return {**spec, "datasets": datasets} if datasets else dict(spec)
