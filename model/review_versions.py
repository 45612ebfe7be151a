"""SME verdicts bound to the prototype version the SME saw.

A form carries ``shown_version(proto)``; ``record_verdict`` and ``record_dispute`` store
only when the prototype is still that version (``PrototypeChanged`` otherwise, nothing
stored). ``reviewed_rows`` counts a row as reviewed per version, ``earlier_verdicts``
tells what a reviewer said about a row on other versions ("on version 2: wrong"), and
``card_disputes`` keeps a row's disputes of this version apart from those of other versions.
Re-exported by ``model.review``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from feedback_store import FeedbackStore, InvalidVerdict
from model.cutoff_decisions import Cutoff, decide
from model.labels import PROBABILITY_PREFIX
from model.metrics import BINARY, REGRESSION
from model.on_demand import snapshot_values
from model.right_values import far_value_reason, row_actual, unusual_value_reason
from model.workspace import Prototype, Workspace, WorkspaceError

__all__ = [
    "PrototypeChanged",
    "UnusualValue",
    "card_disputes",
    "check_still_shown",
    "earlier_verdicts",
    "edit_verdict",
    "known_tags",
    "on_version",
    "record_dispute",
    "record_verdict",
    "reviewed_rows",
    "shown_version",
    "tag_spellings",
    "version_words",
]


class PrototypeChanged(ValueError):
    """The prototype was re-published or removed after the form was shown; nothing was stored."""


class UnusualValue(InvalidVerdict):
    """A regression's right value that asks for a second look (``reason``, in words: outside
    the demo set's values, or further from the prediction than any miss of the model); it is
    stored once confirmed (``value_confirmed=True``). Nothing was stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; if it is right, record it with value_confirmed=True")
        self.reason = reason


def shown_version(proto: Prototype) -> tuple[int, str | None]:
    """``(version, content id)`` of ``proto``: what a form carries and hands back on submit."""
    content = getattr(proto, "content_id", None) or proto.meta.get("content_id")
    return proto.version, content


def check_still_shown(
    workspace: Workspace, sprint: str, prototype: str, version: int, content_id: str | None
) -> Prototype:
    """``PrototypeChanged`` unless ``prototype`` is still ``version`` (and ``content_id``);
    the prototype as it is, else."""
    try:
        current = workspace.prototype(sprint, prototype)
    except WorkspaceError:
        raise PrototypeChanged(
            f"this prototype ({prototype}) was removed while you were reviewing; your text is"
            " kept — choose another prototype"
        ) from None
    now, now_content = shown_version(current)
    if now != version or (content_id is not None and now_content != content_id):
        raise PrototypeChanged(
            f"this prototype was re-published while you were reviewing (you saw version"
            f" {version}, it is now version {now}); your text is kept — look at the new"
            " prediction and submit again"
        )
    return current


def record_verdict(
    store: FeedbackStore,
    workspace: Workspace,
    *,
    sprint: str,
    prototype: str,
    version: int,
    content_id: str | None = None,
    **verdict: Any,
) -> int:
    """``store.record(...)`` for the prototype version the form showed, or ``PrototypeChanged``.

    ``version`` and ``content_id`` are ``shown_version(proto)`` of the prototype the form
    was rendered from; ``verdict`` holds ``record``'s other arguments (row_id, reviewer,
    verdict, the prediction and features shown, ...). When the prototype is no longer that
    version, nothing is stored and the error says so in one line. A publish that lands after
    the check cannot mislabel the verdict: it is stored with the version and snapshots shown.
    A regression's right value far outside the demo set's values is refused
    (``InvalidVerdict``); one that asks for a second look (``UnusualValue``: outside the demo
    set's values, or further from the prediction than any miss of the model) is stored when
    ``value_confirmed=True`` is given. The verdict takes the prototype's task when none is
    given (its labels then export under their kind); a task that is not the prototype's is
    refused (``InvalidVerdict``).
    """
    confirmed = bool(verdict.pop("value_confirmed", False))
    current = check_still_shown(workspace, sprint, prototype, version, content_id)
    verdict = _with_known_tags(store, _as_shown(current, verdict, confirmed))
    # The row was read from the prototype's folder, which a publish may have exchanged since
    # the check: still that version now, so the prediction filled in is the one it makes.
    check_still_shown(workspace, sprint, prototype, version, content_id)
    shown = {"prototype_version": version, "prototype_content": content_id}
    return store.record(sprint=sprint, prototype=prototype, **shown, **verdict)


