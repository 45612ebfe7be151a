"""Damaged or edited XGBoost, LightGBM and CatBoost model files are refused in one line, through
the Python API and the CLI, before the library reads or runs them: the libraries trust their
files, and a child index out of range, a truncated file or a flipped byte crashed the process
(a segfault, an abort after a page of LightGBM's own messages) or, worst, predicted silently
from memory outside the model. The files are made here from small real models and edited as a
tester did; the intact ones still publish with the library's own predictions."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile

import numpy as np
import pytest
from cli_support import run_cli

import model
from model import ModelFileError
from model.demo import load_demo_data
from model.persistence import load_model_file, loads

xgboost = pytest.importorskip("xgboost")
lightgbm = pytest.importorskip("lightgbm")
catboost = pytest.importorskip("catboost")
sio = pytest.importorskip("skops.io")

#: The demo's five readings, by names LightGBM takes ("Torque [Nm]" as "torque").
READINGS = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
            "Torque [Nm]", "Tool wear [min]"]  # fmt: skip
CATBOOST_TREES, CATBOOST_DEPTH = 10, 4


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Four intact model files of one task, the fitted models, and rows to publish as CSV."""
    folder = tmp_path_factory.mktemp("native-models")
    data = load_demo_data().iloc[:1500]
    X, y = data[READINGS], data["Machine failure"]
    X = X.set_axis([name.split(" [")[0].lower().replace(" ", "_") for name in READINGS], axis=1)
    fitted = {
        "xgb.json": xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y),
        "lgbm.txt": lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y),
        "cb.cbm": catboost.CatBoostClassifier(
            iterations=CATBOOST_TREES, depth=CATBOOST_DEPTH, random_seed=0, verbose=0,
            thread_count=1, allow_writing_files=False,
        ).fit(X, y),
    }  # fmt: skip
    fitted["xgb.ubj"] = fitted["xgb.json"]
    for name, estimator in fitted.items():
        target = estimator.booster_ if name.endswith(".txt") else estimator
        target.save_model(str(folder / name))
    rows = X.iloc[:300].assign(failure=y.iloc[:300]).rename_axis("id").reset_index()
    rows.to_csv(folder / "rows.csv", index=False)
    return folder, fitted, X.iloc[:300]


# -- the edits ------------------------------------------------------------------------------------
def _xgboost_tree_edit(key: str, node: int, value: int):
    def edit(data: bytes) -> bytes:
        document = json.loads(data)
        document["learner"]["gradient_booster"]["model"]["trees"][0][key][node] = value
        return json.dumps(document).encode()

    return edit


def ubj_key_past_the_end(data: bytes) -> bytes:
    """The first key's length says a million bytes: XGBoost copies them (a segfault)."""
    return data[:2] + struct.pack(">q", 10**6) + data[10:]


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _without_tree_sizes(text: str) -> str:
    return re.sub(r"tree_sizes=.*\n", "", text)


def _first_tree_array(text: str, key: str) -> tuple[int, list[str]]:
    start = text.index(f"\n{key}=") + len(key) + 2
    return start, text[start : text.index("\n", start)].split(" ")


def leaf_out_of_range(data: bytes) -> bytes:
    """Node 0's left child is leaf -3000 of 18 (LightGBM read memory outside the model and
    published accuracy 0.912 instead of 0.953)."""
    text = _without_tree_sizes(data.decode())
    start, values = _first_tree_array(text, "left_child")
    return (
        text[:start] + " ".join(["-3000", *values[1:]]) + text[text.index("\n", start) :]
    ).encode()


def child_back_to_its_parent(data: bytes) -> bytes:
    text = _without_tree_sizes(data.decode())
    start, left = _first_tree_array(text, "left_child")
    parent = next(node for node, child in enumerate(left) if int(child) > 0)
    left[int(left[parent])] = str(parent)
    return (text[:start] + " ".join(left) + text[text.index("\n", start) :]).encode()


def tree_sizes_broken(data: bytes) -> bytes:
    """One more digit in tree 0: ``tree_sizes`` no longer land on the trees (LightGBM aborted
    after twenty "[LightGBM] [Fatal]" lines)."""
    text = data.decode()
    start, values = _first_tree_array(text, "leaf_value")
    return (text[:start] + values[0] + "1 " + text[start + len(values[0]) + 1 :]).encode()


def catboost_split_past_its_borders(data: bytes) -> bytes:
    """The model's split indices (a flatbuffers vector of one int32 per split, each a border's
    number) with the first far past the borders: CatBoost segfaults loading it."""
    n = CATBOOST_TREES * CATBOOST_DEPTH
    for offset in range(0, len(data) - 4 * (n + 1), 4):
        values = struct.unpack_from(f"<{n + 1}I", data, offset)
        if values[0] == n and max(values[1:]) < 1024:
            edited = bytearray(data)
            struct.pack_into("<I", edited, offset + 4, 2**31 - 1)
            return bytes(edited)
    raise LookupError("no split indices found")


