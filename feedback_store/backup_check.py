"""Whether a backup may become a workspace's feedback.db: its schema exactly what the
migrations create at the step it records, and every stored value one the store would write.

A backup is a file from anywhere. A trigger in it would run on every later write (the app's
too); without the append-only triggers verdicts could be deleted; a view or a missing column
breaks every command; a value the store never writes ("maybe", tags that are not JSON) breaks
every read. ``check_backup`` reads a copy the restore owns, writes nothing, and runs with
SQLite's ``trusted_schema`` off, so nothing in the file runs before it is known to be ours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from sqlite_utils import Database

from feedback_store.connection import StorageError
from feedback_store.migrations import migrations
from feedback_store.validation import (
    DISPUTE_KINDS,
    LABEL_MAX,
    ROW_ID_MAX,
    WITHDRAWN,
    InvalidVerdict,
    _check_correction,
    _check_next_version,
    _check_owner,
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
    _snapshot_json,
    _tags,
    _task,
    _verdict,
)

__all__ = ["check_backup", "refusal"]

#: Longest a refusal line gets: a hostile value is named, not printed whole.
_MESSAGE_MAX = 300
# The order problems are told in: what would run or stand in for ours first.
_KINDS = ("trigger", "view", "table", "index")
_Schema = dict[tuple[str, str], tuple[str, str | None]]


class _Refused(Exception):
    """What is wrong with the backup, in words (without the file's name)."""


def refusal(name: str, problem: str) -> StorageError:
    """The one-line error refusing the backup file ``name`` because of ``problem``."""
    problem = " ".join(problem.split())
    if len(problem) > _MESSAGE_MAX:
        problem = problem[: _MESSAGE_MAX - 1] + "…"
    return StorageError(f"{name}: {problem}: refusing to restore it; nothing was changed")


def check_backup(connection: sqlite3.Connection, name: str) -> None:
    """Raise ``refusal(name, ...)`` unless ``connection``'s database is one feedback_store
    could have written: the schema objects (tables with their columns and types, indexes,
    triggers, views) those the migrations create at the step it records, an intact file, and
    each row's values ones the store's own validation accepts."""
    try:
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA query_only = ON")
        _check(connection)
    except _Refused as problem:
        raise refusal(name, str(problem)) from None
    except sqlite3.Error as error:
        raise refusal(name, f"it cannot be read as an SQLite database ({error})") from None


def _check(connection: sqlite3.Connection) -> None:
    actual = _schema(connection)
    applied = _applied_steps(connection, actual)
    _compare(connection, actual, _expected_schema(applied), applied[-1])
    # The rows before the integrity check: a value the store would refuse is named as such.
    for table, check in _ROW_CHECKS.items():
        if ("table", table) in actual:
            for row in _rows(connection, table):
                try:
                    check(row)
                except InvalidVerdict as error:
                    raise _Refused(f"{table} row {row['id']}: {error}") from None
                except RecursionError:
                    raise _Refused(
                        f"{table} row {row['id']}: a value is nested too deeply"
                    ) from None
    _check_sequences(connection, actual)
    (result,) = connection.execute("PRAGMA integrity_check(1)").fetchone()
    if result != "ok":
        raise _Refused(f"it fails SQLite's integrity check ({result})")
    for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
        raise _Refused(f"{table} row {rowid} refers to a {parent} row that is not there")
    orphan = connection.execute(
        "SELECT id FROM verdicts v"
        " WHERE NOT EXISTS (SELECT 1 FROM verdict_versions WHERE verdict_id = v.id) LIMIT 1"
    ).fetchone()
    if orphan is not None:
        raise _Refused(f"verdict {orphan[0]} has no versions")
    _check_threads(connection)


# -- schema ------------------------------------------------------------------------------


def _schema(connection: sqlite3.Connection) -> _Schema:
    """Every schema object: ``(type, name)`` to ``(table, SQL with whitespace collapsed)``."""
    return {
        (kind, name): (table, _normalized(table, sql))
        for kind, name, table, sql in connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
        )
    }


def _normalized(table: str, sql: str | None) -> str | None:
    if sql is None:
        return None
    if table == migrations.migrations_table:
        # sqlite-utils writes this table's SQL, quoting names as its version does.
        sql = sql.translate(str.maketrans("", "", '"[]`'))
    return " ".join(sql.split())


