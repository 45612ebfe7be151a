"""The bake-off's cost assumptions: the business's figures, editable by scientists and saved
for the whole workspace."""

from __future__ import annotations

import streamlit as st

from model import access
from model.costs import CostAssumptions, save_assumptions
from ui import formatting
from ui.formatting import escape_markdown as escape

ASSUMPTIONS_MESSAGE_KEY = "bake_off_assumptions_message"
ASSUMPTION_KEYS = {
    "predictions_per_month": "assume_predictions_per_month",
    "retrains_per_month": "assume_retrains_per_month",
    "compute_price_per_hour": "assume_compute_price_per_hour",
    "engineer_day_rate": "assume_engineer_day_rate",
    "currency": "assume_currency",
}


def save_typed_assumptions(path: str) -> None:
    """Form callback: store the typed assumptions before the page computes with them."""
    typed = {field: st.session_state.get(key) for field, key in ASSUMPTION_KEYS.items()}
    try:
        save_assumptions(path, CostAssumptions.from_dict(typed))
    except ValueError as error:
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = ("error", formatting.one_line(error))
    else:
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = (
            "success",
            "Saved with the workspace: everyone now sees costs under these assumptions.",
        )


#: The numeric cost assumptions: field, label, step and display format.
NUMBER_FIELDS = [
    ("predictions_per_month", "Predictions per month", 100_000.0, "%.0f"),
    ("retrains_per_month", "Retrains per month", 1.0, "%.2f"),
    ("compute_price_per_hour", "Compute price per hour", 0.01, "%.4f"),
    ("engineer_day_rate", "Engineer day rate", 50.0, "%.2f"),
]


def assumptions_form(path: str, current: CostAssumptions, role: str | None) -> None:
    """The business's assumptions, editable by scientists; saved for the whole workspace."""
    if not access.can(role, "edit_assumptions"):
        st.caption(escape(access.refusal(role, "edit_assumptions")))
        return
    with st.form("assumptions_form"):
        st.markdown("**Cost assumptions** (shared by everyone using this workspace)")
        first, second, third = st.columns(3)
        for column, (field, label, step, number_format) in zip(
            (first, second, third, first), NUMBER_FIELDS, strict=True
        ):
            column.number_input(
                label,
                min_value=0.0,
                value=float(getattr(current, field)),
                step=step,
                format=number_format,
                key=ASSUMPTION_KEYS[field],
            )
        second.text_input(
            "Currency",
            value=current.currency,
            max_chars=8,
            key=ASSUMPTION_KEYS["currency"],
            help="A code such as USD, EUR or GBP; prices above are in this currency.",
        )
        st.form_submit_button(
            "Save assumptions", on_click=save_typed_assumptions, args=(path,), type="primary"
        )
    message = st.session_state.pop(ASSUMPTIONS_MESSAGE_KEY, None)
    if message:
        kind, text = message
        (st.error if kind == "error" else st.success)(escape(text))