def _refuse_own_class_as_correction(proto: Prototype, row: pd.Series, verdict: dict) -> None:
    """A two-class verdict "wrong, should be <the model's own class>" recorded without the
    prediction shown: the pages flag from the cheapest cut-off, so the reviewer most likely
    saw the other class there. Refused, saying how to give what was shown (a trial's
    spreadsheet of false alarms was told only that the label "is what the model predicted")."""
    label = verdict.get("corrected_label")
    own = verdict["prediction"]["label"]
    classes = [str(c) for c in proto.meta.get("classes") or []]
    if proto.task != BINARY or verdict.get("verdict") != "wrong" or label is None:
        return
    if proto.class_of(label) != own or len(classes) != 2:
        return
    other = next(c for c in classes if c != own)
    column = PROBABILITY_PREFIX + other
    chance = f" ({float(row[column]):.1%} chance of {other!r})" if column in row.index else ""
    raise InvalidVerdict(
        f"the corrected label {label!r} is what {proto.name} predicts for row "
        f"{verdict.get('row_id')!r} at its own 50% cut-off{chance}; if the reviewer saw it "
        f"as {other!r} at a cut-off, as the pages decide at the cheapest one, give "
        f"prediction={{'label': {other!r}, 'threshold': <that cut-off>}}"
    )


def _as_shown(proto: Prototype, verdict: dict[str, Any], confirmed: bool = False) -> dict[str, Any]:
    """``verdict`` checked against the prototype it is given on: a demo row must be one of its
    rows, a classifier's corrected label one of its classes (given by label or by name, stored
    as the label), its task the prototype's (filled in when not given), or ``InvalidVerdict``
    in one line. A verdict without the prediction shown gets the one this version makes for
    the row, the model's own (50 %) class with its confidence, not a decision at a cut-off:
    a prediction borrowed from another version would become its training label. A prediction
    given for a demo row must be the row's (``_check_prediction``). One without the features
    shown gets the row's values as this version published them, context included."""
    verdict = dict(verdict)
    task = verdict.get("task")
    if task is None:
        verdict["task"] = proto.task
    elif task != proto.task:
        raise InvalidVerdict(
            f"task {task!r} is not the task of {proto.name} ({proto.task}); leave task out"
            " to take the prototype's"
        )
    row_id = verdict.get("row_id")
    if verdict.get("source", "demo") == "demo" and row_id is not None:
        try:
            row = proto.prediction(str(row_id))
        except WorkspaceError as error:
            raise InvalidVerdict(
                f"{error}: give one of its row ids, or record your own case with source='own'"
            ) from None
        if verdict.get("features") is None:
            # The row's values as published, which the card shows: the training export joins
            # a verdict with these, and leaves out one recorded without them. Its context
            # (a ticket's subject the model does not read) goes with them.
            verdict["features"] = snapshot_values(proto, str(row_id))
        if verdict.get("prediction") is None:
            confidence = row.get("confidence")
            verdict["prediction"] = {
                "label": str(row["predicted"]),
                "confidence": None if confidence is None else float(confidence),
            }
            _refuse_own_class_as_correction(proto, row, verdict)
        else:  # a "correct" verdict's training label is this prediction: it must be the row's
            _check_prediction(proto, row, verdict["prediction"])
    label = verdict.get("corrected_label")
    classes = [str(c) for c in proto.meta.get("classes") or []]
    if label is not None and classes:
        key = proto.class_of(label)
        if key is None:
            named = ", ".join(
                c if proto.class_names.get(c, c) == c else f"{c} ({proto.class_names[c]})"
                for c in classes
            )
            raise InvalidVerdict(
                f"the corrected label {label!r} is not one of {proto.name}'s classes: {named}"
            )
        verdict["corrected_label"] = key
    elif label is not None and proto.task == REGRESSION:
        shown = (verdict.get("prediction") or {}).get("label")
        demo_row = row_id if verdict.get("source", "demo") == "demo" else None
        _check_right_value(proto, label, shown, confirmed, demo_row)
    return verdict


