"""Closing the loop: what became of the cases SMEs flagged in earlier sprints.

A *case* is a row reviewed in an earlier sprint (one per sprint, prototype and row id), with
the label its reviewers settled on (``feedback_store.resolve_labels``, majority rule). A case
whose reviewers settled on no label (a tie between two classes, only "unsure" verdicts) is
listed as "no agreed label", with why in ``unresolved_because``, and re-scored by nothing:
it has no answer to compare with. A case is *flagged* when that label differs from the prediction
the reviewers were shown (a regression's to six significant figures), and *confirmed* when it
is the prediction shown. The new prototype
re-scores every case:

- flagged: "fixed" when it now predicts the reviewers' label, else "still wrong";
- confirmed: "newly broken" when it now predicts something else, else "still right";
- "not scored" when there is nothing to score: a row outside the new demo set without the
  feature values the model needs, or a case to predict from its recorded features when the
  new model cannot be loaded back from its file (a hand-written class): ``untried_because``
  then says why, and :func:`untried_note` says it in one line.

Demo rows in the new prototype's demo set use its stored predictions; other rows (and SMEs' own
cases) are predicted from the feature values recorded with the verdicts. Regression compares
values, and a value is never exactly the reviewers': a flagged case is "fixed" (now right) when
the new prediction is within the new model's typical error of the reviewers' value (the median
error on its demo rows, the Sprint demo's "Typically off by") *and* at most half as far off as
the prediction they flagged. Anything else is "still wrong", however much closer it came:
``error_now`` and ``error_before`` say by how much, :func:`right_rule` says the rule in one
line. Without actual values in its demo set the new model has no typical error, and no flagged
regression case counts as fixed. Confirmed regression cases are never "newly broken".

Cases reviewed on a prototype of another task or target (a failure classifier's, re-scored by a
model of tool wear in minutes) are left out: their label is no answer to the new model's
question.

A binary model whose cheapest cut-off is known (``cutoff``, the threshold the new model's
Sprint demo counts flag from: ``ui.case_cutoff.cheapest_cutoff``) is decided there, as its
pages say "Flagged" / "Not flagged": a readmission flagged by the nurses is "fixed" when the
new model flags the patient from 6.7 %, not when its chance passes 50 %. Without one, the
model's own (50 %) class is its answer.

``trained_on`` marks cases whose row the new model was trained on (the workspace's
``demo.json`` "feedback_rows_trained_on", or the prototype metadata's key of the same name): a
fix that comes from training on the row itself is expected, and is labelled so.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from feedback_store import FeedbackStore
from feedback_store.agreement import labels_of
from feedback_store.resolution import resolve_frame
from model.cutoff_decisions import Cutoff, decide
from model.followup_rows import TRAINED_ON_KEY
from model.metrics import REGRESSION
from model.money import format_number
from model.outcomes import prototype_outcome
from model.own_case import case_frame
from model.prototype import predicts_the_same
from model.publishing import label_strings
from model.right_values import target_unit
from model.workspace import Prototype, Workspace, WorkspaceError

__all__ = [
    "NO_AGREED_LABEL",
    "STATUSES",
    "followup_summary",
    "rescore_flagged",
    "right_rule",
    "untried_note",
]

STATUSES = ("fixed", "still wrong", "newly broken", "still right", "not scored", "no agreed label")
#: The status of a case whose reviewers settled on no label.
NO_AGREED_LABEL = STATUSES[-1]
_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "flagged", "reviewers", "comments",
    "corrected_label", "old_prediction", "new_prediction", "new_confidence", "scored_from",
    "status", "trained_on", "trained_on_recorded", "untried_because",
    "error_before", "error_now", "right_within", "unit", "unresolved_because", "threshold",
]  # fmt: skip


def rescore_flagged(
    ws: Workspace,
    store: FeedbackStore,
    sprint: str,
    prototype: str,
    cutoff: Cutoff | None = None,
) -> pd.DataFrame:
    """Every case reviewed in sprints before ``sprint``, re-scored by ``prototype``.

    One row per case: sprint and prototype where it was reviewed, row_id, source ("demo" or
    "own"), flagged (bool), reviewers, comments (non-empty ones), corrected_label (the
    reviewers' label), old_prediction (shown then), new_prediction, new_confidence,
    scored_from ("demo predictions" or "recorded features"), status (``STATUSES``),
    trained_on and untried_because (why a case to predict from its recorded features was not:
    ``Prototype.model_refusal``; None otherwise). Sprint order is ``ws.sprints()``.

    A regression's case also has error_before and error_now (how far the prediction shown and
    the new one are from the reviewers' value), right_within (the new model's typical error on
    its demo rows; None without actual values) and unit (the target's, e.g. "USD"); None for a
    classifier. A flagged regression case is "fixed" only when error_now is at most
    right_within and at most half of error_before: "now right" means within the model's
    typical error of what the reviewers said, not merely closer (a house still $18,000 off
    when the model is typically $9,000 off is "still wrong", with both errors to say so).

    With ``cutoff`` (a binary ``prototype``'s cheapest cut-off) new_prediction is the class
    decided there and new_confidence its chance, and threshold says the cut-off (None
    without one, or for a model it does not fit).
    """
    sprints = ws.sprints()
    if sprint not in sprints:
        known = ", ".join(sprints) or "none yet"
        raise WorkspaceError(f"there is no sprint {sprint!r}; sprints are {known}")
    proto = ws.prototype(sprint, prototype)
    earlier = sprints[: sprints.index(sprint)]
    labels = labels_of(store.verdicts())
    labels = labels[labels["sprint"].isin(earlier)]
    resolved = resolve_frame(labels)
    if resolved.empty:
        return pd.DataFrame(columns=_COLUMNS)
    cases = _cases(resolved, labels)
    asked = {
        key: _same_question(ws, proto, *key)
        for key in {(case["sprint"], case["prototype"]) for case in cases}
    }
    cases = [case for case in cases if asked[case["sprint"], case["prototype"]]]
    if not cases:
        return pd.DataFrame(columns=_COLUMNS)
    if cutoff is not None and (
        proto.task == REGRESSION or cutoff.column not in proto.probability_columns()
    ):
        cutoff = None  # not this model's classes: its own class is its answer
    _predict(proto, cases, cutoff)
    trained_on = _trained_on(ws, proto)
    within = _typical_error(proto)
    unit = target_unit(proto.meta) if proto.task == REGRESSION else None
    for case in cases:
        case.update(_errors(case, proto.task), right_within=within, unit=unit)
        agreed = case["unresolved_because"] is None
        case["status"] = _status(case, proto.task) if agreed else NO_AGREED_LABEL
        case["trained_on"] = trained_on is not None and case["row_id"] in trained_on
        case["trained_on_recorded"] = trained_on is not None
        case["threshold"] = None if cutoff is None else cutoff.threshold
        del case["features"]
    frame = pd.DataFrame(cases, columns=_COLUMNS)
    frame["flagged"] = frame["flagged"].astype(bool)
    frame["trained_on"] = frame["trained_on"].astype(bool)
    frame["trained_on_recorded"] = frame["trained_on_recorded"].astype(bool)
    return frame


def _cases(resolved: pd.DataFrame, labels: pd.DataFrame) -> list[dict[str, Any]]:
    snapshots: dict[tuple[str, str, str], dict] = {}
    comments: dict[tuple[str, str, str], list[str]] = {}
    for record in labels.sort_values("recorded_at").to_dict(orient="records"):
        key = (record["sprint"], record["prototype"], record["row_id"])
        if isinstance(record["features"], dict) and record["features"]:
            snapshots[key] = record["features"]
        if record["comment"]:
            comments.setdefault(key, []).append(record["comment"])
    cases = []
    for row in resolved.to_dict(orient="records"):
        key = (row["sprint"], row["prototype"], row["row_id"])
        label, shown = row["resolved_label"], row["shown"]
        unresolved = bool(row["unresolved"])
        cases.append(
            {
                "sprint": row["sprint"],
                "prototype": row["prototype"],
                "row_id": row["row_id"],
                "source": row["source"],
                "flagged": not unresolved
                and (shown is None or not _same_answer(label, shown, row.get("task"))),
                "reviewers": row["reviewers"],
                "comments": comments.get(key, []),
                "corrected_label": label,
                "old_prediction": shown,
                "new_prediction": None,
                "new_confidence": None,
                "scored_from": None,
                "features": snapshots.get(key),
                "untried_because": None,
                "unresolved_because": (row["reason"] or "no agreed label") if unresolved else None,
            }
        )
    return cases


def _same_answer(label: Any, shown: Any, task: Any) -> bool:
    """Whether the reviewers' label is the prediction they were shown: a regression's value
    to six significant figures, as a "correct" verdict's label is written (567,666 is the
    prediction 567666.3464360634, not a correction of it)."""
    if task == REGRESSION:
        try:
            return math.isclose(float(label), float(shown), rel_tol=1e-5)
        except (TypeError, ValueError):
            return False
    return label == shown


def _same_question(ws: Workspace, proto: Prototype, sprint: str, prototype: str) -> bool:
    """Whether ``prototype`` of ``sprint``, where cases were reviewed, predicted what ``proto``
    predicts (``model.prototype.predicts_the_same``): a failure flagged on a classifier says
    nothing about a model of tool wear in minutes (its label "1" was scored against
    predictions of 60 minutes)."""
    try:
        earlier = ws.prototype(sprint, prototype)
    except WorkspaceError:  # no longer in the workspace: nothing says it differs
        return True
    return predicts_the_same(earlier, proto)


def _decided(chance: float, cutoff: Cutoff) -> tuple[str, float]:
    """The class decided at ``cutoff`` for a case with ``chance`` of its positive class, and
    the chance of that class."""
    decided = decide(chance, cutoff)
    return decided, float(chance) if decided == cutoff.positive else 1 - float(chance)


def _predict(proto: Prototype, cases: list[dict[str, Any]], cutoff: Cutoff | None) -> None:
    predictions = proto.predictions()
    predictions.index = predictions.index.astype(str)
    needed = set(proto.meta["features"])
    to_predict = []
    for case in cases:
        if case["source"] == "demo" and case["row_id"] in predictions.index:
            stored = predictions.loc[case["row_id"]]
            case["new_prediction"] = _label(stored["predicted"], proto.task)
            if "confidence" in stored.index:
                case["new_confidence"] = float(stored["confidence"])
            if cutoff is not None:
                decided = _decided(float(stored[cutoff.column]), cutoff)
                case["new_prediction"], case["new_confidence"] = decided
            case["scored_from"] = "demo predictions"
        elif case["features"] and needed <= set(case["features"]):
            to_predict.append(case)
    if not to_predict:
        return
    refusal = proto.model_refusal()
    if refusal:  # a hand-written model cannot be loaded back to predict anything anew
        for case in to_predict:
            case["untried_because"] = refusal
        return
    X = case_frame(proto, [case["features"] for case in to_predict])
    estimator = proto.estimator()
    if proto.task == REGRESSION:
        predicted = np.asarray(estimator.predict(X), dtype=float)
        confidence = [None] * len(X)
    else:
        predicted = label_strings(estimator.predict(X))
        probabilities = np.asarray(estimator.predict_proba(X), dtype=float)
        confidence = probabilities.max(axis=1)
        if cutoff is not None:
            chances = probabilities[
                :, list(label_strings(estimator.classes_)).index(cutoff.positive)
            ]
            predicted, confidence = zip(*(_decided(c, cutoff) for c in chances), strict=True)
    for case, label, sure in zip(to_predict, predicted, confidence, strict=True):
        case["new_prediction"] = _label(label, proto.task)
        case["new_confidence"] = None if sure is None else float(sure)
        case["scored_from"] = "recorded features"


def _label(value: Any, task: str) -> str:
    return repr(float(value)) if task == REGRESSION else str(value)


def _typical_error(proto: Prototype) -> float | None:
    """A regression's typical error on its demo rows (the median, as the Sprint demo's
    "Typically off by" says it); None for a classifier or without actual values."""
    if proto.task != REGRESSION:
        return None
    try:
        return float(prototype_outcome(proto).median_abs_error)
    except ValueError:  # published without actual values: nothing to measure by
        return None


def _errors(case: dict[str, Any], task: str) -> dict[str, float | None]:
    """How far a regression's prediction shown and its new one are from the reviewers' value."""
    new, label, old = case["new_prediction"], case["corrected_label"], case["old_prediction"]
    if task != REGRESSION or label is None:
        return {"error_before": None, "error_now": None}
    return {
        "error_before": None if old is None else abs(float(old) - float(label)),
        "error_now": None if new is None else abs(float(new) - float(label)),
    }


def _status(case: dict[str, Any], task: str) -> str:
    new, label = case["new_prediction"], case["corrected_label"]
    if new is None:
        return "not scored"
    if task == REGRESSION:
        if not case["flagged"]:
            return "still right"
        within, before = case["right_within"], case["error_before"]
        if within is None:  # no typical error to call a value right by
            return "still wrong"
        limit = min(within, before / 2) if before is not None else within
        return "fixed" if case["error_now"] <= limit else "still wrong"
    if case["flagged"]:
        return "fixed" if new == label else "still wrong"
    return "still right" if new == label else "newly broken"


def _trained_on(ws: Workspace, proto: Prototype) -> set[str] | None:
    """The reviewed rows ``proto`` was trained on; None where nobody recorded which."""
    rows = proto.meta.get(TRAINED_ON_KEY)
    marker = ws.path / "demo.json"
    if rows is None and marker.is_file():
        rows = json.loads(marker.read_text(encoding="utf-8")).get(TRAINED_ON_KEY)
    return None if rows is None else {str(r) for r in rows}


def followup_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Counts of ``rescore_flagged``'s statuses and one sentence for the page.

    Keys: fixed, still_wrong, newly_broken, still_right, not_scored, flagged (flagged cases,
    scored or not), fixed_trained_on (fixes on rows the model was trained on),
    no_agreed_label (reviewed cases whose reviewers settled on no label) and sentence,
    e.g. "7 of 9 cases flagged in Sprint 2 are now right (5 of the 7 were in the new model's
    training data)." For a regression the sentence says what right means and how many of the
    rest came closer: "1 of 2 cases flagged in Sprint 1 is now right, within 26,362 USD of
    the reviewers' value; 1 other is closer, but still further off." (:func:`right_rule`).
    """
    missing = {"status", "flagged", "sprint", "trained_on"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"frame must come from rescore_flagged; it lacks {', '.join(sorted(missing))}"
        )
    status = frame["status"]
    summary: dict[str, Any] = {
        "fixed": int((status == "fixed").sum()),
        "still_wrong": int((status == "still wrong").sum()),
        "newly_broken": int((status == "newly broken").sum()),
        "still_right": int((status == "still right").sum()),
        "not_scored": int((status == "not scored").sum()),
        "flagged": int(frame["flagged"].sum()),
        "fixed_trained_on": int(((status == "fixed") & frame["trained_on"]).sum()),
        "no_agreed_label": int((status == NO_AGREED_LABEL).sum()),
    }
    summary["sentence"] = _sentence(frame, summary)
    return summary


