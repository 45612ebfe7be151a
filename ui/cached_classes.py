"""The cached explanation and waterfall of the class a multiclass card's "Why not …?" chose
(``ui.class_choice``), keyed as the other loaders are (see ``ui.cached``)."""

from __future__ import annotations

import streamlit as st

from ui import charts as _charts
from ui import class_choice as _class_choice
from ui import explanations as _explanations
from ui.cached_prototype import open_prototype


@st.cache_data(show_spinner=False, max_entries=256)
def class_explanation(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str, label: str,
    case: str | None = None,
) -> dict:  # fmt: skip
    """``class_choice.class_explanation``: one card's explanation of class ``label``."""
    return _class_choice.class_explanation(path, sprint, prototype, row_id, label, case)


@st.cache_data(show_spinner=False, max_entries=256)
def class_waterfall_spec(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str, label: str,
    case: str | None = None,
) -> dict:  # fmt: skip
    """The Vega-Lite spec of ``explanations.waterfall_spec`` for ``class_explanation(...)``."""
    meta = open_prototype(path, sprint, prototype).meta
    row = class_explanation(path, sprint, prototype, content_id, row_id, label, case)
    return _charts.with_arrow_datasets(_explanations.waterfall_spec(row, meta))
