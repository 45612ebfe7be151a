"""A confusion matrix of many classes as a grid the room can read.

Up to :data:`MAX_TABLE_CLASSES` classes the pages show ``model.outcomes.confusion_table`` as
a table. Beyond, its columns (one per predicted class, each headed by a class name) no longer
fit beside the sidebar at 1280×720 and the right-hand classes are cut off: the matrix is drawn
as a grid of counts instead, each cell shaded by its share of the actual class's rows, so that
a small class's errors show as plainly as a large one's.
"""

from __future__ import annotations

import pandas as pd

from model.outcomes import ACTUAL_PREFIX, PREDICTED_PREFIX
from ui import vega
from ui.charts import TEXT_COLOR, chart_config

__all__ = ["MAX_TABLE_CLASSES", "confusion_data", "confusion_spec", "shown_as_table"]

#: Most classes whose confusion matrix is shown as a table (6 columns of class names fit).
MAX_TABLE_CLASSES = 5
#: Above this share of its row a cell is dark: its count is written in white.
DARK_SHARE = 0.5
#: Pixels per row of the grid.
ROW_HEIGHT = 36
#: Streamlit fits the whole chart, the slanted class names above the grid included, into
#: its height: about this many pixels of height per character of the longest name at 35°.
SLANTED_PX_PER_CHAR = 5


def shown_as_table(table: pd.DataFrame) -> bool:
    """Whether the confusion ``table`` is small enough to show as a table."""
    return len(table.columns) <= MAX_TABLE_CLASSES


def confusion_data(table: pd.DataFrame) -> pd.DataFrame:
    """One row per cell of ``model.outcomes.confusion_table``'s ``table``: ``actual`` and
    ``predicted`` (class names), ``count``, ``share`` (of the actual class's rows; 0 for a
    class with none) and ``text`` (the hover's sentence)."""
    counts = table.rename(
        index=lambda label: str(label).removeprefix(ACTUAL_PREFIX),
        columns=lambda label: str(label).removeprefix(PREDICTED_PREFIX),
    )
    totals = counts.sum(axis=1)
    records = []
    for actual, row in counts.iterrows():
        for predicted, count in row.items():
            share = float(count) / totals[actual] if totals[actual] else 0.0
            verb = "recognised" if actual == predicted else f"predicted as {predicted}"
            records.append(
                {
                    "actual": actual,
                    "predicted": predicted,
                    "count": int(count),
                    "share": share,
                    "text": f"{int(count):,} of {int(totals[actual]):,} {actual} {verb} "
                    f"({share:.0%})",
                }
            )
    return pd.DataFrame.from_records(
        records, columns=["actual", "predicted", "count", "share", "text"]
    )


def confusion_spec(table: pd.DataFrame) -> dict:
    """``table`` (see :func:`confusion_data`) as a Vega-Lite grid: actual classes down the
    left, predicted classes along the top, each cell's count written in it and shaded by its
    share of the actual class's rows (see ``ui.vega``)."""
    data = confusion_data(table)
    order = [str(label).removeprefix(ACTUAL_PREFIX) for label in table.index]
    x = vega.field(
        "predicted",
        "nominal",
        sort=order,
        title="predicted as",
        axis={
            "orient": "top",
            "labelAngle": -35,
            "labelAlign": "left",
            "labelOverlap": False,
            "domain": False,
        },
    )
    y = vega.field(
        "actual",
        "nominal",
        sort=order,
        title="actually",
        axis={"labelOverlap": False, "domain": False},
    )
    cells = {
        "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1},
        "encoding": {
            "x": x,
            "y": y,
            "color": vega.field(
                "share",
                "quantitative",
                scale={"scheme": "blues", "domain": [0, 1]},
                legend=None,
            ),
            "tooltip": [vega.field("text", "nominal", title="cases")],
        },
    }
    counts = {
        "mark": {"type": "text"},
        "encoding": {
            "x": x,
            "y": y,
            "text": vega.field("count", "quantitative", format=","),
            "color": {
                "condition": {"test": f"datum.share > {DARK_SHARE}", "value": "#ffffff"},
                "value": TEXT_COLOR,
            },
        },
    }
    spec = {
        "config": chart_config(),
        "layer": [cells, counts],
        "height": ROW_HEIGHT * len(order)
        + SLANTED_PX_PER_CHAR * max(map(len, order), default=0)
        + 2 * ROW_HEIGHT,  # the axis title and padding
    }
    return vega.with_data(spec, data)
