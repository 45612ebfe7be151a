"""The Present page's five steps, each sized to fit 1280×720 without scrolling: the headline in
counts and money, what changed since the last sprint, what the SMEs marked wrong and what is fixed,
one case explained, and the bake-off's recommendation and decision.

They compose what the other pages show (``model.outcomes``, ``model.recommend``,
``model.followup``, ``ui.sprint_summary``, ``ui.explanations``), in larger text.
"""

from __future__ import annotations

import contextlib
import copy
import html
import textwrap

import pandas as pd
import streamlit as st

from model.costs import (
    example_assumptions_note,
    load_assumptions,
    round_money,
    whole_money_sum,
)
from model.followup_rows import TRAINED_ON_KEY
from model.metrics import BINARY
from model.outcomes import capital, outcome_sentences, prototype_outcome
from model.right_values import target_unit
from model.shared_rows import CountedOnRows, SharedCounts, TooFewToCompare
from ui import (
    cached,
    case_cutoff,
    case_words,
    charts,
    explanations,
    followup_table,
    formatting,
    learnt_rows,
    predictions_table,
    review_card,
    sprint_summary,
    vega,
)
from ui.comparison_words import too_few_words
from ui.formatting import escape_markdown as escape
from ui.sections import review_explanation
from ui.sections.present_session import ROW_PARAM, PresentContext
from ui.sections.sprint_demo import learnt_rows_words, metric_row, shared_metrics

#: Bars of the presenter's waterfall between the average and the case: the strongest
#: readings and one for the rest, so the chart fits the screen.
WATERFALL_FEATURES = 5
#: Pixels the presenter's waterfall gives a bar (the line of its 18 px label and a 20 px
#: bar), its x axis, and a line of the axis's title: Streamlit fits the whole chart, axis
#: and title too, in its height. The room they leave is the text's around them.
BAR_HEIGHT, AXIS_HEIGHT, TITLE_LINE_HEIGHT = 24, 56, 22
#: Characters on a line of the waterfall's x title: the chart is the slide's width (about
#: 790 px at 1280×720), where a title of 64 characters at 18 px takes about 540.
TITLE_CHARS = 64
#: Characters of a free-text reading on the presenter's waterfall: in its 18 px text, the
#: label stays on one line beside the column's name (on two, it ran into the next label).
PROJECTED_TEXT_CHARS = 20
#: Step 3's tile of the cases the reviewers called wrong: not "Flagged as wrong", since
#: "flagged" is what the model does to a case everywhere else on the slides.
MARKED_WRONG = "Marked wrong by the reviewers"


def projected(spec: dict) -> dict:
    """``spec`` with the presenter's chart text (at least 18 px)."""
    return charts.presented(spec, presenter=True)


def _money(amount: float, currency: str) -> str:
    return round_money(amount, currency)


def _costs(ctx: PresentContext, sprint: str | None = None):
    """Each prototype of ``sprint`` (default: the story's) priced a month at its cheapest
    threshold, as on the Bake-off, by name; the recommendation; the currency."""
    sprint = sprint or ctx.sprint
    assumptions = load_assumptions(ctx.path)
    stamp = cached.workspace_stamp(ctx.ws, [sprint])
    costs = cached.sprint_costs(ctx.path, sprint, assumptions.to_dict(), (), stamp)
    rec = cached.recommendation(ctx.path, sprint, assumptions.to_dict(), (), stamp)
    return {c.name: c for c in costs}, rec, assumptions.currency


#: Classes a slide lists one by one; beyond, the ones recognised least and a line for the rest.
SLIDE_CLASSES = 4
#: Characters of a class's line that fit the slide's width at 1.3rem (about 84 at 1280×720;
#: a longer one is cut with "…" at the edge), and what a class's sentence says next when it
#: names the class it is most often taken for.
SLIDE_LINE_CHARS, MOST_OFTEN = 80, ", most often taken for "


def _outcome(ctx: PresentContext, proto):
    """What ``proto`` gets right and wrong at its cheapest threshold (the published labels
    when it cannot be priced; None without labels), and its errors priced (None unpriced)."""
    cost = _costs(ctx, proto.sprint)[0].get(proto.name)
    errors = cost.errors if cost is not None else None
    result = errors.outcome if errors is not None else None
    if result is None:
        with contextlib.suppress(ValueError):
            result = prototype_outcome(proto)
    return result, errors


