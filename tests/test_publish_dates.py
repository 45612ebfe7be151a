"""A date column the model's pipeline cannot handle is refused at publish in one line naming
the column and what to do, through the API and the CLI, with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from cli_support import run_cli
from sklearn.linear_model import LogisticRegression

import model
from model.publishing import PublishError

REFUSAL = (
    "column 'installed' holds dates; turn them into numbers in your pipeline "
    "(e.g. days since a date) or drop the column"
)


def dated_rows(n: int = 80) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "torque": rng.normal(40, 10, n),
            "installed": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), "D"),
        },
        index=[f"m{i}" for i in range(n)],
    )
    y = pd.Series((frame["torque"] > 40).astype(int), index=frame.index, name="failure")
    return frame, y


def fitted_on_numbers(frame: pd.DataFrame, y: pd.Series) -> LogisticRegression:
    """Trained on the dates as days, published with the dates themselves."""
    days = (frame["installed"] - pd.Timestamp("2024-01-01")).dt.days.astype(float)
    return LogisticRegression().fit(frame.assign(installed=days), y)


@pytest.mark.parametrize("dates", ["datetime64", "with time zone", "python dates"])
def test_a_date_column_the_model_cannot_take_is_refused_naming_it(tmp_path, dates):
    frame, y = dated_rows()
    estimator = fitted_on_numbers(frame, y)
    if dates == "with time zone":
        frame["installed"] = frame["installed"].dt.tz_localize("UTC")
    elif dates == "python dates":
        frame["installed"] = frame["installed"].dt.date.astype(object)
    ws = model.open_workspace(tmp_path / "ws")
    with pytest.raises(PublishError) as refused:
        ws.publish("S", "dated", estimator, frame, y)
    assert str(refused.value) == REFUSAL
    assert ws.prototypes("S") == []


def test_a_model_failing_for_another_reason_keeps_the_generic_message(tmp_path):
    frame, y = dated_rows()
    estimator = fitted_on_numbers(frame, y)
    ws = model.open_workspace(tmp_path / "ws")
    with pytest.raises(PublishError, match="^the model failed to predict on the data: "):
        ws.publish("S", "dated", estimator, frame.assign(installed="last spring"), y)


def test_the_cli_refuses_a_date_column_in_one_line_with_exit_2(tmp_path):
    frame, y = dated_rows()
    (tmp_path / "model.skops").write_bytes(skops.io.dumps(fitted_on_numbers(frame, y)))
    frame.assign(failure=y).rename_axis("machine").reset_index().to_parquet(
        tmp_path / "demo.parquet"
    )
    project = str(Path(model.__file__).parent.parent)
    result = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"),
        "--sprint", "S1", "--name", "dated", "--model", str(tmp_path / "model.skops"),
        "--data", str(tmp_path / "demo.parquet"), "--target", "failure",
        "--id-column", "machine", timeout=300, cwd=project,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {REFUSAL}\n"
    assert model.open_workspace(tmp_path / "ws").prototypes("S1") == []
