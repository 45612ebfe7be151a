"""SME verdicts and disputes as tables, agreement between reviewers, resolved labels, and the
files the Feedback page exports.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from feedback_store.validation import OWN_PREFIX
from model.metrics import REGRESSION
from model.right_values import target_unit
from ui.charts import DOWN_COLOR, NEUTRAL_COLOR, UP_COLOR, styled
from ui.formatting import percent
from ui.review_card import contribution_text, value_text

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = [
    "agreement_table",
    "class_names_of",
    "conflicts_table",
    "count_verdicts",
    "dispute_chart",
    "dispute_counts_table",
    "disputes_table",
    "existing_tags",
    "export_bytes",
    "filter_verdicts",
    "history_table",
    "in_sprint_order",
    "latest_comment",
    "name_labels",
    "named_label",
    "own_case_names",
    "pairwise_table",
    "resolved_table",
    "right_column",
    "row_text",
    "training_export_bytes",
    "unresolved_text",
    "verdict_export_bytes",
    "verdicts_table",
]

VERDICT_COLUMNS = {
    "verdict_id": "ID",
    "sprint": "Sprint",
    "prototype": "Prototype",
    "row_id": "Row",
    "reviewer": "Reviewer",
    "verdict": "Verdict",
    "corrected_label": "Right label",
    "tags": "Tags",
    "comment": "Comment",
    "recorded_at": "Recorded at",
    "version": "Version",
    "prototype_version": "Prototype version",
}
#: What a verdict recorded before prototype versions were kept shows as its prototype version.
VERSION_UNKNOWN = "unknown"
#: The right answer's column: a class for a classifier, a number for a regression.
RIGHT_COLUMNS = ("Right label", "Right value", "Right label or value")
#: In ``class_names_of``'s entry for a regression prototype (which has no classes): the unit
#: of its target ("" where none is known). Its labels are numbers, shown as "206,700 USD".
REGRESSION_UNIT = "__regression_unit__"


def filter_verdicts(verdicts: pd.DataFrame, kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Verdicts of the given kinds (all if None or empty)."""
    chosen = list(kinds or [])
    return verdicts[verdicts["verdict"].isin(chosen)] if chosen else verdicts


def count_verdicts(verdicts: pd.DataFrame) -> dict[str, int]:
    """Correct, wrong, unsure, total and distinct reviewers, like ``FeedbackStore.counts``."""
    counts = {k: int((verdicts["verdict"] == k).sum()) for k in ("correct", "wrong", "unsure")}
    counts["total"] = int(len(verdicts))
    counts["reviewers"] = int(verdicts["reviewer"].nunique())
    return counts


def right_column(tasks: Iterable[object]) -> str:
    """The right answer's column for verdicts of ``tasks``: "Right value" when they are all a
    regression's, "Right label" when none is, "Right label or value" for both."""
    regression = {task == REGRESSION for task in tasks}
    if regression == {True}:
        return "Right value"
    return "Right label or value" if True in regression else "Right label"


