"""Gradient-boosting models from outside, checked before their library reads or runs them.

XGBoost, LightGBM and CatBoost trust their model files: a damaged or edited one crashes the
process (a segfault, an abort after a page of the library's own messages) or predicts from
memory outside the model. A model file from outside is hostile until checked, so:

- XGBoost JSON or UBJSON and LightGBM model text are read as Python data and checked whole
  (``model.xgboost_checks``, ``model.lightgbm_checks``) before the library sees a byte; the
  library then reads exactly the bytes that were checked.
- CatBoost's binary ``.cbm`` cannot be read without CatBoost, so it is loaded first in a
  separate Python process (:func:`probe_catboost`), which has CatBoost export it as JSON, for
  ``model.catboost_checks`` to check, and predicts and explains a few hundred rows built from
  the model's own borders: if that process dies, hangs or fails, or the export disagrees with
  itself, the file is refused. It costs a fresh interpreter and CatBoost's import: 0.8 s for a
  small model on two busy cores. Bytes that passed are not probed again in the same process.
- In a skops file, every booster these libraries unpickle is found in the schema before skops
  builds anything (:func:`check_skops_boosters`), and checked the same way.

A problem is one line naming the file and what is wrong (:class:`DamagedModelError`). Bytes
over the model file cap, or whose values would take more memory than the cap once read, are
refused before they are parsed, in one line naming the size, the cap and how to raise it
(``model.file_limits.ModelFileError``).
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import subprocess
import sys
import threading
import zipfile

from model.catboost_checks import catboost_problem
from model.file_limits import (
    ModelFileError,
    TooLargeToRead,
    json_memory_bytes,
    max_unpacked_bytes,
    megabytes,
    too_large,
)
from model.lightgbm_checks import NotModelText, lightgbm_problem
from model.xgboost_checks import read_xgboost_document, xgboost_problem

__all__ = [
    "DamagedModelError",
    "check_skops_boosters",
    "checked_lightgbm_text",
    "checked_xgboost_bytes",
    "probe_catboost",
]

#: Seconds the separate process may take to load a CatBoost model and predict with it, and the
#: memory it may reserve (at least; more for a large model), so a damaged file's huge
#: allocation fails there as an error instead of taking the machine's memory.
PROBE_TIMEOUT_S = 120
PROBE_MEMORY_BYTES = 4 << 30
#: CatBoost's loss functions for classification; the others it lists are regressions.
CATBOOST_CLASSIFICATION = ("Logloss", "CrossEntropy", "MultiClass", "MultiClassOneVsAll")
CATBOOST_REGRESSION = (
    "RMSE",
    "MAE",
    "Quantile",
    "Expectile",
    "LogLinQuantile",
    "MAPE",
    "Poisson",
    "Tweedie",
    "Huber",
    "Lq",
    "LogCosh",
    "Fair",
    "RMSEWithUncertainty",
)
_BOOSTER_LIBRARIES = ("xgboost", "lightgbm", "catboost")
_LIBRARY_NAMES = {"xgboost": "XGBoost", "lightgbm": "LightGBM", "catboost": "CatBoost"}
_EXPORT = "export the model again"
_RESAVE = "save the model again from the original"


class DamagedModelError(ValueError):
    """A model file is damaged or was edited: what its library would crash on, in words."""


def damaged(source: str, problem: str, remedy: str = _EXPORT) -> ValueError:
    """The one-line error for a model ``source`` whose structure has ``problem``."""
    return DamagedModelError(f"{source}: {problem}: the file is damaged or was edited; {remedy}")


def _capped(data: bytes, source: str) -> int:
    """The model file cap, once ``data`` is known to be within it."""
    limit = max_unpacked_bytes()
    if len(data) > limit:
        raise too_large(source, f"the file is {megabytes(len(data))} MB", limit)
    return limit


def checked_xgboost_bytes(data: bytes, source: str, serialized: bool = False) -> bytearray:
    """``data``, an XGBoost JSON or UBJSON model, as the buffer to load once it is checked
    (``serialized``: the buffer a pickled or skops-saved booster holds)."""
    limit = _capped(data, source)
    try:
        document = read_xgboost_document(data, limit)  # ValueError: not readable at all
    except TooLargeToRead as error:
        ubjson = data[:2] == b"{L"
        remedy = "" if ubjson else "save it as UBJSON (.ubj), which takes far less memory to read"
        raise too_large(source, str(error), limit, remedy) from None
    problem = xgboost_problem(document, serialized=serialized)
    if problem:
        raise damaged(source, problem, _RESAVE if serialized else _EXPORT)
    # XGBoost reads a buffer as JSON only from its first byte, "{": spaces around are JSON's
    return bytearray(data if data[:2] == b"{L" else data.strip())


def checked_lightgbm_text(data: bytes, source: str, remedy: str = _EXPORT) -> str:
    """``data``, LightGBM model text, as the text to load once it is checked (line ends as
    LightGBM reads them)."""
    limit = _capped(data, source)
    if b"\x00" in data:
        raise damaged(source, "it holds a NUL byte, where LightGBM stops reading", remedy)
    text = data.replace(b"\r\n", b"\n")
    if b"\r" in text:
        raise damaged(source, "it holds a carriage return outside a line end", remedy)
    try:
        decoded = text.decode("utf-8")
        problem = lightgbm_problem(text)
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except NotModelText as error:
        raise ValueError(str(error)) from None
    except TooLargeToRead as error:
        raise too_large(source, str(error), limit) from None
    if problem:
        raise damaged(source, problem, remedy)
    return decoded


# -- CatBoost: a separate process --------------------------------------------------------------
#: Loads the model on stdin, exports it as JSON, predicts rows built from its own borders and
#: explains a few, and prints its loss function and the export as JSON (or why it could not be
#: loaded). Loaded from a stream, which checks the file's stated size (from a blob, CatBoost
#: loads a truncated file without a word). Errors after loading are left to the library's own
#: messages later: here only a crash or a hang refuses the file.
_CATBOOST_PROBE = r"""
import io, json, os, sys, tempfile
data = sys.stdin.buffer.read()
try:
    import resource
    limit = max(int(sys.argv[1]), 32 * len(data))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
