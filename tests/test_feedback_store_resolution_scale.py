"""The column-wise ``resolve_frame`` gives exactly what the per-row version it replaced gave.

``_reference_resolve_frame`` is that per-row version, kept verbatim (one pandas group per
reviewed row, one Counter each). It is too slow for 100,000 verdicts, but it is the meaning:
every frame here is resolved by both and the results must be equal, values and dtypes.
"""

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

import feedback_store
from feedback_store.agreement import AS_PREDICTED, ROW_KEY, UNSURE, reviewer_labels
from feedback_store.resolution import check_rule, resolve_frame

_REFERENCE_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "resolved_label", "unresolved", "reason", "rule",
    "n_reviewers", "agreement", "reviewers", "labels", "verdict_ids", "shown", "task",
]  # fmt: skip
_LABEL_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "reviewer", "verdict_id", "verdict", "label",
    "shown", "task",
]  # fmt: skip


# -- the per-row version, as it was ------------------------------------------------------------
def _reference_resolve_frame(
    labels: pd.DataFrame, rule: str = "majority", lead: str | None = None
) -> pd.DataFrame:
    check_rule(rule, lead)
    lead = lead.strip() if lead else None
    rows = [
        _reference_resolve(group, rule, lead) for _, group in labels.groupby(ROW_KEY, sort=False)
    ]
    frame = pd.DataFrame(rows, columns=_REFERENCE_COLUMNS)
    for column in ("resolved_label", "reason", "shown"):
        frame[column] = frame[column].astype(object)
    frame["unresolved"] = frame["unresolved"].astype(bool)
    frame["n_reviewers"] = frame["n_reviewers"].astype("int64")
    frame["agreement"] = frame["agreement"].astype("float64")
    return frame


def _reference_resolve(group: pd.DataFrame, rule: str, lead: str | None) -> dict[str, Any]:
    group = group.sort_values("verdict_id")
    given = dict(zip(group["reviewer"], group["label"], strict=True))
    counts = Counter(label for label in given.values() if label != UNSURE)
    label: str | None = None
    reason: str | None = None
    applied = "majority"
    if rule == "lead" and given.get(lead, UNSURE) != UNSURE:
        label, applied = given[lead], "lead"
    elif not counts:
        reason = "only unsure verdicts"
    else:
        top = max(counts.values())
        winners = sorted((c for c, n in counts.items() if n == top), key=str)
        if len(winners) > 1:
            reason = f"tie between {' and '.join(winners)}"
        else:
            label = winners[0]
    if label == AS_PREDICTED:
        label, reason = None, "the prediction shown was not recorded with the verdicts"
    n = len(group)
    if label is not None:
        share = sum(v == label for v in given.values()) / n
    else:
        share = max(counts.values(), default=0) / n
    first = group.iloc[0]
    return {
        "sprint": first["sprint"],
        "prototype": first["prototype"],
        "row_id": first["row_id"],
        "source": first["source"],
        "resolved_label": label,
        "unresolved": label is None,
        "reason": reason,
        "rule": applied,
        "n_reviewers": n,
        "agreement": share,
        "reviewers": list(group["reviewer"]),
        "labels": list(group["label"]),
        "verdict_ids": [int(v) for v in group["verdict_id"]],
        "shown": next((s for s in group["shown"] if s is not None), None),
        "task": next((t for t in group["task"] if isinstance(t, str)), None),
    }


