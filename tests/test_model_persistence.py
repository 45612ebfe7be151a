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
