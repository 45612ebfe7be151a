"""Model files: skops with trusted types only; pickle never runs without consent."""

from __future__ import annotations

import os
import pickle

import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from model import ModelFileError, ToolWearRule
from model.persistence import dumps, load_model_file, loads


class Opaque:
    """A type no one has vetted."""

    def __init__(self):
        self.value = 1


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_skops_round_trip_of_our_own_rule_model(tmp_path):
    path = tmp_path / "rule.skops"
    sio.dump(ToolWearRule(threshold=180), path)
    assert load_model_file(path).threshold == 180


def test_untrusted_type_is_refused_by_name():
    data = sio.dumps(Opaque())
    with pytest.raises(ModelFileError, match="Opaque"):
        loads(data)


def test_truncated_skops_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "broken.skops"
    path.write_bytes(dumps(LogisticRegression())[:100])
    with pytest.raises(ModelFileError, match="not a readable skops file"):
        load_model_file(path)


def test_pickle_is_refused_without_trust_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Payload(str(marker))))
    with pytest.raises(ModelFileError, match="--trust-pickle"):
        load_model_file(path)
    assert not marker.exists()
    load_model_file(path, trust_pickle=True)  # the user vouched for it: it runs
    assert marker.exists()


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"x")
    with pytest.raises(ModelFileError, match="unknown model file type"):
        load_model_file(path)


def _schema_without_ids(data: bytes):
    """A skops file's schema.json with the object ids (``__id__``, and the array file names
    made from them) taken out: they differ between two saves of the same model."""
    import io
    import json
    import zipfile

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("__id__", "file")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        arrays = sorted(archive.read(n) for n in archive.namelist() if n != "schema.json")
        return strip(json.loads(archive.read("schema.json"))), arrays


def test_dumps_writes_what_skops_writes_and_skops_loads_it():
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from model.demo import FEATURES, TARGET, load_demo_data

    data = load_demo_data().head(2000)
    X, y = data[FEATURES], data[TARGET]
    categorical = [c for c in FEATURES if not pd.api.types.is_numeric_dtype(X[c])]
    pipeline = Pipeline(
        [
            (
                "prep",
                ColumnTransformer([("cat", OneHotEncoder(), categorical)], remainder="passthrough"),
            ),
            ("gb", GradientBoostingClassifier(n_estimators=20, random_state=0)),
        ]
    ).fit(X, y)
    ours, theirs = dumps(pipeline), sio.dumps(pipeline)
    assert _schema_without_ids(ours) == _schema_without_ids(theirs)
    assert sio.get_untrusted_types(data=ours) == sio.get_untrusted_types(data=theirs)
    loaded = loads(ours)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))