# -- helpers -----------------------------------------------------------------------------------
def labels_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame shaped like ``reviewer_labels``: label and shown kept as Python objects."""
    frame = pd.DataFrame(records, columns=_LABEL_COLUMNS)
    for column in ("label", "shown"):
        frame[column] = frame[column].astype(object)
    return frame


def verdict(row_id: str, reviewer: str, label: str, verdict_id: int, **extra: Any) -> dict:
    record = {
        "sprint": "S2", "prototype": "gbm", "row_id": row_id, "source": "demo",
        "reviewer": reviewer, "verdict_id": verdict_id, "verdict": "wrong", "label": label,
        "shown": "0", "task": "classification",
    }  # fmt: skip
    record.update(extra)
    return record


def assert_resolves_like_the_reference(labels: pd.DataFrame, rule: str, lead: str | None):
    expected = _reference_resolve_frame(labels, rule, lead)
    actual = resolve_frame(labels, rule, lead)
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    for column in ("reviewers", "labels", "verdict_ids"):
        assert [type(v) for v in actual[column]] == [type(v) for v in expected[column]]
        for got, want in zip(actual[column], expected[column], strict=True):
            assert [type(v) for v in got] == [type(v) for v in want]
    return actual


RULES = [("majority", None), ("lead", "chen"), ("lead", " chen ")]


# -- hand-made cases ---------------------------------------------------------------------------
# fmt: off
EDGE_CASES = {
    "tie of two": [verdict("1", "ana", "1", 1), verdict("1", "bo", "0", 2)],
    "tie of three beside an unsure": [
        verdict("1", "ana", "b", 1), verdict("1", "bo", "c", 2), verdict("1", "chen", "a", 3),
        verdict("1", "dee", UNSURE, 4),
    ],
    "majority beside a tie elsewhere": [
        verdict("1", "ana", "1", 1), verdict("1", "bo", "1", 2), verdict("1", "chen", "0", 3),
        verdict("2", "ana", "1", 4), verdict("2", "bo", "0", 5),
    ],
    "only unsure": [verdict("1", "ana", UNSURE, 1), verdict("1", "bo", UNSURE, 2)],
    "one unsure verdict": [verdict("1", "ana", UNSURE, 1)],
    "one verdict rows": [verdict("1", "ana", "1", 1), verdict("2", "bo", "0", 2)],
    "one label beside unsures": [
        verdict("1", "ana", "1", 1), verdict("1", "bo", UNSURE, 2), verdict("1", "chen", UNSURE, 3)
    ],
    "lead outvoted": [
        verdict("1", "ana", "1", 1), verdict("1", "bo", "1", 2), verdict("1", "chen", "0", 3)
    ],
    "lead absent": [verdict("1", "ana", "1", 1), verdict("1", "bo", "1", 2)],
    "lead unsure on a tie": [
        verdict("1", "ana", "1", 1), verdict("1", "bo", "0", 2), verdict("1", "chen", UNSURE, 3)
    ],
    "lead alone and unsure": [verdict("1", "chen", UNSURE, 1)],
    "lead gives as predicted": [
        verdict("1", "ana", "1", 1), verdict("1", "chen", AS_PREDICTED, 2, verdict="correct")
    ],
    "as predicted wins": [
        verdict("1", "ana", AS_PREDICTED, 1, verdict="correct", shown=None),
        verdict("1", "bo", AS_PREDICTED, 2, verdict="correct", shown=None),
        verdict("1", "chen", "1", 3),
    ],
    "as predicted in a tie": [
        verdict("1", "ana", AS_PREDICTED, 1, verdict="correct", shown=None),
        verdict("1", "bo", "1", 2),
    ],
    "shown only in a later verdict": [
        verdict("1", "ana", "1", 1, shown=None), verdict("1", "bo", "1", 2, shown="1"),
        verdict("2", "ana", "0", 3, shown="0"),
    ],
    "shown never recorded": [
        verdict("1", "ana", "1", 1, shown=None), verdict("1", "bo", "1", 2, shown=None)
    ],
    "task missing or not text": [
        verdict("1", "ana", "1", 1, task=None), verdict("1", "bo", "1", 2, task="binary"),
        verdict("2", "ana", "1", 3, task=None), verdict("3", "ana", "1", 4, task=float("nan")),
        verdict("3", "bo", "1", 5, task=7),
    ],
    "task never recorded": [verdict("1", "ana", "1", 1, task=None)],
    "numbers written differently stay different": [
        verdict("1", "ana", "1", 1), verdict("1", "bo", "1.0", 2), verdict("2", "ana", "12.5", 3),
        verdict("2", "bo", "12.50", 4), verdict("2", "chen", "12.5", 5),
    ],
    "verdict ids out of frame order": [
        verdict("2", "bo", "0", 9, source="own"), verdict("1", "ana", "1", 7),
        verdict("2", "ana", "0", 3, source="demo", shown="1"), verdict("1", "chen", "1", 1),
    ],
    "same row id in two sprints and prototypes": [
        verdict("1", "ana", "1", 1), verdict("1", "ana", "0", 2, sprint="S3"),
        verdict("1", "bo", "0", 3, prototype="rule"), verdict("1", "bo", "1", 4),
    ],
    "a reviewer twice on a row": [
        verdict("1", "chen", "0", 1), verdict("1", "ana", "1", 2), verdict("1", "chen", UNSURE, 3),
        verdict("2", "ana", "1", 4), verdict("2", "ana", "0", 5), verdict("2", "bo", "0", 6),
    ],
    "a key with a missing part": [verdict("1", "ana", "1", 1), verdict(None, "bo", "0", 2)],
}
# fmt: on


@pytest.mark.parametrize(("rule", "lead"), RULES)
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_hand_made_cases_resolve_like_the_per_row_version(case, rule, lead):
    assert_resolves_like_the_reference(labels_frame(EDGE_CASES[case]), rule, lead)


def test_the_hand_made_cases_resolve_as_the_rules_say():
    frame = resolve_frame(labels_frame(EDGE_CASES["tie of three beside an unsure"]))
    assert frame.loc[0, "reason"] == "tie between a and b and c"
    assert frame.loc[0, "agreement"] == 0.25
    frame = resolve_frame(labels_frame(EDGE_CASES["lead outvoted"]), "lead", "chen")
    assert (frame.loc[0, "resolved_label"], frame.loc[0, "rule"]) == ("0", "lead")
    frame = resolve_frame(labels_frame(EDGE_CASES["a reviewer twice on a row"]), "lead", "chen")
    assert frame["rule"].tolist() == ["majority", "majority"]
    # Each reviewer's later verdict stands: chen's unsure on row 1, ana's "0" on row 2.
    assert frame["resolved_label"].tolist() == ["1", "0"]
    assert frame["verdict_ids"].tolist() == [[1, 2, 3], [4, 5, 6]]
    frame = resolve_frame(labels_frame(EDGE_CASES["verdict ids out of frame order"]))
    assert frame["row_id"].tolist() == ["2", "1"]
    assert frame.loc[0, "source"] == "demo" and frame.loc[0, "shown"] == "1"


@pytest.mark.parametrize(("rule", "lead"), RULES[:2])
def test_an_empty_frame_resolves_like_the_per_row_version(rule, lead):
    frame = assert_resolves_like_the_reference(labels_frame([]), rule, lead)
    assert frame.empty and list(frame.columns) == _REFERENCE_COLUMNS


# -- random frames -----------------------------------------------------------------------------
REVIEWERS = ["ana", "bo", "chen", "dee", "eli", "fay"]
LABEL_CHOICES = ["0", "1", "2", "1.0", UNSURE, AS_PREDICTED]


def random_labels(seed: int, n_rows: int = 2000) -> pd.DataFrame:
    """Rows in two sprints and two prototypes, 1–5 reviewers each, shuffled verdict ids."""
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n_rows):
        key = {
            "sprint": f"S{rng.integers(1, 3)}",
            "prototype": ["gbm", "rule"][rng.integers(0, 2)],
            "row_id": str(rng.integers(0, n_rows // 2)),
        }
        task = ["classification", "binary", None][rng.integers(0, 3)]
        for reviewer in rng.choice(REVIEWERS, size=rng.integers(1, 6), replace=False):
            label = str(rng.choice(LABEL_CHOICES, p=[0.3, 0.3, 0.1, 0.05, 0.15, 0.1]))
            shown = None if rng.random() < 0.3 else str(rng.integers(0, 3))
            source = "own" if rng.random() < 0.1 else "demo"
            records.append(
                {**key, "source": source, "reviewer": str(reviewer), "verdict_id": 0,
                 "verdict": "wrong", "label": label, "shown": shown,
                 "task": task if rng.random() < 0.8 else None}
            )  # fmt: skip
    order = rng.permutation(len(records))
    records = [records[i] for i in order]
    for record, verdict_id in zip(records, rng.permutation(len(records)) + 1, strict=True):
        record["verdict_id"] = int(verdict_id)
    return labels_frame(records)


@pytest.mark.parametrize(("rule", "lead"), RULES[:2])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_frames_resolve_like_the_per_row_version(seed, rule, lead):
    labels = random_labels(seed)
    frame = assert_resolves_like_the_reference(labels, rule, lead)
    # The frames exercise every branch, not just the common one.
    reasons = set(frame["reason"].dropna())
    assert "only unsure verdicts" in reasons
    assert any(r.startswith("tie between") and r.count(" and ") >= 2 for r in reasons)
    assert "the prediction shown was not recorded with the verdicts" in reasons
    assert frame["n_reviewers"].max() > 5  # the same row id drawn twice
    if rule == "lead":
        assert set(frame["rule"]) == {"lead", "majority"}


def test_labels_from_a_real_store_resolve_like_the_per_row_version(tmp_path):
    store = feedback_store.open(tmp_path)
    rng = np.random.default_rng(7)
    for row in range(40):
        for reviewer in rng.choice(REVIEWERS[:4], size=rng.integers(1, 5), replace=False):
            verdict_kind = str(rng.choice(["correct", "wrong", "unsure"]))
            corrected = str(rng.integers(0, 3)) if verdict_kind == "wrong" else None
            prediction = None if rng.random() < 0.3 else {"label": "1", "confidence": 0.7}
            if prediction and corrected == "1":  # refused: the label shown is not a correction
                corrected = "2"
            store.record(
                sprint="S2", prototype="gbm", row_id=str(row), reviewer=str(reviewer),
                verdict=verdict_kind, corrected_label=corrected, prediction=prediction,
            )  # fmt: skip
    labels = reviewer_labels(store)
    for rule, lead in RULES:
        assert_resolves_like_the_reference(labels, rule, lead)