def untried_note(frame: pd.DataFrame) -> str | None:
    """Which of ``rescore_flagged``'s cases the new model could not be asked about and why, in
    one line ("1 own case and 1 reviewed row outside the new demo set were not re-scored,
    because <``Prototype.model_refusal``>."); None when there are none."""
    if "untried_because" not in frame.columns:
        raise ValueError("frame must come from rescore_flagged; it lacks untried_because")
    untried = frame[frame["untried_because"].notna()]
    if untried.empty:
        return None
    own = int((untried["source"] == "own").sum())
    parts = [f"{own} own {'case' if own == 1 else 'cases'}"] if own else []
    rows = len(untried) - own
    if rows:
        parts.append(f"{rows} reviewed {'row' if rows == 1 else 'rows'} outside the new demo set")
    verb = "was" if len(untried) == 1 else "were"
    why = untried["untried_because"].iloc[0]
    return f"{' and '.join(parts)} {verb} not re-scored, because {why}."


def _sentence(frame: pd.DataFrame, summary: dict[str, Any]) -> str:
    flagged = frame[frame["flagged"]]
    if flagged.empty:
        text = "No case was marked wrong by the reviewers in earlier sprints"
    else:
        sprints = list(dict.fromkeys(flagged["sprint"]))
        where = sprints[0] if len(sprints) == 1 else f"{', '.join(sprints[:-1])} and {sprints[-1]}"
        n, fixed = summary["flagged"], summary["fixed"]
        case = "case" if n == 1 else "cases"
        verb = "is" if 1 in (fixed, n) else "are"
        # "marked wrong", not "flagged": on these pages a flag is the model's decision
        text = f"{fixed} of {n} {case} the reviewers marked wrong in {where} {verb} now right"
        at = _cutoff_text(flagged)
        if at:
            text += f" {at}"
        within = _within_text(flagged)
        if within:
            text += f", {within}"
        trained = summary["fixed_trained_on"]
        recorded = frame.get("trained_on_recorded", pd.Series(True, index=frame.index))
        if fixed and not recorded.all():
            # A retrained model gets right the rows it learnt: without the record, a fix
            # may be memory, and the sentence must not pass it off as evidence.
            text += (
                " (whether the new model was trained on these cases was not recorded when it "
                "was published)"
            )
        elif trained:
            text += (
                f" ({trained} of the {fixed} {'was' if trained == 1 else 'were'} in the new"
                " model's training data)"
            )
        closer = _closer(flagged)
        if closer:
            who = f"{closer} other{'s' if closer > 1 else ''}" if fixed else f"{closer}"
            text += f"; {who} {'are' if closer > 1 else 'is'} closer, but still further off"
        unscored = int((flagged["status"] == "not scored").sum())
        if unscored:
            text += f"; {unscored} could not be scored"
    broken = summary["newly_broken"]
    if broken:
        text += (
            f"; {broken} {'case' if broken == 1 else 'cases'} confirmed right before"
            f" {'is' if broken == 1 else 'are'} now wrong"
        )
    open_cases = summary.get("no_agreed_label", 0)
    if open_cases:  # reviewed, but with no answer to follow up: said, not dropped
        text += (
            f"; {open_cases} other reviewed {'case has' if open_cases == 1 else 'cases have'}"
            f" no settled label ({_why_unsettled(frame)}), so nothing to follow up"
        )
    return text + "."