def _check_prediction(proto: Prototype, row: pd.Series, shown: Any) -> None:
    """``InvalidVerdict`` in one line unless ``shown`` is what ``proto`` stores for the demo
    ``row``: a classifier's ``label`` one of its classes and, with a ``threshold`` (a binary
    model's cut-off), the class on the side of it the row's chance of the positive class is
    (else the model's own class), its ``confidence`` the row's chance of that label (within
    1e-6) and ``model_label`` the model's own class; a regression's ``label`` the stored
    value (relative 1e-6), with no confidence."""
    if not isinstance(shown, Mapping):
        raise InvalidVerdict(f"the prediction shown must be a mapping with a label, got {shown!r}")
    where = f"{proto.name}'s row {row.name}"
    label, confidence = shown.get("label"), shown.get("confidence")
    if proto.task == REGRESSION:
        value = _float(label)
        if value is None or not math.isclose(value, float(row["predicted"]), rel_tol=1e-6):
            raise InvalidVerdict(
                f"the prediction shown {label!r} is not {where}'s prediction"
                f" {float(row['predicted'])!r}"
            )
        if confidence is not None:
            raise InvalidVerdict(f"a regression's prediction has no confidence; got {confidence!r}")
        return
    own = str(row["predicted"])
    expected = own
    threshold = shown.get("threshold")
    classes = [str(c) for c in proto.meta.get("classes") or []]
    if threshold is not None:
        cut = _float(threshold)
        positive = str(proto.meta.get("positive_class") or classes[-1])
        try:  # Cutoff's own rule: a chance from 0 (every case flagged) to 1
            if proto.task != BINARY or cut is None:
                raise ValueError("not a binary model's chance")
            cutoff = Cutoff.of(classes, positive, cut)
        except ValueError:
            raise InvalidVerdict(
                f"a threshold is a chance from 0 to 1 of a binary model; got"
                f" {threshold!r} for {proto.name} ({proto.task})"
            ) from None
        expected = decide(float(row[PROBABILITY_PREFIX + positive]), cutoff)
    if str(label) != expected:
        at = f" at the {float(threshold):.1%} cut-off" if threshold is not None else ""
        raise InvalidVerdict(
            f"the prediction shown {label!r} is not {where}'s decision{at}: {expected!r}"
        )
    model_label = shown.get("model_label")
    if model_label is not None and str(model_label) != own:
        raise InvalidVerdict(
            f"the model's own class shown {model_label!r} is not {where}'s: {own!r}"
        )
    if confidence is None:
        return
    column = PROBABILITY_PREFIX + expected
    stored = row.get(column, row.get("confidence") if expected == own else None)
    given = _float(confidence)
    if stored is None or given is None or not math.isclose(given, float(stored), abs_tol=1e-6):
        raise InvalidVerdict(
            f"the confidence shown {confidence!r} is not {where}'s chance of {expected!r}:"
            f" {stored!r}"
        )


def _check_right_value(
    proto: Prototype, label: Any, predicted: Any, confirmed: bool, row_id: Any = None
) -> None:
    """``InvalidVerdict`` for a regression's right value far outside the demo set's values
    (``model.right_values.far_value_reason``), and unless ``confirmed``, ``UnusualValue`` for
    one that asks for a second look (``unusual_value_reason``, against the row's prediction
    ``predicted`` and the recorded actual of the demo row ``row_id``). Text that is not a
    number is left to the store, which refuses it in its words."""
    value, shown = _float(label), _float(predicted)
    if value is None:
        return
    predictions = proto.predictions()
    reason = far_value_reason(value, predictions, proto.meta)
    if reason is not None:
        raise InvalidVerdict(reason)
    actual = row_actual(predictions, row_id)
    unusual = (
        None
        if confirmed
        else unusual_value_reason(value, shown, predictions, proto.meta, actual=actual)
    )
    if unusual is not None:
        raise UnusualValue(unusual)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def record_dispute(
    store: FeedbackStore,
    workspace: Workspace,
    *,
    sprint: str,
    prototype: str,
    version: int,
    content_id: str | None = None,
    **dispute: Any,
) -> int:
    """``store.dispute(...)`` for the prototype version the form showed (as ``record_verdict``)."""
    check_still_shown(workspace, sprint, prototype, version, content_id)
    shown = {"prototype_version": version, "prototype_content": content_id}
    return store.dispute(sprint=sprint, prototype=prototype, **shown, **dispute)