def _sentences(proto, result, most_classes: int | None = None) -> list[str]:
    """``result`` in sentences: a multiclass one's overall count, then one per class (at most
    ``most_classes``, the rest in one)."""
    noun = review_card.reason_wording(proto.meta)[1]
    unit = sprint_summary.target_unit(proto.meta)
    return outcome_sentences(result, proto.class_names, noun, unit, most_classes=most_classes)


def _in_counts_and_money(
    ctx: PresentContext, proto, counted: CountedOnRows | None = None
) -> tuple[list[str] | None, str | None]:
    """What ``proto`` gets right and wrong, in counts (:func:`_outcome`'s in sentences, a
    multiclass one's classes at most ``SLIDE_CLASSES``); and what its errors cost a month.
    With ``counted``, those of ``proto`` on other rows (the rows two MVPs were both shown)."""
    if counted is None:
        result, errors = _outcome(ctx, proto)
        monthly, currency = (errors.monthly, errors.currency) if errors else (None, None)
    else:
        result, monthly, currency = counted.outcome, counted.monthly, counted.currency
    counts = _sentences(proto, result, SLIDE_CLASSES) if result is not None else None
    money = None
    if monthly is not None:
        money = f"Its errors cost about {_money(monthly, currency)} a month."
    return counts, money


def _on_shared_rows(ctx: PresentContext, earlier) -> SharedCounts | TooFewToCompare | None:
    """The earlier MVP and the story's prototype counted and priced on the labelled demo rows
    both were shown (those the story's did not learn from, when it learnt some), each at the
    threshold of its own headline (its cheapest, as on the Bake-off, else its published
    labels); why not, when those rows are too few or lack a class; None when their demo sets
    are the same rows and it learnt none, share no labelled row, or cannot be counted
    together."""
    rules = []
    for proto in (earlier, ctx.proto):
        errors = _outcome(ctx, proto)[1]
        rules.append((errors.threshold,) if errors is not None else None)
    with contextlib.suppress(ValueError):
        return cached.outcomes_on_shared_rows(
            ctx.path,
            (earlier.sprint, earlier.name, earlier.content_id),
            (ctx.proto.sprint, ctx.proto.name, ctx.proto.content_id),
            tuple(rules),
            load_assumptions(ctx.path).to_dict(),
        )
    return None


def _before_and_now(ctx: PresentContext, earlier) -> bool:
    """The earlier MVP and the story's prototype, a line each in counts and money: on the
    demo rows both were shown when their demo sets differ, and without those the story's
    learnt from (``trained_on``) when it learnt some, with a line saying so (each on its own
    set, said so, when they share no labelled row, or say why those they share compare
    nothing: 53 rows without a failure). True when that line says the metrics' changes are
    measured on the rows it did not learn from."""
    rows = [
        cached.demo_row_ids(ctx.path, p.sprint, p.name, p.content_id) for p in (earlier, ctx.proto)
    ]
    # trial M: "Right on 474 of 600" beside "281 of 600", the 41 rows it learnt all Sprint 2's
    # errors: a model that learnt some demo rows is counted without them
    learnt = bool(ctx.proto.meta.get(TRAINED_ON_KEY))
    found = _on_shared_rows(ctx, earlier) if rows[0] != rows[1] or learnt else None
    shared = found if isinstance(found, SharedCounts) else None
    for when, proto, counted in (
        (f"Before ({earlier.name})", earlier, shared.before if shared else None),
        (f"Now ({ctx.proto.name})", ctx.proto, shared.now if shared else None),
    ):
        counts, money = _in_counts_and_money(ctx, proto, counted)
        # the overall count only: one line per sprint, the classes are in the headline
        said = " ".join(part for part in (counts[0] if counts else None, money) if part)
        if said:
            st.markdown(f"**{escape(when)}:** {escape(said)}")
    noun = review_card.reason_wording(ctx.proto.meta)[1]
    if shared is not None:  # "55 of 68" beside "43 of 54" was not one set of machines
        chosen = any(
            errors is not None and errors.optimism > 0
            for errors in (_outcome(ctx, p)[1] for p in (earlier, ctx.proto))
        )
        if shared.learnt:
            note = learnt_rows.before_and_now_caption(
                shared, ctx.proto.sprint, noun, rows[0] == rows[1], chosen
            )
        else:
            note = sprint_summary.shared_rows_note(shared.rows, noun, chosen)
        st.caption(escape(note))
        return bool(shared.learnt)
    if rows[0] != rows[1]:
        both = len(rows[0] & rows[1])
        why = too_few_words(found, noun, ctx.proto.meta) if found is not None else ""
        note = sprint_summary.different_rows_note(len(rows[0]), len(rows[1]), both, noun, why)
        st.caption(escape(note))
    return False


