"""The Sprint demo's sections: the MVP and its metrics, global importance, the predictions
table and the explanation of the selected row.

What they show is shaped by ``ui.explanations``, ``ui.predictions_table`` and
``ui.sprint_summary``; these functions only lay it out.
"""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from model import on_demand, outcomes
from model.feature_words import chart_names
from model.metrics import BINARY, REGRESSION
from model.right_values import target_unit
from model.workspace import Prototype, Workspace
from ui import (
    bakeoff_tables,
    bakeoff_words,
    cached,
    cached_chances,
    case_cutoff,
    case_words,
    confusion,
    explanations,
    formatting,
    learnt_rows,
    metric_change,
    review_card,
    session,
    sprint_summary,
)
from ui import predictions_table as prediction_rows
from ui.comparison_words import too_few_words
from ui.sections import review_explanation

#: Session-state keys of the sprint demo's predictions table.
DEMO_TABLE_KEY = "demo_table"
DEMO_PAGE_KEY = "demo_page"
DEMO_FILTERS_KEY = "demo_filters"
DEMO_PRECOMPUTED_KEY = "demo_precomputed"
#: The query parameter of the explained row, so a link or a reload explains it again.
ROW_PARAM = "row"
#: The row this session's selection last wrote to the URL.
DEMO_URL_ROW_KEY = "demo_url_row"


def demo_header(ws: Workspace, sprint: str) -> Prototype:
    """The title, the MVP (or the first prototype, saying so), its model and explainer, and its
    metrics against the previous sprint's MVP. Stops the page if the sprint has no prototype."""
    prototypes = ws.prototypes(sprint)
    st.title(f"Sprint demo: {formatting.escape_markdown(sprint)}")
    if not prototypes:
        st.info("This sprint has no published prototypes yet.")
        st.stop()
    name = ws.mvp(sprint)
    if name not in prototypes:
        name = prototypes[0]
        st.info(
            formatting.escape_markdown(
                f"No MVP is marked for this sprint; showing {name}. Record a decision on the "
                "Bake-off page to choose one."
            )
        )
    proto = ws.prototype(sprint, name)
    meta = proto.meta

    st.subheader(f"MVP: {formatting.escape_markdown(name)}")
    headline_change(ws, sprint, proto)
    with st.expander("Technical details: the model, its explainer and its metrics"):
        st.caption(
            formatting.escape_markdown(
                f"{meta['estimator']} · explained with the {meta['explainer']} SHAP explainer "
                f"· version {proto.version}, published {meta['published_at'][:10]}"
            )
        )
        metrics(ws, sprint, proto)
    if meta.get("notes"):
        st.text(meta["notes"])
    outcome(ws, proto)
    return proto


def metric_row(deltas: list[sprint_summary.MetricDelta], help_of) -> None:
    """One ``st.metric`` a column for each of ``deltas`` with its change, coloured the way
    that is better; ``help_of(delta)`` is its tooltip."""
    for column, delta in zip(st.columns(len(deltas)), deltas, strict=True):
        column.metric(
            delta.label,
            delta.formatted,
            delta=delta.delta_text,
            delta_color=delta.delta_color,
            help=help_of(delta),
        )


def _against_previous(ws: Workspace, sprint: str, proto: Prototype, keys=None):
    """The previous sprint's MVP (or None), the two MVPs' metrics on their shared rows, and
    ``proto``'s metrics (``keys``, else the task's) with their change against it."""
    previous = sprint_summary.previous_mvp(ws, sprint, like=proto)
    earlier = ws.prototype(*previous) if previous else None
    shared = shared_metrics(str(ws.path), earlier, proto)
    deltas = sprint_summary.metric_deltas(
        proto.metrics,
        shared[0] if shared else (earlier.metrics if earlier else None),
        proto.task,
        keys=keys,
        now_on_shared=shared[1] if shared else None,
    )
    return previous, shared, deltas


def metrics(ws: Workspace, sprint: str, proto: Prototype) -> None:
    """The task's metrics, each against the previous sprint's MVP."""
    previous, shared, deltas = _against_previous(ws, sprint, proto)
    if deltas:
        metric_row(
            deltas,
            lambda d: "Higher is better" if d.delta_color == "normal" else "Lower is better",
        )
        if previous:
            noun = review_card.reason_wording(proto.meta)[1]
            # 53 rows without a failure measured "+0.000" in green: say why there is none
            lacking = shared[3] if shared else None
            why = too_few_words(lacking, noun, proto.meta) if lacking else ""
            caption = learnt_rows.changes_caption(previous, shared, noun, why)
            st.caption(formatting.escape_markdown(caption))


