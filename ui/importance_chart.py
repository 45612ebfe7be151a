"""The global importance chart: each feature's mean |SHAP contribution| over the demo rows,
largest first, the features beyond the chart's bars as one bar of how far they move a row
together (``meta["other_features_importance"]``, measured when publishing), and what the bars
measure in words. A Vega-Lite spec (and an Altair chart); ``ui.explanations`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from model.explanation import IMPORTANCE_BARS
from model.feature_words import chart_names
from model.metrics import MULTICLASS, REGRESSION
from ui import chart_numbers, vega
from ui.case_words import demo_cases
from ui.charts import NEUTRAL_COLOR, chart_config, value_labels
from ui.explanation_notes import LOG_ODDS
from ui.explanation_values import axis_format, target_words, value_text
from ui.formatting import feature_help

if TYPE_CHECKING:  # Altair takes 0.25 s to import
    import altair as alt

__all__ = [
    "OTHERS_HELP",
    "global_importance_chart",
    "global_importance_data",
    "global_importance_spec",
    "importance_caption",
    "top_features",
]

#: Bars an importance chart draws: the first ``MAX_FEATURES - 1`` features one by one, the
#: others as one bar.
MAX_FEATURES = IMPORTANCE_BARS

#: What the last bar is, on hover: not the sum of the bars it stands for.
OTHERS_HELP = (
    "the features without a bar of their own: how far they move a row together, on average "
    "over the demo rows (their moves partly cancel, so this is less than their bars' sum)"
)


def _unit(meta: Mapping) -> str:
    return meta.get("unit") or ("value" if meta.get("task") == REGRESSION else "probability")


def _ranked(meta: Mapping) -> pd.Series:
    """Mean |contribution| per feature, largest first (ties in the stored order)."""
    importance = pd.Series(meta.get("global_importance") or {}, dtype=float)
    return importance.sort_values(ascending=False, kind="stable")


def _others(meta: Mapping, max_features: int) -> tuple[list[str], float | None]:
    """The features of ``meta`` beyond the chart's ``max_features - 1`` bars (none when all
    fit) and how far they move a row together, as publishing measured it; None where it did
    not (a prototype published before 2026-12-05, or a chart of another size)."""
    ranked = _ranked(meta)
    if len(ranked) <= max_features:
        return [], None
    rest = list(ranked.index[max_features - 1 :])
    stored = meta.get("other_features_importance") or {}
    if set(stored.get("features") or []) != set(rest):
        return rest, None
    return rest, float(stored["importance"])


def global_importance_data(meta: Mapping, max_features: int = MAX_FEATURES) -> pd.DataFrame:
    """Mean |contribution| per feature, largest first: the first ``max_features - 1`` features,
    and when there are more than ``max_features`` the others as one bar, "N other features
    together": the mean over the demo rows of |the sum of their contributions| (not the sum of
    their means, which outgrew every real driver). A prototype published without that figure
    has no such bar (:func:`importance_caption` says so). Columns ``feature``, ``importance``,
    ``text``, ``help`` (the feature's description) and ``label`` (what the axis calls it,
    :func:`model.feature_words.chart_names`)."""
    importance = _ranked(meta)
    rest, together = _others(meta, max_features)
    if rest:
        importance = importance.iloc[: max_features - 1]
        if together is not None:
            bar = pd.Series({f"{len(rest)} other features together": together}, dtype=float)
            importance = pd.concat([importance, bar])
    if _moved_between_classes(meta):
        # Stored summed over the classes, where each reading's moves add up to nothing (what
        # one class gains the others lose): half the sum is the probability it moves.
        importance = importance / 2
    elif _classes_summed(meta) > 1:
        # Stored summed over the classes' scores: the average per class is what one class's
        # score moves by (5 queues summed read "5.70", each +1 read as e^5.7 on the odds).
        importance = importance / _classes_summed(meta)
    data = importance.rename_axis("feature").reset_index(name="importance")
    unit = _unit(meta)
    data["text"] = (
        [value_text(v, unit, signed=False) for v in data["importance"]]
        if unit in ("probability", LOG_ODDS)
        else chart_numbers.chart_texts([float(v) for v in data["importance"]], signed=False)
    )
    others = {f"{len(rest)} other features together"} if together is not None else set()
    data["help"] = [OTHERS_HELP if f in others else feature_help(meta, f) or "" for f in
                    data["feature"]]  # fmt: skip
    # The axis names a reading by its description ("blood urea nitrogen"): no hover on a
    # projector. The tooltip keeps the column's name and the whole description.
    names = chart_names(data["feature"], meta.get("feature_descriptions"))
    data["label"] = [names[f] for f in data["feature"]]
    return data


def importance_caption(meta: Mapping, max_features: int = MAX_FEATURES) -> str:
    """What the importance bars measure, in words; for a prototype published without the
    combined effect of the features beyond the bars, that they are not drawn. The cases are
    named as publishing named them ("the patients"), else "the demo rows"."""
    unit, cases = _unit(meta), demo_cases(meta)
    if _moved_between_classes(meta):
        said = (
            "Each bar: how much probability the reading moves from some classes to others, on "
            f"average over the {cases}."
        )
    else:
        summed = _classes_summed(meta)
        if meta.get("task") == MULTICLASS and summed > 1:
            target = "a class's probability" if unit == "probability" else "a class's score"
            said = (
                f"Each bar: how much the reading moves {target}, on average over the "
                f"{summed} classes and the {cases}."
            )
        else:
            if meta.get("task") == MULTICLASS:
                target = "the class probability" if unit == "probability" else "the class score"
            else:
                target = target_words(meta, None, unit)
            said = f"Each bar: how much the reading moves {target}, on average over the {cases}."
    rest, together = _others(meta, max_features)
    if rest and together is None:
        said += (
            f" The other {len(rest)} features are not drawn: this prototype was published "
            "before their combined effect was measured (publish it again to see it)."
        )
    return said


def _moved_between_classes(meta: Mapping) -> bool:
    """True for a multiclass model explained in probability for every class: its importance
    was summed over the classes, so a reading could read "108%"."""
    explained = {str(c) for c in meta.get("explained_classes") or []}
    return (
        meta.get("task") == MULTICLASS
        and _unit(meta) == "probability"
        and bool(explained)
        and explained == {str(c) for c in meta.get("classes") or []}
    )


def _classes_summed(meta: Mapping) -> int:
    """How many classes the stored importance was summed over: the explained classes of a
    multiclass model (``model.deck.weighted_importance``), 1 for any other model."""
    if meta.get("task") != MULTICLASS:
        return 1
    return max(len(meta.get("explained_classes") or []), 1)


def top_features(meta: Mapping, count: int = 4) -> list[str]:
    """The ``count`` features with the largest mean |contribution|, largest first, for the
    dependence chart: free-text columns are left out (each text is a value of its own, so
    a point per text says nothing, and the axis would be the texts)."""
    importance = pd.Series(meta.get("global_importance") or {}, dtype=float)
    importance = importance.drop(list(meta.get("text_columns") or []), errors="ignore")
    return list(importance.sort_values(ascending=False, kind="stable").index[:count])


def global_importance_spec(meta: Mapping, max_features: int = MAX_FEATURES) -> dict:
    """Mean |SHAP contribution| per feature over the demo rows, largest first, the top
    ``max_features`` (the rest as one bar): a Vega-Lite spec (see ``ui.vega``)."""
    data = global_importance_data(meta, max_features)
    y = vega.field("label", "nominal", sort=list(data["label"]), title=None)
    high = float(data["importance"].max()) if len(data) else 1.0
    # Room right of the longest bar for its label: "85,770" ran past the chart's edge at 1.2.
    longest = int(data["text"].str.len().max()) if len(data) else 4
    x = vega.field(
        "importance",
        "quantitative",
        axis={"format": axis_format(_unit(meta), high), "tickCount": 5},
        scale={"domain": [0, (high or 1.0) * (1.1 + 0.04 * longest)], "nice": False},
        title="average effect",
    )
    bars = {
        "mark": {"type": "bar", "color": NEUTRAL_COLOR, "size": 24},
        "encoding": {
            "tooltip": [
                vega.field("feature", "nominal"),
                vega.field("help", "nominal", title="what it is"),
                vega.field("text", "nominal", title="moves it by, on average"),
            ],
            "x": x,
            "y": y,
        },
    }
    labels = value_labels("importance", y)
    spec = {
        "config": chart_config(),
        "layer": [bars, labels],
        # The axis and its title take about 80 px of the height: under four bars, 36 px a bar
        # left the bars less room than their 24 px and they overlapped.
        "height": 36 * max(len(data), 4) + 50,
    }
    return vega.with_data(spec, data)


def global_importance_chart(meta: Mapping) -> alt.LayerChart:
    """:func:`global_importance_spec` as an Altair chart."""
    import altair as alt

    return alt.LayerChart.from_dict(global_importance_spec(meta))
