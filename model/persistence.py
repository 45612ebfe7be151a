"""Model files: skops, with an exact list of the types that may be loaded.

skops refuses to build any type that is not trusted, so a model file cannot run code on load
the way a pickle can, provided what is trusted cannot run code either. :func:`trusted_types`
names every type exactly (never a module prefix): scikit-learn's estimators and the internal
types their fitted state holds, NumPy and SciPy types, this project's rule models, and the
gradient-boosting libraries' wrappers and boosters (``model.allowed_types``). No ``builtins``
function, ``operator`` function or anything that evaluates text is on it; ``functools.partial``
is, as skops builds it: of a function the list trusts, never of anything else.

Before skops reads a byte of a file, the zip's directory is checked: the file size, the
number of members and their unpacked size are capped, and only the members skops writes
(``schema.json`` and arrays) may be there, none holding a pickle. The libraries' own model
files (XGBoost JSON/UBJSON, LightGBM model text, CatBoost ``.cbm``) hold no Python objects and
are read by the libraries themselves, once checked (``model.native_checks``, which also checks
the boosters inside a skops file before skops builds them); they are held to the same cap, by
their size on disk before a byte is read and by what their values would take in memory before
they are parsed (``model.file_limits``). Pickle and joblib files are only read when the caller
says it trusts them. A loaded model's thread counts are lowered to the cores there are
(``model.thread_limits``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import pickle
import re
import zipfile
from pathlib import Path

from model.allowed_types import (
    BOOSTING_TYPES,
    NUMPY_SCIPY_TYPES,
    PROJECT_TYPES,
    SKLEARN_STATE_TYPES,
)
from model.file_limits import (
    MAX_UNPACKED_MB,
    MAX_UNPACKED_MB_ENV_VAR,
    MB,
    ModelFileError,
    check_file_size,
    json_memory_bytes,
    max_unpacked_bytes,
    megabytes,
    not_a_file_problem,
    read_capped,
    too_large,
)
from model.thread_limits import clamp_thread_counts

__all__ = [
    "MAX_MEMBERS",
    "MAX_UNPACKED_MB",
    "MAX_UNPACKED_MB_ENV_VAR",
    "ModelFileError",
    "dumps",
    "load_model_file",
    "load_skops_file",
    "loads",
    "max_unpacked_bytes",
    "trusted_types",
    "untrusted_parts",
    "untrusted_types",
    "unloadable_reason",
]

#: Members (arrays) a skops file may hold: a 1,000-stage, 10-class gradient boosting has 20,000.
MAX_MEMBERS = 100_000
#: ``schema.json`` is parsed whole: a 1M-word TF-IDF vocabulary takes about 20 MB of it.
MAX_SCHEMA_MB = 64
_MEMBER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(npy|npz|bin)")


@functools.cache
def trusted_types() -> frozenset[str]:
    """The exact qualified names of every type a model file may hold."""
    import skops.io  # noqa: F401 - skops lists scikit-learn's estimators when imported
    from sklearn.utils.discovery import all_estimators

    estimators = {
        f"{cls.__module__}.{cls.__qualname__}"
        for _, cls in all_estimators()
        if cls.__module__.startswith("sklearn.")
    }
    return frozenset(
        estimators.union(SKLEARN_STATE_TYPES, NUMPY_SCIPY_TYPES, PROJECT_TYPES, BOOSTING_TYPES)
    )


def _refused(names: set[str]) -> list[str]:
    """The names among ``names`` that are not in :func:`trusted_types`, without listing
    scikit-learn's estimators (a second of imports) unless one of them could be one."""
    unknown = names.difference(SKLEARN_STATE_TYPES, NUMPY_SCIPY_TYPES, PROJECT_TYPES)
    unknown = unknown.difference(BOOSTING_TYPES)
    # Every estimator trusted_types() adds is a class of a "sklearn." module.
    if any(name.startswith("sklearn.") for name in unknown):
        unknown -= trusted_types()
    return sorted(unknown)


def untrusted_types(data: bytes) -> list[str]:
    """The types in the skops payload ``data`` that :func:`loads` refuses, by exact name; an
    empty list when the file loads back. Reads the schema only: nothing in it is built."""
    import skops.io as sio

    return _refused(set(sio.get_untrusted_types(data=data)))


