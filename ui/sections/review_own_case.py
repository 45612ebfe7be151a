"""The SME review's second tab: a case of the reviewer's own, predicted, explained and judged."""

from __future__ import annotations

import json

import streamlit as st

from ui import cached, formatting
from ui.sections import review_explanation, review_session, review_verdict
from ui.sections.review_session import ReviewContext

OWN_CASE_KEY = "review_own_case"
OWN_FLASH_KEY = "review_own_flash"


def number_field(field: dict, key: str):
    low, high, default = field["min"], field["max"], field["default"]
    if field["integer"]:
        return st.number_input(
            field["name"], min_value=int(low), max_value=int(high), value=int(default), step=1,
            key=key,
        )  # fmt: skip
    span = (high - low) or 1.0
    step = 10 ** int(f"{span / 50:e}".split("e")[1])
    decimals = max(1, -int(f"{step:e}".split("e")[1]))
    return st.number_input(
        field["name"], min_value=float(low), max_value=float(high), value=float(default),
        step=float(step), format=f"%.{decimals}f", key=key,
    )  # fmt: skip


def show(ctx: ReviewContext) -> None:
    st.caption(
        "Enter the readings of a case you know, for example one you saw on the shop floor: "
        "the prototype chosen above predicts it and says why, and you can record whether it "
        "got it right. The fields start at the demo set's middle values and stay within its "
        "range."
    )
    schema = cached.input_schema(*ctx.cache_key)
    with st.form(f"own_case_form_{ctx.name}"):
        columns = st.columns(3)
        values = {}
        for i, field in enumerate(schema):
            key = f"own_field_{ctx.name}_{field['name']}"
            with columns[i % 3]:
                if field["kind"] == "categorical":
                    options = field["categories"]
                    values[field["name"]] = st.selectbox(
                        field["name"],
                        options,
                        index=options.index(field["default"]) if field["default"] in options else 0,
                        key=key,
                    )
                elif field["min"] is None:
                    st.caption(
                        formatting.escape_markdown(f"{field['name']}: no values in the demo set")
                    )
                else:
                    values[field["name"]] = number_field(field, key)
        explain = st.form_submit_button("Explain this case", type="primary")
    if explain:
        st.session_state[OWN_CASE_KEY] = {
            "sprint": ctx.sprint,
            "prototype": ctx.name,
            "version": ctx.proto.version,
            "features": values,
        }
    case = st.session_state.get(OWN_CASE_KEY)
    if not case or (case["sprint"], case["prototype"], case["version"]) != (
        ctx.sprint,
        ctx.name,
        ctx.proto.version,
    ):
        return
    entered = json.dumps(case["features"], sort_keys=True)
    try:
        explanation = cached.own_case(*ctx.cache_key, entered)
    except (ValueError, OSError) as error:  # e.g. a damaged or missing model file
        st.error(formatting.escape_markdown(formatting.one_line(error)))
        return
    row_id = explanation["row_id"]
    percentiles = cached.own_case_percentiles(*ctx.cache_key, entered)
    flash = st.session_state.pop(OWN_FLASH_KEY, None)
    if flash:
        st.success(flash)
    case_column, verdict_column = st.columns([5, 3], gap="medium")
    with case_column:
        review_explanation.prediction_header(
            ctx, explanation["predicted"], explanation.get("confidence")
        )
        st.caption(
            formatting.escape_markdown(f"Your case {row_id} · {ctx.name} · {ctx.meta['estimator']}")
        )
        review_explanation.reasons(ctx, explanation, percentiles)
        review_explanation.waterfall(
            ctx, cached.own_case_waterfall_spec(*ctx.cache_key, entered), explanation
        )
    with verdict_column:
        saved = review_verdict.verdict_panel(
            ctx,
            "own",
            row_id,
            review_session.my_verdicts(ctx).get(row_id),
            source="own",
            features=explanation["feature_values"],
            prediction=review_session.snapshot(
                ctx,
                explanation["predicted"],
                explanation.get("confidence"),
                explanation.get("probabilities"),
            ),
            flash_key=OWN_FLASH_KEY,
            what="your own case",
        )
    if saved:
        st.rerun()