def headline_change(ws: Workspace, sprint: str, proto: Prototype) -> None:
    """The MVP's headline score (the Overview chart's) and whether it is better or worse than
    the previous sprint's MVP, in words, above the technical details."""
    key = proto.headline[0]
    if key is None:
        return
    previous, shared, deltas = _against_previous(ws, sprint, proto, keys=[key])
    unit = sprint_summary.target_unit(proto.meta)
    own = None
    if deltas:
        name = sprint_summary.plain_metric_name(deltas[0].label).split(" (")[0]
        noun = review_card.cases_noun(review_card.reason_wording(proto.meta)[1])
        text = learnt_rows.headline_text(name, deltas[0], previous, shared, noun, unit)
        if text is None:
            text = metric_change.change_text(name, deltas[0], previous, unit)
        else:  # both scores on the rows it did not learn; its score on all of them said below
            own = metric_change.said_value(key, deltas[0].value, unit)
        st.markdown(f"**{formatting.escape_markdown(text)}**")
    learnt_rows_words(str(ws.path), proto, shared if previous else None, own)


def learnt_rows_words(path: str, proto: Prototype, shared, own: str | None = None) -> None:
    """Where ``proto`` learnt some of its demo rows: how many, and on which rows its change
    against last sprint (``shared``) is measured; ``own``, its score on all of them."""
    noun = review_card.cases_noun(review_card.reason_wording(proto.meta)[1])
    for said in (
        learnt_rows.learnt_note(path, proto, noun),
        learnt_rows.headline_rows_caption(shared, noun, own),
    ):
        if said:
            st.caption(formatting.escape_markdown(said))


def shared_metrics(path: str, earlier: Prototype | None, now: Prototype):
    """``cached.metrics_on_shared_rows`` of two MVPs (None without an earlier one)."""
    if earlier is None:
        return None
    return cached.metrics_on_shared_rows(
        path,
        (earlier.sprint, earlier.name, earlier.content_id),
        (now.sprint, now.name, now.content_id),
    )


def outcome(
    ws: Workspace,
    proto: Prototype,
    lead: str = "",
    table: bool = True,
    most_classes: int | None = None,
) -> None:
    """The prototype's outcome on the demo rows in counts ("Caught 50 of 68 failures; 7 false
    alarms among 1,932 healthy machines") after ``lead``, and (with ``table``) its confusion
    matrix in counts with words. A multiclass model's classes are listed one by one, or beyond
    ``most_classes`` those recognised least and one line for the others.

    A binary prototype is counted as the Bake-off counts it: at the threshold where its errors
    cost least under the workspace's cost assumptions, so the pages give the same counts; the
    caption says which threshold. (When the sprint's prototypes share only some of its demo
    rows, the Bake-off's few shared rows would say less: its own decisions on all of them are
    counted, and the caption says so.)
    """
    path = str(ws.path)
    noun = review_card.cases_noun(review_card.reason_wording(proto.meta)[1])
    note = None
    if proto.task == BINARY:
        note = _binary_outcome(ws, proto, noun, lead, table)
        if note is True:
            return
    summary = cached.outcome_summary(
        path, proto.sprint, proto.name, proto.content_id, noun, most_classes
    )
    if summary is None:
        cases = case_words.demo_cases(proto.meta)
        st.caption(f"The {cases} were published without known outcomes: nothing to count.")
        return
    st.markdown(formatting.outcome_markdown(summary.sentences, lead, bold=True))
    if note:
        st.caption(formatting.escape_markdown(note))
    if table and summary.confusion is not None:
        matrix = summary.confusion.set_index(summary.confusion.columns[0])
        if confusion.shown_as_table(matrix):  # class names are user text: inert, not links
            st.table(bakeoff_tables.escape_table(matrix))
        else:
            session.chart(confusion.confusion_spec(matrix))


