"""Closing the loop, as shown: the latest MVP on the cases flagged in earlier sprints."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.money import format_number
from model.workspace import Workspace
from ui import verdict_tables

__all__ = ["case_note", "followup_table", "latest_mvp", "off_by_text", "trained_on_caption"]


FOLLOWUP_ORDER = (
    "fixed", "still wrong", "newly broken", "still right", "not scored", "no agreed label"
)  # fmt: skip


def latest_mvp(ws: Workspace) -> tuple[str, str] | None:
    """``(sprint, prototype)`` of the latest sprint's MVP (the nearest earlier one with an MVP
    when the latest has none)."""
    for sprint in reversed(ws.sprints()):
        mvp = ws.mvp(sprint)
        if mvp and mvp in ws.prototypes(sprint):
            return sprint, mvp
    return None


def _prediction_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    text = str(value)
    if "." in text:
        try:  # a regression's value as the sentence above writes it: "491,600", "123"
            return format_number(float(text))
        except ValueError:
            return text
    return text


def _label_text(value: object, names: Mapping[str, str] | None) -> str:
    """A label or prediction as text, a class by its name where ``names`` gives one."""
    text = _prediction_text(value)
    return (names or {}).get(text, text)


def followup_table(
    frame: pd.DataFrame,
    names: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    now: Mapping[str, str] | None = None,
    cases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``model.followup.rescore_flagged`` as text: flagged cases first, fixed ones on top.

    Classes are named in words: the reviewers' label and the prediction then by ``names``
    (``(sprint, prototype)`` to ``Prototype.class_names``, ``verdict_tables.class_names_of``),
    the prediction now by ``now``, the latest MVP's; without a name, the code. An own case
    is named by ``cases`` (``verdict_tables.own_case_names``), not its stored id. A
    regression's cases say how far off they are (:func:`off_by_text`)."""
    order = {status: i for i, status in enumerate(FOLLOWUP_ORDER)}
    data = frame.assign(
        _order=frame["status"].map(order).fillna(len(order)), _flagged=~frame["flagged"]
    ).sort_values(["_flagged", "_order", "sprint"], kind="stable")
    then = [(names or {}).get(key) for key in zip(data["sprint"], data["prototype"], strict=True)]
    table = pd.DataFrame(
        {
            "Status": data["status"].astype(str).to_numpy(),
            "Row": [
                verdict_tables.row_text(row, cases) if source == "own" else str(row)
                for row, source in zip(data["row_id"], data["source"], strict=True)
            ],
            "Reviewed in": (data["sprint"] + " · " + data["prototype"]).to_numpy(),
            "Reviewers' label": [
                "none agreed" if _known(why) else _label_text(v, n)
                for v, n, why in zip(
                    data["corrected_label"],
                    then,
                    _column(data, "unresolved_because"),
                    strict=True,
                )
            ],
            "Then → now": [
                f"{_label_text(old, n)} → {_label_text(new, now)}"
                for old, new, n in zip(
                    data["old_prediction"], data["new_prediction"], then, strict=True
                )
            ],
            "In training data": ["yes" if v else "" for v in data["trained_on"]],
            "Reviewers": [", ".join(r) for r in data["reviewers"]],
        }
    )
    if "error_now" in data.columns and data["error_now"].notna().any():
        off = [off_by_text(case) or "" for case in data.to_dict(orient="records")]
        table.insert(table.columns.get_loc("Then → now") + 1, "How far off", off)
    return table


def _column(data: pd.DataFrame, name: str) -> list:
    """``data[name]`` as a list; Nones for a frame from before the column was kept."""
    return data[name].tolist() if name in data.columns else [None] * len(data)


def _amount(value: float, unit: object) -> str:
    """A regression's value or error in the target's unit: "18,433 USD"; in the format
    ``model.followup``'s sentence and rule write theirs ("within 123 min" above "off by 123
    min", where the table said "123.4 min")."""
    number = format_number(float(value))
    return f"{number} {unit}" if isinstance(unit, str) and unit else number


def _known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def off_by_text(case: Mapping) -> str | None:
    """How far a regression case's new prediction is from the reviewers' value, and the one
    they flagged: "off by 8,101 USD, was 112,149 USD"; "closer: off by 18,433 USD, was
    109,123 USD" for a flagged case closer but not right; "no closer: …" for one that is not
    closer; "off by 75 USD" for a confirmed one. None for a classifier's case."""
    now, before = case.get("error_now"), case.get("error_before")
    if not _known(now):
        return None
    text = f"off by {_amount(now, case.get('unit'))}"
    if not case.get("flagged") or not _known(before):
        return text
    text += f", was {_amount(before, case.get('unit'))}"
    if case.get("status") == "still wrong":
        text = ("closer: " if now < before else "no closer: ") + text
    return text


def case_note(case: Mapping, model: str) -> str:
    """What became of a case the SMEs flagged, for the one case explained on a slide:
    where it was flagged and what ``model`` predicts now, a regression's in its unit and how
    far off ("…; hist boosting is now within 26,362 USD of the reviewers' 481,300 USD: off by
    8,101 USD, was 112,149 USD."), and whether the model was trained on the row, as
    :func:`trained_on_caption` says it of all of them."""
    flagged = f"Marked wrong by the reviewers in {case['sprint']} (shown by {case['prototype']})"
    fixed = case.get("status") == "fixed"
    off = off_by_text(case)
    if off is None:  # a class: right is the reviewers' label itself
        now = "now predicts" if fixed else "still does not predict"
        text = f"{flagged}; {model} {now} what the reviewers said it should."
    else:
        said = _amount(float(case["corrected_label"]), case.get("unit"))
        within = case.get("right_within")
        if fixed and _known(within):
            within = _amount(within, case.get("unit"))
            text = f"{flagged}; {model} is now within {within} of the reviewers' {said}: {off}."
        else:  # "… and hist boosting is closer: off by 18,433 USD, was 109,123 USD."
            text = f"{flagged}; the reviewers said {said}, and {model} is {off}."
    if case.get("trained_on"):
        text += " It was in the new model's training data"
        text += ", so getting it right is expected rather than evidence." if fixed else "."
    elif not case.get("trained_on_recorded", True):
        text += " Whether the new model was trained on it was not recorded."
    return text


def trained_on_caption(frame: pd.DataFrame) -> str | None:
    """ "3 of the 9 cases reviewed in earlier sprints were in the new model's training
    data…" (flagged and confirmed ones: the cases listed below it, where the sentence above
    counts the flagged ones only), or None when none was."""
    trained = int(frame["trained_on"].sum()) if len(frame) else 0
    if not trained:
        return None
    verb = "was" if trained == 1 else "were"
    return (
        f"{trained} of the {len(frame)} cases reviewed in earlier sprints {verb} in the new"
        " model's training data: it learned their labels, so getting them right is expected"
        " rather than evidence."
    )