def edit_verdict(
    store: FeedbackStore,
    workspace: Workspace,
    verdict_id: int,
    *,
    sprint: str,
    prototype: str,
    version: int,
    content_id: str | None = None,
    **edit: Any,
) -> int:
    """``store.edit(verdict_id, ...)`` when the prototype is still the version the form showed.

    The edit keeps the prototype version of the verdict it changes; a form rendered from an
    older version than the prototype's is refused with ``PrototypeChanged``, nothing stored.
    Tags are written as ``record_verdict`` writes them.
    """
    confirmed = bool(edit.pop("value_confirmed", False))
    current = check_still_shown(workspace, sprint, prototype, version, content_id)
    label = edit.get("corrected_label")
    if label not in (None, "") and current.task == REGRESSION:
        last = store.history(verdict_id).iloc[-1]
        demo_row = last["row_id"] if last.get("source", "demo") == "demo" else None
        shown = (last["prediction"] or {}).get("label")
        _check_right_value(current, label, shown, confirmed, demo_row)
    return store.edit(verdict_id, **_with_known_tags(store, edit))


def _loose_tag(tag: str) -> str:
    """A tag up to letter case and spacing."""
    return " ".join(tag.split()).casefold()


def tag_spellings(known: Iterable[str]) -> dict[str, str]:
    """Each tag of ``known`` (``FeedbackStore.tags``) up to letter case and spacing, to the one
    spelling a verdict gets for it. Of two spellings already stored ("Roulement", "roulement")
    the first in plain text order is taken, so the page and the API choose the same one."""
    spellings: dict[str, str] = {}
    for tag in sorted(known):
        spellings.setdefault(_loose_tag(tag), tag)
    return spellings


def known_tags(tags: Any, known: Iterable[str]) -> Any:
    """``tags`` each written as the tag of ``known`` it matches up to letter case and spacing
    ("Roulement " as "roulement", ``tag_spellings``), each once up to letter case (the first
    given kept): one tag typed another way stays one tag, as a reviewer's name does
    (``FeedbackStore.known_reviewer``). Anything but a list of texts is handed back as it is,
    for the store to refuse in its words."""
    if tags is None or isinstance(tags, str) or not isinstance(tags, Iterable):
        return tags
    tags = list(tags)
    if not all(isinstance(tag, str) for tag in tags):
        return tags
    spellings = tag_spellings(known)
    written: dict[str, str] = {}
    for tag in tags:
        written.setdefault(_loose_tag(tag), spellings.get(_loose_tag(tag), tag))
    return list(written.values())


def _with_known_tags(store: FeedbackStore, verdict: dict[str, Any]) -> dict[str, Any]:
    """``verdict`` with its tags (if given) in the spellings stored already (``known_tags``)."""
    if verdict.get("tags") is None:
        return verdict
    return {**verdict, "tags": known_tags(verdict["tags"], store.tags())}


def on_version(proto: Prototype, verdict: Mapping[str, Any]) -> bool:
    """Whether ``verdict`` (a row of ``store.verdicts`` or ``row_history``) was given on
    ``proto``'s current version: its ``prototype_version`` is that version, or it has none
    (recorded before versions were kept) and was recorded after this version was published,
    so nothing else can have been on screen."""
    given = verdict.get("prototype_version")
    if given is not None and not pd.isna(given):
        # A version number can come back (the workspace's files restored from a backup while
        # feedback.db was kept): the content shown tells that publication from this one.
        content = verdict.get("prototype_content")
        known = content is not None and not pd.isna(content)
        return int(given) == proto.version and (not known or content == proto.content_id)
    recorded = verdict.get("recorded_at")
    if recorded is None or pd.isna(recorded):
        return False
    return pd.Timestamp(recorded) >= pd.Timestamp(proto.published_at)


