"""Reasons in plain words: "Failure risk is higher mainly because Torque [Nm] is 65.2 Nm,
higher than 95% of machines (+31.4%)" (:func:`feature_percentiles`, :func:`reason_sentences`),
and how values are written back to people in those sentences and in error messages.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from model.feature_words import said_name
from model.labels import display_unit, name_without_unit
from model.metrics import REGRESSION, TASKS
from model.stored_features import is_missing

__all__ = ["feature_percentiles", "reason_sentences", "row_position"]

#: Contributions smaller than this many percentage points are not worth a sentence.
MIN_POINTS = 0.5
#: For regression: contributions below this share of the output range are not worth one.
MIN_RANGE_SHARE = 0.01
#: Longest piece of the user's input quoted back in an error message.
QUOTE_MAX = 60


def row_position(frame: pd.DataFrame, row_id: str) -> int | None:
    """The position of the row whose id, as text, is ``row_id`` (the first such), or None.

    One comparison of the ids: looking a label up in a 100,000-row text index first builds
    its hash table, ten times as long for a single row.
    """
    found = np.flatnonzero(frame.index.astype(str) == str(row_id))
    return int(found[0]) if len(found) else None


def feature_percentiles(
    features_frame: pd.DataFrame, row: Mapping[str, Any] | pd.Series | str
) -> dict[str, float]:
    """Percentile (0–100) of each numeric feature value of ``row`` within ``features_frame``.

    ``row`` is a demo row id or a mapping of feature values (a case the SME entered). Above
    the middle (half the ties counted below) it is the share of demo rows strictly below the
    value, below the middle 100 minus the share strictly above, and never past 50 the other
    way: "higher than 92% of machines" is then true as said (counting half the ties said 92%
    where 89.3% were lower and 5.5% equal). Categorical and missing values are left out.
    """
    if isinstance(row, str):
        position = row_position(features_frame, row)
        if position is None:
            raise ValueError(f"row {quoted(row)} is not in the demo data; check the id")
        values = features_frame.iloc[position]
    elif isinstance(row, Mapping | pd.Series):
        values = row
    else:
        raise ValueError(f"row must be a row id or a mapping of feature values, got {quoted(row)}")
    result = {}
    for name in features_frame.columns:
        column = features_frame[name]
        if name not in values or not is_numeric(column):
            continue
        value = values[name]
        if not is_number(value) or not math.isfinite(float(value)):
            continue
        # numpy, not pandas: a Series method probed attributes that had pandas build a hash
        # table of every (text) row id, longer than the counting itself.
        data = column.to_numpy(dtype=float, na_value=np.nan)
        data = data[~np.isnan(data)]
        if len(data) == 0:
            continue
        below = np.count_nonzero(data < float(value))
        equal = np.count_nonzero(data == float(value))
        above = len(data) - below - equal
        middle = below + 0.5 * equal - 0.5 * len(data)
        if middle > 0:
            result[name] = max(100 * below / len(data), 50.0)
        elif middle < 0:
            result[name] = min(100 - 100 * above / len(data), 50.0)
        else:
            result[name] = 50.0
    return result


def reason_sentences(
    explanation: Mapping[str, Any],
    percentiles: Mapping[str, float],
    task: str,
    positive_class: str | None,
    max_reasons: int = 3,
    *,
    outcome: str | None = None,
    noun: str = "demo rows",
    output_range: float | None = None,
    class_names: Mapping | None = None,
    units: Mapping | None = None,
    uncertainty: float | None = None,
    target_unit: str | None = None,
    descriptions: Mapping | None = None,
) -> list[str]:
    """Up to ``max_reasons`` sentences saying which feature values moved the prediction most.

    ``explanation`` is the dict of ``Workspace.explain`` or ``explain_own_case``;
    ``percentiles`` comes from ``feature_percentiles``. Contributions are picked by size; those
    under 0.5 percentage points (classification) or 1% of ``output_range`` (regression; by
    default the sum of the contributions' sizes) are skipped. ``outcome`` names what is
    predicted ("Failure risk"; default: 'The chance of "Failure"' or "The prediction") and
    ``noun`` what the demo rows are ("machines"). ``class_names`` names the classes
    (``{"1": "Failure"}``) and ``units`` gives display units per feature (a prototype's
    ``display_units``), so values read "300.1 K (27.0 °C)". A contribution to a probability is
    given in percent of chance ("+31.4%", as the waterfall labels its bar); on a boosting
    model's own score scale (``unit`` "log-odds") as a change of that score. ``uncertainty``
    is the half-width of each contribution where the values are estimated (the prototype's
    stated error): when the first two reasons' sizes are within twice of it, which matters
    more is not known, so the first is not called the main one and a last sentence says so.
    A free-text reading with ``words`` in the explanation (records of ``column``, ``word``,
    ``contribution``; ``explain_own_case`` gives them, ``explain_text.word_contributions``
    for a demo row) is named by its ``REASON_WORDS`` largest words, not by its whole text.
    ``target_unit`` is the unit a regression predicts in ("lower by 75,595 USD").
    ``descriptions`` (a prototype's ``feature_descriptions``) name a reading by its
    description where it has one: "blood urea nitrogen (bun) is missing"
    (:func:`model.feature_words.said_name`), not "bun is missing".

    Example: "Failure risk is higher mainly because Torque [Nm] is 65.2 Nm, higher than 95% of
    machines (+31.4%)."
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
    if isinstance(max_reasons, bool) or not isinstance(max_reasons, int) or max_reasons < 1:
        raise ValueError(f"max_reasons must be a whole number, at least 1; got {max_reasons!r}")
    if not isinstance(explanation, Mapping) or not isinstance(
        explanation.get("contributions"), Mapping
    ):
        raise ValueError("explanation must be the dict Workspace.explain returns")
    contributions = pd.Series(explanation["contributions"], dtype=float)
    values = explanation.get("feature_values") or {}
    regression = task == REGRESSION
    log_odds = explanation.get("unit") == "log-odds"
    if regression or log_odds:
        scale = output_range if output_range is not None else contributions.abs().sum()
        threshold = MIN_RANGE_SHARE * float(scale)
    else:
        threshold = MIN_POINTS / 100
    subject = outcome or _subject(explanation, task, positive_class, class_names)
    order = contributions.abs().sort_values(ascending=False, kind="stable").index
    sizes = contributions.abs()[order].to_numpy()
    tied = (
        uncertainty is not None
        and uncertainty > 0
        and len(sizes) >= 2
        and sizes[1] >= threshold
        and sizes[1] > 0
        and sizes[0] - sizes[1] <= 2 * uncertainty
    )
    words = _largest_words(explanation.get("words"))
    after = f" {target_unit}" if regression and target_unit else ""
    sentences: list[str] = []
    directions: set[str] = set()
    for feature in order:
        contribution = float(contributions[feature])
        if len(sentences) == max_reasons or abs(contribution) < threshold or contribution == 0:
            break
        direction = "higher" if contribution > 0 else "lower"
        because = "mainly because" if not sentences and not tied else "because"
        also = "also " if direction in directions else ""
        directions.add(direction)
        unit = (units or {}).get(feature)
        if feature in words:  # a free-text reading: its words, not the whole text
            reason = _words_reason(said_name(feature, descriptions), words[feature], contribution)
        else:
            reason = _feature_phrase(
                feature, values.get(feature), percentiles.get(feature), noun, unit, descriptions
            )
        if log_odds:
            sentences.append(
                f"{subject} is {also}{direction} {because} {reason} ({contribution:+.2f} on the"
                " model's score)."
            )
        elif regression:
            sentences.append(
                f"{subject} is {also}{direction} by {_number(abs(contribution))}{after}"
                f" {because} {reason}."
            )
        else:
            sentences.append(
                f"{subject} is {also}{direction} {because} {reason} ({_points(contribution)})."
            )
    if tied and len(sentences) >= 2:
        if log_odds:
            each = f"{uncertainty:.2f} on the model's score"
        elif regression:
            each = f"{_number(uncertainty)}{after}"
        else:
            each = f"{100 * uncertainty:.1f}%"  # as the "approximate (± …)" note says it
        sentences.append(
            "Which of the first two matters more is not known: they are within the error of "
            f"these estimated values (± {each} each)."
        )
    return sentences


#: Words a reason names for a free-text reading (the words table lists them all).
REASON_WORDS = 3


def _largest_words(words) -> dict[str, list[tuple[str, float]]]:
    """Each free-text reading's words with their contributions, largest first, from the
    explanation's ``words`` (records of ``column``, ``word``, ``contribution``)."""
    if words is None or len(words) == 0:
        return {}
    frame = pd.DataFrame(list(words) if not isinstance(words, pd.DataFrame) else words)
    frame = frame.assign(size=frame["contribution"].abs()).sort_values(
        "size", ascending=False, kind="stable"
    )
    return {
        str(column): list(
            zip(group["word"].astype(str), group["contribution"].astype(float), strict=True)
        )
        for column, group in frame.groupby("column", sort=False)
    }


def _words_reason(column: str, words: list[tuple[str, float]], contribution: float) -> str:
    """Why a free-text reading moved the prediction, in its words: those of the
    ``REASON_WORDS`` largest that push the way the reading does (the largest such word if
    none of them does), and up to as many that push against it: among the ``REASON_WORDS``
    largest, or the next ones with at least half the smallest named, said as such ("has the word
    “card”, despite “damaged” and “late”"), never one as a reason for the opposite."""
    largest = words[:REASON_WORDS]
    along = [w for w, c in largest if c * contribution > 0]
    # Words against it nearly as large are said too: "cabinet", "near" and "sparks" (+31
    # points together) made a note's +2.4% only beside "no", "issues" and "found" (-28).
    named = min((abs(c) for w, c in largest if c * contribution > 0), default=0.0)
    against = [
        w
        for rank, (w, c) in enumerate(words[: 2 * REASON_WORDS])
        if c * contribution < 0 and (rank < REASON_WORDS or abs(c) >= named / 2)
    ][:REASON_WORDS]
    if not along:
        along = [next((w for w, c in words if c * contribution > 0), None)] if words else []
        along = [w for w in along if w is not None]
    if not along:  # no single word pushes this way: the text as a whole does
        return f"of the text in {column} as a whole"
    noun = "word" if len(along) == 1 else "words"
    reason = f"{column} has the {noun} {_listed(along)}"
    return reason + (f", despite {_listed(against)}" if against else "")


def _listed(words: list[str]) -> str:
    quoted = [f"“{w}”" for w in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _subject(
    explanation: Mapping[str, Any],
    task: str,
    positive_class: str | None,
    class_names: Mapping | None = None,
) -> str:
    if task == REGRESSION:
        return "The prediction"
    explained = explanation.get("explained_class")
    label = explained if explained is not None else positive_class
    if label is None:
        return "The chance"
    named = {str(k): str(v) for k, v in (class_names or {}).items()}.get(str(label), label)
    return f'The chance of "{named}"'


def _feature_phrase(
    feature: str,
    value: Any,
    percentile: float | None,
    noun: str,
    unit: Any = None,
    descriptions: Mapping | None = None,
) -> str:
    if is_missing(value):
        return f"{said_name(feature, descriptions)} is missing"
    shown = value_text(value)
    name = feature
    if unit is not None and is_number(value) and math.isfinite(float(value)):
        spec = display_unit(unit)
        number = float(value)
        shown = spec.format(number, digits=0 if number.is_integer() and not spec.also else 1)
        name = name_without_unit(feature, spec.unit)  # "Torque is 58.7 Nm", unit once
    phrase = f"{said_name(feature, descriptions, name)} is {shown}"
    if percentile is None or not is_number(value):
        return phrase
    if percentile >= 60:
        return f"{phrase}, higher than {math.floor(percentile)}% of {noun}"
    if percentile <= 40:
        return f"{phrase}, lower than {math.floor(100 - percentile)}% of {noun}"
    return f"{phrase}, a typical value among {noun}"


def _points(contribution: float) -> str:
    """A contribution to a probability in percent of chance, as the waterfall beside the
    sentences labels its bar ("-1.6%", not "-2%" beside a bar saying -1.6%)."""
    return f"{100 * contribution:+.1f}%"


def _number(value: float) -> str:
    if abs(value) >= 1000:  # "32,697", as the pages write thousands ("lower by 32697" read oddly)
        return f"{value:,.0f}"
    return f"{value:.3g}"


def value_text(value: Any) -> str:
    """A feature value as people read it."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 100_000 else f"{number:.5g}"
    return str(value)


def is_number(value: Any) -> bool:
    """A real number, not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def is_numeric(column: pd.Series) -> bool:
    """A column of numbers, not of booleans."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def quoted(value: Any) -> str:
    """``repr(value)`` for an error message, cut short: what people type can be megabytes."""
    text = repr(value)
    return text if len(text) <= QUOTE_MAX else f"{text[: QUOTE_MAX - 1]}…"
