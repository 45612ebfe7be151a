"""Columns of the demo data the model does not take are kept as context for reviewers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import run_cli
from sklearn.ensemble import HistGradientBoostingClassifier

import feedback_store
import model
from model.context_columns import ContextColumnsWarning
from model.review import record_verdict, shown_version

LONG = "the parcel never arrived " * 40  # a long subject, kept as it is


#: How the note says what to do about a column reviewers must not see.
HINT = (
    " (leave a column out of X, or --leave-out it, if reviewers must not see it: another "
    "target, for one)"
)


def tickets(n: int = 120) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    subjects = rng.choice(["refund please", "app crash", "parcel late"], n).astype(object)
    subjects[0] = LONG
    X = pd.DataFrame(
        {
            "subject": subjects,
            "tenure_months": rng.gamma(2, 10, n),
            "amount": rng.lognormal(3, 1, n),
        },
        index=[f"T{i}" for i in range(n)],
    )
    y = pd.Series(rng.choice(["billing", "technical", "shipping"], n), index=X.index, name="queue")
    return X, y


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    X, y = tickets()
    fitted = HistGradientBoostingClassifier(max_iter=5).fit(X[["tenure_months", "amount"]], y)
    ws = model.open_workspace(tmp_path_factory.mktemp("ws"))
    given = X.assign(queue=y)  # the target among the columns is not context
    with pytest.warns(ContextColumnsWarning) as caught:
        proto = ws.publish(sprint="S1", name="hgb", estimator=fitted, X=given, y=y)
    return ws, proto, [str(w.message) for w in caught]


def test_an_unused_text_column_is_stored_as_context_and_named_in_a_warning(published):
    _, proto, messages = published
    assert messages == [f"kept as context for reviewers, not used by the model: subject{HINT}"]
    assert proto.meta["features"] == ["tenure_months", "amount"]
    assert proto.meta["context_columns"] == ["subject"]
    context = pd.read_parquet(proto.path / "context.parquet")
    assert list(context.columns) == ["subject"] and context.index.name == "row_id"
    assert context.loc["T0", "subject"] == LONG and len(context) == 120


def test_context_is_neither_given_to_the_model_nor_explained(published):
    _, proto, _ = published
    assert "subject" not in proto.features().columns
    for label in proto.meta["classes"]:
        assert "subject" not in proto.shap_values(label).columns
    assert "subject" not in proto.meta["global_importance"]


def test_a_verdict_snapshots_the_rows_context_and_the_export_carries_it(published, tmp_path):
    ws, proto, _ = published
    store = feedback_store.open(ws.path)
    version, content = shown_version(proto)
    for row_id in ("T0", "T1"):
        record_verdict(
            store, ws, sprint="S1", prototype="hgb", version=version, content_id=content,
            row_id=row_id, reviewer="ana", verdict="correct",
        )  # fmt: skip
    verdicts = store.verdicts(sprint="S1")
    (recorded,) = verdicts[verdicts["row_id"] == "T0"].to_dict("records")
    assert recorded["features"]["subject"] == LONG
    assert set(recorded["features"]) == {"tenure_months", "amount", "subject"}
    result = store.export_training(tmp_path / "train.csv", format="csv")
    exported = pd.read_csv(result[0]).set_index("row_id")
    assert exported.loc["T0", "subject"] == LONG
    assert exported.loc["T1", "subject"] == proto_subject(proto, "T1")


def proto_subject(proto, row_id: str) -> str:
    return pd.read_parquet(proto.path / "context.parquet").loc[row_id, "subject"]


def test_the_cli_says_which_columns_it_kept_as_context_in_one_note(tmp_path):
    X, y = tickets()
    fitted = HistGradientBoostingClassifier(max_iter=5).fit(X[["tenure_months", "amount"]], y)
    sio.dump(fitted, tmp_path / "hgb.skops")
    X.assign(queue=y).rename_axis("ticket").reset_index().to_csv(tmp_path / "demo.csv", index=False)
    result = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S1",
        "--name", "hgb", "--model", str(tmp_path / "hgb.skops"),
        "--data", str(tmp_path / "demo.csv"), "--target", "queue", "--id-column", "ticket",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: kept as context for reviewers, not used by the model: subject{HINT}"
    ]


def test_the_cli_leaves_out_a_column_reviewers_must_not_see(tmp_path):
    """A trial: the other target (a failure flag beside the hours left) was shown on every
    remaining-life card as context, and exported with the verdicts."""
    X, y = tickets()
    fitted = HistGradientBoostingClassifier(max_iter=5).fit(X[["tenure_months", "amount"]], y)
    sio.dump(fitted, tmp_path / "hgb.skops")
    X = X.assign(escalated=(X["amount"] > 30).astype(int), queue=y)
    X.rename_axis("ticket").reset_index().to_csv(tmp_path / "demo.csv", index=False)
    publish = (
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S1",
        "--name", "hgb", "--model", str(tmp_path / "hgb.skops"),
        "--data", str(tmp_path / "demo.csv"), "--target", "queue", "--id-column", "ticket",
    )  # fmt: skip
    result = run_cli(*publish, "--leave-out", "escalated")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: kept as context for reviewers, not used by the model: subject{HINT}"
    ]
    proto = model.open_workspace(tmp_path / "ws").prototype("S1", "hgb")
    assert proto.meta["context_columns"] == ["subject"]
    refused = run_cli(*publish, "--leave-out", "escalatd")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: --leave-out 'escalatd': data file demo.csv has no such column; its columns "
        "are subject, tenure_months, amount, escalated"
    ]