def _slide_line(sentence: str) -> str:
    """A class's sentence as a slide lists it: what it recognises and what it is taken for,
    without the "N other rows wrongly called it" after the last "; "; and without what it is
    taken for either when that would not fit the line (the expander has them all)."""
    line = sentence.rpartition("; ")[0] or sentence
    if len(line) > SLIDE_LINE_CHARS:
        line = line.partition(MOST_OFTEN)[0]
    return line


#: A slide's list of details, one line an item, cut with "…" at the slide's edge: no class
#: name can push the slide past the screen.
ONE_LINE_ITEMS = (
    "<style>.slide-details{padding-left:0}.slide-details li{list-style-position:inside;"
    "white-space:nowrap;overflow:hidden;text-overflow:ellipsis}</style>"
)


#: The presenter's type sizes (rem, from the largest), its line height, the slide's text width
#: at 1280×720 (px) and a character's average width (em): "Keep the current MVP, random
#: forest, 100 trees of depth 8, all six" (66 characters) is one line at 1.6rem.
BIG_SIZES, LINE_HEIGHT, SLIDE_WIDTH, CHAR_EM = (1.6, 1.45, 1.3, 1.15), 1.35, 790, 0.44
#: Pixels the bake-off's recommendation may take on step 5 (seven lines at 1.6rem), so the
#: decision's box under it stays on the slide; less by a line when a line leads it.
RECOMMENDATION_ROOM, LEAD_LINE = 245, 35


def slide_lines(text: str, size: float) -> int:
    """Lines ``text`` takes across the slide at ``size`` rem (16 px a rem), wrapped at
    words as the browser does, from the average width of a character (``CHAR_EM``)."""
    per_line = max(int(SLIDE_WIDTH / (16 * size * CHAR_EM)), 1)
    return max(len(textwrap.wrap(text, per_line)), 1)


def fitting_size(text: str, room: float) -> float:
    """The largest of ``BIG_SIZES`` at which ``text`` takes at most ``room`` pixels of
    height (the smallest when none does): a recommendation of 590 characters took ten lines
    at 1.6rem and pushed the decision 76 px below a 720 px slide."""
    for size in BIG_SIZES:
        if slide_lines(text, size) * 16 * size * LINE_HEIGHT <= room:
            return size
    return BIG_SIZES[-1]


def _big(text: str, details: list[str] | None = None, size: float = BIG_SIZES[0]) -> None:
    """A sentence in the presenter's large type (``size`` rem), and ``details`` (a
    multiclass outcome's one line per class) as a list under it, a little smaller, one line
    an item (``ONE_LINE_ITEMS``; HTML-escaped: no Markdown in an HTML block)."""
    items = "".join(f"<li>{html.escape(detail)}</li>" for detail in details or [])
    listed = (
        f"{ONE_LINE_ITEMS}<ul class='slide-details' style='font-size:1.3rem;line-height:1.35'>"
        f"{items}</ul>"
        if items
        else ""
    )
    st.markdown(
        f"<p style='font-size:{size}rem;line-height:{LINE_HEIGHT}'>{html.escape(text)}</p>{listed}",
        unsafe_allow_html=True,
    )


