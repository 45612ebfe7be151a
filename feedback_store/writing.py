"""Recording verdicts and disputes: append-only threads of versions.

A verdict is a *thread*: one row in ``verdicts`` per (sprint, prototype, row_id, reviewer),
and an append-only list of versions in ``verdict_versions``. Recording again on a row you
already reviewed, editing and withdrawing all append a version; nothing a user typed is ever
updated or deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from feedback_store.connection import Connection, _first
from feedback_store.validation import (
    DISPUTE_KINDS,
    LABEL_MAX,
    REVIEWER_KEY_SQL,
    ROW_ID_MAX,
    WITHDRAWN,
    InvalidVerdict,
    _check_correction,
    _check_source,
    _clean_text,
    _comment,
    _corrected_label,
    _features,
    _finite_number,
    _key,
    _label_text,
    _name,
    _prediction,
    _prototype_content,
    _prototype_version,
    _required_text,
    _reviewer,
    _row_id,
    _snapshot_json,
    _tags,
    _task,
    _verdict,
    _verdict_id,
    reviewer_key,
)

_DISPUTE_IDENTITY = ["sprint", "prototype", "row_id", "reviewer", "feature", "kind"]


class VerdictWriter(Connection):
    """The writing half of ``FeedbackStore``: record, edit, withdraw, dispute."""

    def record(
        self,
        *,
        sprint: str,
        prototype: str,
        row_id: str,
        reviewer: str,
        verdict: str,
        corrected_label: str | None = None,
        comment: str | None = None,
        tags: Iterable[str] | None = None,
        key: str | None = None,
        features: Mapping[str, Any] | None = None,
        prediction: Mapping[str, Any] | None = None,
        task: str | None = None,
        source: str = "demo",
        prototype_version: int | None = None,
        prototype_content: str | None = None,
    ) -> int:
        """Record a reviewer's verdict on one predicted row and return the verdict id.

        A reviewer has one verdict per (sprint, prototype, row_id): recording again appends
        a new version to it (and revives it if withdrawn); snapshots not given are carried
        over. A ``key`` already stored returns the same id without writing anything.

        ``source="own"`` marks a case the SME entered themselves ("try your own case"): it
        needs ``features`` and ``row_id=own_case_id(features)``. Demo rows (the default)
        cannot use row ids starting with "own:".

        ``prototype_version`` and ``prototype_content`` say which publish of the prototype
        the reviewer saw (its version number and content id); without them the verdict's
        version is unknown. A reviewer named by e-mail is stored case-folded
        (``feedback_store.reviewer_key``). A 'wrong' verdict whose corrected label is the
        prediction shown is refused.
        """
        sprint = _name("sprint", sprint)
        prototype = _name("prototype", prototype)
        row_id = _required_text("row_id", _row_id(row_id), ROW_ID_MAX)
        reviewer = _reviewer(reviewer)
        verdict = _verdict(verdict)
        task = _task(task)
        label = _corrected_label(corrected_label, verdict, task)
        comment_text = _comment(comment)
        tag_list = _tags(tags)
        key = _key(key)
        feature_values = _features(features)
        _check_source(source, row_id, feature_values)
        features_json = _snapshot_json("features", feature_values)
        shown = _prediction(prediction)
        prediction_json = _snapshot_json("prediction", shown)
        version = _prototype_version(prototype_version)
        content = _prototype_content(prototype_content)
        if shown is not None:
            _check_correction(label, verdict, shown, task)

        def work(db: sqlite3.Connection) -> int:
            if key is not None and (hit := _key_hit(db, key)) is not None:
                if (hit["sprint"], hit["prototype"], hit["row_id"], hit["reviewer"]) != (
                    sprint,
                    prototype,
                    row_id,
                    reviewer,
                ):
                    raise InvalidVerdict(
                        f"key {key!r} was already used for verdict {hit['verdict_id']} on "
                        "another row or by another reviewer; use a new key for each verdict"
                    )
                return hit["verdict_id"]
            thread = _thread(db, sprint, prototype, row_id, reviewer)
            if thread is None:
                verdict_id = db.execute(
                    "INSERT INTO verdicts"
                    " (sprint, prototype, row_id, created_by, created_at, source)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [sprint, prototype, row_id, reviewer, _now(), source],
                ).lastrowid
                previous: dict[str, Any] = {}
            else:
                verdict_id = thread["id"]
                previous = _latest(db, verdict_id)
            _append(
                db,
                verdict_id,
                version=previous.get("version", 0) + 1,
                reviewer=reviewer,
                verdict=verdict,
                corrected_label=label,
                comment=comment_text,
                tags=tag_list,
                features=features_json or previous.get("features"),
                prediction=prediction_json or previous.get("prediction"),
                task=task or previous.get("task"),
                key=key,
                prototype_version=version,
                prototype_content=content,
            )
            return verdict_id

        return self._write(work)

    def edit(
        self,
        verdict_id: int,
        *,
        reviewer: str,
        verdict: str | None = None,
        corrected_label: str | None = None,
        comment: str | None = None,
        tags: Iterable[str] | None = None,
        key: str | None = None,
    ) -> int:
        """Append a new version to a verdict and return the new version id.

        Arguments left as None keep their current value ("" clears a comment or label, []
        clears tags); a change to "correct" drops the corrected label. Editing a withdrawn
        verdict restores it. Only the reviewer who recorded a verdict may edit it.
        """
        verdict_id = _verdict_id(verdict_id)
        reviewer = _reviewer(reviewer)
        verdict = None if verdict is None else _verdict(verdict)
        comment_text = None if comment is None else _comment(comment)
        tag_list = None if tags is None else _tags(tags)
        key = _key(key)
        if corrected_label is not None:
            _clean_text("corrected_label", _label_text(corrected_label), LABEL_MAX)

        def work(db: sqlite3.Connection) -> int:
            _owned_thread(db, verdict_id, reviewer)
            if key is not None and (hit := _version_for_key(db, key, verdict_id)) is not None:
                return hit
            latest = _latest(db, verdict_id)
            base = latest if latest["verdict"] != WITHDRAWN else _latest_standing(db, verdict_id)
            new_verdict = verdict or base["verdict"]
            if corrected_label is not None:
                label = corrected_label
            else:
                label = None if new_verdict == "correct" else base["corrected_label"]
            label = _corrected_label(label, new_verdict, base["task"])
            if base["prediction"]:
                _check_correction(label, new_verdict, json.loads(base["prediction"]), base["task"])
            # An edit changes what the reviewer said about the same screen: the snapshots
            # and the prototype version shown stay those of the version edited.
            return _append(
                db,
                verdict_id,
                version=latest["version"] + 1,
                reviewer=reviewer,
                verdict=new_verdict,
                corrected_label=label,
                comment=base["comment"] if comment_text is None else comment_text,
                tags=json.loads(base["tags"]) if tag_list is None else tag_list,
                features=base["features"],
                prediction=base["prediction"],
                task=base["task"],
                key=key,
                prototype_version=base["prototype_version"],
                prototype_content=base["prototype_content"],
            )

        return self._write(work)

    def withdraw(self, verdict_id: int, *, reviewer: str, key: str | None = None) -> int:
        """Withdraw a verdict by appending a "withdrawn" version; return its version id.

        History is kept. Withdrawing an already withdrawn verdict writes nothing.
        """
        verdict_id = _verdict_id(verdict_id)
        reviewer = _reviewer(reviewer)
        key = _key(key)

        def work(db: sqlite3.Connection) -> int:
            _owned_thread(db, verdict_id, reviewer)
            if key is not None and (hit := _version_for_key(db, key, verdict_id)) is not None:
                return hit
            latest = _latest(db, verdict_id)
            if latest["verdict"] == WITHDRAWN:
                return latest["version_id"]
            return _append(
                db,
                verdict_id,
                version=latest["version"] + 1,
                reviewer=reviewer,
                verdict=WITHDRAWN,
                corrected_label=None,
                comment="",
                tags=[],
                features=latest["features"],
                prediction=latest["prediction"],
                task=latest["task"],
                key=key,
                prototype_version=latest["prototype_version"],
                prototype_content=latest["prototype_content"],
            )

        return self._write(work)

    def dispute(
        self,
        *,
        sprint: str,
        prototype: str,
        row_id: str,
        reviewer: str,
        feature: str,
        kind: str,
        shap_value: float,
        comment: str | None = None,
        key: str | None = None,
        prototype_version: int | None = None,
        prototype_content: str | None = None,
    ) -> int:
        """Record "right answer, wrong reason" about one feature's contribution; return its id.

        ``kind`` is one of DISPUTE_KINDS; ``shap_value`` is the contribution the reviewer was
        shown. Disputes are append-only. A ``key`` already stored returns the same id without
        writing anything. ``prototype_version`` and ``prototype_content`` are as in
        ``record``.
        """
        sprint = _name("sprint", sprint)
        prototype = _name("prototype", prototype)
        row_id = _required_text("row_id", _row_id(row_id), ROW_ID_MAX)
        reviewer = _reviewer(reviewer)
        feature = _required_text("feature", feature, LABEL_MAX)
        if kind not in DISPUTE_KINDS:
            raise InvalidVerdict(f"kind must be one of {', '.join(DISPUTE_KINDS)}; got {kind!r}")
        shap = _finite_number("shap_value", shap_value)
        comment_text = _comment(comment)
        key = _key(key)
        identity = (sprint, prototype, row_id, reviewer, feature, kind)
        shown = (_prototype_version(prototype_version), _prototype_content(prototype_content))

        def work(db: sqlite3.Connection) -> int:
            if key is not None:
                hit = _first(db, "SELECT * FROM disputes WHERE key = ?", [key])
                if hit is not None:
                    hit["reviewer"] = reviewer_key(hit["reviewer"])
                    if tuple(hit[c] for c in _DISPUTE_IDENTITY) != identity:
                        raise InvalidVerdict(
                            f"key {key!r} was already used for dispute {hit['id']} about"
                            " another row, feature or kind; use a new key for each dispute"
                        )
                    return hit["id"]
            return db.execute(
                "INSERT INTO disputes (sprint, prototype, row_id, reviewer, feature, kind,"
                " shap_value, comment, key, recorded_at, prototype_version, prototype_content)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*identity, shap, comment_text, key, _now(), *shown],
            ).lastrowid

        return self._write(work)


def _latest(db: sqlite3.Connection, verdict_id: int) -> dict[str, Any]:
    row = _first(
        db,
        "SELECT *, id AS version_id FROM verdict_versions"
        " WHERE verdict_id = ? ORDER BY version DESC LIMIT 1",
        [verdict_id],
    )
    assert row is not None
    return row


def _latest_standing(db: sqlite3.Connection, verdict_id: int) -> dict[str, Any]:
    row = _first(
        db,
        "SELECT * FROM verdict_versions WHERE verdict_id = ? AND verdict != ?"
        " ORDER BY version DESC LIMIT 1",
        [verdict_id, WITHDRAWN],
    )
    assert row is not None
    return row


def _key_hit(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    return _first(
        db,
        "SELECT x.id AS version_id, x.verdict_id, v.sprint, v.prototype, v.row_id,"
        f" {REVIEWER_KEY_SQL.format('v.created_by')} AS reviewer"
        " FROM verdict_versions x JOIN verdicts v ON v.id = x.verdict_id WHERE x.key = ?",
        [key],
    )


def _thread(
    db: sqlite3.Connection, sprint: str, prototype: str, row_id: str, reviewer: str
) -> dict[str, Any] | None:
    """The reviewer's thread on a row: for an e-mail, the one written last of those whose
    name folds to it (names stored before folding may differ in case)."""
    if "@" not in reviewer:
        return _first(
            db,
            "SELECT id FROM verdicts"
            " WHERE sprint = ? AND prototype = ? AND row_id = ? AND created_by = ?",
            [sprint, prototype, row_id, reviewer],
        )
    return _first(
        db,
        "SELECT v.id FROM verdicts v WHERE v.sprint = ? AND v.prototype = ? AND v.row_id = ?"
        " AND lower(v.created_by) = ?"
        " ORDER BY (SELECT MAX(id) FROM verdict_versions WHERE verdict_id = v.id) DESC LIMIT 1",
        [sprint, prototype, row_id, reviewer],
    )


def _version_for_key(db: sqlite3.Connection, key: str, verdict_id: int) -> int | None:
    hit = _key_hit(db, key)
    if hit is None:
        return None
    if hit["verdict_id"] != verdict_id:
        raise InvalidVerdict(
            f"key {key!r} was already used for verdict {hit['verdict_id']}, not {verdict_id};"
            " use a new key for each change"
        )
    return hit["version_id"]


def _owned_thread(db: sqlite3.Connection, verdict_id: int, reviewer: str) -> None:
    thread = _first(db, "SELECT created_by FROM verdicts WHERE id = ?", [verdict_id])
    if thread is None:
        raise InvalidVerdict(f"no verdict with id {verdict_id}")
    if reviewer_key(thread["created_by"]) != reviewer:
        raise InvalidVerdict(
            f"verdict {verdict_id} belongs to {thread['created_by']!r}, so {reviewer!r} cannot"
            " change it; record your own verdict on that row instead"
        )


def _append(
    db: sqlite3.Connection,
    verdict_id: int,
    *,
    version: int,
    reviewer: str,
    verdict: str,
    corrected_label: str | None,
    comment: str,
    tags: list[str],
    features: str | None,
    prediction: str | None,
    task: str | None,
    key: str | None,
    prototype_version: int | None,
    prototype_content: str | None,
) -> int:
    return db.execute(
        "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, corrected_label,"
        " comment, tags, features, prediction, task, key, recorded_at, prototype_version,"
        " prototype_content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            verdict_id,
            version,
            reviewer,
            verdict,
            corrected_label,
            comment,
            json.dumps(tags, ensure_ascii=False),
            features,
            prediction,
            task,
            key,
            _now(),
            prototype_version,
            prototype_content,
        ],
    ).lastrowid


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
