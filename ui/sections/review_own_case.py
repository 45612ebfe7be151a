"""The SME review's second tab: a case of the reviewer's own, predicted, explained and judged."""

from __future__ import annotations

import json

import streamlit as st

from model import review
from model.feature_words import said_name
from model.labels import display_unit
from model.own_case import MAX_TEXT_LENGTH, own_case_refusal, unseen_readings
from ui import cached, formatting, session, verdict_tables, what_if_names
from ui.sections import review_explanation, review_queue, review_session, review_verdict
from ui.sections.review_session import ReviewContext

OWN_CASE_KEY = "review_own_case"
OWN_FLASH_KEY = "review_own_flash"


def range_text(field: dict, meta: dict) -> str:
    """A numeric field's allowed range in its units: "11.4–74.5 Nm", "295.3–304.3 K
    (22.2–31.2 °C)"."""
    low, high = float(field["min"]), float(field["max"])
    spec = (meta.get("display_units") or {}).get(field["name"])
    if spec is None:
        return f"{formatting.format_value(low)}–{formatting.format_value(high)}"
    unit = display_unit(spec)
    whole = field["integer"] or (low.is_integer() and high.is_integer())  # not "12.0–2,979.0"
    digits = 0 if whole and unit.also is None else 1
    text = f"{low:,.{digits}f}–{high:,.{digits}f} {unit.unit}"
    if unit.also is not None:
        text += f" ({unit.converted(low):,.1f}–{unit.converted(high):,.1f} {unit.also})"
    return text


#: What a value outside the demo data's range means, said after the range.
UNSEEN = "the model has not seen such values, so its answer there is less certain"


def number_field(field: dict, key: str, meta: dict):
    """A number input that may be cleared (an empty field is refused, never refilled) and is
    not clamped: any number is taken as typed, and shown as typed (14.99, not 15.0). The demo
    data's range is guidance, in its label and its help."""
    default = field["default"]
    if key not in st.session_state:  # the first time: the demo set's middle value
        st.session_state[key] = int(default) if field["integer"] else float(default)
    missing = ", or empty if not measured" if field.get("missing") else ""
    label = f"{field['name']} ({range_text(field, meta)}{missing})"
    help_text = field_help(field, meta)
    if field["integer"]:
        return st.number_input(label, value=None, step=1, key=key, help=help_text)
    low, high = field["min"], field["max"]
    span = (high - low) or 1.0
    step = 10 ** int(f"{span / 50:e}".split("e")[1])
    # "%g" shows the number itself (sprintf.js: its shortest form), every decimal typed;
    # "%.1f" showed 14.99 as "15.0" while the model got 14.99.
    return st.number_input(
        label, value=None, step=float(step), format="%g", key=key, help=help_text
    )


def field_help(field: dict, meta: dict) -> str:
    """A numeric field's tooltip: its description, then the demo data's range as guidance
    (a value outside it is accepted, with what that means)."""
    guidance = (
        f"In the demo data: {range_text(field, meta)}. A value outside this range is accepted;"
        f" {UNSEEN}."
    )
    description = formatting.feature_help(meta, field["name"])
    return f"{description}\n\n{guidance}" if description else guidance


def typed_text(value: float, field: dict, meta: dict) -> str:
    """A reading as typed, every digit kept, in its unit: "14.99", "60,000", "500 Nm"."""
    text = f"{float(value):,.15g}"
    spec = (meta.get("display_units") or {}).get(field["name"])
    return text if spec is None else f"{text} {display_unit(spec).unit}"


def unseen_notes(schema: list[dict], values: dict, meta: dict) -> list[str]:
    """One line per reading of the case outside the demo data's range, naming it by its
    description and the range in its unit: "Your claim_amount_eur of 60,000 is above the
    demo data's range (68.57–46967): the model has not seen such values, so its answer there
    is less certain."."""
    fields = {field["name"]: field for field in schema}
    descriptions = meta.get("feature_descriptions")
    notes = []
    for reading in unseen_readings(schema, values):
        field = fields[reading["name"]]
        name = said_name(reading["name"], descriptions)
        notes.append(
            f"Your {name} of {typed_text(reading['value'], field, meta)} is {reading['side']}"
            f" the demo data's range ({range_text(field, meta)}): {UNSEEN}."
        )
    return notes