def headline(ctx: PresentContext) -> None:
    """What the sprint's prototype does, in counts, and what it costs a month."""
    proto = ctx.proto
    st.subheader(f"{escape(proto.name)}", anchor=False)
    result, _ = _outcome(ctx, proto)
    if result is None:
        st.info("This prototype was published without labels: there is nothing to count.")
    else:
        counts = _sentences(proto, result, SLIDE_CLASSES)
        _big(counts[0], [_slide_line(sentence) for sentence in counts[1:]])
        whole = _sentences(proto, result)[1:]
        if whole:  # a multiclass model: each class's sentence in full, one click away
            with st.expander("Each class in full"):
                st.markdown("\n".join(f"- {escape(sentence)}" for sentence in whole))
    costs, _, currency = _costs(ctx)
    cost = costs.get(proto.name)
    if cost is None or cost.total is None:
        return
    figures = st.columns(3)
    errors = cost.errors
    # To the unit, so the room can add them up: rounded to two figures, $870 of running
    # vanished from a $140,000 total.
    (errors_shown, running_shown), total_shown = whole_money_sum(
        [errors.monthly, cost.running], currency
    )
    figures[0].metric(
        "Errors cost a month", errors_shown,
        help=f"95% interval {_money(errors.low, currency)}–{_money(errors.high, currency)}. "
        f"{errors.formula}",
    )  # fmt: skip
    figures[1].metric("Running it costs a month", running_shown)
    figures[2].metric("Total a month", total_shown, help="Errors + running it, a month.")
    counted = (  # only a binary model has an alarm threshold to choose
        "Counted at the alarm threshold that costs least, as on the Bake-off"
        if proto.task == BINARY
        else "Counted as on the Bake-off"
    )
    positive = case_words.positive_case(proto.meta)  # "a missed “Investigate” claim"
    note = example_assumptions_note(ctx.path, proto.task, positive, where="on the Bake-off")
    if note:  # the room must not take placeholder money for the business's: one notice, so
        # that a slide with a class a line still fits
        st.warning(escape(f"{counted}. {note}"))
    else:
        st.caption(escape(f"{counted}; the costs come from the workspace's cost assumptions."))


def changes(ctx: PresentContext) -> None:
    """The prototype against the previous sprint's MVP: both in counts and money, then the
    metrics with their changes behind "Technical details", as the Sprint demo keeps them."""
    previous = sprint_summary.previous_mvp(ctx.ws, ctx.sprint, like=ctx.proto)
    if previous is None and ctx.ws.sprints()[:1] in ([], [ctx.sprint]):
        _big(f"{ctx.sprint} is the first sprint: there is nothing earlier to compare with.")
    elif previous is None:
        _big(f"No earlier sprint's MVP predicts what {ctx.proto.name} does: nothing to compare.")
    else:
        _big(f"{ctx.proto.name} against {previous[0]}'s MVP, {previous[1]}.")
    earlier = ctx.ws.prototype(*previous) if previous else None
    said_rows = _before_and_now(ctx, earlier) if earlier is not None else False
    shared = shared_metrics(ctx.path, earlier, ctx.proto)
    # a model that learnt some demo rows: how many, and (unless the line under "Before" and
    # "Now" said it) that its change is measured without them
    learnt_rows_words(ctx.path, ctx.proto, None if said_rows else shared)
    deltas = sprint_summary.metric_deltas(
        ctx.proto.metrics,
        shared[0] if shared else (earlier.metrics if earlier else None),
        ctx.proto.task,
        now_on_shared=shared[1] if shared else None,
    )
    if not deltas:
        return
    title = "Technical details: the metrics" + (" and their change" if earlier else "")
    with st.expander(title):
        metric_row(deltas, lambda d: escape(sprint_summary.plain_metric_name(d.label)))


def flagged(ctx: PresentContext) -> None:
    """The cases the reviewers marked wrong in earlier sprints and what the prototype gets right
    now (the next step explains one of the cases now fixed). "Flagged" is the model's word
    ("Not flagged: 0.6% chance…"): the tiles say "marked wrong" for the reviewers'."""
    store = cached.store(ctx.path)
    counts = store.counts(ctx.sprint)
    try:
        followed, summary = cached.followup(
            ctx.path, ctx.sprint, ctx.proto.name, ctx.proto.content_id, cached.verdicts_stamp(store)
        )
    except ValueError as error:
        st.error(escape(formatting.one_line(error)))
        return
    if followed.empty:
        _big("No verdicts from earlier sprints to follow up yet.")
    else:
        _big(summary["sentence"])
        figures = st.columns(3)
        figures[0].metric(MARKED_WRONG, f"{summary['flagged']:,}")
        figures[1].metric("Right now", f"{summary['fixed']:,}")
        figures[2].metric("Still wrong", f"{summary['still_wrong']:,}")
    said = ", ".join(f"{n:,} {verdict}" for verdict, n in (counts or {}).items() if n)
    if said:
        st.caption(escape(f"Verdicts given in {ctx.sprint} so far: {said}."))