def _binary_outcome(
    ws: Workspace, proto: Prototype, noun: str, lead: str, table: bool
) -> bool | str | None:
    """The binary ``proto``'s counts at its cheapest threshold, as the Bake-off prices it
    (True); else None when it cannot be priced (no labels), or why not in words."""
    path = str(ws.path)
    errors = case_cutoff.cheapest_errors(ws, proto)
    if errors is None:
        return None
    rows = cached.predictions_outline(path, proto.sprint, proto.name, proto.content_id)["rows"]
    if errors.n_rows != rows:
        # The Bake-off prices the rows the sprint's prototypes share: here only some of this
        # one's demo rows. Its own decisions on all of them say more than those few.
        return (
            f"Counted at {proto.name}'s own decisions on its {rows:,} "
            f"{case_words.demo_cases(proto.meta)}: the Bake-off "
            f"compares the sprint's prototypes on the {errors.n_rows:,} rows they share, at "
            "the threshold where each one's errors cost least."
        )
    names = proto.class_names
    result = errors.outcome
    classes = [str(c) for c in proto.meta.get("classes") or []]
    summary = sprint_summary.binary_summary(result, classes, names, noun)
    positive = outcomes.class_name(result.positive, names)
    said = " ".join(summary.sentences)
    every = None
    if bakeoff_words.flags_every_case(result):  # "always no": not "Caught 91 of 91" alone
        chances = cached_chances.chance_range(
            path, proto.sprint, proto.name, proto.content_id, result.positive
        )
        positive = formatting.class_in_words(result.positive, proto.meta)  # "failure", not "1"
        every = bakeoff_words.every_case_sentence(result, chances, positive.lower(), noun, said)
    st.markdown(f"**{formatting.escape_markdown(lead + (every or said))}**")
    caption = case_cutoff.counted_at_caption(
        bakeoff_tables.singular(noun), positive, errors.threshold, bool(every), short=not table
    )
    st.caption(formatting.escape_markdown(caption))
    if table:
        matrix = summary.confusion.set_index(summary.confusion.columns[0])
        st.table(bakeoff_tables.escape_table(matrix))
    return True


def global_importance(path: str, proto: Prototype) -> None:
    """What drives the model: the cached global-importance chart, and what it averages over."""
    st.subheader("What drives the model")
    spec = cached.importance_spec(path, proto.sprint, proto.name, proto.content_id)
    session.chart(spec)
    st.caption(formatting.escape_markdown(explanations.importance_caption(proto.meta)))
    note = prediction_rows.importance_caption(proto.meta)
    if note:
        st.caption(formatting.escape_markdown(note))
    honesty(proto.meta)
    change = _scale_change(proto)
    if change:
        st.caption(formatting.escape_markdown(change))


def _scale_change(proto: Prototype) -> str | None:
    """Where this sprint's MVP is explained on another scale than the previous sprint's MVP
    (a boosting model given a seventh reading), the sentence that says so."""
    ws = session.workspace()
    if ws.mvp(proto.sprint) != proto.name:
        return None
    previous = sprint_summary.previous_mvp(ws, proto.sprint, like=proto)
    if previous is None:
        return None
    earlier = ws.prototype(*previous).meta.get("unit")
    return explanations.unit_change_note(
        proto.meta.get("unit"), earlier, f"{previous[0]}'s MVP, {previous[1]},"
    )


def honesty(meta, explanation: dict | None = None) -> None:
    """Which scale the values are on, whether they are approximate and by how much, and the
    technical details in an expander."""
    for note in explanations.honesty_notes(meta, explanation):
        st.caption(formatting.escape_markdown(note))


def dependence(path: str, proto: Prototype) -> None:
    """How one reading moves the prediction across the demo rows, for the top features: each
    row's contribution against the reading's value, from the stored values."""
    top = explanations.top_features(proto.meta)
    if not top:
        return
    st.subheader("How one reading moves the prediction")
    # The reading as people read it ("admissions in the past year"), its column the value
    names = chart_names(top, proto.meta.get("feature_descriptions"))
    feature = st.selectbox("Reading", top, format_func=names.get, key="demo_dependence")
    explained = proto.meta.get("explained_classes") or []
    chosen = None
    if len(explained) > 1:  # a multiclass model: how the reading moves the chance of which class
        chosen = st.selectbox(
            "Score for" if proto.meta.get("unit") == "log-odds" else "Chance of",
            explained,
            format_func=lambda label: formatting.class_label(proto.meta, label),
            key="demo_dependence_class",
        )
    spec = cached.dependence_spec(path, proto.sprint, proto.name, proto.content_id, feature, chosen)
    session.chart(spec)
    described = formatting.feature_help(proto.meta, feature)
    if described:
        st.caption(formatting.escape_markdown(f"{feature}: {described}."))
    one = case_words.demo_cases(proto.meta, one=True)
    st.caption(
        f"Each dot is a {one} explained so far: how far this reading moved its prediction "
        "(above the dashed line: up; below: down), against the reading's value."
    )


