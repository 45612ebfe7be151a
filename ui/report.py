"""The bake-off as one self-contained HTML file, to send to whoever was not in the room.

The file opens with no network: styles are inline, there is no script, and the Pareto chart is
inline SVG, rendered by vl-convert when it is installed and otherwise drawn here from the
table. Everything a user typed (names, rationale, attendees) is HTML-escaped, so a rationale
holding ``<script>`` or a markdown image shows as the text it is.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pandas as pd

from model.bakeoff import (
    ROWS_WORD,
    bakeoff_table,
    disagreements,
    segment_table,
    tradeoff_sentences,
)
from model.bakeoff_sentences import actual_counts, majority_sentence
from model.costs import (
    CostAssumptions,
    costs,
    example_assumptions_note,
    format_money,
    format_number,
    load_assumptions,
    ownership,
)
from model.metrics import BINARY, MULTICLASS, REGRESSION, format_metric
from model.outcomes import (
    confusion_table,
    multiclass_outcome,
    outcome_sentence,
    outcome_sentences,
    regression_outcome,
)
from model.recommend import PrototypeCost, Recommendation, recommend, sprint_costs
from model.workspace import Workspace, WorkspaceError
from ui.bakeoff_disagreement_words import cutoffs_caption
from ui.bakeoff_tables import (
    binary_confusion,
    count_table,
    disagreement_view,
    display_table,
    error_cost_text,
    ownership_rows,
    ownership_view,
    target_unit,
)
from ui.cached_disagreements import sprint_cutoffs
from ui.case_words import positive_case
from ui.report_chart import chart_svg, fixed, pareto_svg
from ui.review_card import reason_wording

__all__ = ["bakeoff_report_html", "pareto_svg", "chart_svg"]

MOST_SPLIT_ROWS = 10

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #212121; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.meta, .note { color: #555; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #d0d0d0; padding: 0.3rem 0.55rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.decision { border: 1px solid #d0d0d0; border-radius: 6px; padding: 0.6rem 0.9rem;
            margin: 0.8rem 0; }
.rationale { white-space: pre-wrap; }
.formula { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
           font-size: 0.88rem; }
figure { margin: 1rem 0; }
"""


