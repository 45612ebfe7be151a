"""Object columns keep their own missing values through the prototype's Parquet files.

A column holding ``None`` goes through ``SimpleImputer`` (which takes ``NaN`` for missing)
unimputed and ``OneHotEncoder`` reads it as a category of its own; read back from Parquet it
was ``NaN``, so a row explained after publishing was another input and was refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

import model
from model.own_case import case_frame
from model.stored_features import MIXED, describe, restore


def _frame(n: int = 200, mixed: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    shift = rng.choice(["day", "night", "late"], n).astype(object)
    shift[::5] = None  # the team's export writes None for "no shift recorded"
    if mixed:
        shift[2::10] = np.nan  # and a second source wrote NaN
    frame = pd.DataFrame(
        {
            "shift": pd.Series(shift, dtype=object),
            "kind": pd.Series(rng.choice(["L", "M", "H"], n), dtype=object),
            "torque": rng.normal(40, 10, n),
        }
    )
    frame.index = [f"r{i}" for i in range(n)]
    late = frame["shift"].map(lambda v: v is None or v == "late")
    y = ((frame["torque"] > 42) ^ late).astype(int)
    return frame, y


def _pipeline() -> Pipeline:
    prep = ColumnTransformer(
        [
            (
                "cat",
                # missing_values=NaN (the default): None is not imputed, it is a category
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                ["shift", "kind"],
            ),
            ("num", "passthrough", ["torque"]),
        ]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=1000))])


def test_describe_and_restore_give_back_none_nan_and_na():
    frame = pd.DataFrame(
        {
            "a": pd.Series(["x", None, "y"], dtype=object),
            "b": pd.Series(["x", np.nan, "y"], dtype=object),
            "c": pd.Series(["x", pd.NA, "y"], dtype=object),
            "d": pd.Series(["x", None, np.nan], dtype=object),
            "e": pd.Series(["x", "y", "z"], dtype=object),
            "n": [1.0, np.nan, 2.0],
        }
    )
    frame.index = pd.Index(["r0", "r1", "r2"], name="row_id")
    columns, kinds = describe(frame)
    assert columns == {
        "a": {"dtype": "object", "missing": "None"},
        "b": {"dtype": "object", "missing": "NaN"},
        "c": {"dtype": "object", "missing": "NA"},
        "d": {"dtype": "object", "missing": MIXED},
        "e": {"dtype": "object"},
    }
    assert list(kinds.columns) == ["d"] and kinds.loc["r1", "d"] == "None"
    path_frame = frame.copy()
    read_back = pd.DataFrame(  # what Parquet and pandas give back: text dtype, NaN
        {c: pd.Series(list(frame[c]), index=frame.index, dtype="str") for c in "abcde"}
    ).assign(n=frame["n"])
    restored = restore(read_back, columns, kinds)
    assert restored["a"].iloc[1] is None
    assert isinstance(restored["b"].iloc[1], float) and np.isnan(restored["b"].iloc[1])
    assert restored["c"].iloc[1] is pd.NA
    assert restored["d"].iloc[1] is None and np.isnan(restored["d"].iloc[2])
    assert all(restored[c].dtype == object for c in "abcde")
    assert list(restored["e"]) == ["x", "y", "z"] and restored["n"].dtype == float
    pd.testing.assert_frame_equal(frame, path_frame)  # nothing changed in place


@pytest.mark.parametrize("mixed", [False, True], ids=["None", "None and NaN"])
def test_a_row_outside_the_deck_is_explained_with_its_none(tmp_path, mixed):
    frame, y = _frame(mixed=mixed)
    pipeline = _pipeline().fit(frame, y)
    # the model tells None from NaN: the round trip must not turn one into the other
    as_nan = frame.assign(shift=frame["shift"].where(frame["shift"].notna(), np.nan))
    assert not np.allclose(pipeline.predict_proba(frame), pipeline.predict_proba(as_nan))
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S", "lr", pipeline, frame, y, deck_size=40)
    later = proto.precomputed()[~proto.precomputed()].index
    nones = [r for r in later if frame.loc[r, "shift"] is None][:2]
    assert nones
    stored = proto.features()
    assert stored["shift"].dtype == object
    assert all(stored.loc[r, "shift"] is None for r in nones)
    assert (proto.path / "missing_kinds.parquet").is_file() == mixed
    whole = ws.publish("S", "all", pipeline, frame, y, deck_size=None)
    for row_id in nones:
        explained = ws.explain("S", "lr", row_id)
        reference = ws.explain("S", "all", row_id)
        assert explained["output"] == pytest.approx(
            pipeline.predict_proba(frame.loc[[row_id]])[0, 1], abs=1e-9
        )
        assert explained["base_value"] == pytest.approx(reference["base_value"], abs=1e-12)
        for feature, value in reference["contributions"].items():
            assert explained["contributions"][feature] == pytest.approx(value, abs=1e-9)
    assert whole.meta["stored_columns"]["shift"]["missing"] == (MIXED if mixed else "None")


def test_a_verdicts_snapshot_gets_the_columns_missing_value(tmp_path):
    frame, y = _frame()
    pipeline = _pipeline().fit(frame, y)
    proto = model.open_workspace(tmp_path / "ws").publish("S", "lr", pipeline, frame, y)
    row_id = next(r for r in frame.index if frame.loc[r, "shift"] is None)
    # a verdict's features are JSON: the missing shift comes back as null
    snapshot = {"shift": None, "kind": frame.loc[row_id, "kind"], "torque": 41.0}
    rebuilt = case_frame(proto, [snapshot])
    assert rebuilt["shift"].iloc[0] is None
    expected = pipeline.predict_proba(frame.loc[[row_id]].assign(torque=41.0))
    np.testing.assert_allclose(pipeline.predict_proba(rebuilt), expected, rtol=0, atol=1e-12)


def test_an_na_column_comes_back_as_na_and_out_as_null_and_missing(tmp_path):
    """pd.NA is given back to the model as pd.NA (its imputer takes only that) and comes out
    of an explanation as null: JSON for the CLI and a verdict, "missing" on the pages. (A
    model imputing pd.NA holds it, and its file is not loaded back: publishing explains every
    row.)"""
    import json

    from model.review_reasons import reason_sentences
    from ui.formatting import format_value

    frame, y = _frame()
    shift = frame["shift"].to_numpy(dtype=object, copy=True)
    shift[pd.isna(shift)] = pd.NA
    frame["shift"] = pd.Series(shift, index=frame.index, dtype=object)
    imputer = SimpleImputer(missing_values=pd.NA, strategy="constant", fill_value="none")
    prep = ColumnTransformer(
        [
            ("cat", make_pipeline(imputer, OneHotEncoder(handle_unknown="ignore")), ["shift"]),
            ("num", "passthrough", ["torque"]),
        ]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(frame, y)
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S", "na", pipeline, frame, y)
    assert proto.meta["stored_columns"]["shift"]["missing"] == "NA"
    row_id = next(r for r in frame.index if frame.loc[r, "shift"] is pd.NA)
    stored = proto.features()["shift"][row_id]
    assert stored is pd.NA and format_value(stored) == "missing"
    rebuilt = case_frame(proto, [proto.features().loc[row_id].to_dict()])
    np.testing.assert_allclose(
        pipeline.predict_proba(rebuilt), pipeline.predict_proba(frame.loc[[row_id]]), atol=1e-12
    )
    explained = ws.explain("S", "na", row_id)
    assert explained["feature_values"]["shift"] is None
    assert json.loads(json.dumps(explained))["feature_values"]["shift"] is None
    sentences = reason_sentences(explained, {}, "binary", "1")
    assert sentences and not any("<NA>" in s or "None" in s for s in sentences)