def _case_row(ctx: PresentContext) -> tuple[str | None, str | None]:
    """The row in the URL, else a flagged case now fixed (one the new model was not trained
    on first: its fix is evidence), else the Sprint demo's first row; and what became of the
    case, when it is one the SMEs flagged (``followup_table.case_note``: a regression's is
    right only within its typical error, and says how far off it is)."""
    key = (ctx.path, ctx.sprint, ctx.proto.name, ctx.proto.content_id)
    ids = cached.demo_row_ids(*key)
    wanted = st.query_params.get(ROW_PARAM)
    store = cached.store(ctx.path)
    followed = None
    with contextlib.suppress(ValueError):
        followed, _ = cached.followup(*key, cached.verdicts_stamp(store))
    flagged = (
        followed[followed["flagged"] & followed["row_id"].astype(str).isin(ids)]
        if followed is not None and not followed.empty
        else None
    )
    fixed = None
    if flagged is not None:
        fixed = flagged[flagged["status"] == "fixed"].sort_values("trained_on", kind="stable")
    row_id = wanted if wanted in ids else None
    if wanted is not None and row_id is None:  # said, as on the Sprint demo; a toast on a slide
        st.toast(
            escape(f"The link asks for row {wanted}, which is not among {ctx.proto.name}'s "
                   "demo rows: showing another case.")
        )  # fmt: skip
    if row_id is None and fixed is not None and len(fixed):
        row_id = str(fixed["row_id"].iloc[0])
    if row_id is None:  # as the Sprint demo does with no row selected: its first page's row
        rows, _ = cached.prediction_page(*key, ((), (0.0, 1.0), "all", False), 1)
        return (str(rows.index[predictions_table.default_row(rows)]) if len(rows) else None), None
    if flagged is not None:
        case = flagged[flagged["row_id"].astype(str) == row_id]
        if len(case):
            return row_id, followup_table.case_note(case.iloc[0].to_dict(), ctx.proto.name)
    return row_id, None


def _one_line(label: str, full: str) -> str:
    """A waterfall label on one line: a free-text reading's (``note =`` and ``“Broken seal,
    the…”`` on two lines) as ``note = “Broken seal…”``, its text cut to
    ``PROJECTED_TEXT_CHARS`` from the whole one in ``full``; any other label as it is."""
    name, broken, _ = label.partition(explanations.LINE_BREAK)
    if not broken:
        return label
    text = full.removeprefix(name).strip().removeprefix("“").removesuffix("”")
    return f"{name} “{explanations.short_text(text, PROJECTED_TEXT_CHARS)}”"


def projected_waterfall(spec: dict) -> dict:
    """A waterfall's spec (``explanations.waterfall_spec``) for the projector: its text at
    18 px (:func:`projected`), every label on one line (:func:`_one_line`; the whole text
    stays on hover), ``BAR_HEIGHT`` a bar."""
    shown = copy.deepcopy(spec)
    (rows,) = shown.pop("datasets").values()
    labels = {row["label"]: _one_line(row["label"], row["full"]) for row in rows}
    for row in rows:
        row["label"] = labels[row["label"]]
    for layer in shown["layer"]:
        y = layer["encoding"]["y"]
        y["sort"] = [labels.get(label, label) for label in y["sort"]]
        y.pop("axis", None)  # the two-line labelExpr
    bars = shown["layer"][0]
    bars["mark"] = {**bars["mark"], "size": BAR_HEIGHT - 4}
    x = bars["encoding"]["x"]
    # wrapped for the slide's width, not a narrow column's: a line less of title is a line
    # more of room for the words under the chart
    x["title"] = charts.balanced_lines(x["title"], TITLE_CHARS)
    shown["height"] = BAR_HEIGHT * len(rows) + AXIS_HEIGHT + TITLE_LINE_HEIGHT * len(x["title"])
    return projected(charts.with_arrow_datasets(vega.with_data(shown, pd.DataFrame(rows))))


