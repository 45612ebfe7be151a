"""The SME review's cached loaders beyond a prototype's rows: the queue of rows to review, and
"try your own case" (its form's fields, its explanation, percentiles and charts).

Keyed like ``ui.cached_prototype``'s loaders, whose shared demo rows they read.
"""

from __future__ import annotations

import json

import streamlit as st

from model import on_demand as _on_demand
from model import review as _review
from model.metrics import REGRESSION
from ui import charts as _charts
from ui import explanations as _explanations
from ui.cached_prototype import open_prototype, shared_features, shared_predictions

__all__ = [
    "context_values",
    "input_schema",
    "own_case",
    "own_case_percentiles",
    "own_case_waterfall_spec",
    "review_queue",
    "what_if_spec",
]


def review_queue(
    path: str,
    sprint: str,
    prototype: str,
    content_id: str,
    kind: str,
    other_versions: dict[str, str] | None = None,
    **options,
) -> list[str]:
    """``model.review.review_queue`` on the demo rows already in memory for the cards (not
    read again), and for "disagreement" on those of the sprint's other prototypes
    (``other_versions``: name to content id); ``options`` are its other arguments."""
    others = {
        name: shared_predictions(path, sprint, name, other)
        for name, other in (other_versions or {}).items()
    }
    return _review.review_queue(
        open_prototype(path, sprint, prototype),
        kind,
        other_predictions=others or None,
        predictions=shared_predictions(path, sprint, prototype, content_id),
        **options,
    )


@st.cache_data(show_spinner=False, max_entries=256)
def context_values(path: str, sprint: str, prototype: str, content_id: str, row_id: str) -> dict:
    """``model.on_demand.context_values``: a demo row's columns the model does not take (a
    ticket's subject), kept for reviewers; ``{}`` without any."""
    return _on_demand.context_values(open_prototype(path, sprint, prototype), row_id)


@st.cache_data(show_spinner=False, max_entries=64)
def input_schema(path: str, sprint: str, prototype: str, content_id: str) -> list[dict]:
    """``model.review.input_schema``: the fields of the "try your own case" form, from the
    demo rows the cards' percentiles already read."""
    frame = shared_features(path, sprint, prototype, content_id)
    return _review.input_schema(open_prototype(path, sprint, prototype), features=frame)


@st.cache_data(show_spinner="Explaining your case…", max_entries=128)
def own_case(path: str, sprint: str, prototype: str, content_id: str, case: str) -> dict:
    """``model.review.explain_own_case`` for ``case``, the entered values as sorted JSON."""
    return _review.explain_own_case(open_prototype(path, sprint, prototype), json.loads(case))


@st.cache_data(show_spinner=False, max_entries=128)
def own_case_percentiles(
    path: str, sprint: str, prototype: str, content_id: str, case: str
) -> dict[str, float]:
    """``model.review.feature_percentiles`` of the case ``own_case`` explained (``case`` is
    the entered values as sorted JSON) within the demo rows."""
    explained = own_case(path, sprint, prototype, content_id, case)
    frame = shared_features(path, sprint, prototype, content_id)
    return _review.feature_percentiles(frame, explained["feature_values"])


@st.cache_data(show_spinner=False, max_entries=128)
def own_case_waterfall_spec(
    path: str, sprint: str, prototype: str, content_id: str, case: str
) -> dict:
    """The Vega-Lite spec of ``explanations.waterfall_spec`` for ``own_case(...)``."""
    meta = open_prototype(path, sprint, prototype).meta
    row = own_case(path, sprint, prototype, content_id, case)
    return _charts.with_arrow_datasets(_explanations.waterfall_spec(row, meta))


@st.cache_data(show_spinner="Moving one reading across its range…", max_entries=128)
def what_if_spec(
    path: str, sprint: str, prototype: str, content_id: str, case: str, feature: str
) -> dict:
    """``explanations.what_if_spec`` of ``model.review.what_if`` for the entered case (sorted
    JSON) and one feature: a small grid of model calls."""
    proto = open_prototype(path, sprint, prototype)
    explained = own_case(path, sprint, prototype, content_id, case)
    label = explained.get("explained_class") if proto.task != REGRESSION else None
    curve = _review.what_if(proto, json.loads(case), feature, explained_class=label)
    return _charts.with_arrow_datasets(
        _explanations.what_if_spec(curve, feature, proto.meta, label)
    )