def show(ctx: ReviewContext) -> None:
    refusal = own_case_refusal(ctx.proto)
    if refusal:  # a model the app may not load from a file: one line, not an error
        st.info(formatting.escape_markdown(refusal))
        return
    schema = cached.input_schema(*ctx.cache_key)
    st.caption(
        "Enter the readings of a case you know, for example one from your own work: "
        "the prototype chosen above predicts it and says why, and you can record whether it "
        "got it right. Each field starts at the demo set's middle value; beside its name is "
        "the demo set's range. A value outside it is accepted too, but the model has not seen "
        "such values, so its answer there is less certain."
        + (
            " A reading some demo rows lack may be left missing."
            if any(field.get("missing") for field in schema)
            else ""
        )
    )
    with st.form(f"own_case_form_{ctx.name}"):
        values = {}
        for i, field in enumerate(schema):
            key = f"own_field_{ctx.name}_{field['name']}"
            if i % 3 == 0:  # a row of three: fields stay level when a long name wraps
                columns = st.columns(3, vertical_alignment="bottom")
            with columns[i % 3]:
                if field["kind"] == "categorical":
                    # None is "missing", offered where some demo rows lack the reading
                    options = [*field["categories"], *([None] if field.get("missing") else [])]
                    values[field["name"]] = st.selectbox(
                        field["name"],
                        options,
                        index=options.index(field["default"]) if field["default"] in options else 0,
                        format_func=lambda v: "missing" if v is None else str(v),
                        key=key,
                        help=formatting.feature_help(ctx.meta, field["name"]),
                    )
                elif field["kind"] == "text":  # free text: typed, explained word by word
                    values[field["name"]] = st.text_area(
                        field["name"],
                        value=field["default"],
                        max_chars=MAX_TEXT_LENGTH,
                        key=key,
                        help=formatting.feature_help(ctx.meta, field["name"]),
                    )
                elif field["min"] is None:
                    st.caption(
                        formatting.escape_markdown(f"{field['name']}: no values in the demo set")
                    )
                else:
                    values[field["name"]] = number_field(field, key, ctx.meta)
        explain = st.form_submit_button("Explain this case", type="primary")
    if explain:
        # A new submit replaces what was shown: never an old result under new numbers.
        st.session_state.pop(OWN_CASE_KEY, None)
        try:
            checked = review.check_case(schema, values)
        except ValueError as error:
            st.error(formatting.escape_markdown(formatting.one_line(error)))
            return
        st.session_state[OWN_CASE_KEY] = {
            "sprint": ctx.sprint,
            "prototype": ctx.name,
            "content_id": ctx.proto.content_id,
            "features": checked,
        }
    case = st.session_state.get(OWN_CASE_KEY)
    if not case or (case["sprint"], case["prototype"], case["content_id"]) != (
        ctx.sprint,
        ctx.name,
        ctx.proto.content_id,
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
    for note in unseen_notes(schema, case["features"], ctx.meta):
        st.warning(formatting.escape_markdown(note))
    case_column, verdict_column = st.columns([5, 3], gap="medium")
    probabilities = explanation.get("probabilities") or {}
    # As a demo row's card: a binary model's decision at its cheapest cut-off where known.
    cutoff = review_queue.card_cutoff(ctx)
    if cutoff is not None and cutoff.positive not in probabilities:
        cutoff = None
    with case_column:
        review_queue.header(
            ctx, explanation["predicted"], explanation.get("confidence"), probabilities, cutoff
        )
        # Named as the Feedback page names it ("own case, 5 Dec 10:41"), not by its stored id.
        case_name = verdict_tables.row_text(
            row_id, cached.own_case_names(ctx.path, cached.verdicts_stamp(ctx.store))
        )
        st.caption(
            formatting.escape_markdown(
                f"Your {case_name} · {ctx.name} · version {ctx.proto.version}"
            )
        )
        # its entered values: "Why not Refunds?" explains the case again for that class
        shown = {**explanation, "case": entered}
        review_explanation.reasons(ctx, shown, percentiles)
        review_explanation.waterfall(
            ctx, cached.own_case_waterfall_spec(*ctx.cache_key, entered), shown
        )
        review_explanation.words(explanation)
        review_explanation.technical_details(ctx, explanation)
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
                cutoff,
            ),
            flash_key=OWN_FLASH_KEY,
            what="your own case",
        )
    what_if(ctx, schema, entered, explanation)
    if saved:
        st.rerun()


def what_if(ctx: ReviewContext, schema: list[dict], entered: str, explanation: dict) -> None:
    """How this case's prediction changes as one chosen reading moves across its range."""
    names = [f["name"] for f in schema if f["kind"] == "categorical" or f["min"] is not None]
    if not names:
        return
    contributions = explanation["contributions"]
    names.sort(key=lambda name: -abs(contributions.get(name, 0.0)))
    # Computed on demand: a small grid of model calls for this one case.
    if not st.toggle("What if one reading were different?", key=f"own_what_if_on_{ctx.name}"):
        return
    feature = st.selectbox(
        "Reading to move across its range",
        names,
        format_func=lambda name: what_if_names.reading_name(name, ctx.meta),
        key=f"own_what_if_{ctx.name}",
    )
    session.chart(cached.what_if_spec(*ctx.cache_key, entered, feature))
    said = what_if_names.reading_name(feature, ctx.meta)
    yours = (
        f"you left {said} missing, so no point is yours"
        if json.loads(entered).get(feature) is None
        else f"the red point is your value of {said}"
    )
    st.caption(formatting.escape_markdown(f"The other readings stay as you entered them; {yours}."))