def _applied_steps(connection: sqlite3.Connection, actual: _Schema) -> tuple[str, ...]:
    """The migrations the backup records, which must be the first of feedback_store's."""
    known = _steps()
    if ("table", migrations.migrations_table) not in actual:
        raise _Refused("it is not a Sprint Review feedback database (it records no schema step)")
    try:
        recorded = connection.execute(
            f"SELECT migration_set, name FROM {migrations.migrations_table} ORDER BY rowid"
        ).fetchall()
    except sqlite3.OperationalError as error:
        raise _Refused(
            f"its table {migrations.migrations_table!r} is not the one sqlite-utils keeps ({error})"
        ) from None
    for migration_set, step in recorded:
        if migration_set != migrations.name:
            raise _Refused(f"it records schema steps of {migration_set!r}, not of feedback_store")
        if step not in known:
            raise _Refused(
                f"its schema step {step!r} is not one this feedback_store knows (a backup from"
                " a newer version? restore it with that version)"
            )
    steps = tuple(step for _, step in recorded)
    if not steps:
        raise _Refused("it is not a Sprint Review feedback database (it records no schema step)")
    if steps != known[: len(steps)]:
        raise _Refused(
            f"its schema steps ({', '.join(steps)}) are not those feedback_store applies,"
            " in its order"
        )
    return steps


@functools.cache
def _steps() -> tuple[str, ...]:
    with _memory() as db:
        return tuple(migration.name for migration in migrations.pending(db))


@functools.cache
def _expected_schema(applied: tuple[str, ...]) -> _Schema:
    """The schema feedback_store's migrations create, stopped after ``applied``."""
    known = _steps()
    with _memory() as db:
        migrations.apply(db, stop_before=known[len(applied)] if applied != known else None)
        return _schema(db.conn)