def predictions_table(path: str, proto: Prototype):
    """The filters, one page of the filtered predictions (never the whole demo set) with a
    page control, and which rows were explained in advance. Returns the page's rows and the
    table's selection event."""
    meta = proto.meta
    key = (path, proto.sprint, proto.name, proto.content_id)
    outline = cached.predictions_outline(*key)
    st.subheader("Predictions")
    correctness = "all"
    if "correct" in outline["columns"]:
        correctness = st.segmented_control(
            "Outcome",
            prediction_rows.CORRECTNESS,
            default="all",
            required=True,
            format_func={"all": "All", "correct": "Right", "wrong": "Wrong"}.get,
            key="demo_correctness",
        )
    cutoff = case_cutoff.cheapest_cutoff(session.workspace(), proto)
    if cutoff is not None and cutoff.column not in outline["columns"]:
        cutoff = None
    chosen: list = []
    if proto.task != REGRESSION:
        chosen = st.multiselect(
            "Predicted class" if cutoff is None else "Flagged as",
            meta.get("classes") or [],
            key="demo_classes",
            placeholder="All classes" if cutoff is None else "Flagged or not",
            format_func=lambda label: formatting.class_label(meta, label),
            help=None if cutoff is None else case_cutoff.filter_help(cutoff, meta),
        )
    confidence = (0.0, 1.0)
    if "confidence" in outline["columns"]:
        # in percent, as the table shows it (not 0.00–1.00 beside "99.22%")
        low, high = st.slider(
            "Confidence", 0, 100, (0, 100), step=5, format="%d%%", key="demo_confidence"
        )
        confidence = (low / 100, high / 100)
    in_advance = prediction_rows.precomputed_caption(
        outline["precomputed"], outline["rows"], meta.get("deck")
    )
    precomputed_only = False
    if in_advance:
        precomputed_only = st.toggle(
            "Explained in advance only",
            key=DEMO_PRECOMPUTED_KEY,
            help="Rows whose explanation is read, not computed, when you select them.",
        )
    decision = None if cutoff is None else (cutoff.positive, cutoff.negative, cutoff.threshold)
    filters = (tuple(chosen), tuple(confidence), correctness or "all", precomputed_only, decision)
    if st.session_state.get(DEMO_FILTERS_KEY) != filters:  # new filters start on page 1
        st.session_state[DEMO_FILTERS_KEY] = filters
        st.session_state[DEMO_PAGE_KEY] = 1
    rows, page = cached.prediction_page(*key, filters, st.session_state.get(DEMO_PAGE_KEY, 1))
    st.session_state[DEMO_PAGE_KEY] = page.number
    st.caption(page.caption)
    columns = [c for c in ("predicted", "confidence", "actual") if c in rows]
    if in_advance:
        columns.append("precomputed")
    shown = prediction_rows.display_rows(rows[columns], meta)
    if cutoff is not None:  # the decision the counts above count, and the filters go by
        shown.insert(0, case_cutoff.FLAGGED_COLUMN, case_cutoff.flagged_column(rows, cutoff))
        st.caption(formatting.escape_markdown(case_cutoff.table_note(cutoff, meta)))
    event = st.dataframe(
        shown,
        key=prediction_rows.table_key(DEMO_TABLE_KEY, filters, page.number),
        on_select="rerun",
        selection_mode="single-row",
        height=330,
        width="stretch",
        column_config={
            "predicted": (
                st.column_config.NumberColumn("Predicted", format="localized", width=90)
                if proto.task == REGRESSION
                else st.column_config.TextColumn(
                    "Predicted" if cutoff is None else "Likelier class",
                    width=90,
                    help=None if cutoff is None else "The class the model finds likelier (50%)",
                )
            ),
            "confidence": st.column_config.NumberColumn("Confidence", format="percent", width=80),
            case_cutoff.FLAGGED_COLUMN: st.column_config.TextColumn(
                "Flagged",
                width=70,
                help="As the counts above flag a case: from the cheapest cut-off",
            ),
            "actual": (
                st.column_config.NumberColumn("Actual", format="localized", width=90)
                if proto.task == REGRESSION
                else st.column_config.TextColumn("Actual", width=90)
            ),
            "precomputed": st.column_config.CheckboxColumn(
                "Ready",
                width=58,
                help="Explained when publishing: selecting the row reads its explanation",
            ),
        },
    )
    if page.pages > 1:
        st.number_input(
            f"Page (of {page.pages:,})",
            min_value=1,
            max_value=page.pages,
            step=1,
            key=DEMO_PAGE_KEY,
            width=180,
        )
    if in_advance:
        st.caption(formatting.escape_markdown(in_advance))
        rule = prediction_rows.deck_rule(meta.get("deck"))
        if rule:
            with st.expander("Which rows were explained in advance, and why"):
                st.caption(formatting.escape_markdown(rule))
    return rows, event


