"""Hostile model files: none of their payloads runs, through the CLI, the API or the app's path.

Each file carries a payload that creates a marker file if any of it runs (or, for the zip
bomb, unpacks 1.5 GB); every test asserts the marker does not exist afterwards.
"""

from __future__ import annotations

import collections
import functools
import io
import json
import operator
import os
import pickle
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import run_cli
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import model
from model import ModelFileError
from model.on_demand import _loaded_estimator
from model.persistence import MAX_MEMBERS, dumps, load_model_file, loads, trusted_types
from model.review import explain_own_case

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["a", "b"]


class Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _rows() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=FEATURES)
    X.index = pd.Index([f"r{i}" for i in range(60)], name="row_id")
    return X, pd.Series((X["a"] > 0).astype(int), index=X.index, name="y")


def _with_step(step) -> Pipeline:
    """A fitted pipeline whose first step is ``step`` (fitted on its own, never run here)."""
    X, y = _rows()
    pipeline = Pipeline([("evil", step), ("model", LogisticRegression())])
    pipeline.steps[1][1].fit(X, y)
    return pipeline


def eval_through_partial(marker: Path) -> bytes:
    code = f"__import__('os').mkdir({str(marker)!r})"
    return sio.dumps(_with_step(FunctionTransformer(functools.partial(eval, code, {}))))


def write_through_operator(marker: Path) -> bytes:
    # FunctionTransformer calls X.to_csv(marker): an operator function writing a file.
    return sio.dumps(_with_step(FunctionTransformer(operator.methodcaller("to_csv", str(marker)))))


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info))
    return out.getvalue()