def _cutoff_text(frame: pd.DataFrame) -> str | None:
    """ "when the new model flags from 6.7%, its cheapest cut-off" for cases decided at a
    cut-off; None for cases taken at the model's own class."""
    threshold = frame.get("threshold", pd.Series(dtype=float)).dropna()
    if threshold.empty:
        return None
    at = float(threshold.iloc[0])
    return f"when the new model flags from {at:.1%}, its cheapest cut-off"


def _why_unsettled(frame: pd.DataFrame) -> str:
    """Why reviewed cases have no label, in words: "the reviewers disagree", "the reviewers
    were unsure", "the prediction they judged was not recorded", or those joined by "or"."""
    reasons = frame.get("unresolved_because", pd.Series(dtype=object)).dropna().astype(str)
    phrases = {
        "tie between": "the reviewers disagree",
        "only unsure": "the reviewers were unsure",
        "the prediction shown was not recorded": "the prediction they judged was not recorded",
    }
    said = [words for start, words in phrases.items() if reasons.str.startswith(start).any()]
    if len(said) < reasons.nunique():  # a reason without words of its own: said as it is
        said += sorted({r for r in reasons if not r.startswith(tuple(phrases))})
    return " or ".join(said)


def _closer(flagged: pd.DataFrame) -> int:
    """Flagged regression cases still wrong whose new prediction is closer than the old."""
    if "error_now" not in flagged.columns:
        return 0
    now = pd.to_numeric(flagged["error_now"], errors="coerce")
    before = pd.to_numeric(flagged["error_before"], errors="coerce")
    return int(((flagged["status"] == "still wrong") & (now < before)).sum())