def untrusted_parts(estimator) -> list[str]:
    """A quick look, before ``estimator`` is saved, for parts its file could not be loaded
    back with: its own class, and the estimators and Python functions among its parameters
    (``get_params(deep=True)``: a pipeline's steps, a ``FunctionTransformer``'s function),
    named exactly, that are not in :func:`trusted_types`; scikit-learn's own classes are
    taken as trusted here. The saved file decides (:func:`untrusted_types`); this only lets
    publishing know early."""
    import types

    parts = [estimator]
    # A hand-written model may have no get_params, or a broken one: its class alone then.
    with contextlib.suppress(Exception):
        parts += list(estimator.get_params(deep=True).values())
    names = set()
    for part in parts:
        if isinstance(part, types.FunctionType):
            names.add(f"{part.__module__}.{part.__qualname__}")
        elif not isinstance(part, type) and callable(getattr(part, "fit", None)):
            names.add(f"{type(part).__module__}.{type(part).__qualname__}")
    return _refused({name for name in names if not name.startswith("sklearn.")})


#: What a prototype whose model cannot be loaded back needs instead, said where that matters.
LOADABLE_MODELS = (
    "a scikit-learn, XGBoost, LightGBM or CatBoost model, or a scikit-learn Pipeline of them "
    "(a FunctionTransformer with a NumPy function such as np.log1p, not one of your own)"
)


def unloadable_reason(names: list[str]) -> str:
    """Why a model holding the untrusted types ``names`` cannot be loaded back, in words:
    "its class ScoreClassifier is not one the app may load from a file (…)"."""
    short = [_short_name(name) for name in names]
    listed = ", ".join(short[:3]) + (f" and {len(short) - 3:,} more" if len(short) > 3 else "")
    # Functions by their lower-case names (a FunctionTransformer's func): "its class double"
    # misled; a lambda has no name of its own.
    functions = [n for n in short if n == "a lambda" or n[:1].islower()]
    kind = "function" if len(functions) == len(short) else "class" if not functions else "part"
    said = (
        f"its {kind} {listed} is not one"
        if len(short) == 1
        else f"its {kind}{'es' if kind == 'class' else 's'} {listed} are not ones"
    )
    return f"{said} the app may load from a file (a file from outside must not run code)"


def _short_name(name: str) -> str:
    """A type's or function's name without its module; "a lambda" for an anonymous one."""
    short = name.rsplit(".", 1)[-1]
    return "a lambda" if short == "<lambda>" else short


def dumps(estimator) -> bytes:
    """Serialise ``estimator`` with skops: the same file ``skops.io.dumps`` writes, with its
    ``schema.json`` written compactly.

    ``skops.io.dumps`` indents that schema, and ``json.dumps`` with an indent runs Python's
    pure-Python encoder: for a 100-tree ensemble that is 60% of the 0.2 s a publish spends
    saving the model. Without indentation the C encoder writes the same JSON (tested equal
    to skops' own, and loaded by ``skops.io.loads``). If skops' internals change, this falls
    back to ``skops.io.dumps``.
    """
    import skops.io as sio  # about 0.7 s to import; pages that only read never need it

    try:
        import skops
        from skops.io._persist import SaveContext, get_state
    except ImportError:
        return sio.dumps(estimator)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zip_file:
        context = SaveContext(zip_file=zip_file)
        state = get_state(estimator, context)
        context.clear_memo()
        state["protocol"] = context.protocol
        state["_skops_version"] = skops.__version__
        zip_file.writestr("schema.json", json.dumps(state))
    return buffer.getvalue()


def loads(data: bytes, source: str = "model file"):
    """Load a skops payload whose types are all in :func:`trusted_types`.

    The archive is checked first (:func:`_check_archive`); a type that is not trusted is
    refused by name, and a trusted type whose library is not installed names the library.
    """
    _check_archive(data, source)
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as error:  # noqa: BLE001 - any parse failure means a damaged file
        raise ModelFileError(
            f"{source} is not a readable skops file ({type(error).__name__}); "
            "save the model again with skops.io.dump"
        ) from None
    refused = sorted(set(untrusted) - trusted_types())
    if refused:
        raise ModelFileError(
            f"{source} contains types that are not trusted: {', '.join(refused)}; "
            "only scikit-learn, NumPy, SciPy, XGBoost, LightGBM, CatBoost and Sprint Review's "
            "own models can be loaded: save the model without them"
        )
    _require_libraries(untrusted, source)
    _check_boosters(data, untrusted, source)
    try:
        estimator = sio.loads(data, trusted=untrusted)
    except Exception as error:  # noqa: BLE001
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelFileError(f"{source} could not be loaded: {message}") from None
    _check_tree_indices(estimator, source)
    clamp_thread_counts(estimator)
    return estimator


