"""Closing the loop, as shown: the latest MVP on the cases flagged in earlier sprints."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.workspace import Workspace
from ui import formatting, verdict_tables

__all__ = ["followup_table", "latest_mvp", "trained_on_caption"]


FOLLOWUP_ORDER = ("fixed", "still wrong", "newly broken", "still right", "not scored")


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
        try:  # a regression's value as the pages write it: "491,600", not "4.916e+05"
            return formatting.format_number(float(text))
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
    is named by ``cases`` (``verdict_tables.own_case_names``), not its stored id."""
    order = {status: i for i, status in enumerate(FOLLOWUP_ORDER)}
    data = frame.assign(
        _order=frame["status"].map(order).fillna(len(order)), _flagged=~frame["flagged"]
    ).sort_values(["_flagged", "_order", "sprint"], kind="stable")
    then = [(names or {}).get(key) for key in zip(data["sprint"], data["prototype"], strict=True)]
    return pd.DataFrame(
        {
            "Status": data["status"].astype(str).to_numpy(),
            "Row": [
                verdict_tables.row_text(row, cases) if source == "own" else str(row)
                for row, source in zip(data["row_id"], data["source"], strict=True)
            ],
            "Reviewed in": (data["sprint"] + " · " + data["prototype"]).to_numpy(),
            "Reviewers' label": [
                _label_text(v, n) for v, n in zip(data["corrected_label"], then, strict=True)
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


def trained_on_caption(frame: pd.DataFrame) -> str | None:
    """ "3 of these 9 cases were in the new model's training data…", or None when none was."""
    trained = int(frame["trained_on"].sum()) if len(frame) else 0
    if not trained:
        return None
    verb = "was" if trained == 1 else "were"
    return (
        f"{trained} of these {len(frame)} cases {verb} in the new model's training data: it"
        " learned their labels, so getting them right is expected rather than evidence."
    )