def catboost_loss_key_edited(data: bytes) -> bytes:
    """The parameters name no loss function: read as a regressor after CatBoost's own
    "There are invalid params" lines."""
    return data.replace(b'"loss_function"', b'"loss_functioX"')


DAMAGED = {
    "xgb-child": ("xgb.json", _xgboost_tree_edit("left_children", 0, 100000),
                  "tree 0 node 0 points to child 100000 of"),
    "xgb-column": ("xgb.json", _xgboost_tree_edit("split_indices", 0, 100000),
                   "tree 0 node 0 splits on column 100000 of 5"),
    "xgb-negative": ("xgb.json", _xgboost_tree_edit("left_children", 0, -7),
                     "tree 0 node 0 points to child -7 of"),
    "xgb-root": ("xgb.json", _xgboost_tree_edit("left_children", 1, 0),
                 "tree 0 node 1 points back to the root"),
    "ubj-length": ("xgb.ubj", ubj_key_past_the_end, "the file ends at byte"),
    "lgbm-truncated": ("lgbm.txt", truncated, "it ends inside tree"),
    "lgbm-parent": ("lgbm.txt", child_back_to_its_parent, "(a loop"),
    "lgbm-sizes": ("lgbm.txt", tree_sizes_broken, "its tree_sizes are not the sizes"),
    "lgbm-leaf": ("lgbm.txt", leaf_out_of_range, "points to leaf 2999 (stored as -3000) of"),
    "cb-split": ("cb.cbm", catboost_split_past_its_borders, "CatBoost crashed reading it"),
    "cb-loss": ("cb.cbm", catboost_loss_key_edited, "its parameters cannot be read"),
}  # fmt: skip


def _damaged(made, tmp_path, case: str):
    folder, _, _ = made
    name, edit, expected = DAMAGED[case]
    path = tmp_path / f"damaged-{name}"
    path.write_bytes(edit((folder / name).read_bytes()))
    return path, expected


def _publish(folder, workspace, model_file):
    return run_cli(
        "model", "publish", "--workspace", str(workspace), "--sprint", "S", "--name", "m",
        "--model", str(model_file), "--data", str(folder / "rows.csv"), "--target", "failure",
        "--id-column", "id", "--deck-size", "50", timeout=180,
    )  # fmt: skip


# -- the library's own files ----------------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_library_model_file_is_refused_in_one_line_through_the_api(made, tmp_path, case):
    path, expected = _damaged(made, tmp_path, case)
    with pytest.raises(ModelFileError) as refused:
        load_model_file(path)
    message = str(refused.value)
    assert expected in message and path.name in message and "\n" not in message


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_the_cli_refuses_a_damaged_library_model_file_and_writes_nothing(made, tmp_path, case):
    path, expected = _damaged(made, tmp_path, case)
    result = _publish(made[0], tmp_path / "ws", path)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr and path.name in result.stderr
    assert "Traceback" not in result.stderr and "[LightGBM]" not in result.stderr
    ws = tmp_path / "ws"
    assert not ws.exists() or not any(ws.iterdir())


@pytest.mark.parametrize("name", ["xgb.json", "xgb.ubj", "lgbm.txt", "cb.cbm"])
def test_the_intact_files_still_publish_with_the_library_s_own_predictions(made, tmp_path, name):
    folder, fitted, X = made
    result = _publish(folder, tmp_path / "ws", folder / name)
    assert result.returncode == 0, result.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("S", "m")
    expected = fitted[name].predict_proba(X)[:, 1]
    np.testing.assert_allclose(proto.predictions()["p:1"], expected, rtol=0, atol=1e-6)


