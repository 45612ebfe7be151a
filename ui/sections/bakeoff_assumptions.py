"""The bake-off's cost assumptions: the business's figures, editable by scientists and saved
for the whole workspace. Saving changes the fields shown and keeps every other one as it was."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from model import access
from model.costs import CostAssumptions, assumption_problem, save_assumptions
from model.metrics import BINARY, MULTICLASS, REGRESSION
from model.outcomes import capital, class_in_sentence, singular
from ui import formatting
from ui.formatting import escape_markdown as escape
from ui.review_card import cases_noun

ASSUMPTIONS_MESSAGE_KEY = "bake_off_assumptions_message"
MATRIX_KEY = "assume_cost_matrix"
#: Up to this many classes the cost matrix is a grid of number inputs, one per mistake; more
#: classes get a table editor.
MAX_GRID_CLASSES = 6
CELL_PREFIX = "assume_cost:"


def key(field: str) -> str:
    """The session key of the assumption ``field``'s input."""
    return f"assume_{field}"


def _matrix_frame(current: CostAssumptions, classes: list[str], names: Mapping) -> pd.DataFrame:
    """The multiclass cost matrix to edit: a row per actual class, a column per predicted one,
    the listed cost or ``wrong_class_cost`` off the diagonal, 0 on it."""
    listed = current.cost_matrix or {}
    frame = pd.DataFrame(
        [
            [
                0.0
                if actual == decided
                else listed.get(actual, {}).get(decided, current.wrong_class_cost)
                for decided in classes
            ]
            for actual in classes
        ],
        index=[f"Actually {names.get(c, c)}" for c in classes],
        columns=[f"Predicted {names.get(c, c)}" for c in classes],
    )
    return frame


def cell_key(actual: str, decided: str) -> str:
    """The session key of the input for the cost of calling a case of ``actual`` ``decided``."""
    return f"{CELL_PREFIX}{actual}\x1f{decided}"


def cell_label(actual: str, decided: str, names: Mapping) -> str:
    """``Actual Low quality predicted as High quality``."""
    return f"Actual {names.get(actual, actual)} predicted as {names.get(decided, decided)}"


def _typed_matrix(
    frame: pd.DataFrame, classes: list[str], listed: dict | None
) -> dict[str, dict[str, float]] | None:
    """The cells the matrix lists (``listed``) with the edits applied, from the grid's inputs
    (a cell typed with another value than the one shown) or the table editor; a cell never
    listed nor edited stays out, so it follows the cost of a wrong class."""
    edits = st.session_state.get(MATRIX_KEY) or {}
    matrix = {actual: dict(row) for actual, row in (listed or {}).items()}
    columns = list(frame.columns)
    for row, changes in (edits.get("edited_rows") or {}).items():
        for column, value in changes.items():
            actual, decided = classes[int(row)], classes[columns.index(column)]
            if actual != decided and value is not None:
                matrix.setdefault(actual, {})[decided] = float(value)
    for i, actual in enumerate(classes):
        for j, decided in enumerate(classes):
            value = st.session_state.get(cell_key(actual, decided))
            if i != j and value is not None and float(value) != float(frame.iat[i, j]):
                matrix.setdefault(actual, {})[decided] = float(value)
    return matrix or None


def _matrix_grid(frame: pd.DataFrame, classes: list[str], names: Mapping) -> None:
    """A number input per mistake, a row per actual class ("Actual Low predicted as High")."""
    for i, actual in enumerate(classes):
        columns = st.columns(len(classes) - 1)
        others = [j for j in range(len(classes)) if j != i]
        for column, j in zip(columns, others, strict=True):
            # No min_value: the browser would refuse a negative with a red mark alone and
            # send the old value; the save's check says what is wrong, under the button.
            column.number_input(
                cell_label(actual, classes[j], names),
                value=float(frame.iat[i, j]),
                step=10.0,
                format="%.2f",
                key=cell_key(actual, classes[j]),
            )


def _forget_typed_cells() -> None:
    """After a save the grid shows the saved matrix: the inputs' own state would otherwise
    keep what was typed before (an input keyed by name keeps its value when its default
    changes), and a later save would list cells the user never touched."""
    for name in [k for k in st.session_state if str(k).startswith(CELL_PREFIX)]:
        del st.session_state[name]