def linked_row(path: str, proto: Prototype) -> tuple[str, pd.Series] | None:
    """The row the URL's ``?row=`` names, with its prediction, when it is one of ``proto``'s
    demo rows; otherwise None, saying once that the link's row is not there."""
    row_id = st.query_params.get(ROW_PARAM)
    if not row_id:
        return None
    if st.session_state.pop(DEMO_URL_ROW_KEY, None) == row_id:
        # This session's own selection, since cleared (a new page or new filters): not a link.
        session.to_url(ROW_PARAM, None)
        return None
    key = (path, proto.sprint, proto.name, proto.content_id)
    if row_id in cached.demo_row_ids(*key):
        return row_id, cached.prediction_row(*key, row_id)
    st.caption(
        formatting.escape_markdown(
            f"The link asks for row {row_id}, which is not among {proto.name}'s "
            f"{case_words.demo_cases(proto.meta)}: "
            "showing a row of the table instead."
        )
    )
    session.to_url(ROW_PARAM, None)
    return None


def row_explanation(path: str, proto: Prototype, rows: pd.DataFrame, event) -> None:
    """The selected row of the table's page (else the row the URL names, else the page's first
    row) in words, its SHAP waterfall and its feature values; explaining it first, with a
    spinner, if it was not explained when publishing."""
    if rows.empty:
        st.info("No prediction matches these filters.")
        return
    meta = proto.meta
    selected = list(event.selection.rows) if event is not None else []
    position = selected[0] if selected and selected[0] < len(rows) else None
    linked = None if position is not None else linked_row(path, proto)
    if position is not None:
        row_id = str(rows.index[position])
        row = rows.iloc[position]
        session.to_url(ROW_PARAM, row_id)  # a link or a reload explains this row again
        st.session_state[DEMO_URL_ROW_KEY] = row_id
    elif linked is not None:
        row_id, row = linked
    else:  # nothing selected: a row whose explanation only needs reading
        position = prediction_rows.default_row(rows)
        row_id = str(rows.index[position])
        row = rows.iloc[position]
    key = (path, proto.sprint, proto.name, proto.content_id, row_id)
    unexplained = on_demand.unexplained_reason(proto, row_id, row.get("precomputed"))
    waiting = (
        None if unexplained else prediction_rows.explaining_message(row_id, row.get("precomputed"))
    )
    try:
        with st.spinner(waiting, show_time=True) if waiting else contextlib.nullcontext():
            explanation = None if unexplained else cached.explanation(*key)
            waterfall = None if unexplained else cached.waterfall_spec(*key)
    except ValueError as error:
        st.error(formatting.escape_markdown(formatting.one_line(error)))
        return

    words = case_cutoff.case_headline(session.workspace(), proto, row)  # as counted above
    st.subheader(f"Row {formatting.escape_markdown(row_id)}: {formatting.escape_markdown(words)}")
    actual = row.get("actual")
    if proto.task == REGRESSION:  # "actual value: 323,500 USD"
        unit = target_unit(meta)
        shown = formatting.format_number(float(actual)) if actual is not None else "unknown"
        details = [f"actual value: {shown}{f' {unit}' if unit else ''}"] if "actual" in row else []
    else:
        actual = formatting.class_label(meta, actual)
        details = [f"actual outcome: {actual}"] if "actual" in row else []
    if linked is not None:
        details.append("the row in the page's link")
    elif not selected:
        details.append(prediction_rows.default_row_note(rows, position))
    if details:
        st.caption(formatting.escape_markdown(outcomes.capital("; ".join(details)) + "."))
    if unexplained:  # a hand-written model's row beyond those explained when publishing
        st.info(formatting.escape_markdown(unexplained), icon=":material/info:")
        values = on_demand.feature_values(proto, row_id)
    else:
        session.chart(waterfall)
        st.caption(formatting.escape_markdown(explanations.waterfall_caption(explanation, meta)))
        honesty(meta, explanation)
        # a free-text reading: the words that moved it
        review_explanation.words(review_explanation.with_words(key[:4], meta, row_id, explanation))
        values = explanation["feature_values"]
    with st.expander("Feature values"):
        st.dataframe(
            prediction_rows.feature_values_table(values, meta),
            hide_index=True,
            width="stretch",
        )
    with st.expander("Technical details"):
        for line in explanations.technical_details(meta, explanation):
            st.caption(formatting.escape_markdown(line))