def verdicts_table(verdicts: pd.DataFrame, cases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Verdicts with readable column names and tags joined, for ``st.dataframe``; an own case
    is named by ``cases`` (``own_case_names``), not its stored id; a regression's right value
    as a number people read ("206,700", not "206700.0") in "Right value" (``right_column``)."""
    tasks = verdicts["task"] if "task" in verdicts.columns else pd.Series([None] * len(verdicts))
    table = verdicts[list(VERDICT_COLUMNS)].rename(columns=VERDICT_COLUMNS).copy()
    table["Row"] = [row_text(row_id, cases) for row_id in table["Row"]]
    table["Tags"] = [", ".join(tags or []) for tags in table["Tags"]]
    table["Right label"] = [
        "" if pd.isna(label) else value_text(label, None) if task == REGRESSION else label
        for label, task in zip(table["Right label"], tasks, strict=True)
    ]
    table["Recorded at"] = table["Recorded at"].astype(str).str.slice(0, 16).str.replace("T", " ")
    table["Prototype version"] = [
        VERSION_UNKNOWN if pd.isna(v) else str(int(v)) for v in table["Prototype version"]
    ]
    table = table.rename(columns={"Right label": right_column(tasks)})
    return table.reset_index(drop=True)


#: ``(sprint, prototype)`` to its ``Prototype.class_names``.
ClassNames = Mapping[tuple[str, str], Mapping[str, str]]


def class_names_of(
    ws, sprints: Iterable[str], prototypes: Iterable[str]
) -> dict[tuple[str, str], dict[str, str]]:
    """``Prototype.class_names`` of each prototype named by ``sprints`` and ``prototypes``,
    side by side, still published in the workspace ``ws`` (none for one deleted or unreadable
    since: its codes stay); a regression's is ``{REGRESSION_UNIT: its target's unit}``."""
    names = {}
    for sprint, prototype in set(zip(sprints, prototypes, strict=True)):
        try:
            proto = ws.prototype(sprint, prototype)
            if proto.task == REGRESSION:  # no classes: the unit its values are read in
                names[sprint, prototype] = {REGRESSION_UNIT: target_unit(proto.meta) or ""}
            else:
                names[sprint, prototype] = dict(proto.class_names)
        except (ValueError, OSError):
            continue
    return names


def named_label(label: object, names: Mapping[str, str] | None) -> str:
    """A class code with its name beside it where it has one ("Failure (1)"), else the code
    as text; a regression's value (``names`` from ``class_names_of``) as people read it, with
    its unit ("206,700 USD"); anything else ("unsure", "") as it is."""
    text = "" if label is None else str(label)
    if text and names and REGRESSION_UNIT in names:
        return value_text(text, names[REGRESSION_UNIT] or None)
    name = (names or {}).get(text, text)
    return f"{name} ({text})" if text and name != text else text


def name_labels(table: pd.DataFrame, names: ClassNames) -> pd.DataFrame:
    """``verdicts_table``'s right answers (``right_column``) with each class's name where its
    prototype has one ("Failure (1)"), each regression value with its unit ("206,700 USD");
    ``names`` maps ``(sprint, prototype)`` to ``class_names_of``'s entries. Labels without a
    name, and exports, keep the code."""
    named = table.copy()
    column = _right_column_of(table)
    named[column] = [
        named_label(label, names.get((sprint, prototype)))
        for sprint, prototype, label in zip(
            table["Sprint"], table["Prototype"], table[column], strict=True
        )
    ]
    return named


def _right_column_of(table: pd.DataFrame) -> str:
    return next(c for c in RIGHT_COLUMNS if c in table.columns)


def own_case_names(entered: Mapping[str, str]) -> dict[str, str]:
    """A name a person can read for each own case of ``FeedbackStore.own_cases`` (row id to
    when it was first judged, oldest first): "own case, 5 Dec 10:41" (UTC, as the tables'
    times), "own case, 5 Dec 10:41 (2)" for a second one entered in the same minute. The
    stored row id ("own:5255f68276c5") stays what exports and the CLI give."""
    names: dict[str, str] = {}
    taken: dict[str, int] = {}
    for row_id, when in entered.items():
        stamp = pd.Timestamp(when)
        text = f"own case, {stamp.day} {stamp:%b %H:%M}"
        taken[text] = taken.get(text, 0) + 1
        names[row_id] = text if taken[text] == 1 else f"{text} ({taken[text]})"
    return names


def row_text(row_id: object, cases: Mapping[str, str] | None = None) -> str:
    """A row as the tables show it: an own case by its name in ``cases``
    (``own_case_names``), or "own case" before it has one; any other row by its id."""
    text = str(row_id)
    if text.startswith(OWN_PREFIX):
        return (cases or {}).get(text, "own case")
    return text


def latest_comment(history: pd.DataFrame) -> str:
    """The comment of a verdict's latest version (``history`` is oldest first); "" if none."""
    if history.empty or "comment" not in history:
        return ""
    comment = history["comment"].iloc[-1]
    return comment.strip() if isinstance(comment, str) else ""


def history_table(history: pd.DataFrame, names: ClassNames | None = None) -> pd.DataFrame:
    """Every version of one verdict, oldest first: when, who, what and why; the right label
    named as the verdicts table names it ("Failure (1)", ``name_labels`` with ``names``:
    ``class_names_of``)."""
    table = name_labels(verdicts_table(history), names or {})
    return table[
        ["Version", "Prototype version", "Recorded at", "Reviewer", "Verdict",
         _right_column_of(table), "Tags", "Comment"]
    ]  # fmt: skip


def existing_tags(verdicts: pd.DataFrame) -> list[str]:
    """Every tag used so far, sorted case-insensitively."""
    tags = {tag for row in verdicts.get("tags", []) for tag in (row or [])}
    return sorted(tags, key=str.casefold)


