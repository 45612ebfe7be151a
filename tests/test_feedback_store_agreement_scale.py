"""The column-wise agreement functions and training export give exactly what the per-record
versions they replaced gave.

The ``_reference_*`` functions are those versions, kept verbatim: a dict per verdict, one pandas
group per row and, of the training export, the part that changed (a pandas record per exported
row). They are too slow for 100,000 verdicts, but they are the meaning: every store and frame
here goes through both, and the results must be equal, values and dtypes.
"""

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import feedback_store
from feedback_store.agreement import (
    _CONFLICT_COLUMNS,
    _LABEL_COLUMNS,
    _PAIR_COLUMNS,
    AS_PREDICTED,
    MIN_KAPPA_ROWS,
    ROW_KEY,
    UNSURE,
    _sentence,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    labels_of,
    strength,
)
from feedback_store.resolution import check_lead, resolve_frame
from feedback_store.store import FeedbackStore, own_case_id
from feedback_store.training import (
    _demo_ids,
    _frame,
    _write_csv,
    _write_jsonl,
    _write_parquet,
)

# -- the per-record versions, as they were (feedback_store/agreement.py) -------------------------


def _reference_cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"both raters need a label for every item: got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("cohen_kappa needs at least one item rated by both raters")
    categories = sorted({*a, *b}, key=str)
    index = {category: i for i, category in enumerate(categories)}
    matrix = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        matrix[index[x], index[y]] += 1
    matrix /= matrix.sum()
    observed = float(np.trace(matrix))
    expected = float(matrix.sum(axis=1) @ matrix.sum(axis=0))
    if math.isclose(expected, 1.0):
        return math.nan
    return (observed - expected) / (1 - expected)