except (ImportError, ValueError, OSError):
    pass
import numpy as np
import catboost
model = catboost.CatBoost()
stage = "load"
try:
    model.load_model(stream=io.BytesIO(data))
    stage = "params"
    loss = str(model.get_all_params().get("loss_function") or "")
except Exception as error:
    message = str(error).strip().splitlines()
    print(json.dumps({stage: message[0] if message else type(error).__name__}))
    sys.exit(0)
exported = None
with tempfile.TemporaryDirectory() as folder:
    try:
        model.save_model(os.path.join(folder, "model.json"), format="json")
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as file:
            exported = json.load(file)
        exported.pop("model_info", None)
        exported.pop("ctr_data", None)
    except (catboost.CatBoostError, ValueError, OSError):
        pass
n = len(model.feature_names_ or [])
cats = list(model.get_cat_feature_indices())
texts = list(model.get_text_feature_indices())
borders = model.get_borders()
rng = np.random.default_rng(0)
rows = []
for r in range(256):
    row = []
    for i in range(n):
        if i in cats:
            row.append(["", "0", "1", "a", "b", "x", str(r)][r % 7])
        elif i in texts:
            row.append("a b c")
        elif r == 0:
            row.append(float("nan"))
        else:
            cuts = list(borders.get(i) or [0.0])
            cut = cuts[int(rng.integers(len(cuts)))]
            row.append(float(cut + rng.choice([-1e-3, 1e-3, -1.0, 1.0]) * max(1.0, abs(cut))))
    rows.append(row)
if n and not model.get_embedding_feature_indices():
    try:
        pool = catboost.Pool(rows, cat_features=cats, text_features=texts or None)
        model.predict(pool, prediction_type="RawFormulaVal", thread_count=1)
    except catboost.CatBoostError:
        pass
    try:
        small = catboost.Pool(rows[:8], cat_features=cats, text_features=texts or None)
        model.get_feature_importance(small, type="ShapValues", thread_count=1)
    except catboost.CatBoostError:
        pass
    try:
        model.get_feature_importance(thread_count=1)
    except catboost.CatBoostError:
        pass