def _check_tree_indices(estimator, source: str) -> None:
    """Refuse trees whose stored indices point outside their arrays.

    scikit-learn's trees (``Tree``, ``TreePredictor``, ``KDTree``/``BallTree``) index their
    node arrays and the rows' columns with stored numbers and no bounds checks: a crafted
    file of trusted types could read outside memory when the model first predicts. Checked
    here, before the model is handed out.
    """
    import numpy as np

    seen: set[int] = set()
    stack = [(estimator, None)]
    while stack:
        item, n_features = stack.pop()
        if id(item) in seen or isinstance(item, (str, bytes, int, float, type(None))):
            continue
        seen.add(id(item))
        name = f"{type(item).__module__}.{type(item).__qualname__}"
        problem = None
        if name == "sklearn.tree._tree.Tree":
            problem = _tree_problem(item, n_features or item.n_features, np)
        elif name == "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor":
            problem = _predictor_problem(item, n_features, np)
        elif name in ("sklearn.neighbors._kd_tree.KDTree", "sklearn.neighbors._ball_tree.BallTree"):
            data, indices, nodes, _ = item.get_arrays()
            if indices.size and not (indices.min() >= 0 and indices.max() < len(data)):
                problem = "a neighbour index outside its data"
            elif nodes.size and not (
                nodes["idx_start"].min() >= 0 and nodes["idx_end"].max() <= len(indices)
            ):
                problem = "a node outside its index"
        if problem:
            raise ModelFileError(
                f"{source} was refused: a {type(item).__name__} in it has {problem}, which no "
                "fitted model has; save the model again from the original"
            )
        if isinstance(item, dict):
            stack.extend((value, n_features) for value in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((value, n_features) for value in item)
        elif isinstance(item, np.ndarray):
            if item.dtype == object:
                stack.extend((value, n_features) for value in item.ravel())
        elif name.startswith(("sklearn.", "model.")) and hasattr(item, "__dict__"):
            inner = getattr(item, "n_features_in_", n_features)
            stack.extend((value, inner) for value in vars(item).values())


#: scikit-learn stores every node after its parent; a child at or before its parent can make
#: a path loop, and the model's prediction (and the explainers' walks) never end.
_LOOP = "a child stored at or before its parent (a path could loop forever)"


def _loops(left, right, split, np) -> bool:
    """Whether a split node's child is stored at or before the node itself."""
    at = np.arange(len(left))[split]
    return bool(np.any((left[split] <= at) | (right[split] <= at)))


def _tree_problem(tree, n_features: int, np) -> str | None:
    count = tree.node_count
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    if len(left) != count or len(right) != count or len(feature) != count:
        return "arrays of different lengths"
    leaf = left == -1
    if np.any(leaf != (right == -1)) or np.any((left >= count) | (right >= count)):
        return "a child index outside its nodes"
    if np.any((left < -1) | (right < -1)) or np.any((left[~leaf] <= 0) | (right[~leaf] <= 0)):
        return "a child index outside its nodes"
    if _loops(left, right, ~leaf, np):
        return _LOOP
    if np.any((feature[~leaf] < 0) | (feature[~leaf] >= n_features)):
        return "a split on a column the model does not have"
    return None


def _predictor_problem(predictor, n_features: int | None, np) -> str | None:
    nodes = predictor.nodes
    split = nodes["is_leaf"] == 0
    size = len(nodes)
    if np.any((nodes["left"][split] >= size) | (nodes["right"][split] >= size)):
        return "a child index outside its nodes"
    if _loops(nodes["left"], nodes["right"], split, np):
        return _LOOP
    if n_features is not None and np.any(nodes["feature_idx"][split] >= n_features):
        return "a split on a column the model does not have"
    categorical = split & (nodes["is_categorical"] != 0)
    bitsets = min(len(predictor.raw_left_cat_bitsets), len(predictor.binned_left_cat_bitsets))
    if np.any(nodes["bitset_idx"][categorical] >= bitsets):
        return "a category set outside its arrays"
    return None


def _check_boosters(data: bytes, type_names: list[str], source: str) -> None:
    """XGBoost, LightGBM and CatBoost read their model bytes with no bounds checks, and skops
    hands them those bytes while it builds the model: each is checked first
    (``model.native_checks``)."""
    from model.native_checks import check_skops_boosters

    try:
        check_skops_boosters(data, type_names, source)
    except ValueError as error:
        raise ModelFileError(str(error)) from None


def _require_libraries(type_names: list[str], source: str) -> None:
    from model.boosting import OPTIONAL_LIBRARIES, MissingLibraryError, require

    for library in sorted({name.split(".")[0] for name in type_names}):
        if library in OPTIONAL_LIBRARIES:
            try:
                require(library, source)
            except MissingLibraryError as error:
                raise ModelFileError(str(error)) from None


def schema_limit_bytes(limit: int) -> int:
    """How large a skops file's schema.json may be under the model-file cap ``limit``:
    ``MAX_SCHEMA_MB`` at the default cap, an eighth of a cap raised above it."""
    return max(MAX_SCHEMA_MB * MB, limit // 8)


def _check_archive(data: bytes, source: str) -> None:
    """Refuse a skops file that is not what skops writes, before any member is unpacked.

    From the zip's end record: the member count. From its directory: each member's name (only
    ``schema.json`` and skops' array files) and unpacked size. Then what skops would read: the
    arrays each referenced once, no array holding pickled objects (NumPy's object arrays), and
    each ``.npz`` (a SciPy sparse matrix, itself a zip) holding only such arrays.
    """
    limit = max_unpacked_bytes()
    if len(data) > limit:
        raise too_large(source, f"the file is {megabytes(len(data))} MB", limit)
    handle = io.BytesIO(data)
    end = zipfile._EndRecData(handle)  # the end record only: the directory is not parsed yet
    if end is None:
        raise ModelFileError(
            f"{source} is not a readable skops file (BadZipFile); "
            "save the model again with skops.io.dump"
        )
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_MEMBERS:
        raise ModelFileError(
            f"{source} was refused: it holds {end[zipfile._ECD_ENTRIES_TOTAL]:,} files, more "
            f"than the {MAX_MEMBERS:,} a model file may hold; save the model again with skops"
        )
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ModelFileError(
            f"{source} is not a readable skops file ({type(error).__name__}); save the model "
            "again with skops.io.dump"
        ) from None
    with archive:
        members = {}
        for info in archive.infolist():
            name = info.filename
            if name in members or not (name == "schema.json" or _MEMBER_NAME.fullmatch(name)):
                raise ModelFileError(
                    f"{source} was refused: it holds {name!r}, which skops never writes "
                    "(a nested archive, a pickle or a duplicate); save the model again with "
                    "skops.io.dump"
                )
            members[name] = info
        if "schema.json" not in members:
            raise ModelFileError(
                f"{source} is not a readable skops file (no schema.json); "
                "save the model again with skops.io.dump"
            )
        unpacked = sum(info.file_size for info in members.values())
        if unpacked > limit:
            raise too_large(source, f"it unpacks to {unpacked / MB:,.0f} MB", limit)
        schema_limit = schema_limit_bytes(limit)
        if members["schema.json"].file_size > schema_limit:
            # The schema is parsed into Python objects, dozens of times its size: its own cap,
            # an eighth of the file's, which the environment variable raises with it.
            raise ModelFileError(
                f"{source} was refused: its schema.json (skops' description of the model's "
                f"parts) is over {megabytes(schema_limit)} MB, an eighth of the "
                f"{megabytes(limit)} MB a model file may unpack to; save the model again with "
                f"skops, or if you made this file yourself set {MAX_UNPACKED_MB_ENV_VAR} to a "
                "larger number of MB"
            )
        _check_members(archive, members, source, limit)


def _check_members(archive: zipfile.ZipFile, members: dict, source: str, limit: int) -> None:
    referenced: list[str] = []

    def note_file(node: dict) -> dict:  # called by the C decoder for every JSON object
        if isinstance(node.get("file"), str):
            referenced.append(node["file"])
        return node

    try:
        schema = archive.read("schema.json")
        memory = json_memory_bytes(schema)  # {} takes 2 bytes of JSON and 72 of memory
        if memory <= limit:
            json.loads(schema, object_hook=note_file)
    except (ValueError, RecursionError, zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(
            f"{source} is not a readable skops file (schema.json: {type(error).__name__}); "
            "save the model again with skops.io.dump"
        ) from None
    if memory > limit:
        what = f"its schema.json would take about {megabytes(memory)} MB in memory once read"
        raise too_large(source, what, limit)
    # skops reads a member once for every node that names it: a member named many times
    # unpacks many times over.
    read = sum(members[name].file_size for name in referenced if name in members)
    if read > limit:
        raise too_large(source, f"its arrays are read as {read / MB:,.0f} MB", limit)
    for name in set(referenced) & set(members):
        try:
            if name.endswith(".npy"):
                _check_npy(archive.open(name), f"{source} ({name})")
            elif name.endswith(".npz"):
                _check_npz(archive.read(name), f"{source} ({name})", limit)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, TypeError) as error:
            if isinstance(error, ModelFileError):
                raise
            raise ModelFileError(
                f"{source} is not a readable skops file ({name}: {error}); "
                "save the model again with skops.io.dump"
            ) from None


#: An .npy header naming a plain dtype, e.g. ``{'descr': '<f8', ...``.
_PLAIN_DESCR = re.compile(rb"\{'descr': '([<>|=]?[a-zA-Z]\d*)'")


def _check_npy(stream, source: str) -> None:
    import numpy as np
    from numpy.lib import format as npy

    with stream:
        version = npy.read_magic(stream)
        size_bytes = 2 if version == (1, 0) else 4
        length = int.from_bytes(stream.read(size_bytes), "little")
        header = stream.read(length)
    plain = _PLAIN_DESCR.match(header)
    if plain and header.count(b"descr") == 1:  # numpy's parser costs 0.2 ms per array
        dtype = np.dtype(plain.group(1).decode())
    else:
        reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        _, _, dtype = reader(io.BytesIO(length.to_bytes(size_bytes, "little") + header))
    if dtype.hasobject:
        raise ModelFileError(
            f"{source} was refused: the array holds pickled Python objects, which skops never "
            "writes; save the model again with skops.io.dump"
        )


def _check_npz(data: bytes, source: str, limit: int) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        infos = inner.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ModelFileError(f"{source} was refused: it holds {len(infos):,} arrays")
        unpacked = sum(info.file_size for info in infos)
        if unpacked > limit:
            raise too_large(source, f"it unpacks to {unpacked / MB:,.0f} MB", limit)
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ModelFileError(
                    f"{source} was refused: it holds {info.filename!r}, which a sparse matrix "
                    "never holds; save the model again with skops.io.dump"
                )
            _check_npy(inner.open(info), source)


def load_skops_file(path: str | Path, source: str | None = None):
    """Load a ``.skops`` file with :func:`loads`, refusing one over the size cap before a
    byte of it is read."""
    path = Path(path)
    source = source or f"model file {path.name}"
    return loads(read_capped(path, source), source=source)


def load_model_file(path: str | Path, trust_pickle: bool = False):
    """Load a model from a ``.skops`` file, a library's own model file (XGBoost ``.json`` or
    ``.ubj``, LightGBM ``.txt``, CatBoost ``.cbm``), or a ``.pkl``/``.joblib`` file if
    ``trust_pickle``.

    Without ``trust_pickle`` a pickle file is refused before a byte of it is unpickled.
    """
    from model.boosting import NATIVE_SUFFIXES, MissingLibraryError, load_native_model
    from model.native_checks import DamagedModelError

    path = Path(path)
    problem = not_a_file_problem(path, f"model file {path}")  # a FIFO or /dev/zero: never read
    if problem:
        raise ModelFileError(problem)
    suffix = path.suffix.lower()
    source = f"model file {path.name}"
    if suffix == ".skops":
        return load_skops_file(path, source)
    if suffix in NATIVE_SUFFIXES:
        check_file_size(path, source)  # the library's reader takes the path, not these bytes
        try:
            estimator = load_native_model(path)
        except ModelFileError:
            raise
        except (MissingLibraryError, DamagedModelError) as error:
            raise ModelFileError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - each library raises its own types
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ModelFileError(
                f"{source} could not be read as a {NATIVE_SUFFIXES[suffix]} model "
                f"({message or type(error).__name__}); save it again with the library's "
                "save_model"
            ) from None
        clamp_thread_counts(estimator)
        return estimator
    if suffix in {".pkl", ".pickle", ".joblib"}:
        if not trust_pickle:
            raise ModelFileError(
                f"{path.name} is a pickle file, which can run any code when opened; "
                "save it with skops, or pass --trust-pickle if you made it yourself"
            )
        check_file_size(path, source)  # trusted code, but not an unbounded read
        try:
            if suffix == ".joblib":
                import joblib

                estimator = joblib.load(path)
            else:
                estimator = pickle.load(io.BytesIO(path.read_bytes()))
        except Exception as error:  # noqa: BLE001
            raise ModelFileError(f"{path.name} could not be unpickled: {error}") from None
        clamp_thread_counts(estimator)
        return estimator
    raise ModelFileError(
        f"{path.name}: unknown model file type {suffix!r}; use .skops, a library's own model "
        "file (.json/.ubj XGBoost, .txt LightGBM, .cbm CatBoost), or .pkl/.joblib with "
        "--trust-pickle"
    )