def _first_problem(typed: dict, labels: Mapping[str, str], names: Mapping) -> str | None:
    """The first typed figure out of bounds, named by its label on the form
    (``model.costs.assumption_problem``): a typed cell of the cost matrix by its mistake."""
    for field, label in labels.items():
        problem = assumption_problem(field, typed.get(field), label)
        if problem:
            return problem
    for actual, row in (typed.get("cost_matrix") or {}).items():
        for decided, cost in row.items():
            problem = assumption_problem(
                "wrong_class_cost", cost, cell_label(actual, decided, names)
            )
            if problem:
                return problem
    return None


def save_typed_assumptions(
    path: str,
    current: dict,
    fields: list[str],
    matrix: tuple | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Form callback: store the typed assumptions before the page computes with them. Starts
    from ``current`` (a ``CostAssumptions.to_dict()``), so fields the form does not show keep
    their values. A figure out of bounds is one line naming its label (``labels``: field →
    label) and saves nothing."""
    typed = dict(current)
    typed.update({field: st.session_state.get(key(field)) for field in fields})
    names: Mapping = {}
    try:
        if matrix is not None:
            frame, classes, names = matrix
            typed["cost_matrix"] = _typed_matrix(frame, classes, current.get("cost_matrix"))
        problem = _first_problem(typed, labels or {}, names)
        if problem:
            raise ValueError(problem)
        save_assumptions(path, CostAssumptions.from_dict(typed))
    except (ValueError, TypeError) as error:
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = (
            "error",
            f"{formatting.one_line(error)}. Nothing was saved.",
        )
    else:
        _forget_typed_cells()
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = (
            "success",
            "Saved with the workspace: everyone now sees costs under these assumptions.",
        )


#: The numeric assumptions: field, label, step, display format and help; ``{noun}`` and
#: ``{positive}`` are filled in with what a case is and the positive class's name.
ERROR_FIELDS = {
    BINARY: [
        ("missed_positive_cost", "Cost of a missed {positive}", 100.0, "%.2f",
         "What one {positive} the prototype does not flag costs."),
        ("false_alarm_cost", "Cost of a false alarm", 10.0, "%.2f",
         "What acting on one flag that turns out wrong costs."),
    ],
    REGRESSION: [
        ("over_prediction_cost", "Cost of each unit predicted too high (e.g. wasted stock)",
         0.1, "%.2f",
         "What one unit more than really happens costs, e.g. stock bought and not sold. A "
         "case costs this × units too high + the price below × units too low."),
        ("under_prediction_cost", "Cost of each unit predicted too low (e.g. lost sales)",
         0.1, "%.2f",
         "What one unit fewer than really happens costs, e.g. a sale lost to an empty shelf. "
         "A case costs the price above × units too high + this × units too low."),
    ],
    MULTICLASS: [
        ("wrong_class_cost", "Cost of a wrong class", 10.0, "%.2f",
         "What any mistake the matrix below does not price costs."),
    ],
}  # fmt: skip
#: A regression's one-sided prices, unset in files saved before them: the form shows the
#: one price they follow until then.
SHOWN_AS = {"over_prediction_cost": "over_price", "under_prediction_cost": "under_price"}
CASES_FIELD = (
    "cases_per_month", "{Noun} decided on per month", 100.0, "%.0f",
    "How many {noun} the prototype would decide on in a month.",
)  # fmt: skip
RUNNING_FIELDS = [
    ("predictions_per_month", "Predictions per month", 100_000.0, "%.0f",
     "How many predictions the prototype would make in a month."),
    ("instance_price_per_month", "Instance price per month", 10.0, "%.2f",
     "One always-on server that hosts the prototype, a month."),
    ("compute_price_per_hour", "Compute price per hour", 0.01, "%.4f",
     "An hour of compute, for retraining and serverless hosting."),
    ("retrains_per_month", "Retrains per month", 1.0, "%.2f",
     "How often the prototype is trained again, a month."),
    ("maintenance_hours_per_month", "Maintenance hours per month", 1.0, "%.1f",
     "Engineer hours a month to monitor, fix and upgrade it."),
    ("engineer_day_rate", "Engineer day rate", 50.0, "%.2f",
     "What a day of an engineer costs; an hour is a day ÷ 8."),
]  # fmt: skip


def _numbers(columns, current: CostAssumptions, specs, words: dict) -> dict[str, str]:
    """A number input per spec, spread over ``columns``; returns their labels by field."""
    labels = {}
    for index, (field, label, step, fmt, help_text) in enumerate(specs):
        labels[field] = label.format(**words)
        # No min_value: the browser would refuse a negative with a red mark alone and send
        # the old value; the save's check says what is wrong, under the button.
        columns[index % len(columns)].number_input(
            labels[field],
            value=float(getattr(current, SHOWN_AS.get(field, field))),
            step=step,
            format=fmt,
            key=key(field),
            help=help_text.format(**words),
        )
    return labels


def assumptions_form(
    path: str,
    current: CostAssumptions,
    role: str | None,
    task: str = BINARY,
    class_names: Mapping[str, str] | None = None,
    positive: str | None = None,
    noun: str = "cases",
) -> None:
    """The business's assumptions, editable by scientists; saved for the whole workspace.

    The cost of errors asked for depends on ``task``: a missed positive (named by
    ``class_names[positive]``) and a false alarm for binary, a cost matrix for multiclass, a
    price of each unit predicted too high and too low for regression.
    """
    if not access.can(role, "edit_assumptions"):
        st.caption(escape(access.refusal(role, "edit_assumptions")))
        return
    names = dict(class_names or {})
    currency = current.currency
    labels: dict[str, str] = {}
    matrix = None
    with st.form("assumptions_form"):
        st.markdown("**Cost assumptions** (shared by everyone using this workspace)")
        positive_name = str(names.get(positive, positive or "positive"))
        noun = cases_noun(noun)  # cases in use, as its notice says
        # "a missed failure", "a missed “Investigate” claim" (not "a missed investigate")
        missed = class_in_sentence(positive_name)
        if positive_name == str(positive) or not any(c.isalpha() for c in positive_name):
            missed = "positive case"  # a code with no name: not "a missed 1"
        elif missed.startswith("“"):
            missed = f"{missed} {singular(noun)}"
        words = {"noun": noun, "Noun": capital(noun), "positive": missed}
        st.caption(f"What errors cost ({escape(currency)})")
        columns = st.columns(3)
        specs = [CASES_FIELD, *ERROR_FIELDS.get(task, [])]
        labels |= _numbers(columns, current, specs, words)
        if task == MULTICLASS and names:
            classes = list(names)
            frame = _matrix_frame(current, classes, names)
            if len(classes) <= MAX_GRID_CLASSES:
                st.caption(
                    "What each kind of mistake costs, one case at a time; a right prediction "
                    "costs nothing. A cost never set follows the cost of a wrong class."
                )
                _matrix_grid(frame, classes, names)
            else:
                st.data_editor(frame, key=MATRIX_KEY, width="stretch")
                st.caption(
                    "The cost of predicting each class (columns) for a case of each class "
                    "(rows); a right prediction costs nothing."
                )
            matrix = (frame, classes, names)
        st.caption(f"What running a prototype costs ({escape(currency)})")
        columns = st.columns(3)
        labels |= _numbers(columns, current, RUNNING_FIELDS, words)
        first, second = columns[0], columns[1]
        first.checkbox(
            "Serverless",
            value=current.serverless,
            key=key("serverless"),
            help="No always-on instance: pay only for the compute the predictions use.",
        )
        second.text_input(
            "Currency",
            value=current.currency,
            max_chars=8,
            key=key("currency"),
            help="A code such as USD, EUR or GBP; prices above are in this currency.",
        )
        fields = [*labels, "serverless", "currency"]
        st.form_submit_button(
            "Save assumptions",
            on_click=save_typed_assumptions,
            args=(path, current.to_dict(), fields, matrix, labels),
            type="primary",
        )
    message = st.session_state.pop(ASSUMPTIONS_MESSAGE_KEY, None)
    if message:
        kind, text = message
        (st.error if kind == "error" else st.success)(escape(text))