def _reference_reviewer_labels(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    return _reference_labels_of(store.verdicts(sprint=sprint, prototype=prototype))


def _reference_labels_of(verdicts: pd.DataFrame) -> pd.DataFrame:
    records = verdicts.to_dict(orient="records")
    known: dict[tuple[str, str, str], str] = {}
    for record in records:
        shown = _shown(record)
        record["shown"] = shown
        if shown is not None:
            known[_key(record)] = shown
    for record in records:
        if record["shown"] is None:
            record["shown"] = known.get(_key(record))
        record["label"] = _label(record)
        record["corrected_label"] = _text(record["corrected_label"])
        record["comment"] = _text(record["comment"]) or ""
    frame = pd.DataFrame(records, columns=_LABEL_COLUMNS)
    for column in ("label", "shown", "corrected_label"):
        frame[column] = frame[column].astype(object)
    return frame


def _key(record: dict[str, Any]) -> tuple[str, str, str]:
    return record["sprint"], record["prototype"], record["row_id"]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _shown(record: dict[str, Any]) -> str | None:
    prediction = record["prediction"]
    if not isinstance(prediction, dict) or prediction.get("label") is None:
        return None
    return _normalise(prediction["label"], record["task"])


def _normalise(value: Any, task: Any) -> str:
    if task == "regression":
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _label(record: dict[str, Any]) -> str:
    if record["verdict"] == "unsure":
        return UNSURE
    if record["verdict"] == "wrong":
        return _normalise(record["corrected_label"], record["task"])
    return record["shown"] if record["shown"] is not None else AS_PREDICTED


def _reference_agreement(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> dict[str, Any]:
    groups = _overlapping(_reference_reviewer_labels(store, sprint, prototype))
    reviewers = sorted({r for group in groups for r in group["reviewer"]})
    result: dict[str, Any] = {
        "rows": len(groups),
        "reviewers": reviewers,
        "percent_agreement": None,
        "method": None,
        "kappa": None,
        "cohen_kappa": None,
        "fleiss_kappa": None,
        "kappa_rows": 0,
        "raters_per_row": None,
        "rows_left_out": len(groups),
        "strength": None,
    }
    if not groups:
        result["sentence"] = "No row has been reviewed by more than one person yet."
        return result
    agreed = sum(group["label"].nunique() == 1 for group in groups)
    result["percent_agreement"] = 100 * agreed / len(groups)
    if len(reviewers) == 2:
        first, second = reviewers
        pairs = [group.set_index("reviewer")["label"] for group in groups]
        kappa = _reference_cohen_kappa([p[first] for p in pairs], [p[second] for p in pairs])
        result.update(method="cohen", kappa=kappa, cohen_kappa=kappa, kappa_rows=len(groups),
                      raters_per_row=2, rows_left_out=0)  # fmt: skip
    else:
        # Changed on purpose (trial L): every row counts, Krippendorff's α when the numbers of
        # raters differ; Fleiss' κ on the usual number alone left out every third reviewer.
        sizes = {len(group) for group in groups}
        categories = sorted({label for group in groups for label in group["label"]}, key=str)
        table = [[(group["label"] == c).sum() for c in categories] for group in groups]
        if len(sizes) == 1:
            kappa = fleiss_kappa(table)
            result.update(method="fleiss", kappa=kappa, fleiss_kappa=kappa,
                          raters_per_row=sizes.pop())  # fmt: skip
        else:
            result.update(method="krippendorff", kappa=krippendorff_alpha(table))
        result.update(kappa_rows=len(groups), rows_left_out=0)
    enough = result["kappa_rows"] >= MIN_KAPPA_ROWS
    result["strength"] = strength(result["kappa"]) if enough else None
    result["sentence"] = _sentence(result, agreed)
    return result


def _overlapping(labels: pd.DataFrame) -> list[pd.DataFrame]:
    if labels.empty:
        return []
    return [group for _, group in labels.groupby(ROW_KEY, sort=False) if len(group) >= 2]


def _reference_pairwise_agreement(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    groups = _overlapping(_reference_reviewer_labels(store, sprint, prototype))
    shared: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for group in groups:
        by_reviewer = dict(zip(group["reviewer"], group["label"], strict=True))
        for a, b in itertools.combinations(sorted(by_reviewer), 2):
            shared.setdefault((a, b), []).append((by_reviewer[a], by_reviewer[b]))
    rows = []
    for (a, b), pairs in sorted(shared.items()):
        first, second = zip(*pairs, strict=True)
        rows.append(
            {
                "reviewer_a": a,
                "reviewer_b": b,
                "shared_rows": len(pairs),
                "percent_agreement": 100 * sum(x == y for x, y in pairs) / len(pairs),
                "cohen_kappa": _reference_cohen_kappa(first, second),
            }
        )
    return pd.DataFrame(rows, columns=_PAIR_COLUMNS)


def _reference_conflicts(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    groups = _overlapping(_reference_reviewer_labels(store, sprint, prototype))
    disagreeing = [group for group in groups if group["label"].nunique() > 1]
    if not disagreeing:
        return pd.DataFrame(columns=_CONFLICT_COLUMNS)
    frame = pd.concat(disagreeing, ignore_index=True)
    return frame[_CONFLICT_COLUMNS].reset_index(drop=True)


# -- the per-record training export, as it was (feedback_store/training.py) ----------------------
_MODEL_KEYS = ("model", "estimator")


def _reference_training_frame(
    store: FeedbackStore, sprint=None, prototype=None, rule="majority", lead=None, demo_row_ids=None
) -> tuple[pd.DataFrame, int]:
    """The rows ``export_training`` wrote and how many were left out for want of features."""
    demo_ids = _demo_ids(demo_row_ids)
    labels = _reference_labels_of(store.verdicts(sprint=sprint, prototype=prototype))
    check_lead(labels, lead)
    resolved = resolve_frame(labels, rule, lead)
    snapshots = _reference_snapshots(labels)
    records: list[dict[str, Any]] = []
    without_features = 0
    for row in resolved[~resolved["unresolved"]].to_dict(orient="records"):
        key = (row["sprint"], row["prototype"], row["row_id"])
        features, model = snapshots.get(key, (None, None))
        if not features:
            without_features += 1
            continue
        in_demo = row["source"] == "demo" and (demo_ids is None or row["row_id"] in demo_ids)
        records.append(
            {
                "features": features,
                "label": float(row["resolved_label"])
                if row["task"] == "regression"
                else row["resolved_label"],
                "sprint": row["sprint"],
                "prototype": row["prototype"],
                "row_id": row["row_id"],
                "source": row["source"],
                "n_reviewers": row["n_reviewers"],
                "reviewers": row["reviewers"],
                "verdict_ids": row["verdict_ids"],
                "agreement": row["agreement"],
                "rule": row["rule"],
                "model": model,
                "in_demo_set": bool(in_demo),
            }
        )
    return _frame(records), without_features


def _reference_snapshots(
    labels: pd.DataFrame,
) -> dict[tuple[str, str, str], tuple[dict | None, Any]]:
    found: dict[tuple[str, str, str], tuple[dict | None, Any]] = {}
    for record in labels.sort_values("recorded_at").to_dict(orient="records"):
        key = (record["sprint"], record["prototype"], record["row_id"])
        features, model = found.get(key, (None, None))
        if isinstance(record["features"], dict) and record["features"]:
            features = record["features"]
        prediction = record["prediction"] if isinstance(record["prediction"], dict) else {}
        model = next((prediction[k] for k in _MODEL_KEYS if prediction.get(k)), model)
        found[key] = (features, model)
    return found


# -- comparing ---------------------------------------------------------------------------------
def assert_same_dicts(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    assert list(actual) == list(expected)
    for name, value in expected.items():
        got = actual[name]
        assert type(got) is type(value), name
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got), name
        else:
            assert got == value, name


def assert_labels_like_the_reference(verdicts: pd.DataFrame) -> pd.DataFrame:
    expected = _reference_labels_of(verdicts.copy())
    actual = labels_of(verdicts)
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    for column in actual.columns:
        assert [type(v) for v in actual[column]] == [type(v) for v in expected[column]], column
    return actual


def assert_like_the_reference(store: FeedbackStore, sprint=None, prototype=None) -> None:
    assert_labels_like_the_reference(store.verdicts(sprint=sprint, prototype=prototype))
    assert_same_dicts(
        feedback_store.agreement(store, sprint, prototype),
        _reference_agreement(store, sprint, prototype),
    )
    for new, old in (
        (feedback_store.pairwise_agreement, _reference_pairwise_agreement),
        (feedback_store.conflicts, _reference_conflicts),
    ):
        actual, expected = new(store, sprint, prototype), old(store, sprint, prototype)
        pd.testing.assert_frame_equal(actual, expected, check_exact=True)
        for column in actual.columns:
            assert [type(v) for v in actual[column]] == [type(v) for v in expected[column]]


def assert_exports_like_the_reference(
    store: FeedbackStore, folder: Path, formats=("parquet", "csv", "jsonl"), **kwargs
) -> None:
    frame, without_features = _reference_training_frame(store, **kwargs)
    writers = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}
    for fmt in formats:
        new = store.export_training(folder / f"new.{fmt}", fmt, **kwargs)
        writers[fmt](frame, folder / f"old.{fmt}")
        assert new.path.read_bytes() == (folder / f"old.{fmt}").read_bytes(), fmt
        counts = new.manifest["counts"]
        assert (counts["rows"], counts["without_features"]) == (len(frame), without_features)
        assert counts["per_label"] == dict(Counter(str(v) for v in frame["label"]))
        assert counts["in_demo_set"] == int(frame["in_demo_set"].sum())


# -- hand-made stores ----------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "ws")


def vote(store, row_id, reviewer, verdict, label=None, shown="0", **extra):
    """A verdict on a row whose prediction shown was ``shown`` (None: no snapshot)."""
    return store.record(
        sprint=extra.pop("sprint", "S2"), prototype=extra.pop("prototype", "gbm"),
        row_id=row_id, reviewer=reviewer, verdict=verdict, corrected_label=label,
        prediction=None if shown is None else {"label": shown, "confidence": 0.6},
        features=extra.pop("features", {"Torque [Nm]": 40.0, "Type": "M"}), **extra,
    )  # fmt: skip


# fmt: off
STORES = {
    "empty": [],
    "one verdict": [("1", "ana", "correct")],
    "no row reviewed twice": [("1", "ana", "correct"), ("2", "bo", "wrong", "1")],
    "two reviewers who always agree": [
        ("1", "ana", "correct"), ("1", "bo", "correct"), ("2", "ana", "correct"),
        ("2", "bo", "correct"),
    ],
    "two reviewers, cohen": [
        ("1", "ana", "wrong", "1"), ("1", "bo", "wrong", "1"), ("2", "ana", "correct"),
        ("2", "bo", "wrong", "1"), ("3", "ana", "unsure"), ("3", "bo", "correct"),
        ("4", "ana", "correct"),
    ],
    "unsure beside a label, unsure beside unsure": [
        ("1", "ana", "wrong", "1", {"comment": "overstrain"}),
        ("1", "bo", "unsure", None, {"comment": "can't tell"}),
        ("2", "ana", "unsure"), ("2", "bo", "unsure"), ("2", "chen", "unsure"),
    ],
    "fleiss, tie between numbers of raters takes the larger": [
        ("1", "ana", "wrong", "1"), ("1", "bo", "wrong", "1"), ("1", "chen", "correct"),
        ("2", "ana", "correct"), ("2", "bo", "wrong", "2"), ("2", "chen", "correct"),
        ("3", "ana", "correct"), ("3", "bo", "correct"),
        ("4", "chen", "wrong", "1"), ("4", "bo", "wrong", "2"),
    ],
    "fleiss, every label the same": [
        ("1", "ana", "correct"), ("1", "bo", "correct"), ("1", "chen", "correct"),
    ],
    "prediction shown by another reviewer or not at all": [
        ("1", "ana", "correct", None, {"shown": None}),
        ("1", "bo", "correct", None, {"shown": "1"}),
        ("2", "ana", "correct", None, {"shown": None}),
        ("2", "bo", "correct", None, {"shown": None}),
        ("2", "chen", "wrong", "1", {"shown": None}),
    ],
    "same row id in two sprints and prototypes": [
        ("1", "ana", "wrong", "1"), ("1", "bo", "correct"),
        ("1", "ana", "correct", None, {"sprint": "S1"}),
        ("1", "bo", "correct", None, {"sprint": "S1"}),
        ("1", "chen", "wrong", "2", {"prototype": "rule"}),
        ("1", "bo", "correct", None, {"prototype": "rule"}),
    ],
    "rows without features and with a model": [
        ("1", "ana", "wrong", "1", {"features": None}),
        ("1", "bo", "wrong", "1", {"features": None}),
        ("2", "ana", "correct", None, {"shown": None}),
        ("2", "bo", "correct", None, {"task": "binary"}),
    ],
}
# fmt: on


def fill(store: FeedbackStore, case: str) -> None:
    for row_id, reviewer, verdict, *rest in STORES[case]:
        label = rest[0] if rest else None
        vote(store, row_id, reviewer, verdict, label, **(rest[1] if len(rest) > 1 else {}))


@pytest.mark.parametrize("case", list(STORES))
def test_hand_made_stores_give_what_the_per_record_versions_gave(case, store, tmp_path):
    fill(store, case)
    for sprint, prototype in [(None, None), ("S2", None), ("S2", "gbm"), ("S1", "rule")]:
        assert_like_the_reference(store, sprint, prototype)
    assert_exports_like_the_reference(store, tmp_path)
    assert_exports_like_the_reference(store, tmp_path, rule="lead", lead="ana")


def test_withdrawn_and_edited_verdicts_give_what_the_per_record_versions_gave(store):
    vote(store, "1", "ana", "wrong", "1")
    bo = vote(store, "1", "bo", "correct")
    chen = vote(store, "1", "chen", "correct")
    vote(store, "2", "chen", "correct")
    vote(store, "2", "ana", "unsure")
    store.withdraw(chen, reviewer="chen")
    store.edit(bo, reviewer="bo", verdict="wrong", corrected_label="2")
    assert_like_the_reference(store)
    assert feedback_store.agreement(store)["reviewers"] == ["ana", "bo", "chen"]


def test_the_hand_made_stores_show_what_their_names_say(store):
    fill(store, "fleiss, tie between numbers of raters takes the larger")
    result = feedback_store.agreement(store)
    # Changed on purpose (trial L): rows of 2 and 3 raters all count, by Krippendorff's α.
    assert (result["method"], result["raters_per_row"], result["rows_left_out"]) == (
        "krippendorff", None, 0,
    )  # fmt: skip
    assert feedback_store.conflicts(store)["row_id"].tolist() == ["1"] * 3 + ["2"] * 3 + ["4"] * 2


# -- hand-made frames for labels_of ------------------------------------------------------------
def verdicts_frame(records: list[dict[str, Any]], **dtypes: Any) -> pd.DataFrame:
    base = {
        "verdict_id": 1, "sprint": "S2", "prototype": "gbm", "row_id": "1", "reviewer": "ana",
        "verdict": "correct", "corrected_label": None, "comment": "", "task": "binary",
        "features": {"a": 1}, "prediction": {"label": "0"}, "source": "demo",
        "recorded_at": "2026-01-01T00:00:00",
    }  # fmt: skip
    frame = pd.DataFrame([base | record for record in records])
    return frame.astype(dtypes) if dtypes else frame


# fmt: off
FRAMES = {
    "empty": lambda: verdicts_frame([]).iloc[:0],
    "empty without columns": lambda: pd.DataFrame(
        columns=["sprint", "prototype", "row_id", "verdict", "corrected_label", "comment", "task",
                 "prediction"]),
    "prediction not a dict, or without a label": lambda: verdicts_frame([
        {"prediction": None}, {"prediction": float("nan"), "verdict_id": 2},
        {"prediction": {"confidence": 0.5}, "verdict_id": 3},
        {"prediction": {"label": None}, "verdict_id": 4, "row_id": "2"},
        {"prediction": {"label": 1.0}, "verdict_id": 5, "row_id": "3", "task": "regression"},
        {"prediction": {"label": True}, "verdict_id": 6, "row_id": "4"},
        {"prediction": "0", "verdict_id": 7, "row_id": "5"},
    ]),
    "shown: the last recorded one on the row": lambda: verdicts_frame([
        {"prediction": {"label": "0"}}, {"prediction": {"label": "1"}, "verdict_id": 2},
        {"prediction": None, "verdict_id": 3},
    ]),
    "corrected labels missing, NaN, numbers": lambda: verdicts_frame([
        {"verdict": "wrong", "corrected_label": None},
        {"verdict": "wrong", "corrected_label": float("nan"), "verdict_id": 2},
        {"verdict": "wrong", "corrected_label": 3, "verdict_id": 3, "task": "regression"},
        {"verdict": "wrong", "corrected_label": "x", "verdict_id": 4, "task": "regression"},
        {"verdict": "unsure", "corrected_label": "2", "verdict_id": 5, "comment": None},
        {"verdict": "wrong", "corrected_label": "2", "verdict_id": 6, "comment": float("nan")},
    ]),
    "numpy scalars in object columns": lambda: verdicts_frame([
        {"row_id": np.int64(7), "comment": np.float64(2.5), "corrected_label": np.int64(1),
         "verdict": "wrong"},
        {"row_id": "7", "verdict_id": 2, "task": np.str_("regression")},
    ]),
    "a key with a missing part": lambda: verdicts_frame([
        {"row_id": None, "prediction": {"label": "1"}}, {"row_id": None, "verdict_id": 2,
                                                         "prediction": None},
        {"row_id": float("nan"), "verdict_id": 3, "prediction": None},
    ]),
    "only the columns labels_of reads": lambda: verdicts_frame([{}, {"verdict_id": 2}])[
        ["sprint", "prototype", "row_id", "verdict", "corrected_label", "comment", "task",
         "prediction"]],
}
# fmt: on


@pytest.mark.parametrize("case", list(FRAMES))
def test_hand_made_frames_get_the_labels_the_per_record_version_gave(case):
    assert_labels_like_the_reference(FRAMES[case]())


def test_labels_of_a_frame_with_object_columns_gives_the_same_labels():
    frame = verdicts_frame([{}, {"verdict_id": 2, "verdict": "wrong", "corrected_label": "1"}])
    assert_labels_like_the_reference(frame.astype(object))


@pytest.mark.parametrize("seed", [0, 1])
def test_cohen_kappa_gives_what_the_per_item_version_gave(seed):
    rng = np.random.default_rng(seed)
    a = rng.choice(["0", "1", "2", UNSURE], size=500).tolist()
    b = rng.choice(["0", "1", "2", UNSURE, AS_PREDICTED], size=500).tolist()
    assert cohen_kappa(a, b) == _reference_cohen_kappa(a, b)
    assert cohen_kappa(np.array(a, dtype=object), b) == _reference_cohen_kappa(a, b)
    assert math.isnan(cohen_kappa(["1"], ["1"]))


# -- random stores -----------------------------------------------------------------------------
REVIEWERS = ["ana", "bo", "chen", "dee", "eli"]


def fill_randomly(store: FeedbackStore, seed: int, reviewers: list[str], n_rows: int) -> int:
    """Rows in two sprints and two prototypes, 1–5 reviewers each, every kind of verdict,
    predictions shown or not recorded, a few own cases, edits and withdrawals."""
    rng = np.random.default_rng(seed)
    recorded: list[tuple[int, str]] = []
    for row in range(n_rows):
        sprint = f"S{rng.integers(1, 3)}"
        prototype = ["gbm", "rule"][rng.integers(0, 2)]
        row_id = str(rng.integers(0, n_rows // 2))
        task = {"gbm": "multiclass", "rule": "regression"}[prototype]
        features = {"Torque [Nm]": round(float(rng.normal(40, 9)), 1), "Type": "LMH"[row % 3]}
        source = "demo"
        if rng.random() < 0.05:
            row_id, source = own_case_id(features), "own"
        shown = str(rng.integers(0, 3)) if task != "regression" else f"{rng.integers(8, 12)}.0"
        model = [None, "gbm v1", "gbm v2"][rng.integers(0, 3)]
        size = min(len(reviewers), int(rng.integers(1, 6)))
        for reviewer in rng.choice(reviewers, size=size, replace=False):
            kind = str(rng.choice(["correct", "wrong", "unsure"], p=[0.5, 0.35, 0.15]))
            if task == "regression":
                corrected = str(rng.choice(["9", "9.0", "10", "10.50", "10.5"]))
            else:
                corrected = str(rng.integers(0, 3))
            if corrected == shown:  # refused: "wrong" needs a label other than the one shown
                corrected = "9" if task == "regression" else str((int(shown) + 1) % 3)
            prediction = {"label": shown, "confidence": 0.7}
            if model:
                prediction["model" if rng.random() < 0.5 else "estimator"] = model
            verdict_id = store.record(
                sprint=sprint, prototype=prototype, row_id=row_id, reviewer=str(reviewer),
                verdict=kind, corrected_label=corrected if kind == "wrong" else None,
                comment=None if rng.random() < 0.5 else f"note {row}",
                task=task if task == "regression" or rng.random() < 0.9 else None,
                prediction=None if rng.random() < 0.25 else prediction,
                features=None if source == "demo" and rng.random() < 0.1 else features,
                source=source,
            )  # fmt: skip
            recorded.append((verdict_id, str(reviewer)))
    for index in rng.choice(len(recorded), size=len(recorded) // 20, replace=False):
        verdict_id, reviewer = recorded[index]
        if rng.random() < 0.5:
            store.withdraw(verdict_id, reviewer=reviewer)
        else:
            try:
                store.edit(verdict_id, reviewer=reviewer, verdict="wrong", corrected_label="2")
            except feedback_store.InvalidVerdict:  # "2" was the prediction shown
                store.edit(verdict_id, reviewer=reviewer, verdict="wrong", corrected_label="1")
    return len(recorded)


@pytest.fixture(scope="module", params=[(0, 5, 600), (1, 2, 750), (2, 4, 500)],
                ids=["five reviewers", "two reviewers", "four reviewers"])  # fmt: skip
def random_store(request, tmp_path_factory):
    seed, n_reviewers, n_rows = request.param
    store = feedback_store.open(tmp_path_factory.mktemp(f"random{seed}"))
    recorded = fill_randomly(store, seed, REVIEWERS[:n_reviewers], n_rows)
    assert recorded > 1000  # every kind of verdict, edit and withdrawal many times over
    return store


# The classifier "gbm" only: "rule" is a regression, whose rows are compared on verdicts and
# right values (tests/test_regression_resolution.py), not as the per-record versions compared.
@pytest.mark.parametrize(("sprint", "prototype"), [(None, "gbm"), ("S1", "gbm"), ("S2", "gbm")])
def test_random_stores_give_what_the_per_record_versions_gave(random_store, sprint, prototype):
    assert_like_the_reference(random_store, sprint, prototype)


def test_random_stores_export_what_the_per_record_version_exported(random_store, tmp_path):
    assert_exports_like_the_reference(random_store, tmp_path, prototype="gbm")
    assert_exports_like_the_reference(random_store, tmp_path, prototype="gbm", sprint="S1",
                                      rule="lead", lead="bo")  # fmt: skip
    assert_exports_like_the_reference(
        random_store, tmp_path, ("csv", "jsonl"), prototype="gbm", demo_row_ids={"1", "2", "3"}
    )


def test_a_training_export_of_a_regression_and_a_classifier_together_is_refused(
    random_store, tmp_path
):
    # "rule" predicts values, "gbm" classes: one label column cannot hold both (their numbers
    # were written as text beside the classes before); each exports on its own
    path = tmp_path / "new.parquet"
    with pytest.raises(feedback_store.InvalidVerdict, match=r"different targets: .*\(values\)"):
        random_store.export_training(path)
    assert not path.exists()
    for prototype in ("gbm", "rule"):
        assert random_store.export_training(path, prototype=prototype).rows > 0


def test_the_random_stores_exercise_every_branch(random_store):
    labels = labels_of(random_store.verdicts())
    assert set(labels["verdict"]) == {"correct", "wrong", "unsure"}
    assert AS_PREDICTED in set(labels["label"]) and labels["shown"].isna().any()
    assert set(labels["sprint"]) == {"S1", "S2"} and set(labels["source"]) == {"demo", "own"}
    result = feedback_store.agreement(random_store)
    n_reviewers = len(result["reviewers"])
    assert result["method"] == ("cohen" if n_reviewers == 2 else "krippendorff")
    assert (result["kappa_rows"], result["rows_left_out"]) == (result["rows"], 0)
    assert not feedback_store.conflicts(random_store).empty
    assert len(feedback_store.pairwise_agreement(random_store)) == math.comb(n_reviewers, 2)