def _amount(value: float, unit: str | None) -> str:
    return f"{format_number(value)} {unit}" if unit else format_number(value)


def _tolerance(frame: pd.DataFrame) -> str | None:
    """The typical error a regression's cases are called right within, in the target's unit
    ("26,362 USD"); "" without one; None for a classifier's cases."""
    if "error_now" not in frame.columns or frame["error_now"].isna().all():
        return None
    within = frame["right_within"].dropna()
    if within.empty:
        return ""
    unit = frame["unit"].dropna()
    return _amount(float(within.iloc[0]), str(unit.iloc[0]) if len(unit) else None)


def _within_text(frame: pd.DataFrame) -> str | None:
    """ "within 26,362 USD of the reviewers' value" for a regression's cases; None else."""
    amount = _tolerance(frame)
    return f"within {amount} of the reviewers' value" if amount else None


def right_rule(frame: pd.DataFrame) -> str | None:
    """What "now right" means for ``rescore_flagged``'s regression cases, in one line for the
    page ("A value is now right when it is within 26,362 USD of what the reviewers said (half
    the new model's predictions on its demo rows are that close) and at most half as far off
    as the prediction they flagged; closer is not right."); None for a classifier's cases,
    where right is the reviewers' label itself."""
    amount = _tolerance(frame)
    if amount is None:
        return None
    if not amount:
        return (
            "The new model was published without actual values, so it has no typical error"
            " to call a value right by: each case says how far off it is."
        )
    return (
        f"A value is now right when it is within {amount} of what the reviewers said (half"
        " the new model's predictions on its demo rows are that close) and at most half as"
        " far off as the prediction they flagged; closer is not right."
    )