def _e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _table(frame: pd.DataFrame, index: bool = False, numeric: set[str] | None = None) -> str:
    """A DataFrame of display values as an escaped HTML table."""
    numeric = numeric or set()
    columns = list(frame.columns)
    head = "".join(f"<th>{_e(c)}</th>" for c in ([frame.index.name or ""] if index else []))
    head += "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for label, row in frame.iterrows():
        cells = f"<th>{_e(label)}</th>" if index else ""
        for column in columns:
            css = ' class="num"' if column in numeric else ""
            cells += f"<td{css}>{_e(row[column])}</td>"
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def bakeoff_report_html(
    ws: Workspace,
    sprint: str,
    metric_key: str | None = None,
    assumptions: CostAssumptions | None = None,
    *,
    n_resamples: int = 1000,
    table: pd.DataFrame | None = None,
    renderer: str = "auto",
    costs: list[PrototypeCost] | None = None,
    recommendation: Recommendation | None = None,
) -> str:
    """The sprint's bake-off as a single HTML document that opens offline.

    Opens with the recommendation, what each prototype would do with the demo rows in counts
    (with its confusion matrix and the cost of its errors) and what each costs to own; then
    the comparison table (intervals and costs), the trade-offs in words, the Pareto chart, the
    metric per segment of the first categorical feature, where the prototypes disagree, the
    recorded decisions, and the cost assumptions with every formula. Pass the ``table`` from
    :func:`model.bakeoff.bakeoff_table`, the ``costs`` from :func:`model.recommend.sprint_costs`
    (at the thresholds the page shows) and their ``recommendation`` if already computed.
    """
    assumptions = assumptions if assumptions is not None else load_assumptions(ws.path)
    if table is None:
        table = bakeoff_table(ws, sprint, metric_key, assumptions, n_resamples)
    attrs = table.attrs
    key = attrs["metric_key"]
    label = attrs["metric_label"]
    sections = [
        f"<h1>Bake-off: {_e(sprint)}</h1>",
        f'<p class="meta">{_e(_summary_line(table))}</p>',
    ]
    sections += [f'<p class="note">{_e(note)}</p>' for note in attrs.get("notes", [])]

    if costs is None:
        costs = sprint_costs(ws, sprint, assumptions)
    if recommendation is None:
        recommendation = recommend(costs, ws.mvp(sprint), assumptions.currency)
    sections.append("<h2>Recommendation</h2>")
    sections.append(f'<p class="recommendation">{_e(recommendation.text)}</p>')
    names = ws.prototypes(sprint)
    if names:
        meta = ws.prototype(sprint, names[0]).meta
        note = example_assumptions_note(ws.path, meta["task"], positive_case(meta))
        if note:
            sections.append(f'<p class="note">{_e(note)}</p>')
    sections.append(_outcomes_section(ws, sprint, costs, attrs.get("n_rows", 0)))
    sections.append(_ownership_section(ws, sprint, assumptions, recommendation))

    sections.append(f"<h2>Technical details: comparison on {_e(label)}</h2>")
    shown = display_table(table)
    sections.append(_table(shown, numeric=set(shown.columns[1:]) - {"Verdict", "Pareto"}))
    sections.append(f'<p class="note">{_e(_method_note(table))}</p>')

    sections.append("<h2>Trade-offs</h2>")
    sentences = tradeoff_sentences(table, key)
    majority = _majority(ws, sprint, key)
    if majority:  # beside "majority (always no) scores best on Accuracy: 0.909", as the page
        sentences.insert(1, majority)
    sections.append("<ul>" + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>")
    sections.append(f"<figure>{chart_svg(table, renderer)}</figure>")

    sections.append(_segments_section(ws, sprint, key))
    sections.append(_disagreements_section(ws, sprint))
    sections.append(_decisions_section(ws.decisions(sprint)))
    sections.append(_costs_section(ws, sprint, assumptions))

    title = f"Bake-off: {sprint}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )


def _majority(ws: Workspace, sprint: str, key: str) -> str | None:
    """``model.bakeoff_sentences.majority_sentence`` for the sprint's first prototype, as the
    Bake-off page's trade-offs say it: what always answering the larger class scores."""
    names = ws.prototypes(sprint)
    if not names:
        return None
    proto = ws.prototype(sprint, names[0])
    counts = actual_counts(proto.meta)
    noun = reason_wording(proto.meta)[1]
    return majority_sentence(key, counts, noun, proto.class_names)


def _outcomes_section(ws: Workspace, sprint: str, costs: list[PrototypeCost], n_rows: int) -> str:
    """Each prototype's outcome on the demo rows in counts, its confusion matrix in counts
    with words and the cost of its errors."""
    names = ws.prototypes(sprint)
    protos = {name: ws.prototype(sprint, name) for name in names}
    noun = reason_wording(protos[names[0]].meta)[1]
    parts = [f"<h2>What each prototype would do with {n_rows:,} demo {_e(noun)}</h2>"]
    by_name = {c.name: c for c in costs}
    for name, proto in protos.items():
        parts.append(f"<h3>{_e(name)}{' (MVP)' if name == ws.mvp(sprint) else ''}</h3>")
        errors = by_name[name].errors if name in by_name else None
        class_names = proto.class_names
        predictions = proto.predictions()
        if "actual" not in predictions.columns:
            parts.append('<p class="note">Published without the demo set\'s labels.</p>')
            continue
        if proto.task == BINARY and errors is not None and errors.outcome is not None:
            outcome = errors.outcome
            parts.append(
                f"<p>At a threshold of {outcome.threshold:.1%}: "
                f"{_e(outcome_sentence(outcome, class_names, noun))}</p>"
            )
            parts.append(_table(binary_confusion(outcome, class_names, noun), index=True))
        elif proto.task == REGRESSION:
            result = regression_outcome(predictions["actual"], predictions["predicted"])
            unit = target_unit(proto.meta)
            parts.append(f"<p>{_e(outcome_sentence(result, class_names, noun, unit))}</p>")
        else:
            classes = [str(c) for c in proto.meta.get("classes", [])]
            actual, predicted = predictions["actual"], predictions["predicted"]
            result = multiclass_outcome(actual, predicted, classes)
            overall, *per_class = outcome_sentences(result, class_names, noun)
            listed = "".join(f"<li>{_e(sentence)}</li>" for sentence in per_class)
            parts.append(f"<p>{_e(overall)}</p><ul>{listed}</ul>")
            confusion = confusion_table(actual, predicted, classes, class_names)
            parts.append(_table(count_table(confusion), index=True))
        if errors is not None:
            parts.append(f"<p>Its errors would cost {_e(error_cost_text(errors))}.</p>")
    return "".join(parts)


def _ownership_section(
    ws: Workspace, sprint: str, assumptions: CostAssumptions, recommendation: Recommendation
) -> str:
    """What each prototype costs to own, what its errors cost, and its payback."""
    metas = {name: ws.prototype(sprint, name).meta for name in ws.prototypes(sprint)}
    view = ownership_view(ownership_rows(metas, assumptions), recommendation.table, ws.mvp(sprint))
    return (
        "<h2>What each prototype costs</h2>"
        + _table(view, numeric=set(view.columns[1:]))
        + '<p class="note">Errors / month: the estimate with its 95% interval in brackets. '
        "Every formula is under Cost assumptions and formulas.</p>"
    )


def _summary_line(table: pd.DataFrame) -> str:
    attrs = table.attrs
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    reference = attrs.get("reference")
    compared = (
        f"compared with the MVP, {reference}"
        if attrs.get("reference_kind") == "MVP"
        else f"compared with the best-scoring prototype, {reference}"
    )
    return (
        f"{len(table)} prototypes on {attrs.get('n_rows', 0):,} {ROWS_WORD}, {compared}. "
        f"Generated {when}."
    )


def _method_note(table: pd.DataFrame) -> str:
    attrs = table.attrs
    return (
        f"Intervals: {attrs.get('confidence', 0.95):.0%}, {attrs.get('method')} with "
        f"{attrs.get('n_resamples', 0):,} resamples (seeded). Differences are paired: both "
        "prototypes scored on the same resampled rows. The verdict says better or worse only "
        "when the difference's interval excludes zero. McNemar's p tests whether the two "
        "prototypes' predicted labels are right equally often (a different question from a "
        "ranking metric such as PR AUC). Dominated: another prototype scores at least as well "
        "and costs at most as much to run, and is strictly better on one of the two."
    )


def _segments_section(ws: Workspace, sprint: str, key: str) -> str:
    heading = "<h2>By segment</h2>"
    first = ws.prototype(sprint, ws.prototypes(sprint)[0])
    categorical = list(first.meta.get("categorical", {}))
    if not categorical:
        return heading + '<p class="note">The demo rows have no categorical feature.</p>'
    feature = categorical[0]
    try:
        segments = segment_table(ws, sprint, key, feature)
    except WorkspaceError as error:
        return heading + f'<p class="note">{_e(error)}</p>'
    shown = segments.dropna(axis=1, how="all").astype(object)  # a multiclass's "positives"
    for column in shown.columns:
        if column in ("rows", "positives"):
            shown[column] = [fixed(v, 0) for v in segments[column]]
        else:
            shown[column] = [format_metric(key, v) for v in segments[column]]
    label = segments.attrs["metric_label"]
    return (
        heading + f"<p>{_e(label)} per value of {_e(feature)}; — where the metric is undefined "
        "(a segment with one class only).</p>"
        + _table(shown, index=True, numeric=set(shown.columns))
    )


def _disagreements_section(ws: Workspace, sprint: str) -> str:
    heading = "<h2>Where the prototypes disagree</h2>"
    try:
        # decided as the page's tab decides: each binary prototype at its cheapest cut-off
        cutoffs = sprint_cutoffs(ws, sprint, ws.prototypes(sprint))
        found = disagreements(ws, sprint, cutoffs)
    except (WorkspaceError, ValueError) as error:
        return heading + f'<p class="note">{_e(error)}</p>'
    summary = (
        f"The prototypes decide differently on {found['n_disagreements']:,} of "
        f"{found['n_rows']:,} {ROWS_WORD} ({found['share']:.1%})."
    )
    agreement = found["agreement"].map(lambda v: f"{v:.1%}")
    rows = found["rows"]
    split = rows[rows["split"] > 0].head(MOST_SPLIT_ROWS).copy()
    names = list(found["agreement"].index)
    first = ws.prototype(sprint, names[0]) if names else None
    class_names = first.class_names if first is not None else {}
    used = {name: found["cutoffs"].get(name) for name in names}
    caption = cutoffs_caption(used, first.task if first else None, "rows", class_names)
    parts = [heading, f"<p>{_e(summary)}</p>", f'<p class="note">{_e(caption)}</p>']
    parts.append("<p>Share of identical decisions:</p>")
    parts.append(_table(agreement, index=True, numeric=set(agreement.columns)))
    if len(split):
        parts.append(
            "<p>The most split row:</p>"
            if len(split) == 1
            else f"<p>The {len(split)} most split rows:</p>"
        )
        parts.append(_table(disagreement_view(split, names, class_names)))
    return "".join(parts)


def _decisions_section(decisions: list[dict]) -> str:
    parts = ["<h2>Decisions</h2>"]
    if not decisions:
        parts.append('<p class="note">No decision recorded for this sprint yet.</p>')
    for decision in decisions:
        attendees = ", ".join(str(a) for a in decision.get("attendees", [])) or "not recorded"
        parts.append(
            '<div class="decision">'
            f"<p><strong>Chose {_e(decision.get('chosen', ''))}</strong> on "
            f"{_e(decision.get('decided_on', ''))}"
            f" · recorded by {_e(decision.get('recorded_by') or 'unknown')}</p>"
            f'<p class="rationale">{_e(decision.get("rationale", ""))}</p>'
            f"<p>Attendees: {_e(attendees)}</p></div>"
        )
    return "".join(parts)


def _costs_section(ws: Workspace, sprint: str, assumptions: CostAssumptions) -> str:
    a = assumptions

    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    errors = {  # the error costs of the sprint's kind of prediction only, as the page asks
        BINARY: {"Cost of a missed positive": money(a.missed_positive_cost),
                 "Cost of a false alarm": money(a.false_alarm_cost)},
        MULTICLASS: {"Cost of a wrong class": money(a.wrong_class_cost)},
        REGRESSION: {
            "Cost of each unit predicted too high": money(a.over_price),
            "Cost of each unit predicted too low": money(a.under_price),
        },
    }[ws.prototype(sprint, ws.prototypes(sprint)[0]).task]  # fmt: skip
    assumed = {
        "Cases decided on per month": format_number(a.cases_per_month),
        **errors,
        "Predictions per month": format_number(a.predictions_per_month),
        "Instance price per month": money(a.instance_price_per_month),
        "Serverless": "yes" if a.serverless else "no",
        "Compute price per hour": money(a.compute_price_per_hour),
        "Retrains per month": format_number(a.retrains_per_month),
        "Maintenance hours per month": format_number(a.maintenance_hours_per_month),
        "Engineer day rate": money(a.engineer_day_rate),
        "Currency": a.currency,
    }
    frame = pd.DataFrame({"Assumption": list(assumed), "Value": list(assumed.values())})
    parts = ["<h2>Cost assumptions and formulas</h2>", _table(frame)]
    owned_names = {
        "hosting_cost_per_month": "Hosting, per month",
        "maintenance_cost_per_month": "Maintenance, per month",
        "ownership_cost_per_month": "To own, per month",
        "ownership_cost_per_year": "To own, per year",
    }
    names = {
        "prediction_cost_per_month": "Compute for predicting, per month",
        "retrain_cost_per_month": "Retraining, per month",
        "running_cost_per_month": "Compute, per month",
        "one_off_cost": "One-off (to production)",
    }
    for name in ws.prototypes(sprint):
        meta = ws.prototype(sprint, name).meta
        formulas = [
            (what, ownership(meta, assumptions)["formulas"][key])
            for key, what in owned_names.items()
        ]
        formulas += [
            (what, costs(meta, assumptions)["formulas"][key]) for key, what in names.items()
        ]
        items = "".join(
            f'<li>{_e(what)}: <span class="formula">{_e(formula)}</span></li>'
            for what, formula in formulas
        )
        parts.append(f"<h3>{_e(name)}</h3><ul>{items}</ul>")
    return "".join(parts)
