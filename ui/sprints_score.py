"""The Overview's "Sprints" table's score column when its MVPs are measured differently: the
column named after the metric most of its cells hold (the latest MVP's, the chart's), each
of those cells its value alone, and the metric named in a row only where it is another."""

from __future__ import annotations

import pandas as pd

from ui.sprint_summary import SCORE_COLUMN, headline_by_sprint, plain_metric_name

__all__ = ["score_column"]


def score_column(
    table: pd.DataFrame, summary: pd.DataFrame, sprints: list[str]
) -> tuple[pd.DataFrame, str]:
    """``table`` (``sprint_summary.overview_table``) and the header of its
    :data:`SCORE_COLUMN`, the cells of the latest MVP's metric without the metric's name,
    which the header says once:
    "MVP score: typical size of an error, large misses weighing more" over "61.1 min",
    beside "Score at ranking real cases first (1 = perfect): 0.708" in a row that differs
    (every cell named the metric). "MVP score" where one metric scores them all."""
    metrics = headline_by_sprint(summary, sprints)[["sprint", "metric"]].dropna()
    if metrics["metric"].nunique() < 2 or SCORE_COLUMN not in table:
        return table, SCORE_COLUMN
    metric = metrics["metric"].iloc[-1]
    latest = plain_metric_name(metric)
    alike = set(metrics.loc[metrics["metric"] == metric, "sprint"])
    table = table.assign(
        **{
            SCORE_COLUMN: [
                text.removeprefix(f"{latest}: ") if sprint in alike else text
                for sprint, text in zip(table["Sprint"], table[SCORE_COLUMN], strict=True)
            ]
        }
    )
    name = latest.split(" (")[0]
    return table, f"{SCORE_COLUMN}: {name[:1].lower()}{name[1:]}"