def _actual_text(meta, actual) -> str:
    """The truth of a row: a class by its name, a regression's value as the pages write it,
    in the target's unit ("612,100 USD", not "612100.0")."""
    if meta.get("task") == "regression":
        unit = target_unit(meta)
        return formatting.format_number(float(actual)) + (f" {unit}" if unit else "")
    return formatting.class_label(meta, str(actual))


def case(ctx: PresentContext) -> None:
    """One case: its prediction in words and the readings that moved it most."""
    row_id, why = _case_row(ctx)
    if row_id is None:
        st.info("This prototype has no demo rows to explain.")
        return
    ctx.pinned[ROW_PARAM] = row_id  # a link or a reload explains this case again
    key = (ctx.path, ctx.sprint, ctx.proto.name, ctx.proto.content_id, row_id)
    try:
        row = cached.prediction_row(*key[:4], row_id)
        explanation = cached.explanation(*key)
    except (KeyError, ValueError) as error:
        st.error(escape(formatting.one_line(error) if isinstance(error, ValueError) else
                        f"There is no row {row_id} in the demo set."))  # fmt: skip
        return
    meta = ctx.proto.meta
    words = case_cutoff.case_headline(ctx.ws, ctx.proto, row)  # as step 1 counts it
    actual = f" · actually: {_actual_text(meta, row['actual'])}" if ("actual" in row.index) else ""
    st.markdown(f"#### Row {escape(row_id)}: {escape(words)}")
    said = [capital(actual.removeprefix(" · "))] if actual else []
    if why:
        said.append(why)
    if said:
        st.caption(escape(" · ".join(said)))
    spec = explanations.waterfall_spec(explanation, meta, max_features=WATERFALL_FEATURES)
    spec = projected_waterfall(spec)
    st.vega_lite_chart(spec, width="stretch")
    # a free-text reading is one bar: the room hears its largest words
    worded = review_explanation.with_words(key[:4], meta, row_id, explanation)
    largest = explanations.largest_words_text(worded.get("words"), explanation.get("unit"))
    if largest:
        st.markdown(escape(f"The words that moved it most: {largest}."))
    # The room hears the scale of a score and the error of an estimate as the pages say them,
    # in one paragraph (a gap between two took the room of a line).
    notes = explanations.honesty_notes(meta, explanation)
    if notes:
        st.caption(escape(" ".join(notes)))


def _last_bakeoff(ctx: PresentContext) -> str | None:
    """The story's sprint if it compared prototypes, else the nearest earlier one that did."""
    sprints = ctx.ws.sprints()
    for sprint in reversed(sprints[: sprints.index(ctx.sprint) + 1]):
        if len(ctx.ws.prototypes(sprint)) > 1:
            return sprint
    return None


def decision(ctx: PresentContext) -> None:
    """The bake-off's recommendation in money, and what the group decided."""
    sprint = _last_bakeoff(ctx)
    if sprint is None:
        _big(f"No sprint up to {ctx.sprint} compared prototypes: there was no bake-off yet.")
        return
    room = RECOMMENDATION_ROOM
    if sprint != ctx.sprint:
        st.markdown(escape(f"{ctx.sprint} had one prototype; the last bake-off was in {sprint}:"))
        room -= LEAD_LINE
    try:
        _, rec, _ = _costs(ctx, sprint)
    except ValueError as error:
        st.error(escape(formatting.one_line(error)))
    else:  # smaller type for a long one, so the decision stays on the slide
        _big(rec.text, size=fitting_size(rec.text, room))
    decisions = ctx.ws.decisions(sprint)
    if not decisions:
        st.info("No decision is recorded for this bake-off yet: record it on the Bake-off page.")
        return
    said = sprint_summary.slide_decision(decisions[-1], sprint)
    with st.container(border=True):
        st.markdown(f"**Decision.** {escape(said.body)}")
        st.caption(escape(said.caption))
        if said.whole:  # closed, so the slide fits; opened, the presenter chose to scroll
            with st.expander("The whole decision"):
                st.markdown(escape(said.whole))


#: The steps in ``present_session.STEPS`` order.
SHOW = [headline, changes, flagged, case, decision]
