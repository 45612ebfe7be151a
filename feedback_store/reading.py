"""Reading verdicts and disputes: current verdicts, histories, counts, tags, reviewed rows.

The current verdict of a thread is its version with the highest number; ``_current_sql``
selects those and is shared with the export.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from feedback_store.connection import Connection
from feedback_store.validation import (
    REVIEWER_KEY_SQL,
    VERDICTS,
    WITHDRAWN,
    InvalidVerdict,
    _filter_value,
    _prototype_version,
    _reviewer,
    _verdict,
    _verdict_id,
    reviewer_key,
)

_VERSION_COLUMNS = f"""
    v.id AS verdict_id, x.version, x.id AS version_id, v.sprint, v.prototype, v.row_id,
    {REVIEWER_KEY_SQL.format("x.reviewer")} AS reviewer, x.verdict, x.corrected_label,
    x.comment, x.tags, x.task, x.features, x.prediction, x.key, v.source, v.created_at,
    x.recorded_at, x.prototype_version, x.prototype_content
"""
_FRAME_COLUMNS = [
    "verdict_id", "version", "version_id", "sprint", "prototype", "row_id", "reviewer",
    "verdict", "corrected_label", "comment", "tags", "task", "features", "prediction", "key",
    "source", "created_at", "recorded_at", "prototype_version", "prototype_content",
]  # fmt: skip
_DISPUTE_COLUMNS = [
    "dispute_id", "sprint", "prototype", "row_id", "reviewer", "feature", "kind", "shap_value",
    "comment", "key", "recorded_at", "prototype_version", "prototype_content",
]  # fmt: skip
# Of two threads whose reviewer names fold to one e-mail (written before names were folded),
# the one written last holds the reviewer's current verdict.
_NOT_SUPERSEDED = """(instr(v.created_by, '@') = 0 OR NOT EXISTS (
    SELECT 1 FROM verdicts w JOIN verdict_versions y ON y.verdict_id = w.id
    WHERE w.sprint = v.sprint AND w.prototype = v.prototype AND w.row_id = v.row_id
    AND w.id != v.id AND lower(w.created_by) = lower(v.created_by) AND y.id > x.id))"""
_DISPUTE_COUNT_COLUMNS = ["sprint", "prototype", "feature", "kind", "count", "rows", "reviewers"]


class VerdictReader(Connection):
    """The reading half of ``FeedbackStore``; agreement and resolution need only this."""

    def verdicts(
        self,
        sprint: str | None = None,
        prototype: str | None = None,
        reviewer: str | None = None,
        *,
        include_withdrawn: bool = False,
        prototype_version: int | None = None,
    ) -> pd.DataFrame:
        """The current version of each verdict, one row per verdict, oldest verdict first.

        ``prototype_version`` keeps the verdicts given on that version of the prototype
        (verdicts whose version is unknown, recorded before versions were kept, never match).
        """
        sql, params = _current_sql(
            sprint, prototype, reviewer, include_withdrawn, prototype_version=prototype_version
        )
        return _frame(self._read(sql, params))

    def history(self, verdict_id: int) -> pd.DataFrame:
        """Every version of one verdict, oldest first (withdrawn versions included)."""
        verdict_id = _verdict_id(verdict_id)
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM verdicts v"
            " JOIN verdict_versions x ON x.verdict_id = v.id"
            " WHERE v.id = ? ORDER BY x.version",
            [verdict_id],
        )
        if not rows:
            raise InvalidVerdict(f"no verdict with id {verdict_id}")
        return _frame(rows)

    def row_history(self, sprint: str, prototype: str, row_id: str, reviewer: str) -> pd.DataFrame:
        """Every version of one reviewer's verdict on one row, oldest first.

        ``prototype_version`` says which version of the prototype each was given on (None:
        unknown), so a page can show "on version 2: wrong" beside the current card. Empty
        when the reviewer never judged the row.
        """
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM verdicts v"
            " JOIN verdict_versions x ON x.verdict_id = v.id"
            " WHERE v.sprint = ? AND v.prototype = ? AND v.row_id = ?"
            f" AND {REVIEWER_KEY_SQL.format('v.created_by')} = ? ORDER BY x.id",
            [
                _filter_value(sprint),
                _filter_value(prototype),
                _filter_value(row_id),
                _reviewer(reviewer),
            ],
        )
        return _frame(rows)

    def counts(self, sprint: str | None = None) -> dict[str, int]:
        """Current verdicts by kind, with the total and the number of distinct reviewers."""
        sql, params = _current_sql(sprint, None, None, include_withdrawn=False)
        rows = self._read(f"SELECT verdict, COUNT(*) AS n FROM ({sql}) GROUP BY verdict", params)
        reviewers = self._read(f"SELECT COUNT(DISTINCT reviewer) AS n FROM ({sql})", params)
        by_verdict = {row["verdict"]: row["n"] for row in rows}
        result = {name: by_verdict.get(name, 0) for name in VERDICTS}
        result["total"] = sum(result.values())
        result["reviewers"] = reviewers[0]["n"]
        return result

    def stamp(self) -> tuple[int, int]:
        """``(number of verdicts, newest version id)``, withdrawn verdicts included.

        A record, an edit or a withdrawal changes it and nothing else does, so caches keyed by
        it are read again only after one. Equal to counting ``verdicts(include_withdrawn=True)``
        and taking the largest ``version_id``, in one query that reads no verdict rows (a
        thread superseded by another of the same e-mail in another case is counted too).
        """
        # Every thread gets its first version in the same transaction, so counting threads
        # counts current verdicts; a thread's newest version has its highest id.
        row = self._read(
            "SELECT (SELECT COUNT(*) FROM verdicts) AS verdicts,"
            " (SELECT COALESCE(MAX(id), 0) FROM verdict_versions) AS newest",
            [],
        )[0]
        return row["verdicts"], row["newest"]

    def known_reviewer(self, name: str) -> str | None:
        """The spelling under which a reviewer named ``name`` up to letter case and spacing
        ("Ana ", "ANA" for "ana") recorded verdicts or disputes, the first recorded if several;
        None if nobody did. One person typing their name another way stays one reviewer."""
        wanted = _loose_name(name)
        if not wanted:
            return None
        rows = self._read(
            "SELECT reviewer, MIN(recorded_at) AS first FROM ("
            " SELECT reviewer, recorded_at FROM verdict_versions"
            " UNION ALL SELECT reviewer, recorded_at FROM disputes"
            ") GROUP BY reviewer ORDER BY first, reviewer",
            [],
        )
        return next((r["reviewer"] for r in rows if _loose_name(r["reviewer"]) == wanted), None)

    def tags(self) -> list[str]:
        """Every tag on a current (not withdrawn) verdict, sorted case-insensitively.

        One query: SQLite lists the tags of each verdict's current version, so no verdict row
        is read into Python (the SME review's tag list after each new verdict).
        """
        sql, params = _current_sql(None, None, None, include_withdrawn=False, columns="x.tags")
        rows = self._read(
            f"SELECT DISTINCT tag.value AS tag FROM ({sql}) AS current,"
            " json_each(current.tags) AS tag",
            params,
        )
        return sorted((row["tag"] for row in rows), key=str.casefold)

    def reviewed_row_ids(
        self,
        sprint: str,
        prototype: str,
        reviewer: str | None = None,
        *,
        prototype_version: int | None = None,
    ) -> set[str]:
        """Row ids with a current (not withdrawn) verdict, optionally by one reviewer.

        With ``prototype_version``, only rows whose current verdict was given on that version:
        a row judged on version 2 is not reviewed for version 3.
        """
        sql, params = _current_sql(
            sprint, prototype, reviewer, False, prototype_version=prototype_version
        )
        return {row["row_id"] for row in self._read(f"SELECT row_id FROM ({sql})", params)}

    def own_cases(self) -> dict[str, str]:
        """Each own case's row id and when a verdict on it was first recorded (ISO 8601, UTC),
        oldest first; withdrawn verdicts count (the case was entered)."""
        rows = self._read(
            "SELECT row_id, MIN(created_at) AS entered FROM verdicts WHERE source = 'own'"
            " GROUP BY row_id ORDER BY entered, row_id",
            [],
        )
        return {row["row_id"]: row["entered"] for row in rows}

    def disputes(self, sprint: str | None = None, prototype: str | None = None) -> pd.DataFrame:
        """Every dispute recorded, oldest first."""
        where, params = _prototype_filter(sprint, prototype)
        rows = self._read(
            "SELECT id AS dispute_id, sprint, prototype, row_id,"
            f" {REVIEWER_KEY_SQL.format('reviewer')} AS reviewer, feature, kind,"
            " shap_value, comment, key, recorded_at, prototype_version, prototype_content"
            f" FROM disputes WHERE {where} ORDER BY id",
            params,
        )
        return _with_versions(pd.DataFrame(rows, columns=_DISPUTE_COLUMNS))

    def dispute_counts(
        self, sprint: str | None = None, prototype: str | None = None
    ) -> pd.DataFrame:
        """How often each (feature, kind) was disputed, per sprint and prototype, most first.

        ``count`` counts a reviewer's dispute of one feature on one row once, however often
        it was recorded; ``rows`` and ``reviewers`` count distinct rows and reviewers.
        """
        where, params = _prototype_filter(sprint, prototype)
        rows = self._read(
            "SELECT sprint, prototype, feature, kind, COUNT(*) AS count,"
            " COUNT(DISTINCT row_id) AS rows, COUNT(DISTINCT reviewer) AS reviewers"
            " FROM (SELECT DISTINCT sprint, prototype, row_id,"
            f" {REVIEWER_KEY_SQL.format('reviewer')} AS reviewer, feature, kind"
            f" FROM disputes WHERE {where})"
            " GROUP BY sprint, prototype, feature, kind"
            " ORDER BY sprint, prototype, count DESC, feature, kind",
            params,
        )
        return pd.DataFrame(rows, columns=_DISPUTE_COUNT_COLUMNS)


def _current_sql(
    sprint: str | None,
    prototype: str | None,
    reviewer: str | None,
    include_withdrawn: bool,
    verdict: str | None = None,
    columns: str = _VERSION_COLUMNS,
    prototype_version: int | None = None,
) -> tuple[str, list[Any]]:
    where = [
        "x.version = (SELECT MAX(version) FROM verdict_versions WHERE verdict_id = v.id)",
        _NOT_SUPERSEDED,
    ]
    params: list[Any] = []
    for column, value in (("v.sprint", sprint), ("v.prototype", prototype)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(_filter_value(value))
    if reviewer is not None:
        name = reviewer_key(_filter_value(reviewer))
        where.append("lower(v.created_by) = ?" if "@" in name else "v.created_by = ?")
        params.append(name)
    if prototype_version is not None:
        where.append("x.prototype_version = ?")
        params.append(_prototype_version(prototype_version))
    if not include_withdrawn:
        where.append("x.verdict != ?")
        params.append(WITHDRAWN)
    if verdict is not None:
        where.append("x.verdict = ?")
        params.append(_verdict(verdict))
    sql = (
        f"SELECT {columns} FROM verdicts v"
        " JOIN verdict_versions x ON x.verdict_id = v.id"
        f" WHERE {' AND '.join(where)} ORDER BY v.id"
    )
    return sql, params


def _loose_name(name: str) -> str:
    """A name up to letter case and spacing."""
    return " ".join(str(name).split()).casefold()


def _prototype_filter(sprint: str | None, prototype: str | None) -> tuple[str, list[Any]]:
    where, params = ["1 = 1"], []
    for column, value in (("sprint", sprint), ("prototype", prototype)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(_filter_value(value))
    return " AND ".join(where), params


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    for row in rows:
        row["tags"] = json.loads(row["tags"])
        row["features"] = json.loads(row["features"]) if row["features"] else None
        row["prediction"] = json.loads(row["prediction"]) if row["prediction"] else None
    return _with_versions(pd.DataFrame(rows, columns=_FRAME_COLUMNS))


def _with_versions(frame: pd.DataFrame) -> pd.DataFrame:
    # Whole numbers with gaps (versions not recorded): 2 stays 2, not 2.0.
    frame["prototype_version"] = frame["prototype_version"].astype("Int64")
    return frame