@contextlib.contextmanager
def _memory() -> Iterator[Database]:
    """An empty in-memory database, closed at the end of the ``with``."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        yield Database(connection, execute_plugins=False)
    finally:
        connection.close()


def _compare(connection: sqlite3.Connection, actual: _Schema, expected: _Schema, step: str) -> None:
    at = f"at schema step {step}"
    for kind, name in _told(set(actual) - set(expected)):
        ours = next((k for k, n in expected if n == name and (k, n) not in actual), None)
        if ours is not None:
            raise _Refused(f"{kind} {name!r} stands where feedback_store has a {ours} {at}")
        raise _Refused(f"{kind} {name!r} is not one feedback_store creates {at}")
    for kind, name in _told(set(expected) - set(actual)):
        raise _Refused(f"{kind} {name!r}, which feedback_store creates {at}, is missing")
    for kind, name in _told(set(expected)):
        if actual[kind, name] == expected[kind, name]:
            continue
        if kind == "table" and not name.startswith("sqlite_"):
            _compare_columns(connection, name, expected[kind, name][1], at)
            raise _Refused(
                f"table {name!r} is not defined as feedback_store defines it {at} (a"
                " constraint or default differs)"
            )
        raise _Refused(f"{kind} {name!r} is not the one feedback_store creates {at}")


def _told(keys: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(keys, key=lambda key: (_KINDS.index(key[0]) if key[0] in _KINDS else 0, key[1]))


def _compare_columns(connection: sqlite3.Connection, table: str, sql: str | None, at: str) -> None:
    """Name a missing, extra or retyped column of ``table`` (defined as ``sql`` by us)."""
    with _memory() as db:
        if sql is not None:
            db.execute(sql)
        wanted = _columns(db.conn, table)
    found = _columns(connection, table)
    for column in wanted:
        if column not in found:
            raise _Refused(
                f"table {table!r} lacks column {column!r}, which feedback_store creates {at}"
            )
    for column, kind in found.items():
        if column not in wanted:
            raise _Refused(
                f"table {table!r} has a column {column!r} feedback_store does not create"
            )
        if kind != wanted[column]:
            raise _Refused(
                f"column {column!r} of table {table!r} is {kind or 'untyped'}, feedback_store"
                f" makes it {wanted[column] or 'untyped'}"
            )


def _columns(connection: sqlite3.Connection, table: str) -> dict[str, str]:
    return {
        name: kind
        for name, kind in connection.execute(
            "SELECT name, type FROM pragma_table_xinfo(?)", [table]
        )
    }


# -- rows ----------------------------------------------------------------------------------


def _rows(connection: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    # ``table`` is one of _ROW_CHECKS' names, never the backup's.
    cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")
    names = [column[0] for column in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def _verdict_row(row: dict[str, Any]) -> None:
    _name("sprint", row["sprint"])
    _name("prototype", row["prototype"])
    row_id = _required_text("row_id", row["row_id"], ROW_ID_MAX)
    _reviewer(row["created_by"])
    _time("created_at", row["created_at"])
    # An own case's id is a hash of the features its first version saw; the source and the
    # prefix are what every reader relies on.
    if row.get("source", "demo") != "own":
        _check_source(row.get("source", "demo"), row_id, None)


def _version_row(row: dict[str, Any]) -> None:
    version = row["version"]
    if not isinstance(version, int) or version < 1:
        raise InvalidVerdict(f"version must be a whole number from 1, got {version!r}")
    _reviewer(row["reviewer"])
    verdict = row["verdict"]
    _task(row.get("task"))
    if verdict == WITHDRAWN:
        if row["corrected_label"] is not None:
            _clean_text("corrected_label", _label_text(row["corrected_label"]), LABEL_MAX)
    else:
        # Not checked against the task: a version carries the task of an earlier one over,
        # and record() checks a regression label only when given the task.
        _corrected_label(row["corrected_label"], _verdict(verdict), None)
    _comment(row["comment"])
    tags = _json("tags", row["tags"])
    if not isinstance(tags, list):
        raise InvalidVerdict(f"tags must be a JSON list of strings, got {row['tags']!r}")
    _tags(tags)
    _snapshot_json("features", _features(_json("features", row.get("features"))))
    _snapshot_json("prediction", _prediction(_json("prediction", row.get("prediction"))))
    _key(row["key"])
    _time("recorded_at", row["recorded_at"])
    _prototype_version(row.get("prototype_version"))
    _prototype_content(row.get("prototype_content"))


def _dispute_row(row: dict[str, Any]) -> None:
    _name("sprint", row["sprint"])
    _name("prototype", row["prototype"])
    _required_text("row_id", row["row_id"], ROW_ID_MAX)
    _reviewer(row["reviewer"])
    _required_text("feature", row["feature"], LABEL_MAX)
    if row["kind"] not in DISPUTE_KINDS:
        raise InvalidVerdict(f"kind must be one of {', '.join(DISPUTE_KINDS)}; got {row['kind']!r}")
    _finite_number("shap_value", row["shap_value"])
    _comment(row["comment"])
    _key(row["key"])
    _time("recorded_at", row["recorded_at"])
    _prototype_version(row.get("prototype_version"))
    _prototype_content(row.get("prototype_content"))


_ROW_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "verdicts": _verdict_row,
    "verdict_versions": _version_row,
    "disputes": _dispute_row,
}


def _check_threads(connection: sqlite3.Connection) -> None:
    """Each verdict's versions as the store appends them: numbered 1, 2, 3..., all by the
    reviewer who recorded the verdict, and no 'wrong' verdict corrected to the prediction
    it was given with (a prediction carried over from the version before is not given)."""
    cursor = connection.execute(
        "SELECT x.id, x.verdict_id, x.version, x.reviewer, x.verdict, x.corrected_label,"
        " x.prediction, x.task, v.created_by FROM verdict_versions x"
        " JOIN verdicts v ON v.id = x.verdict_id ORDER BY x.verdict_id, x.version"
    )
    thread, previous, carried = None, 0, None
    for row_id, verdict_id, version, reviewer, verdict, label, prediction, task, owner in cursor:
        if verdict_id != thread:
            thread, previous, carried = verdict_id, 0, None
        try:
            _check_next_version(version, previous)
            _check_owner(owner, reviewer)
            if verdict != WITHDRAWN and prediction is not None and prediction != carried:
                _check_correction(label, verdict, json.loads(prediction), task)
        except InvalidVerdict as error:
            raise _Refused(
                f"verdict_versions row {row_id} (verdict {verdict_id}): {error}"
            ) from None
        previous, carried = version, prediction


def _json(field: str, text: Any) -> Any:
    """The value stored as JSON text in ``field`` (None for SQL NULL)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidVerdict(f"{field} must be JSON text, got {type(text).__name__}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidVerdict(f"{field} is not JSON: {text!r}") from None


def _time(field: str, value: Any) -> None:
    try:
        dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidVerdict(f"{field} must be an ISO 8601 time, got {value!r}") from None


def _check_sequences(connection: sqlite3.Connection, actual: _Schema) -> None:
    """AUTOINCREMENT counters: of our tables, and below no id already given out."""
    if ("table", "sqlite_sequence") not in actual:
        return
    for table, seq in connection.execute("SELECT name, seq FROM sqlite_sequence").fetchall():
        if table not in _ROW_CHECKS or ("table", table) not in actual:
            raise _Refused(f"sqlite_sequence counts ids of {table!r}, not a feedback_store table")
        (top,) = connection.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()
        if not isinstance(seq, int) or not top <= seq < 2**62:
            raise _Refused(f"sqlite_sequence holds {seq!r} for {table}, whose largest id is {top}")
