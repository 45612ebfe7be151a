"""A target with missing values names the rows and the likely cause (security trial D11): a CSV
whose line 11 used semicolons said only "the target has 1 missing values; drop those rows or
omit y", naming neither the row nor the cause, in the Python API's words on the command line."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from model.estimator_contract import PublishError
from model.publish_inputs import checked_inputs


def _rows(text: str) -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.read_csv(io.StringIO(text)).set_index("UDI")
    return frame.drop(columns="failure"), frame.pop("failure")


def test_a_line_with_semicolons_is_named_with_the_separator_hint():
    lines = ["UDI,torque,failure"] + [f"{i},{i * 1.5},{i % 2}" for i in range(1, 10)]
    lines.insert(10, "10;15.0;0")  # line 11 of the file, the 10th row
    X, y = _rows("\n".join(lines) + "\n")
    estimator = DummyClassifier().fit(X.fillna(0), y.fillna(0))
    with pytest.raises(PublishError) as refused:
        checked_inputs(estimator, X, y, "binary")
    assert str(refused.value) == (
        "the target has missing values in 1 row of the data: row 10 (id '10;15.0;0'); fill in "
        "or drop those rows (in a CSV file, check that those lines use the same separator as "
        "the header, such as a comma)"
    )
    assert "omit y" not in str(refused.value)


def test_many_missing_rows_show_three_and_count_the_rest():
    X, y = _rows("UDI,torque,failure\n" + "".join(f"{i},1,\n" for i in range(1, 6)) + "6,1,1\n")
    estimator = DummyClassifier().fit([[0], [1]], [0, 1])
    with pytest.raises(PublishError, match=r"in 5 rows of the data: rows 1 \(id '1'\), 2 "):
        checked_inputs(estimator, X, y, "binary")
    with pytest.raises(PublishError, match=r"3 \(id '3'\) and 2 more; fill in"):
        checked_inputs(estimator, X, y, "binary")
