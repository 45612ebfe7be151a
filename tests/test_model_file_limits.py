"""A library's own model file from outside is held to the model file cap: by its size on disk
before a byte of it is read, and by what its values would take in memory before they are
parsed (JSON, UBJSON, LightGBM's text, a skops schema, CatBoost's export)."""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import run_cli

import model.boosting
from model.file_limits import MB
from model.native_checks import checked_lightgbm_text, checked_xgboost_bytes
from model.persistence import ModelFileError, dumps, load_model_file, loads

ENV = "SPRINT_REVIEW_MAX_MODEL_MB"


def _rows() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    return X, pd.Series((X["a"] > 0).astype(int), name="y")


@pytest.fixture(scope="module")
def native_files(tmp_path_factory) -> dict[str, Path]:
    """A small fitted model in each library's own format, by suffix."""
    import catboost
    import lightgbm
    import xgboost

    folder = tmp_path_factory.mktemp("native")
    X, y = _rows()
    xgb = xgboost.XGBClassifier(n_estimators=5, max_depth=2, n_jobs=1).fit(X, y)
    xgb.save_model(folder / "m.json")
    xgb.save_model(folder / "m.ubj")
    lgbm = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, n_jobs=1, verbose=-1).fit(X, y)
    lgbm.booster_.save_model(folder / "m.txt")
    cat = catboost.CatBoostClassifier(iterations=5, depth=2, thread_count=1, verbose=0)
    cat.fit(X, y).save_model(str(folder / "m.cbm"))
    return {path.suffix: path for path in folder.iterdir()}


def _peak(function) -> int:
    """The most memory Python allocated while ``function`` ran."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _never_read(monkeypatch) -> None:
    """Make reading a native model file, or any file's bytes, fail the test."""
    monkeypatch.setattr(model.boosting, "load_native_model", lambda p: pytest.fail("read"))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))


@pytest.mark.parametrize("suffix", [".json", ".ubj", ".txt", ".cbm"])
def test_a_file_one_byte_over_a_lowered_cap_is_refused_before_it_is_read(
    native_files, suffix, monkeypatch
):
    path = native_files[suffix]
    size = path.stat().st_size
    monkeypatch.setenv(ENV, repr((size - 1) / MB))  # exact: MB is a power of two
    with monkeypatch.context() as patched:
        _never_read(patched)
        with pytest.raises(ModelFileError) as refused:
            load_model_file(path)
    message = str(refused.value)
    assert message.startswith(f"model file {path.name} was refused: the file is ")
    assert f"set {ENV} to a larger number of MB" in message and "\n" not in message
    monkeypatch.setenv(ENV, repr(size / MB))  # at the cap, the file goes to its reader
    monkeypatch.setattr(model.boosting, "load_native_model", lambda p: f"read {p.name}")
    assert load_model_file(path) == f"read {path.name}"


def test_a_sparse_600_mb_file_is_refused_by_its_size_alone(tmp_path, monkeypatch):
    """Reading 600 MB would take 600 MB (and the JSON check seconds): nothing near that."""
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(600 * MB)
    _never_read(monkeypatch)

    def check():
        with pytest.raises(ModelFileError, match="huge.json was refused: the file is 600 MB, "):
            load_model_file(path)

    assert _peak(check) < 4 * MB


def test_the_cli_refuses_a_file_over_the_cap_in_one_line_with_exit_2(native_files, tmp_path):
    X, y = _rows()
    X.assign(y=y).to_csv(tmp_path / "rows.csv", index_label="id")
    done = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S",
        "--name", "m", "--model", str(native_files[".json"]), "--data",
        str(tmp_path / "rows.csv"), "--target", "y", "--id-column", "id",
        env={ENV: "0.001"},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: model file m.json was refused: the file is ")
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "ws").exists()


# -- what the values would take in memory ----------------------------------------------------------
def _ubjson_of_empty_objects(count: int) -> bytes:
    """UBJSON as XGBoost's files start (``{L``), holding ``count`` empty objects: 2 bytes of
    file and 72 of memory each."""
    return b"{L" + struct.pack(">q", 1) + b"x[" + b"{}" * count + b"]}"