def _array_member(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(name for name in archive.namelist() if name.endswith(".npy"))


def nested_pickle_array(marker: Path) -> bytes:
    """A model whose array member is a pickled object array that creates ``marker``."""
    X, y = _rows()
    data = sio.dumps(LogisticRegression().fit(X, y))
    payload = io.BytesIO()
    np.save(payload, np.array([Payload(str(marker))], dtype=object), allow_pickle=True)
    return _replace_member(data, _array_member(data), payload.getvalue())


def nested_pickle_member(marker: Path) -> bytes:
    """A model with a pickle beside its arrays."""
    X, y = _rows()
    out = io.BytesIO(sio.dumps(LogisticRegression().fit(X, y)))
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("model.pkl", pickle.dumps(Payload(str(marker))))
    return out.getvalue()


def nested_pickle_in_sparse_matrix(marker: Path) -> bytes:
    """A sparse matrix (``.npz``, a zip in the zip) whose inner array is a pickle."""
    from scipy import sparse

    data = sio.dumps({"matrix": sparse.csr_matrix(np.eye(3))})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (npz,) = [name for name in archive.namelist() if name.endswith(".npz")]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        payload = io.BytesIO()
        np.save(payload, np.array([Payload(str(marker))], dtype=object), allow_pickle=True)
        archive.writestr("data.npy", payload.getvalue())
    return _replace_member(data, npz, inner.getvalue())


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of already-compressed members: ``(name, stored bytes, method, crc, size)``."""
    out, directory = io.BytesIO(), []
    for name, stored, method, crc, size in members:
        offset, encoded = out.tell(), name.encode()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(stored),
                        size, len(encoded), 0) + encoded + stored
        )  # fmt: skip
        directory.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                        len(stored), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )  # fmt: skip
    start, count = out.tell(), len(directory)
    out.write(b"".join(directory))
    size, end = out.tell() - start, out.tell()
    if count > 0xFFFF:  # ZIP64: the classic end record's count field holds 65,535 at most
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size,
                              start))  # fmt: skip
        out.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        count = 0xFFFF
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))
    return out.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """A 1.5 MB skops file of a logistic regression whose coefficient array unpacks to 1.5 GB.

    Deflate blocks ended by a full flush stand alone, so 96 copies of 16 MB of compressed
    zeros are a valid stream of 1.5 GB.
    """
    X, y = _rows()
    data = sio.dumps(LogisticRegression().fit(X, y))
    name, chunk = _array_member(data), bytes(16 * 2**20)
    total = 96 * len(chunk)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1, (total - 128) // 8)}
    )
    head = header.getvalue()
    assert len(head) == 128
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head + chunk[128:]) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = first + repeat * 95 + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head + chunk[128:])
    for _ in range(95):
        crc = zlib.crc32(chunk, crc)
    members = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename == name:
                members.append((name, stream, zipfile.ZIP_DEFLATED, crc, total))
            else:
                content = archive.read(info)
                members.append((info.filename, content, 0, zlib.crc32(content), len(content)))
    return _raw_zip(members)


def member_flood(_marker: Path) -> bytes:
    """More members than a model file may hold (each one empty)."""
    stored = b""
    members = [("schema.json", b"{}", 0, zlib.crc32(b"{}"), 2)]
    members += [(f"{i}.npy", stored, 0, 0, 0) for i in range(MAX_MEMBERS + 1)]
    return _raw_zip(members)


HOSTILE = {
    "eval through functools.partial": (eval_through_partial, "builtins.eval"),
    "an operator function": (write_through_operator, "operator.methodcaller"),
    "a pickled array": (nested_pickle_array, "pickled Python objects"),
    "a pickle beside the arrays": (nested_pickle_member, "'model.pkl'"),
    "a pickle inside a sparse matrix": (nested_pickle_in_sparse_matrix, "pickled Python"),
    "a zip bomb": (lambda _marker: zip_bomb(), "unpacks to 1,536 MB"),
    "a flood of members": (member_flood, "100,002 files"),
}


@pytest.fixture(params=sorted(HOSTILE), ids=lambda name: name.replace(" ", "-"))
def hostile(request, tmp_path):
    """``(path, marker, expected)``: a hostile ``.skops`` file, the file its payload would
    create, and what the refusal names."""
    build, expected = HOSTILE[request.param]
    marker = tmp_path / "payload-ran"
    path = tmp_path / "hostile.skops"
    path.write_bytes(build(marker))
    return path, marker, expected


def test_the_payloads_do_run_when_their_types_are_trusted(tmp_path):
    """The files are real attacks: trusting what they ask for runs them."""
    for build in (eval_through_partial, write_through_operator):
        marker = tmp_path / f"ran-{build.__name__}"
        data = build(marker)
        estimator = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        with pytest.raises(Exception):  # noqa: B017, PT011 - the payload breaks the pipeline
            estimator.predict(_rows()[0])
        assert marker.exists()


def test_load_model_file_refuses_each_hostile_file_and_runs_nothing(hostile):
    path, marker, expected = hostile
    with pytest.raises(ModelFileError) as refused:
        load_model_file(path)
    message = str(refused.value)
    assert expected in message and "\n" not in message
    assert "hostile.skops" in message and ("save" in message or "install" in message)
    assert not marker.exists()


def test_loads_refuses_each_hostile_payload_and_runs_nothing(hostile):
    path, marker, expected = hostile
    with pytest.raises(ModelFileError, match=expected.replace("(", r"\(").replace(".", r"\.")):
        loads(path.read_bytes(), "the upload")
    assert not marker.exists()


def test_a_script_that_publishes_a_hostile_file_publishes_nothing(hostile, tmp_path):
    path, marker, _ = hostile
    ws = model.open_workspace(tmp_path / "ws")
    X, y = _rows()
    with pytest.raises(ModelFileError):
        ws.publish("Sprint 1", "evil", load_model_file(path), X, y)
    assert not marker.exists() and ws.summary().empty


def test_the_zip_bomb_is_refused_from_the_directory_without_unpacking():
    data = zip_bomb()
    assert len(data) < 2 * 2**20
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(info.file_size for info in archive.infolist()) > 1.5e9
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match="unpacks to 1,536 MB, more than the 512 MB"):
            loads(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2 and peak < 20 * 2**20


def test_an_array_read_many_times_over_counts_every_time(tmp_path):
    """A schema naming one 40 MB array from 20 nodes (and the model 1) would unpack 840 MB."""
    X, y = _rows()
    data = sio.dumps(LogisticRegression().fit(X, y))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    big = io.BytesIO()
    np.save(big, np.zeros(5 * 2**20))
    node = schema["content"]["content"]["coef_"]
    name = node["file"]
    schema["content"]["content"]["extra"] = {
        "__class__": "list", "__module__": "builtins", "__loader__": "ListNode",
        "content": [dict(node, __id__=10_000 + i) for i in range(20)],
    }  # fmt: skip
    data = _replace_member(data, name, big.getvalue())
    data = _replace_member(data, "schema.json", json.dumps(schema).encode())
    with pytest.raises(ModelFileError, match="its arrays are read as 840 MB"):
        loads(data)


def test_the_size_limit_can_be_raised_for_a_file_you_made(monkeypatch):
    X, y = _rows()
    data = dumps(LogisticRegression().fit(X, y))
    monkeypatch.setenv("SPRINT_REVIEW_MAX_MODEL_MB", "0.001")
    with pytest.raises(ModelFileError, match="set SPRINT_REVIEW_MAX_MODEL_MB to a larger"):
        loads(data)
    monkeypatch.setenv("SPRINT_REVIEW_MAX_MODEL_MB", "10")
    assert loads(data).coef_.shape == (1, 2)


def test_the_allow_list_names_exact_types_and_nothing_that_runs_code():
    names = trusted_types()
    assert "sklearn.linear_model._logistic.LogisticRegression" in names
    assert "xgboost.sklearn.XGBClassifier" in names and "model.rules.ToolWearRule" in names
    # functools.partial is the one exception: skops checks the function it wraps on its own
    # (a partial of eval is refused by builtins.eval, see HOSTILE), so it calls only what the
    # list already trusts. Histogram gradient boosting with categorical features holds one.
    names = names - {"functools.partial"}
    for name in names:
        module, _, attribute = name.rpartition(".")
        assert attribute and not name.endswith("."), name
        assert module not in ("builtins", "functools", "operator", "_operator", "os", "sys")
        assert attribute not in ("eval", "exec", "compile", "getattr", "__import__", "partial")
    assert not any(name.startswith(("builtins.", "functools.", "operator.")) for name in names)


# --- the app's path: a stored prototype's model, loaded to explain a row ------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A workspace with a logistic regression whose deck leaves rows to explain on demand."""
    X, y = _rows()
    ws = model.open_workspace(tmp_path_factory.mktemp("app") / "ws")
    proto = ws.publish("Sprint 1", "lr", LogisticRegression().fit(X, y), X, y, deck_size=10)
    return ws.path, proto.path / "model.skops"


@pytest.mark.parametrize("build", [eval_through_partial, write_through_operator,
                                   nested_pickle_array], ids=lambda b: b.__name__)  # fmt: skip
def test_a_stored_model_replaced_by_a_hostile_file_runs_nothing_in_the_app(
    published, tmp_path, build
):
    workspace, model_file = published
    original = model_file.read_bytes()
    marker = tmp_path / "payload-ran"
    model_file.write_bytes(build(marker))
    try:
        ws = model.open_workspace(workspace, create=False)
        proto = ws.prototype("Sprint 1", "lr")
        with pytest.raises(ValueError, match="not trusted|pickled"):
            proto.estimator()
        on_demand = proto.precomputed().index[~proto.precomputed()][0]
        with pytest.raises(ValueError, match="not trusted|pickled"):
            ws.explain("Sprint 1", "lr", on_demand)
        with pytest.raises(ValueError, match="not trusted|pickled"):  # "Try your own case"
            explain_own_case(proto, {"a": 0.1, "b": -0.2})
        assert not marker.exists()
    finally:
        model_file.write_bytes(original)


# --- the CLI -------------------------------------------------------------------------------


def test_the_cli_refuses_each_hostile_file_in_one_line_and_runs_nothing(hostile, tmp_path):
    path, marker, expected = hostile
    X, y = _rows()
    data = tmp_path / "rows.csv"
    X.assign(y=y).reset_index().to_csv(data, index=False)
    result = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"),
        "--sprint", "Sprint 1", "--name", "evil", "--model", str(path), "--data", str(data),
        "--target", "y", "--id-column", "row_id", timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists() and not (tmp_path / "ws" / "sprints").exists()


# --- trusted types holding crafted indices ---------------------------------------------------


def _find(node, class_name: str) -> dict:
    """The first node of ``class_name`` in the schema, in the order it was written."""
    queue = collections.deque([node])
    while queue:
        item = queue.popleft()
        if isinstance(item, dict):
            if item.get("__class__") == class_name:
                return item
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    raise LookupError(class_name)


def _with_array_changed(data: bytes, file_name: str, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        array = np.load(io.BytesIO(archive.read(file_name)))
    change(array)
    out = io.BytesIO()
    np.save(out, array)
    return _replace_member(data, file_name, out.getvalue())


def crafted_tree(data: bytes) -> bytes:
    nodes = _find(_schema(data), "Tree")["content"]["content"]["nodes"]["file"]
    return _with_array_changed(data, nodes, lambda a: a["left_child"].__setitem__(0, 10**9))


def crafted_split_column(data: bytes) -> bytes:
    nodes = _find(_schema(data), "Tree")["content"]["content"]["nodes"]["file"]
    return _with_array_changed(data, nodes, lambda a: a["feature"].__setitem__(0, 10**6))


def crafted_predictor(data: bytes) -> bytes:
    nodes = _find(_schema(data), "TreePredictor")["content"]["content"]["nodes"]["file"]

    def change(array):
        array["right"][np.flatnonzero(array["is_leaf"] == 0)[0]] = 10**9

    return _with_array_changed(data, nodes, change)


def crafted_neighbours(data: bytes) -> bytes:
    indices = _find(_schema(data), "KDTree")["content"]["content"][1]["file"]
    return _with_array_changed(data, indices, lambda a: a.__setitem__(0, 10**9))


def looping_tree(data: bytes) -> bytes:
    nodes = _find(_schema(data), "Tree")["content"]["content"]["nodes"]["file"]

    def change(array):
        leaf = np.flatnonzero(array["left_child"] == -1)[0]
        array["left_child"][leaf] = leaf  # the leaf becomes a split whose child is itself
        array["right_child"][leaf] = leaf
        array["feature"][leaf] = 0

    return _with_array_changed(data, nodes, change)


def looping_predictor(data: bytes) -> bytes:
    nodes = _find(_schema(data), "TreePredictor")["content"]["content"]["nodes"]["file"]

    def change(array):
        array["left"][np.flatnonzero(array["is_leaf"] == 0)[0]] = 0  # the root, again

    return _with_array_changed(data, nodes, change)


def _schema(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("schema.json"))


@pytest.mark.parametrize(
    ("estimator", "craft", "expected"),
    [
        ("DecisionTreeClassifier", crafted_tree, "Tree in it has a child index outside"),
        ("RandomForestClassifier", crafted_split_column, "a split on a column the model does"),
        ("HistGradientBoostingClassifier", crafted_predictor, "TreePredictor in it has a child"),
        ("KNeighborsClassifier", crafted_neighbours, "KDTree in it has a neighbour index"),
        ("DecisionTreeClassifier", looping_tree, "Tree in it has a child stored at or before"),
        ("HistGradientBoostingClassifier", looping_predictor, "has a child stored at or before"),
    ],
)
def test_trees_with_indices_outside_their_arrays_are_refused(estimator, craft, expected):
    """Their types are trusted, but scikit-learn indexes with the stored numbers unchecked."""
    from sklearn import ensemble, neighbors, tree

    cls = next(getattr(m, estimator) for m in (tree, ensemble, neighbors) if hasattr(m, estimator))
    X, y = _rows()
    data = dumps(cls().fit(X, y))
    assert loads(data).predict(X).shape == (len(X),)  # the honest file loads
    with pytest.raises(ModelFileError, match=expected):
        loads(craft(data))


def test_a_skops_file_over_the_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from model.persistence import load_skops_file

    path = tmp_path / "big.skops"
    path.write_bytes(b"PK" + bytes(3 * 2**20))  # not even a zip: never read, only measured
    monkeypatch.setenv("SPRINT_REVIEW_MAX_MODEL_MB", "2")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(ModelFileError, match="big.skops was refused: the file is 3 MB"):
        load_skops_file(path)
    with pytest.raises(ModelFileError, match="the prototype's model was refused"):
        load_skops_file(path, "the prototype's model")


def test_a_stored_model_over_the_cap_is_refused_unread_by_the_app(published, monkeypatch):
    """A workspace restored from a backup or copied from a shared folder holds files from
    outside: its model.skops is measured before a byte is read, like a file given to publish."""
    workspace, model_file = published
    size_mb = model_file.stat().st_size / 2**20
    monkeypatch.setenv("SPRINT_REVIEW_MAX_MODEL_MB", repr(size_mb / 2))
    ws = model.open_workspace(workspace, create=False)
    proto = ws.prototype("Sprint 1", "lr")
    on_demand = proto.precomputed().index[~proto.precomputed()][0]
    _loaded_estimator.cache_clear()  # a model loaded by an earlier test is not read again
    with monkeypatch.context() as patched:
        patched.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self.name} was read"))
        with pytest.raises(ModelFileError, match="lr model was refused: the file is "):
            proto.estimator()
        with pytest.raises(ModelFileError, match="lr model was refused"):
            ws.explain("Sprint 1", "lr", on_demand)


def test_a_trusted_pickle_over_the_cap_is_refused_before_it_is_unpickled(tmp_path, monkeypatch):
    X, y = _rows()
    path = tmp_path / "mine.pkl"
    path.write_bytes(pickle.dumps(LogisticRegression().fit(X, y)))
    monkeypatch.setenv("SPRINT_REVIEW_MAX_MODEL_MB", repr(path.stat().st_size / 2 / 2**20))
    monkeypatch.setattr(pickle, "load", lambda file: pytest.fail("unpickled"))
    with pytest.raises(ModelFileError, match="mine.pkl was refused: the file is "):
        load_model_file(path, trust_pickle=True)