# -- boosters inside a skops file -----------------------------------------------------------------
def _schema_edited(data: bytes, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "schema.json":
                content = json.dumps(edit(json.loads(content))).encode()
            target.writestr(info, content)
    return out.getvalue()


def _member_replaced(data: bytes, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            replace = info.filename.endswith(".bin")
            target.writestr(info, content if replace else source.read(info))
    return out.getvalue()


def _lightgbm_booster(schema: dict) -> dict:
    return schema["content"]["content"]["_Booster"]


def xgboost_in_skops(made) -> bytes:
    folder, _, _ = made
    edited = _xgboost_tree_edit("left_children", 0, 100000)((folder / "xgb.json").read_bytes())
    estimator = xgboost.XGBClassifier()
    estimator.load_model(bytearray(edited))  # XGBoost loads it: it crashes only predicting
    return sio.dumps(estimator)


def lightgbm_in_skops(made) -> bytes:
    def edit(schema):
        handle = _lightgbm_booster(schema)["content"]["content"]["_handle"]
        handle["content"] = json.dumps(
            leaf_out_of_range(json.loads(handle["content"]).encode()).decode()
        )
        return schema

    return _schema_edited(sio.dumps(made[1]["lgbm.txt"]), edit)


def catboost_in_skops(made) -> bytes:
    damaged = catboost_split_past_its_borders((made[0] / "cb.cbm").read_bytes())
    return _member_replaced(sio.dumps(made[1]["cb.cbm"]), damaged)


def lightgbm_built_from_its_text(made) -> bytes:
    """A booster built by calling ``Booster(None, None, None, text)``: skops can build an
    object by calling its class (``ConstructorFromReduceNode``), and LightGBM reads the text."""
    text = leaf_out_of_range((made[0] / "lgbm.txt").read_bytes()).decode()

    def edit(schema):
        values = [None, None, None, text]
        arguments = [
            {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
             "content": json.dumps(value), "is_json": True, "__id__": 900 + i}
            for i, value in enumerate(values)
        ]  # fmt: skip
        schema["content"]["content"]["_Booster"] = {
            "__class__": "Booster", "__module__": "lightgbm.basic",
            "__loader__": "ConstructorFromReduceNode", "__id__": 990,
            "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                        "content": arguments, "__id__": 991},
        }  # fmt: skip
        return schema

    return _schema_edited(sio.dumps(made[1]["lgbm.txt"]), edit)


def lightgbm_text_under_another_id(made) -> bytes:
    """The booster's text node is honest, but an earlier node with the same ``__id__`` holds
    a damaged text: skops builds the first node of an id and reuses it."""
    damaged = leaf_out_of_range((made[0] / "lgbm.txt").read_bytes()).decode()

    def edit(schema):
        handle = _lightgbm_booster(schema)["content"]["content"]["_handle"]
        decoy = {**handle, "content": json.dumps(damaged)}
        params = schema["content"]
        params["content"] = {"a_decoy": decoy, **params["content"]}
        params["key_types"]["content"].insert(0, params["key_types"]["content"][0])
        return schema

    return _schema_edited(sio.dumps(made[1]["lgbm.txt"]), edit)


IN_SKOPS = {
    "xgboost": (xgboost_in_skops, "(its XGBoost model): tree 0 node 0 points to child 100000"),
    "lightgbm": (lightgbm_in_skops, "(its LightGBM model): tree 0 node 0 points to leaf 2999"),
    "catboost": (catboost_in_skops, "(its CatBoost model): CatBoost crashed reading it"),
    "built-by-call": (lightgbm_built_from_its_text, "builds a lightgbm.basic.Booster in a way"),
    "same-id": (lightgbm_text_under_another_id, "(its LightGBM model): tree 0 node 0 points"),
}


@pytest.mark.parametrize("case", sorted(IN_SKOPS))
def test_a_damaged_booster_in_a_skops_file_is_refused_before_skops_builds_it(made, case):
    build, expected = IN_SKOPS[case]
    with pytest.raises(ModelFileError) as refused:
        loads(build(made), source="model file m.skops")
    assert expected in str(refused.value) and "\n" not in str(refused.value)
    assert "save the model again" in str(refused.value)


def test_the_cli_refuses_a_skops_file_holding_a_damaged_xgboost_model(made, tmp_path):
    path = tmp_path / "xgb.skops"
    path.write_bytes(xgboost_in_skops(made))
    result = _publish(made[0], tmp_path / "ws", path)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("error: model file xgb.skops (its XGBoost model): tree 0")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "ws").exists()


def test_the_intact_boosters_in_skops_files_still_load(made):
    _, fitted, X = made
    for name in ("xgb.json", "lgbm.txt", "cb.cbm"):
        loaded = loads(sio.dumps(fitted[name]))
        np.testing.assert_array_equal(loaded.predict_proba(X), fitted[name].predict_proba(X))


def test_an_xgboost_file_with_a_100000_digit_number_is_damaged_not_advice_to_raise_a_limit(
    tmp_path,
):
    """The message ended "use sys.set_int_max_str_digits() to increase the limit": advice to
    lift a safety limit, for a hostile file."""
    from model.persistence import ModelFileError, load_model_file

    path = tmp_path / "big.json"
    path.write_text('{"learner": {"x": ' + "1" * 100_000 + "}}")
    with pytest.raises(ModelFileError) as refused:
        load_model_file(path)
    assert "it holds a number of more than 4,300 digits, which no model writes" in str(
        refused.value
    )
    assert "set_int_max_str_digits" not in str(refused.value)