def test_ubjson_whose_values_would_outgrow_the_cap_is_stopped_at_the_cap(monkeypatch):
    data = _ubjson_of_empty_objects(200_000)  # 0.4 MB of file, 14 MB of dicts
    monkeypatch.setenv(ENV, "1")

    def check():
        with pytest.raises(ModelFileError, match=r"its values would take about 1[34] MB in mem"):
            checked_xgboost_bytes(data, "model file m.ubj")

    assert _peak(check) < 3 * MB


def test_json_whose_values_would_outgrow_the_cap_is_refused_unparsed(monkeypatch):
    data = b'{"x": [' + b"{}," * 200_000 + b"{}]}"  # 0.6 MB of file, 14 MB of dicts
    monkeypatch.setenv(ENV, "1")

    def check():
        with pytest.raises(ModelFileError, match=r"save it as UBJSON \(\.ubj\), .* or if you"):
            checked_xgboost_bytes(data, "model file m.json")

    assert _peak(check) < MB


def test_a_lightgbm_line_that_would_outgrow_the_cap_is_refused_unsplit(native_files, monkeypatch):
    text = native_files[".txt"].read_bytes()
    head, _, rest = text.partition(b"\nfeature_names=")
    long_line = b"\nfeature_names=" + b" ".join([b"ab"] * 200_000)  # 0.6 MB, 17 MB split
    monkeypatch.setenv(ENV, "1")

    def check():
        with pytest.raises(ModelFileError, match="a line of it would take about 1[78] MB in mem"):
            checked_lightgbm_text(head + long_line + b"\n" + rest, "model file m.txt")

    assert _peak(check) < 3 * MB


def test_a_skops_schema_that_would_outgrow_the_cap_is_refused_unparsed(monkeypatch):
    from sklearn.linear_model import LogisticRegression

    X, y = _rows()
    data = dumps(LogisticRegression().fit(X, y))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    schema["padding"] = [{}] * 200_000  # 0.8 MB of JSON, 14 MB of dicts
    members["schema.json"] = json.dumps(schema).encode()
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    monkeypatch.setenv(ENV, "1")
    with pytest.raises(ModelFileError, match="its schema.json would take about"):
        loads(crafted.getvalue())


def test_a_schema_over_its_own_cap_says_so_and_the_advice_raises_that_cap(monkeypatch):
    """A 90 MB schema.json in an 88 KB zip was refused with "... more than the 64 MB a model
    file may unpack to; ... set SPRINT_REVIEW_MAX_MODEL_MB", which raised nothing: the schema's
    cap was fixed. It is an eighth of the model-file cap, so the advice holds."""
    from model.persistence import schema_limit_bytes

    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", b" " * (65 * MB))
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(ModelFileError) as refused:
        loads(crafted.getvalue(), "model file fat.skops")
    assert str(refused.value).startswith(
        "model file fat.skops was refused: its schema.json (skops' description of the model's "
        "parts) is over 64 MB, an eighth of the 512 MB a model file may unpack to;"
    )
    assert schema_limit_bytes(1024 * MB) == 128 * MB
    monkeypatch.setenv(ENV, "1024")  # raised as advised: the size no longer refuses it
    with pytest.raises(ModelFileError) as refused:
        loads(crafted.getvalue(), "model file fat.skops")
    assert "is over" not in str(refused.value)


def test_a_catboost_export_that_would_outgrow_the_cap_is_refused(native_files, monkeypatch):
    """A CatBoost file's JSON export, read back from the checking process, holds every border
    and leaf as text: far more than the binary file."""
    path = native_files[".cbm"]
    monkeypatch.setenv(ENV, repr(path.stat().st_size / MB))  # the file itself is within
    with pytest.raises(ModelFileError, match="CatBoost's export of it would take about"):
        load_model_file(path)
