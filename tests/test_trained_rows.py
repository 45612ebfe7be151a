"""A model published on demo rows it was trained on (``trained_on=``): publish warns in one
line, and the Sprint demo has the words and the rows to compare it on fairly."""

from __future__ import annotations

import warnings

import pandas as pd
from sklearn.tree import DecisionTreeClassifier

import model
from model.costs import CostAssumptions
from model.shared_rows import SharedCounts, counted_on_shared_rows
from model.trained_rows import (
    TrainedOnDemoRowsWarning,
    counted_on_rows_not_learnt,
    learnt_rows_note,
    metrics_on_rows_not_learnt,
    rows_not_learnt,
)


def _fitted():
    from conftest import _pipeline, split_data

    X, y, X_demo, y_demo = split_data()
    estimator = _pipeline(DecisionTreeClassifier(max_depth=3, random_state=0), False)
    return estimator.fit(X, y), X_demo, y_demo


def _published_warnings(ws, estimator, X, y, trained_on) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ws.publish("S3", "retrained", estimator, X, y, deck_size=5, trained_on=trained_on)
    return [str(w.message) for w in caught if issubclass(w.category, TrainedOnDemoRowsWarning)]


def test_publishing_on_rows_the_model_learnt_warns_in_one_line(tmp_path):
    """Trial M: 41 of the 600 demo rows were training rows, and publish said nothing."""
    estimator, X, y = _fitted()
    ws = model.open_workspace(tmp_path / "ws")
    learnt = [str(row) for row in X.index[:41]]
    assert _published_warnings(ws, estimator, X, y, learnt + ["not a demo row"]) == [
        f"41 of the {len(X):,} demo rows were in this model's training data (trained_on=): "
        "its figures on them are optimistic; publish rows it did not learn from, or compare "
        f"it with earlier models on the other {len(X) - 41:,} (the Sprint demo says how many "
        "it learnt)"
    ]
    # rows it learnt that are not among the demo rows: nothing to warn of
    assert _published_warnings(ws, estimator, X, y, ["not a demo row"]) == []


def test_the_cli_says_so_in_a_note(tmp_path):
    import skops.io as sio
    from cli_support import run_cli

    estimator, X, y = _fitted()
    sio.dump(estimator, tmp_path / "tree.skops")
    X.assign(failure=y).rename_axis("id").to_csv(tmp_path / "demo.csv")
    pd.DataFrame({"row_id": X.index[:3].astype(str)}).to_csv(tmp_path / "train.csv", index=False)
    published = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S3", "--name",
        "tree", "--model", str(tmp_path / "tree.skops"), "--data", str(tmp_path / "demo.csv"),
        "--target", "failure", "--id-column", "id", "--trained-on", str(tmp_path / "train.csv"),
        "--deck-size", "5",
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    notes = [line for line in published.stderr.splitlines() if "training data" in line]
    assert notes == [
        f"note: 3 of the {len(X):,} demo rows were in this model's training data (trained_on=): "
        "its figures on them are optimistic; publish rows it did not learn from, or compare it "
        f"with earlier models on the other {len(X) - 3:,} (the Sprint demo says how many it "
        "learnt)"
    ]


def test_the_sprint_demo_note_and_the_rows_to_compare_on():
    before = pd.DataFrame({"actual": ["a", "b", "a", None]}, index=["T1", "T2", "T3", "T4"])
    after = before.copy()
    meta = {"feedback_rows_trained_on": ["T2", "T9"]}
    assert learnt_rows_note(meta, after.index, "tickets") == (
        "1 of these 4 demo tickets was in this model's training data (the SMEs' corrected "
        "labels): it was given their answers, so its scores here, and its gain over last "
        "sprint, flatter it; expect less on new tickets."
    )
    assert list(rows_not_learnt(before, after, meta)) == ["T1", "T3"]  # T4 is unlabelled
    assert learnt_rows_note({}, after.index) is None
    assert rows_not_learnt(before, after, {"feedback_rows_trained_on": ["T9"]}) is None


def test_the_change_against_last_sprint_is_measured_on_rows_the_new_model_did_not_learn():
    """Trial M: accuracy +0.322 on all 600 rows, +0.286 on the 559 neither model learnt."""
    ids = [f"T{i}" for i in range(60)]
    actual = pd.Series(["a", "b"] * 30, index=ids)
    before = pd.DataFrame({"actual": actual, "predicted": actual}, index=ids)
    before.loc[ids[:10], "predicted"] = "c"  # last sprint wrong on the 10 the SMEs corrected
    after = before.assign(predicted=actual)  # the new model learnt those 10
    meta = {"task": "multiclass", "classes": ["a", "b", "c"]}
    learnt = {**meta, "feedback_rows_trained_on": ids[:10]}
    earlier, now, rows, lacking = metrics_on_rows_not_learnt(before, meta, after, learnt)
    assert rows == 50 and lacking is None
    assert earlier["accuracy"] == now["accuracy"] == 1.0  # no gain where neither learnt
    assert metrics_on_rows_not_learnt(before, meta, after, meta) is None


def test_before_and_now_are_counted_on_rows_the_new_model_did_not_learn():
    """Trial M's Present step 2: "Right on 474 of 600" beside Sprint 2's "281 of 600" on the
    same demo rows, 41 of them learnt by Sprint 3, 40 of those Sprint 2's errors."""
    ids = [f"T{i}" for i in range(60)]
    actual = pd.Series(["a", "b"] * 30, index=ids)
    before = pd.DataFrame({"actual": actual, "predicted": actual}, index=ids)
    before.loc[ids[:10], "predicted"] = "c"
    after = before.assign(predicted=actual)
    meta = {"task": "multiclass", "classes": ["a", "b", "c"]}
    learnt = {**meta, "feedback_rows_trained_on": ids[:10]}
    args = (before, meta, after, learnt, (None, None), CostAssumptions())
    counted = counted_on_rows_not_learnt(*args)
    assert isinstance(counted, SharedCounts)
    assert (counted.rows, counted.learnt) == (50, 10)
    assert counted.before.outcome.correct == counted.now.outcome.correct == 50
    # the same demo rows and nothing learnt: each set's own counts, as before
    assert counted_on_rows_not_learnt(before, meta, after, meta, *args[4:]) is None
    assert counted_on_shared_rows(before, meta, after, meta, *args[4:]) is None
    # given the rows, counted there even on the same demo set
    on_rows = counted_on_shared_rows(*args, rows=pd.Index(ids[10:]))
    assert (on_rows.rows, on_rows.before.outcome.correct) == (50, 50)
