"""The SME review card in words: how sure the model is, the reasons, how the row compares with
the demo set, the reviewer's progress.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.metrics import (
    BINARY,
    REGRESSION,
)
from model.right_values import target_unit
from ui.explanations import (
    contribution_text,  # the waterfall's wording: "+12.3%", "+0.42"
    short_text,
)
from ui.formatting import (
    class_in_words,
    format_number,
    format_value,
    target_in_words,
    target_name,
)

__all__ = [
    "confidence_in_words",
    "class_label",
    "contribution_text",
    "earlier_text",
    "label_is_prediction_text",
    "percentile_table",
    "queue_progress",
    "reason_wording",
    "right_label_text",
    "right_value_field",
    "unusual_value_text",
    "value_text",
    "verdict_summary",
    "wrong_needs_label_text",
]

#: Characters of a long text the readings' table shows.
TEXT_CELL_CHARS = 28

#: (minimum sureness, words); sureness is the confidence rescaled so chance is 0 and certain is 1.
CONFIDENCE_WORDS = ((0.9, "very sure"), (0.6, "fairly sure"), (0.3, "not very sure"))

#: How reasons are worded for targets people know by name: (outcome, noun for the demo rows).
REASON_WORDS = {"machine failure": ("Failure risk", "machines")}
DEMO_ROWS_NOUN = "rows in the demo set"


def confidence_in_words(confidence: float | None, n_classes: int) -> str | None:
    """How sure the model is, as a sentence ("The model is fairly sure about this one."), or
    None without a confidence (regression)."""
    if confidence is None or not np.isfinite(confidence) or n_classes < 2:
        return None
    chance = 1 / n_classes
    sureness = (float(confidence) - chance) / (1 - chance)
    for limit, words in CONFIDENCE_WORDS:
        if sureness >= limit:
            return f"The model is {words} about this one."
    if n_classes == 2:
        return "The model is unsure: this one is close to a coin toss."
    return "The model is unsure: the likeliest classes are close."


def cases_noun(noun: str) -> str:
    """``noun`` for cases the model decides in use: "cases" for the generic "rows in the demo
    set" (what a business decides on a month is no row of the demo set)."""
    return "cases" if noun == DEMO_ROWS_NOUN else noun


def reason_wording(meta: Mapping) -> tuple[str | None, str]:
    """``(outcome, noun)`` for ``model.review.reason_sentences``: "Failure risk" and "machines"
    for a machine-failure target, else words built from the target's name (None: the
    library's own wording, which names a binary model's positive class by the name it was
    published with). The noun is what publishing called the cases (``case_noun``:
    "patients"), else "machines" for a machine-failure target, else "rows in the demo set"."""
    own = meta.get("case_noun")
    own = own.strip() if isinstance(own, str) and own.strip() else None
    target = target_name(meta)
    if target and target.strip().casefold() in REASON_WORDS:
        outcome, noun = REASON_WORDS[target.strip().casefold()]
        return outcome, own or noun
    noun = own or DEMO_ROWS_NOUN
    named = (meta.get("class_names") or {}).get(str(meta.get("positive_class")))
    if target and meta.get("task") == BINARY and not named:
        return f"The probability of {target}", noun
    # A named positive class: 'The chance of "churns"', as the card's heading names it (the
    # target column's own name, "churned", read as another thing)
    if target and meta.get("task") == REGRESSION:  # the unit follows the figures
        return f"The predicted {target_in_words(meta)}", noun
    return None, noun


def _compared(percentile: float | None) -> str:
    if percentile is None or not np.isfinite(percentile):
        return ""
    if percentile >= 60:
        return f"higher than {int(np.floor(percentile))}%"
    if percentile <= 40:
        return f"lower than {int(np.floor(100 - percentile))}%"
    return "typical"


def percentile_table(
    feature_values: Mapping[str, object], percentiles: Mapping[str, float]
) -> pd.DataFrame:
    """Each feature's value with its percentile in the demo set (NaN for categories) and the
    same in words ("higher than 95%", "typical"), for ``st.dataframe``. A long text (free
    text) is cut to ``TEXT_CELL_CHARS`` characters, so the table's other columns stay on
    screen; the SME review card shows the whole text above its reasons
    (``ui.sections.review_explanation.texts``), and the waterfall's tooltip holds it too."""
    names = list(feature_values)
    shown = [percentiles.get(name) for name in names]
    return pd.DataFrame(
        {
            "Feature": names,
            "Value": [
                short_text(v, TEXT_CELL_CHARS) if isinstance(v, str) else format_value(v)
                for v in feature_values.values()
            ],
            "Percentile": pd.Series(
                [np.nan if p is None else float(p) for p in shown], dtype="float64"
            ),
            "In the demo set": [_compared(p) for p in shown],
        }
    )


def queue_progress(position: int, total: int, reviewed: int) -> tuple[float, str]:
    """The progress bar's value and text: "Card 3 of 40 · 2 reviewed"."""
    if total <= 0:
        return 0.0, "This queue is empty"
    if position >= total:
        return 1.0, f"End of the queue · {reviewed} of {total} reviewed"
    return (position + 1) / total, f"Card {position + 1} of {total} · {reviewed} reviewed"


