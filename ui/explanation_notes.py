"""What the pages say beside an explanation, in plain words: which scale its values are on,
whether they are approximate and by how much, and the technical details kept for an expander.
``ui.explanations`` re-exports these with the charts they go with."""

from __future__ import annotations

from collections.abc import Mapping

from model.config import INTERVENTIONAL_PROBABILITY_TREE
from model.explanation import estimate_error, is_estimated, stated_error
from ui.formatting import format_number

__all__ = [
    "LOG_ODDS",
    "estimate_error",
    "estimate_note",
    "honesty_notes",
    "scale_note",
    "technical_details",
    "unit_change_note",
]

LOG_ODDS = "log-odds"


def scale_note(unit: str | None, task: str | None = None) -> str | None:
    """For values on a boosting model's own score scale (log-odds), what that scale is in
    plain words; None for probabilities and values. A multiclass model has a score for each
    class (its softmax score), where 0 is not even chances: ``task`` says which."""
    if unit != LOG_ODDS:
        return None
    exact = (
        "This is the scale on which this model adds its readings up exactly; in percent they "
        "could only be approximated."
    )
    if task == "multiclass":
        return (
            "These bars are on the model's own scale of a class's score, not in percent: the "
            "class with the highest score is predicted, and each +1 multiplies a class's odds "
            f"against any other class by about 2.7. {exact}"
        )
    return (
        "These bars are on the model's own score scale, not in percent: 0 means even chances, "
        f"and each +1 multiplies the odds by about 2.7. {exact}"
    )


def unit_change_note(unit: str | None, previous_unit: str | None, previous: str) -> str | None:
    """One sentence where this MVP's explanations are on another scale than ``previous``'s
    (last sprint's MVP, named in words): a boosting model with a seventh reading moves from
    percent of chance to its own score scale. None where the scale is the same."""
    if (
        not unit
        or not previous_unit
        or unit == previous_unit
        or LOG_ODDS not in (unit, previous_unit)
    ):
        return None
    if unit == LOG_ODDS:
        return (
            f"{previous} was explained in percent of chance; this model is explained on its own "
            "score scale, the only one on which its contributions are exact."
        )
    return f"{previous} was explained on its own score scale; this model in percent of chance."


def estimate_note(meta: Mapping, explanation: Mapping | None = None) -> str | None:
    """ "These values are approximate (± 0.4% each)…" where the values shown were estimated,
    not computed exactly, with the error publishing measured; None for exact values."""
    methods = meta.get("explainer_methods") or {}
    shown = (explanation or {}).get("explainer")
    estimated = is_estimated(shown) if explanation is not None else (
        is_estimated(meta.get("explainer")) or any(is_estimated(m) for m in methods)
    )  # fmt: skip
    if not estimated:
        return None
    error = stated_error(meta, explanation)
    unit = (explanation or {}).get("unit") or meta.get("unit")
    if error is None:
        return (
            "These values are approximate: the model has too many readings to explain exactly, "
            "and the size of the error was not measured."
        )
    size = f"{error * 100:.1f}%" if unit == "probability" else format_number(error)
    return (
        f"These values are approximate (± {size} each, with 95% confidence): the model has "
        "too many readings to explain exactly, so they are estimated."
    )


def honesty_notes(meta: Mapping, explanation: Mapping | None = None) -> list[str]:
    """What every page says under explained values: the scale of a boosting model's score
    (``scale_note``) and the error of estimated values (``estimate_note``), where they apply."""
    unit = (explanation or {}).get("unit") or meta.get("unit")
    notes = (scale_note(unit, meta.get("task")), estimate_note(meta, explanation))
    return [note for note in notes if note]


def technical_details(meta: Mapping, explanation: Mapping | None = None) -> list[str]:
    """What a data scientist wants to check, for a "Technical details" expander: the model,
    the SHAP explainer and how many rows each method explained, the units, the base value."""
    lines = [f"Model: {meta.get('estimator', 'unknown')}"]
    untrusted = meta.get("model_untrusted_types")
    if untrusted:  # a hand-written class: its rows were explained when publishing
        named = ", ".join(str(name) for name in untrusted)
        lines.append(
            f"The model cannot be loaded back from its file ({named} is not among the types the "
            "app may load), so rows were explained when publishing and no case of one's own "
            "can be tried."
        )
    explainer = (explanation or {}).get("explainer") or meta.get("explainer")
    lines.append(f"Contributions are SHAP values from the {explainer} explainer.")
    methods = meta.get("explainer_methods") or {}
    if len(methods) > 1:
        counts = ", ".join(f"{name}: {count:,} rows" for name, count in methods.items())
        lines.append(f"Rows explained by each method when publishing: {counts}.")
    unit = (explanation or {}).get("unit") or meta.get("unit")
    if unit == LOG_ODDS:
        lines.append(
            "Unit: log odds of the explained class (the raw score of the boosting model), in "
            "which its trees add up, so the values are exact. No fast method gives exact "
            "probability values of a boosting model: shap's probability output rescales each "
            "background row's log-odds values, and enumerating coalitions is affordable only "
            "up to six readings (those models are explained exactly in probability)."
        )
    elif unit:
        lines.append(f"Unit: {unit}.")
    if explainer == INTERVENTIONAL_PROBABILITY_TREE:  # prototypes published before 2026-12-04
        lines.append(
            "shap's probability values: for each background row, the exact log-odds "
            "contributions scaled to that row's change in probability. They add up to the "
            "prediction exactly, but are not the exact Shapley values of the probability "
            "(measured up to 0.38 apart on a gradient boosting model of the demo's data)."
        )
    estimator = str(meta.get("estimator", "")).rstrip(")").split("→ ")[-1].split("(")[-1]
    if estimator.startswith("XGB") and "path-dependent" in str(explainer):
        lines.append(
            "XGBoost adds its trees up in float32: the output here is the float64 sum of its "
            "trees (its own prediction up to float32 rounding, about 1e-6 of it), which the "
            "contributions add up to."
        )
    if explanation is not None:
        lines.append(
            f"Base value (the average output over the background rows): "
            f"{float(explanation['base_value']):.6g}; output {float(explanation['output']):.6g}."
        )
    error = stated_error(meta, explanation)
    if error is not None:
        lines.append(f"Stated error of estimated values (95%, per contribution): {error:.3g}.")
    if meta.get("max_additivity_error") is not None:
        lines.append(f"Largest additivity error: {float(meta['max_additivity_error']):.2g}.")
    return lines
