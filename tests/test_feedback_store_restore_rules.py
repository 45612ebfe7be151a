"""restore accepts a backup row only if the store itself would write it: the same rules
(feedback_store.validation) refuse the row, in one line naming the table, the row and the rule,
and the live database stays byte for byte as it was."""

import json
import sqlite3
from pathlib import Path

import pytest

import feedback_store

REFUSED = ": refusing to restore it; nothing was changed"
TIME = "2026-12-05T10:00:00+00:00"


@pytest.fixture
def live(tmp_path):
    """A workspace with one verdict (ana's, verdict 1) and a backup of it."""
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S1", prototype="rf", row_id="1", reviewer="ana", verdict="correct",
                 prediction={"label": "0", "confidence": 0.9}, task="binary")  # fmt: skip
    feedback_store.backup(store, tmp_path / "backup.db")
    yield tmp_path / "ws", tmp_path / "backup.db"
    del store  # open until the test ends, as a running app keeps it


def add_thread(path: Path, *, sprint="S1", created_by="mallory", reviewer=None, version=1,
               verdict="wrong", label="1", prediction=None, prototype_version=None):  # fmt: skip
    """Insert a verdict with one version straight into the backup, as a forger would."""
    prediction = {"label": "0", "confidence": 0.9} if prediction is None else prediction
    with sqlite3.connect(path) as connection:
        verdict_id = connection.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at, source)"
            " VALUES (?, 'rf', '2', ?, ?, 'demo')",
            [sprint, created_by, TIME],
        ).lastrowid
        add_version(connection, verdict_id, version, reviewer or created_by, verdict, label,
                    prediction, prototype_version)  # fmt: skip
    connection.close()


def add_version(connection, verdict_id, version, reviewer, verdict, label, prediction, pv):
    connection.execute(
        "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, corrected_label,"
        " comment, tags, recorded_at, prediction, task, prototype_version)"
        " VALUES (?, ?, ?, ?, ?, '', '[]', ?, ?, 'binary', ?)",
        [verdict_id, version, reviewer, verdict, label, TIME, json.dumps(prediction), pv],
    )


REFUSED_ROWS = {
    "a 'wrong' verdict corrected to the prediction shown": (
        dict(label="0"),
        "verdict_versions row 2 (verdict 2): the corrected label '0' is what the model predicted",
    ),
    "a sprint name that climbs out of the workspace": (
        dict(sprint="../../../etc"),
        "verdicts row 2: sprint '../../../etc' contains a slash",
    ),
    "a version by someone other than the verdict's reviewer": (
        dict(created_by="alice", reviewer="bob"),
        "verdict_versions row 2 (verdict 2): it is by 'bob' but the verdict belongs to 'alice'",
    ),
    "a prototype version of 10^15": (
        dict(prototype_version=10**15),
        "verdict_versions row 2: prototype_version must be the whole number of the version"
        " shown (1 to 1,000,000), got 1000000000000000",
    ),
    "a thread starting at version 7": (
        dict(version=7),
        "verdict_versions row 2 (verdict 2): it is version 7 where version 1 comes next",
    ),
    "a confidence of 77": (
        dict(prediction={"label": "=HYPERLINK(1)", "confidence": 77}),
        "verdict_versions row 2: the prediction's confidence must be a chance from 0 to 1",
    ),
}


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith("-shm")
    }


@pytest.mark.parametrize("case", REFUSED_ROWS)
def test_restore_refuses_a_row_the_store_would_not_write(live, case):
    workspace, backup = live
    values, words = REFUSED_ROWS[case]
    add_thread(backup, **values)
    before = files(workspace)

    with pytest.raises(feedback_store.StorageError) as refused:
        feedback_store.restore(backup, workspace, force=True)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"backup.db: {words}"), message
    assert message.endswith(REFUSED)
    assert files(workspace) == before


@pytest.mark.parametrize("values", [{"confidence": 77}, {"version": 10**15}])
def test_the_store_refuses_the_same_values_when_recording(tmp_path, values):
    store = feedback_store.open(tmp_path / "ws")
    shown = {"label": "0", "confidence": values.get("confidence", 0.9)}
    with pytest.raises(feedback_store.InvalidVerdict):
        store.record(sprint="S1", prototype="rf", row_id="2", reviewer="ana", verdict="wrong",
                     corrected_label="1", prototype_version=values.get("version", 1),
                     prediction=shown)  # fmt: skip


def test_restore_accepts_what_the_store_writes(live, tmp_path):
    """Versions appended by record (a prediction carried over), edit and withdraw, an
    e-mail reviewer folded on a later version, and a confidence of exactly 0 or 1."""
    workspace, _ = live
    store = feedback_store.open(workspace)
    first = store.record(sprint="S1", prototype="rf", row_id="3", reviewer="Eve@Plant.example",
                         verdict="correct", prediction={"label": "0", "confidence": 1})  # fmt: skip
    store.record(sprint="S1", prototype="rf", row_id="3", reviewer="eve@plant.example",
                 verdict="wrong", corrected_label="0")  # fmt: skip
    store.edit(first, reviewer="eve@plant.example", verdict="unsure")
    store.withdraw(first, reviewer="eve@plant.example")
    store.record(sprint="S1", prototype="rf", row_id="4", reviewer="ana", verdict="wrong",
                 corrected_label="1", prediction={"label": "0", "confidence": 0},
                 prototype_version=1_000_000)  # fmt: skip
    feedback_store.backup(store, tmp_path / "again.db")

    feedback_store.restore(tmp_path / "again.db", workspace, force=True)

    assert set(feedback_store.open(workspace).verdicts(include_withdrawn=True)["row_id"]) == {
        "1",
        "3",
        "4",
    }