def verdict_summary(verdict: Mapping, meta: Mapping | None = None) -> str:
    """A reviewer's current verdict in one line, the right label named as the card names the
    prediction (``formatting.class_in_words`` of the prototype's ``meta``): "Your verdict:
    wrong, right label No failure (version 2, 2024-05-17 10:02)"."""
    text = f"Your verdict: {verdict['verdict']}"
    label = verdict.get("corrected_label")
    if isinstance(label, str) and label:
        text += f", {right_label_text(label, meta)}"
    when = str(verdict.get("recorded_at", ""))[:16].replace("T", " ")
    return f"{text} (version {verdict['version']}, {when})"


def value_text(value: object, unit: str | None) -> str:
    """A regression's value as stored ("206700.0") as people read it, with its ``unit``
    where one is known: "206,700 USD", "79.7 min" (from "206,700" too); text that is no number
    as it is."""
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return str(value)
    return f"{format_number(number)}{f' {unit}' if unit else ''}"


def right_label_text(label: str, meta: Mapping | None) -> str:
    """ "right label No failure" for a class, "right value 12.5 min" for a regression."""
    meta = meta or {}
    if meta.get("task") == REGRESSION:
        return f"right value {value_text(label, target_unit(meta))}"
    return f"right label {class_in_words(label, meta)}"


def wrong_needs_label_text(meta: Mapping | None) -> str:
    """Why a 'wrong' verdict without its right answer is refused, naming the form's field."""
    meta = meta or {}
    if meta.get("task") == REGRESSION:
        return f"A wrong verdict needs the right value: type it under “{_right_value_name(meta)}”."
    return "A wrong verdict needs the right label: choose it under “Right label”."


def label_is_prediction_text(label: str, meta: Mapping | None) -> str:
    """Why a 'wrong' verdict whose right label is the prediction shown is refused, the class
    named as the card names it: "“No failure” is what the model predicted: choose Correct, or
    the label it should have predicted under “Right label”."."""
    meta = meta or {}
    regression = meta.get("task") == REGRESSION
    field = _right_value_name(meta) if regression else "Right label"
    what = "the value" if regression else "the label"
    shown = value_text(label, target_unit(meta)) if regression else class_in_words(label, meta)
    return (
        f"“{shown}” is what the model predicted: choose Correct, or {what} it should have"
        f" predicted under “{field}”."
    )


def class_label(label: str, names: Mapping[str, str]) -> str:
    """A class as the verdict form offers it: "Failure (1)" where ``names``
    (``Prototype.class_names``) gives it a name, else the label itself."""
    name = names.get(label, label)
    return label if name == label else f"{name} ({label})"


def earlier_text(
    earlier: list[Mapping], meta: Mapping | None = None, *, judged_here: bool = False
) -> str:
    """``model.review.earlier_verdicts`` in one line, each right label named as the card
    names the prediction: "Your verdicts on other versions of this prototype (other
    predictions): on version 2: wrong (should be Failure)." When the reviewer has not judged
    this version (``judged_here`` False), it adds "None yet on this version."."""
    said = "; ".join(_earlier_entry(entry, meta or {}) for entry in earlier)
    text = f"Your verdicts on other versions of this prototype (other predictions): {said}."
    return text if judged_here else f"{text} None yet on this version."


def _earlier_entry(entry: Mapping, meta: Mapping) -> str:
    shown = entry.get("prototype_version")
    where = entry.get("where") or (
        "before versions were recorded" if shown is None else f"on version {shown}"
    )
    label = entry.get("corrected_label")
    if not label:
        return f"{where}: {entry['verdict']}"
    if meta.get("task") == REGRESSION:
        named = value_text(label, target_unit(meta))
    else:
        named = class_in_words(label, meta)
    return f"{where}: {entry['verdict']} (should be {named})"


def right_value_field(meta: Mapping | None) -> str:
    """The regression form's field, with the target's unit where one is known
    (``model.right_values.target_unit``): "Right value in min (required when wrong)"."""
    return f"{_right_value_name(meta)} (required when wrong)"


def _right_value_name(meta: Mapping | None) -> str:
    unit = target_unit(meta or {})
    return f"Right value{f' in {unit}' if unit else ''}"


def unusual_value_text(reason: str) -> str:
    """Under the form when a regression's right value looks like a slip (``reason``, from
    ``model.right_values.unusual_value_reason``): what to do about it."""
    return (
        f"{reason}. Nothing was saved: check the number, or tick “This value is right” and "
        "submit again."
    )


def disputes_count_text(here: int, elsewhere: int) -> str:
    """The dispute expander's count, after "Right answer, wrong reason?": the disputes of the
    version on screen, and apart from them those of other versions: " (1 disputed on this
    card; 4 on other versions)", or "" when there are none."""
    parts = [f"{here} disputed on this card"] if here else []
    if elsewhere:
        parts.append(f"{elsewhere} on other version{'s' if elsewhere != 1 else ''}")
    return f" ({'; '.join(parts)})" if parts else ""


def disputes_elsewhere_text(elsewhere: pd.DataFrame) -> str:
    """Above the disputes of other versions (``model.review.card_disputes``): what they were
    about, so they are not read as this card's."""
    count = len(elsewhere)
    what = "dispute" if count == 1 else "disputes"
    return (
        f"{count} {what} on other versions of this prototype: they were about the"
        " contributions those versions showed, not the ones on this card."
    )