others = len(model.get_text_feature_indices()) + len(model.get_embedding_feature_indices())
print(json.dumps({"loss_function": loss, "exported": exported, "other_features": others}))
"""


def probe_catboost(data: bytes, source: str, remedy: str = _EXPORT) -> dict:
    """Load the CatBoost model ``data`` and predict with it in a separate process; its loss
    function, or :class:`DamagedModelError` if that process crashed or hung, ``ValueError``
    if CatBoost could not read it. Bytes that passed are not probed again in this process."""
    _capped(data, source)
    digest = hashlib.sha256(data).digest()
    with _PROBED_LOCK:
        known = _PROBED.get(digest)
    if known is None:
        known = _probe(data, source, remedy)
        with _PROBED_LOCK:
            _PROBED[digest] = known
            while len(_PROBED) > 64:
                _PROBED.pop(next(iter(_PROBED)))
    return dict(known)


_PROBED: dict[bytes, dict] = {}
_PROBED_LOCK = threading.Lock()


def _probe(data: bytes, source: str, remedy: str) -> dict:
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CATBOOST_PROBE, str(PROBE_MEMORY_BYTES)],
            input=data,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise damaged(
            source, f"CatBoost did not finish reading it in {PROBE_TIMEOUT_S} s", remedy
        ) from None
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise damaged(source, f"CatBoost crashed reading it ({name})", remedy)
    limit, memory = max_unpacked_bytes(), json_memory_bytes(done.stdout)
    if memory > limit:
        what = f"CatBoost's export of it would take about {megabytes(memory)} MB in memory"
        raise too_large(source, what, limit)
    try:
        result = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(tail[-1] if tail else f"exit code {done.returncode}") from None
    if "load" in result:
        raise ValueError(result["load"])
    if "params" in result:
        raise damaged(source, f"its parameters cannot be read ({result['params']})", remedy)
    loss = str(result.get("loss_function", "")).split(":")[0]
    if loss not in CATBOOST_CLASSIFICATION + CATBOOST_REGRESSION:
        raise damaged(
            source, f"it names no loss function CatBoost has ({loss or 'none'!r})", remedy
        )
    exported, others = result.get("exported"), int(result.get("other_features") or 0)
    problem = catboost_problem(exported, others) if exported else None
    if problem:
        raise damaged(source, problem, remedy)
    return {"loss_function": result["loss_function"]}


# -- skops files --------------------------------------------------------------------------------
def check_skops_boosters(data: bytes, type_names, source: str) -> None:
    """Check every XGBoost booster, LightGBM booster and CatBoost model in the skops payload
    ``data`` (whose types are ``type_names``) before skops builds them: their model bytes,
    wherever skops would take them from."""
    if not any(name.split(".")[0] in _BOOSTER_LIBRARIES for name in type_names):
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
        nodes: list[dict] = []
        _collect(schema, nodes)
        by_id: dict = {}
        for node in nodes:
            if isinstance(node.get("__id__"), int | str):
                by_id.setdefault(node["__id__"], []).append(node)
        for node in nodes:
            library = str(node.get("__module__", "")).split(".")[0]
            if library in _BOOSTER_LIBRARIES:
                _check_booster_node(node, by_id, archive, source)


def _collect(value, nodes: list) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item:
                nodes.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _candidates(node, by_id: dict) -> list[dict]:
    """The nodes skops may build in ``node``'s place: skops builds the first node of each id
    and reuses it wherever that id appears, so every node sharing the id is checked."""
    if not isinstance(node, dict):
        return []
    same = by_id.get(node["__id__"], []) if isinstance(node.get("__id__"), int | str) else []
    return [n for n in [node, *same] if n.get("__loader__") != "CachedNode"]


def _check_booster_node(node: dict, by_id: dict, archive, source: str) -> None:
    name = f"{node.get('__module__')}.{node.get('__class__')}"
    loader = node.get("__loader__")
    if loader in ("TypeNode", "CachedNode"):  # the class itself; an object already built
        return
    if loader != "ObjectNode":
        raise damaged(source, f"it builds a {name} in a way skops never saves one", _RESAVE)
    if name not in _STATE_KEYS:
        return
    for state in _candidates(node.get("content"), by_id):
        if state.get("__loader__") != "DictNode" or not isinstance(state.get("content"), dict):
            raise damaged(source, f"its {name} holds a state skops never saves", _RESAVE)
        for key in _STATE_KEYS[name]:
            if key in state["content"]:
                for value in _candidates(state["content"][key], by_id):
                    _check_model_bytes(name, value, archive, source)


_STATE_KEYS = {
    "xgboost.core.Booster": ("handle",),
    "lightgbm.basic.Booster": ("_handle", "handle"),
    "catboost.core.CatBoostClassifier": ("__model",),
    "catboost.core.CatBoostRegressor": ("__model",),
}
#: How skops stores each library's model bytes.
_MODEL_LOADERS = {
    "xgboost.core.Booster": "BytearrayNode",
    "lightgbm.basic.Booster": "JsonNode",
    "catboost.core.CatBoostClassifier": "BytesNode",
    "catboost.core.CatBoostRegressor": "BytesNode",
}


def _check_model_bytes(name: str, value: dict, archive, source: str) -> None:
    loader = value.get("__loader__")
    if loader == "JsonNode" and value.get("content") == "null":
        return  # an unfitted booster
    if loader != _MODEL_LOADERS[name]:
        raise damaged(source, f"its {name} holds its model in a form skops never saves", _RESAVE)
    library = _LIBRARY_NAMES[name.split(".")[0]]
    inner = f"{source} (its {library} model)"
    try:
        if loader == "JsonNode":
            text = json.loads(value["content"])
            if not isinstance(text, str):
                raise ValueError("it is not text")
            checked_lightgbm_text(text.encode("utf-8", "surrogatepass"), inner, _RESAVE)
            return
        data = archive.read(value["file"])
        if name == "xgboost.core.Booster":
            checked_xgboost_bytes(data, inner, serialized=True)
        else:
            probe_catboost(data, inner, _RESAVE)
    except (DamagedModelError, ModelFileError):
        raise
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise damaged(inner, f"{library} cannot read it ({error})", _RESAVE) from None