def reviewed_rows(store: FeedbackStore, proto: Prototype, reviewer: str) -> set[str]:
    """Rows ``reviewer`` judged on ``proto``'s current version: ``review_queue``'s ``reviewed``.

    A verdict given on version 2 leaves the row in "not yet reviewed by me" for version 3; one
    recorded without its version, or on another publication under the same number, counts
    where ``on_version`` says so.
    """
    mine = store.verdicts(sprint=proto.sprint, prototype=proto.name, reviewer=reviewer)
    return {str(row["row_id"]) for row in mine.to_dict(orient="records") if on_version(proto, row)}


def earlier_verdicts(
    store: FeedbackStore, proto: Prototype, row_id: str, reviewer: str
) -> list[dict[str, Any]]:
    """``reviewer``'s last standing verdict on ``row_id`` on each other version of ``proto``.

    One dict per version, oldest first: ``prototype_version`` (None when the verdict was
    recorded without its version), ``verdict``, ``corrected_label``, ``comment``,
    ``recorded_at``, ``where`` ("on version 2", ``version_words``) and ``text``
    ("on version 2: wrong (should be 1)").
    """
    history = store.row_history(proto.sprint, proto.name, row_id, reviewer)
    last: dict[int | None, dict[str, Any]] = {}
    for row in history.to_dict(orient="records"):
        shown = row["prototype_version"]
        shown = None if pd.isna(shown) else int(shown)
        if not on_version(proto, row):
            last[shown] = {**row, "prototype_version": shown}
    found = []
    for shown, row in sorted(last.items(), key=lambda item: (item[0] is not None, item[0] or 0)):
        if row["verdict"] == "withdrawn":
            continue
        where = version_words(proto, shown)
        label = row["corrected_label"]
        text = f"{where}: {row['verdict']}" + (f" (should be {label})" if label else "")
        found.append(
            {
                "prototype_version": shown,
                "verdict": row["verdict"],
                "corrected_label": label,
                "comment": row["comment"],
                "recorded_at": row["recorded_at"],
                "where": where,
                "text": text,
            }
        )
    return found


def version_words(proto: Prototype, shown: int | None) -> str:
    """Where a verdict or dispute not on ``proto``'s current version was given, in words:
    "on version 2", "before versions were recorded", or "on an earlier publication of
    version 5" (a number that came back with a restore)."""
    if shown is None:
        return "before versions were recorded"
    if shown == proto.version:
        return f"on an earlier publication of version {shown}"
    return f"on version {shown}"


def card_disputes(
    store: FeedbackStore, proto: Prototype, row_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disputes of ``row_id`` on ``proto``: ``(here, elsewhere)``.

    ``here`` holds those given on the version on screen (``on_version``): the contributions
    they dispute are the card's. ``elsewhere`` holds those given on other versions, which
    were about another model's contributions, oldest version first, with ``where``
    ("on version 2", ``version_words``). Both are ``store.disputes`` rows, oldest first.
    """
    disputes = store.disputes(sprint=proto.sprint, prototype=proto.name)
    disputes = disputes[disputes["row_id"].astype(str) == str(row_id)]
    mask = [on_version(proto, row) for row in disputes.to_dict(orient="records")]
    here = disputes[pd.Series(mask, index=disputes.index, dtype=bool)].reset_index(drop=True)
    elsewhere = disputes[~pd.Series(mask, index=disputes.index, dtype=bool)].copy()
    shown = [None if pd.isna(v) else int(v) for v in elsewhere["prototype_version"]]
    elsewhere["where"] = [version_words(proto, v) for v in shown]
    elsewhere["_order"] = [-1 if v is None else v for v in shown]
    elsewhere = elsewhere.sort_values("_order", kind="stable").drop(columns="_order")
    return here, elsewhere.reset_index(drop=True)