def export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    reviewer: str | None = None,
) -> bytes:
    """``FeedbackStore.export`` to a temporary file, returned as bytes for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"verdicts.{format}"
        store.export(target, format, sprint=sprint, prototype=prototype, reviewer=reviewer)
        return target.read_bytes()


def disputes_table(disputes: pd.DataFrame, unit: str | None = "probability") -> pd.DataFrame:
    """One card's disputes: who disputed which feature, how, and the contribution shown."""
    return pd.DataFrame(
        {
            "Reviewer": disputes["reviewer"].astype(str).to_numpy(),
            "Feature": disputes["feature"].astype(str).to_numpy(),
            "Kind": disputes["kind"].astype(str).to_numpy(),
            "Contribution shown": [
                contribution_text(float(v), unit) for v in disputes["shap_value"]
            ],
            "Comment": disputes["comment"].fillna("").astype(str).to_numpy(),
            "Recorded at": [str(v)[:16].replace("T", " ") for v in disputes["recorded_at"]],
        }
    )


def in_sprint_order(frame: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """``frame``'s rows with their ``sprint`` in the workspace's order (``sprints``: "Sprint
    2" before "Sprint 10", which the store's text order reverses), the order within a sprint
    kept; sprints not in ``sprints`` last."""
    position = {name: i for i, name in enumerate(sprints)}
    keys = frame["sprint"].map(lambda name: position.get(name, len(position)))
    return frame.iloc[np.argsort(keys.to_numpy(), kind="stable")].reset_index(drop=True)


def dispute_counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``FeedbackStore.dispute_counts`` with readable column names."""
    return counts.rename(
        columns={
            "sprint": "Sprint",
            "prototype": "Prototype",
            "feature": "Feature",
            "kind": "Kind",
            "count": "Disputes",
            "rows": "Rows",
            "reviewers": "Reviewers",
        }
    ).reset_index(drop=True)


def dispute_chart(counts: pd.DataFrame) -> alt.Chart:
    """Disputes per feature (per prototype when there are several), stacked by kind."""
    import altair as alt

    data = counts.copy()
    several = data[["sprint", "prototype"]].drop_duplicates().shape[0] > 1
    data["label"] = (
        data["sprint"] + " · " + data["prototype"] + " · " + data["feature"]
        if several
        else data["feature"]
    )
    # most disputed first; ties keep the rows' order (the sprints' own, see in_sprint_order)
    totals = data.groupby("label", sort=False)["count"].sum()
    order = list(totals.sort_values(ascending=False, kind="stable").index)
    kinds = ["should not matter", "wrong direction", "too strong"]
    bars = (
        alt.Chart(data)
        .mark_bar(size=24)
        .encode(
            y=alt.Y("label:N", sort=order, title=None),
            x=alt.X("sum(count):Q", title="disputes", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=[NEUTRAL_COLOR, DOWN_COLOR, UP_COLOR]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=[
                alt.Tooltip("sprint:N"),
                alt.Tooltip("prototype:N"),
                alt.Tooltip("feature:N"),
                alt.Tooltip("kind:N"),
                alt.Tooltip("count:Q", title="disputes"),
                alt.Tooltip("rows:Q"),
                alt.Tooltip("reviewers:Q"),
            ],
        )
    )
    return styled(bars.properties(height=44 * max(len(order), 1) + 70))


def _kappa_text(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) or not np.isfinite(number) else f"{float(number):.2f}"


def agreement_table(results: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per sprint from ``feedback_store.agreement``: rows compared, % same answer, the
    agreement beyond chance and the statistic it is (Cohen's κ, Fleiss' κ, Krippendorff's α)."""
    rows = []
    for sprint, result in results.items():
        method = AGREEMENT_METHODS.get(result.get("method"), "—")
        share = result.get("percent_agreement")
        rows.append(
            {
                "Sprint": sprint,
                "Rows with 2+ reviewers": int(result.get("rows", 0)),
                "Same answer": "—" if share is None else f"{share:.0f}%",
                "Beyond chance": _kappa_text(result.get("kappa")),
                "Strength": result.get("strength") or "—",
                "Measured by": method,
            }
        )
    columns = ["Sprint", "Rows with 2+ reviewers", "Same answer", "Beyond chance", "Strength"]
    return pd.DataFrame(rows, columns=[*columns, "Measured by"])


#: The statistic ``feedback_store.agreement`` computed, by its ``method``.
AGREEMENT_METHODS = {
    "cohen": "Cohen's κ",
    "fleiss": "Fleiss' κ",
    "krippendorff": "Krippendorff's α",
}


def pairwise_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """``feedback_store.pairwise_agreement`` for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "Reviewer A": pairs["reviewer_a"].astype(str).to_numpy(),
            "Reviewer B": pairs["reviewer_b"].astype(str).to_numpy(),
            "Shared rows": pairs["shared_rows"].astype(int).to_numpy(),
            "Same answer": [f"{v:.0f}%" for v in pairs["percent_agreement"]],
            "Beyond chance": [_kappa_text(v) for v in pairs["cohen_kappa"]],
        }
    )


def _names_per_row(frame: pd.DataFrame, names: ClassNames | None) -> list:
    """Each row's class names, by its ``sprint`` and ``prototype`` (None: none known); a
    regression's row (its ``task`` says so) without them reads its values without a unit."""
    names = names or {}
    tasks = frame["task"] if "task" in frame.columns else [None] * len(frame)
    return [
        names.get(key) or ({REGRESSION_UNIT: ""} if task == REGRESSION else None)
        for key, task in zip(
            zip(frame["sprint"], frame["prototype"], strict=True), tasks, strict=True
        )
    ]


def _answer_words(row_names: list) -> tuple[str, str]:
    """("label", "labels") for tables of classes, ("value", "values") when every row is a
    regression's, ("label or value", "labels or values") for both."""
    regression = {bool(n) and REGRESSION_UNIT in n for n in row_names}
    if regression == {True}:
        return "value", "values"
    return ("label or value", "labels or values") if True in regression else ("label", "labels")


def conflicts_table(
    conflicts: pd.DataFrame,
    names: ClassNames | None = None,
    cases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``feedback_store.conflicts``: one line per reviewer of a row they disagree on, each
    class with its name where ``names`` (``class_names_of``) gives one ("No failure (0)"),
    each own case by its name in ``cases`` (``own_case_names``)."""
    row_names = _names_per_row(conflicts, names)
    return pd.DataFrame(
        {
            "Sprint": conflicts["sprint"].astype(str).to_numpy(),
            "Prototype": conflicts["prototype"].astype(str).to_numpy(),
            "Row": [row_text(row_id, cases) for row_id in conflicts["row_id"]],
            "Shown": [
                named_label(None if pd.isna(v) else v, n)
                for v, n in zip(conflicts["shown"], row_names, strict=True)
            ],
            "Reviewer": conflicts["reviewer"].astype(str).to_numpy(),
            "Verdict": conflicts["verdict"].astype(str).to_numpy(),
            f"Their {_answer_words(row_names)[0]}": [
                named_label(v, n) for v, n in zip(conflicts["label"], row_names, strict=True)
            ],
            "Comment": conflicts["comment"].fillna("").astype(str).to_numpy(),
        }
    )


def _named_reason(reason: object, labels, names) -> str:
    """``feedback_store``'s "tie between 0 and 1" with the classes named as the Label column
    names them ("tie between No failure (0) and Failure (1)"); other reasons as they are."""
    counts = Counter(str(label) for label in labels)
    top = max(counts.values(), default=0)
    tied = sorted((label for label, n in counts.items() if n == top), key=str)
    if str(reason) != f"tie between {' and '.join(tied)}":
        return str(reason)
    return f"tie between {' and '.join(named_label(label, names) for label in tied)}"


#: Where a regression's label came from (``resolve_labels(provenance=True)``'s
#: ``label_source``), as the Labels table says it.
LABEL_FROM = {
    "known value": "the known value",
    "right value": "the reviewer's value",
    "prediction accepted": "the prediction, accepted",
}


def _rule_text(rule: object, source: str | None, values: Sequence[float]) -> str:
    """Why a resolved row has its label: "majority rule", and for a regression where the
    value came from ("majority rule: the reviewers' value (median of 2)")."""
    text = f"{rule} rule"
    if source == "median of right values":
        return f"{text}: the reviewers' value (median of {len(values)})"
    if source == "right value" and rule == "lead":
        return f"{text}: the lead reviewer's value"
    words = LABEL_FROM.get(source) if isinstance(source, str) else None
    return f"{text}: {words}" if words else text


def resolved_table(
    resolved: pd.DataFrame,
    names: ClassNames | None = None,
    cases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``feedback_store.resolve_labels``: each reviewed row's label, or why it has none, each
    class with its name where ``names`` (``class_names_of``) gives one, each own case by its
    name in ``cases`` (``own_case_names``). Resolved with ``provenance=True``, "Why" also says
    where a regression's label came from ("majority rule: the known value")."""
    row_names = _names_per_row(resolved, names)
    return pd.DataFrame(
        {
            "Sprint": resolved["sprint"].astype(str).to_numpy(),
            "Prototype": resolved["prototype"].astype(str).to_numpy(),
            "Row": [row_text(row_id, cases) for row_id in resolved["row_id"]],
            "Source": resolved["source"].astype(str).to_numpy(),
            _answer_words(row_names)[0].capitalize(): [
                "—" if unresolved else named_label(label, n)
                for label, unresolved, n in zip(
                    resolved["resolved_label"], resolved["unresolved"], row_names, strict=True
                )
            ],
            "Why": [
                _named_reason(reason, labels, n) if unresolved else _rule_text(rule, source, values)
                for reason, unresolved, rule, labels, n, source, values in zip(
                    resolved["reason"],
                    resolved["unresolved"],
                    resolved["rule"],
                    resolved["labels"],
                    row_names,
                    resolved.get("label_source", [None] * len(resolved)),
                    resolved.get("right_values", [()] * len(resolved)),
                    strict=True,
                )  # fmt: skip
            ],
            "Reviewers": [", ".join(r) for r in resolved["reviewers"]],
            f"Their {_answer_words(row_names)[1]}": [
                ", ".join(named_label(label, n) for label in labels)
                for labels, n in zip(resolved["labels"], row_names, strict=True)
            ],
            "Agreement": [percent(v) for v in resolved["agreement"]],
        }
    )


def unresolved_text(n: int, rule: str) -> str:
    """What the Feedback page says of ``n`` reviewed rows left out of the training export for
    want of a label under ``rule``, and what can be done about them there."""
    rows = "1 reviewed row was" if n == 1 else f"{n:,} reviewed rows were"
    them = "it" if n == 1 else "them"
    if rule == "lead":
        return (
            f"{rows} left out of the export: the lead reviewer has not judged {them} (or was"
            " unsure) and the other reviewers disagree or were unsure; the table above says"
            f" why. To include {them}, the lead reviewer can judge {them} on SME review, or the"
            f" reviewers can settle {them}: the Agreement tab lists their disagreements under"
            " “Conflicts”."
        )
    return (
        f"{rows} left out of the export because reviewers disagree or were unsure; the table"
        f" above says why. To include {them}, talk {them} through (the Agreement tab lists"
        " disagreements under “Conflicts”) and change the verdicts on SME review, or choose"
        " “The lead reviewer decides” as the resolution rule above."
    )


def verdict_export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    reviewer: str | None = None,
    verdict: str | None = None,
    ws=None,
) -> bytes:
    """``export_bytes`` that also keeps only one kind of verdict (``verdict``); given the
    workspace ``ws``, each class code has its name beside it (``model.export_names``)."""
    from model.export_names import export_with_names

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"verdicts.{format}"
        if ws is not None:
            export_with_names(ws, store, target, format, sprint, prototype, reviewer, verdict)
        else:
            store.export(
                target, format, sprint=sprint, prototype=prototype, reviewer=reviewer,
                verdict=verdict,
            )  # fmt: skip
        return target.read_bytes()


def training_export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
    demo_row_ids: Iterable[str] | None = None,
    class_names=None,
    feature_kinds=None,
    targets=None,
    known_values=None,
) -> tuple[bytes, dict]:
    """``FeedbackStore.export_training`` to a temporary folder: the file's bytes and the
    manifest (a dict; its ``warnings`` are for the page to show); ``class_names``,
    ``feature_kinds``, ``targets`` and ``known_values`` as it takes them
    (``model.export_names``, ``model.known_values``)."""
    with tempfile.TemporaryDirectory() as folder:
        export = store.export_training(
            Path(folder) / f"training.{format}",
            format,
            sprint=sprint,
            prototype=prototype,
            rule=rule,
            lead=lead,
            demo_row_ids=demo_row_ids,
            class_names=class_names,
            feature_kinds=feature_kinds,
            targets=targets,
            known_values=known_values,
        )
        return export.path.read_bytes(), export.manifest
