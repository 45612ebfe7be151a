"""A workspace: one folder holding a project's sprints, prototypes and feedback.

Layout::

    workspace/
      workspace.json                      created_at, format version
      feedback.db                         verdicts (feedback_store): never touched from here
      sprints/<sprint>/sprint.json        order, MVP, recorded decisions
      sprints/<sprint>/prototypes/<name>/
        prototype.json                    metadata, metrics, costs, explainer, version
        model.skops                       the estimator (skops, not pickle)
        features.parquet                  demo rows as published (index: row_id)
        predictions.parquet               label, confidence, probability per class, truth, and
                                          ``precomputed``: whether the row is in the demo deck
        shap-<class>.parquet              float64 SHAP values per source feature for each
                                          explained class, for the demo deck's rows
        shap-ondemand.parquet             float64 SHAP values of rows explained since, when
                                          someone selected them (index: row_id,
                                          explained_class, explainer)
        bootstrap.npy                     the headline metric on each of the bake-off's
                                          bootstrap resamples (``bootstrap`` in
                                          prototype.json says which)
        text_contributions.parquet        models with free-text columns: each deck row's
                                          largest words and the rest summed
                                          (``model.explain_text``)

Publishing writes a prototype into a staging folder and moves it into place, so a failed
publish leaves nothing half-written and a re-publish replaces the old version whole, its
on-demand explanations included. A re-publish exchanges the two folders in one step
(``renameat2(RENAME_EXCHANGE)`` on Linux), so there is no moment without a prototype; where
the kernel or file system cannot exchange, the old folder is renamed aside first, and opening
the workspace puts back a version left aside by a publish that crashed in between. Opening it
also removes the staging and retired folders such crashes leave.

Versions never go backwards: ``sprint.json`` keeps the highest version ever given to each
prototype name (``version_high_water``), written before the new version appears, so a
publish after ``delete_prototype`` or after a crash continues from it. Each publish also gets
a ``content_id`` of its own: two versions never share one, whatever their numbers.

Rows explained on demand are added to their file under the workspace lock, through a
temporary file and a rename, so concurrent sessions lose none.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import json
import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import persistence
from model.config import ADDITIVITY_TOLERANCE, DEFAULT_DECK_SIZE, TEXT_CONTRIBUTIONS_FILE
from model.labels import PROBABILITY_PREFIX, DisplayUnit, display_unit, label_strings
from model.metrics import METRICS, REGRESSION, headline_metric
from model.naming import validate_name
from model.publishing import PublishError, compute_artifacts
from model.tracing import TRACEMALLOC_LOCK

__all__ = ["Workspace", "Prototype", "open_workspace", "WorkspaceError", "PublishError"]

FORMAT_VERSION = 1
ON_DEMAND_FILE = "shap-ondemand.parquet"
BOOTSTRAP_FILE = "bootstrap.npy"
_ON_DEMAND_INDEX = ["row_id", "explained_class", "explainer"]
_STAGING, _RETIRED, _DELETED = ".staging-", ".retired-", ".deleted-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _disk_step(what: str) -> None:
    """Called before each step a publish takes on disk (a file written, a folder renamed).

    Does nothing; the crash tests replace it to stop the process at each step in turn.
    """


class WorkspaceError(ValueError):
    """The workspace or something asked of it does not exist or cannot be used."""


def _now() -> str:
    # Microseconds keep publishing order when several prototypes are published in one second.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _read_json(path: Path) -> dict:
    """A workspace metadata file; a damaged one is a ``WorkspaceError`` that names it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WorkspaceError(
            f"{path} is damaged ({error}); publish the prototype again or restore the "
            "workspace from a backup"
        ) from None


def _write_json_atomic(path: Path, data: dict) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        _disk_step(f"write {temporary.name}")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _disk_step(f"rename {temporary.name} to {path.name}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@functools.cache
def _renameat2():
    """glibc's ``renameat2``, or None where there is none (not Linux, an old C library)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step; False if this system cannot (nothing is moved)."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


def _sync_folder(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a power cut, not only a crash, keeps it)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _move_into_place(staging: Path, final: Path) -> None:
    """Put the complete folder ``staging`` at ``final``, replacing what is there, so that at
    every moment (a crash included) ``final`` holds the old version or the new one whole."""
    if not final.exists():
        _disk_step(f"rename {staging.name} to {final.name}")
        os.replace(staging, final)
    elif _exchange(staging, final):
        _disk_step(f"remove the old {final.name} (exchanged)")
        shutil.rmtree(staging, ignore_errors=True)
    else:
        # Two renames: a crash between them leaves the old version aside, which
        # open_workspace puts back (Workspace.recover).
        retired = final.parent / f"{_RETIRED}{uuid.uuid4().hex}"
        _disk_step(f"rename {final.name} aside")
        os.replace(final, retired)
        _disk_step(f"rename {staging.name} to {final.name}")
        os.replace(staging, final)
        _disk_step(f"remove the old {final.name}")
        shutil.rmtree(retired, ignore_errors=True)
    _sync_folder(final.parent)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _shap_file_name(label: str | None) -> str:
    # Class labels are user data: keep the file name safe whatever they contain.
    safe = "".join(ch if ch.isalnum() else "_" for ch in (label or "value"))
    return f"shap-{safe}.parquet"


@functools.lru_cache(maxsize=4)
def _loaded_estimator(model_file: str, modified_ns: int, size: int):
    # Loading a 100-tree forest with skops takes about a second, five times what explaining a
    # row with it does: rows explained on demand reuse the model, never modify it.
    return persistence.loads(Path(model_file).read_bytes(), "the prototype's model")


def _read_parquet(path: Path, **options) -> pd.DataFrame:
    """``pd.read_parquet(path, **options)`` through one open file.

    Given a path, pyarrow opens the file more than once (its footer, then its data): a
    re-publish that swaps the prototype's folder in between would have it decode the new
    file's bytes with the old file's footer, which crashed a reader thread. One open file is
    one version, whatever is renamed or deleted meanwhile.
    """
    try:
        # The lock: see model.tracing (pyarrow's threads and a publish's tracemalloc).
        with TRACEMALLOC_LOCK, pa.OSFile(str(path), "rb") as handle:
            return pd.read_parquet(handle, **options)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as error:  # name the file, as reading by path did
        message = " ".join(str(error).split()).replace("'<Buffer>'", f"'{path}'")
        raise ValueError(f"cannot read {path}: {message}") from None


def _parquet_columns(path: Path) -> list[str]:
    with pa.OSFile(str(path), "rb") as handle:
        return pq.read_schema(handle).names


def _read_rows(path: Path, row_ids: list[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of a parquet file whose row id is in ``row_ids``, in the file's order.

    pyarrow filters on the ``row_id`` index column, so the other rows never become pandas
    objects: reading one row of a 100,000-row file costs a fraction of reading it whole.
    """
    try:
        return _read_parquet(path, columns=columns, filters=[("row_id", "in", list(row_ids))])
    except (KeyError, ValueError):  # a file whose index is not named row_id
        frame = _read_parquet(path, columns=columns)
        return frame[frame.index.isin(row_ids)]


@dataclass(frozen=True)
class Prototype:
    """A published prototype: its metadata in memory, its tables read on demand."""

    sprint: str
    name: str
    path: Path
    meta: dict

    @property
    def task(self) -> str:
        return self.meta["task"]

    @property
    def version(self) -> int:
        return int(self.meta["version"])

    @property
    def published_at(self) -> str:
        """When this version was published (ISO 8601, UTC, microseconds)."""
        return self.meta["published_at"]

    @property
    def content_id(self) -> str:
        """An id no other publish ever gets: key caches on it, not on the version number.

        Prototypes published before content ids existed get one from their version and
        publish time.
        """
        return self.meta.get("content_id") or f"v{self.version}-{self.published_at}"

    @property
    def class_names(self) -> dict[str, str]:
        """Each class label (as text) and the name people see for it, the label itself where
        publishing gave none; empty for regression."""
        named = self.meta.get("class_names") or {}
        return {label: named.get(label, label) for label in self.meta.get("classes", [])}

    def class_name(self, label) -> str:
        """The name of class ``label`` (``1``, ``1.0`` and ``"1"`` are one label)."""
        (text,) = label_strings([label])
        return self.class_names.get(text, text)

    def feature_description(self, column: str) -> str | None:
        """The line publishing gave to describe ``column``, if any."""
        return (self.meta.get("feature_descriptions") or {}).get(column)

    def display_unit(self, column: str) -> DisplayUnit | None:
        """How ``column``'s values are shown (unit, and a second unit beside), if given."""
        spec = (self.meta.get("display_units") or {}).get(column)
        return None if spec is None else display_unit(spec)

    @property
    def metrics(self) -> dict[str, float]:
        return self.meta.get("metrics", {})

    @property
    def headline(self) -> tuple[str | None, float | None]:
        """The key and value of the task's headline metric (``(None, None)`` without labels)."""
        key = headline_metric(self.task, self.metrics) if self.metrics else None
        return key, (self.metrics.get(key) if key else None)

    def predictions(self) -> pd.DataFrame:
        """Predictions per row (index: row_id).

        Columns: ``predicted``, ``confidence``, ``p:<class>``, ``actual``, ``correct``, and
        ``precomputed`` (the row's SHAP values were computed when publishing; a workspace
        published before demo decks existed precomputed every row).
        """
        return _with_precomputed(_read_parquet(self.path / "predictions.parquet"))

    def prediction(self, row_id: str) -> pd.Series:
        """One row of :meth:`predictions`, read without loading the others."""
        rows = _read_rows(self.path / "predictions.parquet", [str(row_id)])
        if rows.empty:
            raise WorkspaceError(f"row {str(row_id)!r} is not among {self.name}'s demo rows")
        return _with_precomputed(rows).iloc[0]

    def precomputed(self) -> pd.Series:
        """True for each row (index: row_id) whose SHAP values were computed when publishing;
        the others are explained when first selected (:meth:`Workspace.explain`)."""
        path = self.path / "predictions.parquet"
        if "precomputed" in _parquet_columns(path):
            return _read_parquet(path, columns=["precomputed"])["precomputed"]
        return pd.Series(True, index=_read_parquet(path, columns=[]).index, name="precomputed")

    def explained(self) -> pd.Series:
        """True for each row (index: row_id) whose SHAP values are stored: precomputed or
        explained on demand since."""
        explained = self.precomputed().copy()
        explained[explained.index.isin(self.on_demand_rows())] = True
        return explained.rename("explained")

    def on_demand_rows(self) -> pd.Index:
        """Ids of the rows explained on demand since publishing."""
        path = self.path / ON_DEMAND_FILE
        if not path.is_file():
            return pd.Index([], name="row_id", dtype=object)
        index = _read_parquet(path, columns=[]).index
        return index.get_level_values("row_id").unique()

    def features(self) -> pd.DataFrame:
        """The demo rows as published (index: row_id)."""
        return _read_parquet(self.path / "features.parquet")

    def feature_row(self, row_id: str) -> pd.Series:
        """One demo row as published, read without loading the others."""
        rows = _read_rows(self.path / "features.parquet", [str(row_id)])
        if rows.empty:
            raise WorkspaceError(f"row {str(row_id)!r} is not among {self.name}'s demo rows")
        return rows.iloc[0]

    def _explained_label(self, explained_class: str | None) -> str | None:
        classes = self.meta["explained_classes"]
        label = classes[0] if explained_class is None else explained_class
        if label not in classes:
            raise WorkspaceError(
                f"class {label!r} is not explained for {self.name}; choose one of {classes}"
            )
        return label

    def shap_values(self, explained_class: str | None = None) -> pd.DataFrame:
        """Stored SHAP values (float64) per row and source feature for ``explained_class``
        (default: the first): the precomputed rows, then the rows explained on demand since."""
        label = self._explained_label(explained_class)
        deck = _read_parquet(self.path / _shap_file_name(label))
        on_demand = self._on_demand(label)
        if on_demand.empty:
            return deck
        return pd.concat([deck, on_demand.droplevel(["explained_class", "explainer"])])

    def _on_demand(self, label: str | None, row_id: str | None = None) -> pd.DataFrame:
        path = self.path / ON_DEMAND_FILE
        if not path.is_file():
            return pd.DataFrame(columns=self.meta["features"], dtype=float)
        frame = _read_parquet(path) if row_id is None else _read_rows(path, [row_id])
        return _of_class(frame, label)

    def stored_explanation(
        self, row_id: str, explained_class: str | None = None
    ) -> tuple[pd.Series, str] | None:
        """``(contributions, explainer)`` stored for one row, or ``None`` if it has none yet."""
        label = self._explained_label(explained_class)
        row_id = str(row_id)
        return self._stored(row_id, label, bool(self.prediction(row_id)["precomputed"]))

    def _stored(self, row_id: str, label: str | None, precomputed: bool):
        if not precomputed:
            return _first_on_demand(self._on_demand(label, row_id))
        rows = _read_rows(self.path / _shap_file_name(label), [row_id])
        # A deck row explained by another explainer than most (a fallback) is listed by it.
        by_row = self.meta.get("explainer_rows") or {}
        explainer = next((e for e, ids in by_row.items() if row_id in ids), self.meta["explainer"])
        return (rows.iloc[0], explainer) if len(rows) else None

    def base_value(self, explained_class: str | None = None) -> float:
        classes = self.meta["explained_classes"]
        label = self._explained_label(explained_class)
        return float(self.meta["base_values"][classes.index(label)])

    def bootstrap_replicates(
        self, metric_key: str, positive_class: str | None, n_resamples: int, seed: int
    ) -> np.ndarray | None:
        """The metric on each bootstrap resample of this prototype's demo rows, as stored when
        publishing, if it was stored for exactly this metric, positive class, number of
        resamples and seed; otherwise ``None`` (compute them). An unreadable file is ``None``
        too: it only saves time."""
        stored = self.meta.get("bootstrap") or {}
        wanted = {
            "metric": metric_key,
            "positive_class": positive_class,
            "n_resamples": n_resamples,
            "seed": seed,
        }
        if any(stored.get(key) != value for key, value in wanted.items()):
            return None
        try:
            values = np.load(self.path / BOOTSTRAP_FILE, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if values.shape != (n_resamples,) or values.dtype.kind != "f":
            return None
        return values

    def estimator(self):
        """The model, loaded from its skops file."""
        return persistence.loads((self.path / "model.skops").read_bytes(), f"{self.name} model")

    def probability_columns(self) -> list[str]:
        return [PROBABILITY_PREFIX + label for label in self.meta.get("classes", [])]


class Workspace:
    """A workspace folder. Create or open one with :func:`open_workspace`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # -- locations ------------------------------------------------------------------------------
    @property
    def sprints_dir(self) -> Path:
        return self.path / "sprints"

    def _sprint_dir(self, sprint: str) -> Path:
        return self.sprints_dir / validate_name(sprint, "sprint name")

    def _prototype_dir(self, sprint: str, name: str) -> Path:
        return self._sprint_dir(sprint) / "prototypes" / validate_name(name, "prototype name")

    @contextlib.contextmanager
    def _lock(self, wait: bool = True):
        """Serialise metadata changes between threads and processes publishing at once.

        Yields True once the lock is held; with ``wait=False``, yields False at once if
        another thread or process holds it.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def recover(self) -> list[str]:
        """Finish what publishes and deletions that crashed left behind; return what was done.

        A prototype's old version left aside with no prototype in its place is put back; the
        staging folders of unfinished publishes and the leftovers of finished ones are
        removed. Publishes write their folders under the workspace lock, so while this holds
        it no publish is under way; if another process holds it, nothing is done now. Opening
        a workspace calls this; a read-only workspace is left as it is.
        """
        prefixes = (_STAGING, _RETIRED, _DELETED)
        if not any(self._leftovers(prefixes)):
            return []
        done = []
        try:
            with self._lock(wait=False) as held:
                if not held:
                    return []
                for folder in sorted(self._leftovers(prefixes), key=lambda f: f.name):
                    done.append(self._recover_folder(folder))
        except OSError:
            return done
        return done

    def _leftovers(self, prefixes: tuple[str, ...]):
        if not self.sprints_dir.is_dir():
            return
        for folder in self.sprints_dir.glob("*/prototypes/.*"):
            if folder.name.startswith(prefixes) and folder.is_dir():
                yield folder

    @staticmethod
    def _recover_folder(folder: Path) -> str:
        if folder.name.startswith(_RETIRED):
            try:
                name = validate_name(_read_json(folder / "prototype.json")["name"])
            except (OSError, ValueError, KeyError, TypeError):
                name = None
            final = folder.parent / name if name else None
            if final is not None and not final.exists():
                os.replace(folder, final)
                _sync_folder(folder.parent)
                return f"put back {final}"
        shutil.rmtree(folder)
        return f"removed {folder}"

    # -- reading --------------------------------------------------------------------------------
    def sprints(self) -> list[str]:
        """Sprint names in the order they were created."""
        if not self.sprints_dir.is_dir():
            return []
        infos = []
        for folder in self.sprints_dir.iterdir():
            meta_file = folder / "sprint.json"
            if folder.is_dir() and meta_file.is_file():
                infos.append(_read_json(meta_file))
        return [info["name"] for info in sorted(infos, key=lambda i: (i["order"], i["name"]))]

    def sprint_info(self, sprint: str) -> dict:
        """The sprint's metadata: ``name``, ``order``, ``created_at``, ``mvp``, ``decisions``."""
        meta_file = self._sprint_dir(sprint) / "sprint.json"
        if not meta_file.is_file():
            raise WorkspaceError(f"there is no sprint {sprint!r} in {self.path}")
        return _read_json(meta_file)

    def prototypes(self, sprint: str) -> list[str]:
        """Names of the sprint's published prototypes, in publishing order."""
        folder = self._sprint_dir(sprint) / "prototypes"
        if not folder.is_dir():
            return []
        found = []
        for child in folder.iterdir():
            meta_file = child / "prototype.json"
            if child.is_dir() and not child.name.startswith(".") and meta_file.is_file():
                meta = _read_json(meta_file)
                found.append((meta.get("first_published_at", ""), meta["name"]))
        return [name for _, name in sorted(found)]

    def prototype(self, sprint: str, name: str) -> Prototype:
        """A published prototype; ``WorkspaceError`` if there is none of that name."""
        folder = self._prototype_dir(sprint, name)
        meta_file = folder / "prototype.json"
        if not meta_file.is_file():
            raise WorkspaceError(f"sprint {sprint!r} has no prototype {name!r}")
        meta = _read_json(meta_file)
        return Prototype(meta["sprint"], meta["name"], folder, meta)

    def mvp(self, sprint: str) -> str | None:
        """The name of the sprint's MVP prototype, if one is marked."""
        return self.sprint_info(sprint).get("mvp")

    def decisions(self, sprint: str) -> list[dict]:
        """Decisions recorded for the sprint, oldest first."""
        return self.sprint_info(sprint).get("decisions", [])

    def summary(self) -> pd.DataFrame:
        """One row per prototype: sprint, name, MVP flag, task, headline metric and its value."""
        rows = []
        for sprint in self.sprints():
            mvp = self.mvp(sprint)
            for name in self.prototypes(sprint):
                proto = self.prototype(sprint, name)
                key, value = proto.headline
                rows.append(
                    {
                        "sprint": sprint,
                        "prototype": name,
                        "mvp": name == mvp,
                        "task": proto.task,
                        "metric": METRICS[key].label if key else None,
                        "value": value,
                        "version": proto.version,
                        "published_at": proto.meta["published_at"],
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "sprint",
                "prototype",
                "mvp",
                "task",
                "metric",
                "value",
                "version",
                "published_at",
            ],
        )

    # -- writing --------------------------------------------------------------------------------
    def _ensure_sprint(self, sprint: str) -> dict:
        folder = self._sprint_dir(sprint)
        meta_file = folder / "sprint.json"
        if meta_file.is_file():
            return _read_json(meta_file)
        (folder / "prototypes").mkdir(parents=True, exist_ok=True)
        info = {
            "name": validate_name(sprint, "sprint name"),
            "order": len(self.sprints()),
            "created_at": _now(),
            "mvp": None,
            "decisions": [],
        }
        _write_json_atomic(meta_file, info)
        return info

    def _update_sprint(self, sprint: str, change) -> dict:
        with self._lock():
            info = self._ensure_sprint(sprint)
            change(info)
            _write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
            return info

    def publish(
        self,
        sprint: str,
        name: str,
        estimator,
        X: pd.DataFrame,
        y=None,
        *,
        task: str | None = None,
        mvp: bool = False,
        train_seconds: float | None = None,
        effort_days: float | None = None,
        notes: str = "",
        progress=None,
        deck_size: int | None = DEFAULT_DECK_SIZE,
        class_names: Mapping | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        display_units: Mapping[str, object] | None = None,
    ) -> Prototype:
        """Compute and store a prototype's predictions, metrics, costs and SHAP values.

        ``X`` is the demo set (index: row id), ``y`` its truth if known. SHAP values are
        computed for a demo deck of ``deck_size`` rows (``None``: every row; see
        :func:`model.deck.plan_deck`); :meth:`explain` explains any other row when it is first
        asked for. Nothing is written unless everything succeeds; publishing the same name
        again replaces the prototype as a new version. Raises ``PublishError`` with a one-line
        reason.

        Words for the pages, all optional: ``class_names`` maps class labels to names
        (``{0: "No failure", 1: "Failure"}``); ``feature_descriptions`` maps columns to a line
        of text; ``display_units`` maps numeric columns to a unit (``"rpm"``) or a dict
        ``{"unit": "K", "also": "°C", "offset": -273.15}`` (``also`` = value × ``scale`` +
        ``offset``, see :class:`model.labels.DisplayUnit`).
        """
        try:
            sprint = validate_name(sprint, "sprint name")
            name = validate_name(name, "prototype name")
        except ValueError as error:
            raise PublishError(str(error)) from None
        if train_seconds is not None and not (np.isfinite(train_seconds) and train_seconds >= 0):
            raise PublishError("train_seconds must be a non-negative number of seconds")
        if len(notes) > 10_000:
            raise PublishError("notes are longer than 10,000 characters; shorten them")
        artifacts = compute_artifacts(
            estimator,
            X,
            y,
            task=task,
            progress=progress,
            deck_size=deck_size,
            class_names=class_names,
            feature_descriptions=feature_descriptions,
            display_units=display_units,
        )

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with self._lock():
                self._ensure_workspace_file()
                final = self._prototype_dir(sprint, name)
                previous = final / "prototype.json"
                old = _read_json(previous) if previous.is_file() else None
                # The new number is recorded before the new version can appear: a crash from
                # here on skips a number, never repeats one.
                version = self._next_version(sprint, name, old)
                staging = final.parent / f"{_STAGING}{uuid.uuid4().hex}"
                _disk_step(f"create {staging.name}")
                staging.mkdir(parents=True)
                try:
                    meta = {
                        **artifacts.meta,
                        "name": name,
                        "sprint": sprint,
                        "version": version,
                        "content_id": uuid.uuid4().hex,
                        "published_at": _now(),
                        "first_published_at": old["first_published_at"] if old else _now(),
                        "train_seconds": train_seconds,
                        "effort_days": effort_days,
                        "notes": notes,
                    }
                    self._write_artifacts(staging, artifacts, meta)
                    _move_into_place(staging, final)
                finally:
                    if staging.exists():
                        shutil.rmtree(staging, ignore_errors=True)
        except OSError as error:
            raise PublishError(
                f"could not write to the workspace {self.path}: {error.strerror or error}"
            ) from None
        if mvp:
            self.set_mvp(sprint, name)
        return self.prototype(sprint, name)

    def _next_version(self, sprint: str, name: str, old: dict | None) -> int:
        """Record and return the next version of ``name`` (call under the workspace lock)."""
        info = self._ensure_sprint(sprint)
        highest = info.setdefault("version_high_water", {})
        version = max(int(highest.get(name, 0)), int(old["version"]) if old else 0) + 1
        highest[name] = version
        _write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
        return version

    def _ensure_workspace_file(self) -> None:
        marker = self.path / "workspace.json"
        if not marker.is_file():
            _write_json_atomic(marker, {"format_version": FORMAT_VERSION, "created_at": _now()})

    @staticmethod
    def _write_artifacts(folder: Path, artifacts, meta: dict) -> None:
        writes = [
            ("features.parquet", artifacts.features.to_parquet),
            ("predictions.parquet", artifacts.predictions.to_parquet),
            *[
                (_shap_file_name(label or None), frame.to_parquet)
                for label, frame in artifacts.shap.items()
            ],
            ("model.skops", lambda path: path.write_bytes(artifacts.model_bytes)),
        ]
        if artifacts.replicates is not None:
            writes.append(
                (
                    BOOTSTRAP_FILE,
                    lambda path: np.save(path, artifacts.replicates, allow_pickle=False),
                )
            )
        words = getattr(artifacts.explanation, "words", None)
        if words is not None:
            writes.append(
                (TEXT_CONTRIBUTIONS_FILE, lambda path: words.to_parquet(path, index=False))
            )
        for file_name, write in writes:
            _disk_step(f"write {file_name}")
            write(folder / file_name)
        _write_json_atomic(folder / "prototype.json", meta)
        for child in folder.iterdir():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())

    def set_mvp(self, sprint: str, name: str) -> None:
        """Mark ``name`` as the sprint's MVP."""
        self.prototype(sprint, name)  # raises if it does not exist

        def change(info):
            info["mvp"] = name

        self._update_sprint(sprint, change)

    def record_decision(
        self,
        sprint: str,
        chosen: str,
        rationale: str,
        attendees: list[str] | str,
        decided_on: str | None = None,
        recorded_by: str = "",
        snapshot: list[dict] | None = None,
    ) -> dict:
        """Record the group's choice, with a snapshot of the figures shown, and make it the MVP.

        The snapshot is stored inside the decision, so re-publishing a prototype later cannot
        rewrite what the group saw when it decided.
        """
        self.prototype(sprint, chosen)
        if isinstance(attendees, str):
            attendees = [a.strip() for a in attendees.split(",")]
        attendees = [a for a in attendees if a]
        if not rationale.strip():
            raise WorkspaceError("a decision needs a rationale: say why this prototype was chosen")
        if snapshot is None:
            snapshot = self.comparison(sprint).to_dict(orient="records")
        decision = {
            "id": uuid.uuid4().hex,
            "chosen": chosen,
            "rationale": rationale.strip(),
            "attendees": attendees,
            "decided_on": decided_on or datetime.now(UTC).date().isoformat(),
            "recorded_by": recorded_by,
            "recorded_at": _now(),
            "snapshot": snapshot,
        }

        def change(info):
            # Read under the lock: the versions on disk when the decision is written.
            decision["prototype_versions"] = self._versions(sprint)
            if chosen not in decision["prototype_versions"]:
                raise WorkspaceError(f"sprint {sprint!r} has no prototype {chosen!r}")
            info.setdefault("decisions", []).append(decision)
            info["mvp"] = chosen

        self._update_sprint(sprint, change)
        return decision

    def _versions(self, sprint: str) -> dict[str, dict]:
        """``{prototype: {version, content_id, published_at}}`` for the sprint's prototypes."""
        versions = {}
        for name in self.prototypes(sprint):
            proto = self.prototype(sprint, name)
            versions[name] = {
                "version": proto.version,
                "content_id": proto.content_id,
                "published_at": proto.published_at,
            }
        return versions

    def send_to_review(
        self, sprint: str, queue: str, row_ids: list[str], sent_by: str = "", note: str = ""
    ) -> dict:
        """Save a named list of rows for the sprint's SME reviewers (e.g. the bake-off's
        disagreements). Sending the same queue name again replaces its rows."""
        queue = validate_name(queue, "queue name")
        entry = {
            "rows": [str(r) for r in row_ids],
            "sent_by": sent_by,
            "sent_at": _now(),
            "note": note,
        }

        def change(info):
            info.setdefault("review_queues", {})[queue] = entry

        self.sprint_info(sprint)  # raises if the sprint does not exist
        self._update_sprint(sprint, change)
        return entry

    def review_queues(self, sprint: str) -> dict[str, dict]:
        """Row lists sent to the sprint's reviewers: ``{name: {rows, sent_by, sent_at, note}}``."""
        return self.sprint_info(sprint).get("review_queues", {})

    def delete_prototype(self, sprint: str, name: str) -> None:
        """Remove a prototype's artifacts. Verdicts about it stay in ``feedback.db``."""
        folder = self._prototype_dir(sprint, name)
        with self._lock():
            if not folder.is_dir():
                raise WorkspaceError(f"sprint {sprint!r} has no prototype {name!r}")
            info = self._ensure_sprint(sprint)
            highest = info.setdefault("version_high_water", {})
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                version = int(_read_json(folder / "prototype.json")["version"])
                highest[name] = max(int(highest.get(name, 0)), version)
            if info.get("mvp") == name:
                info["mvp"] = None
            _write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
            deleted = folder.parent / f"{_DELETED}{uuid.uuid4().hex}"
            os.replace(folder, deleted)
            shutil.rmtree(deleted, ignore_errors=True)

    # -- views ----------------------------------------------------------------------------------
    def comparison(self, sprint: str) -> pd.DataFrame:
        """The sprint's prototypes side by side: metrics and measured costs, one row each."""
        rows = []
        mvp = self.mvp(sprint)
        for name in self.prototypes(sprint):
            proto = self.prototype(sprint, name)
            meta = proto.meta
            rows.append(
                {
                    "prototype": name,
                    "mvp": name == mvp,
                    "model": meta["estimator"],
                    **meta.get("metrics", {}),
                    "train_seconds": meta.get("train_seconds"),
                    "latency_ms_per_1000_p50": meta["latency_ms_per_1000_p50"],
                    "latency_ms_per_1000_p95": meta["latency_ms_per_1000_p95"],
                    "model_size_bytes": meta["model_size_bytes"],
                    "peak_memory_bytes": meta.get("peak_memory_bytes"),
                    "effort_days": meta.get("effort_days"),
                    "explainer": meta["explainer"],
                    "version": proto.version,
                }
            )
        return pd.DataFrame(rows)

    def explain(
        self, sprint: str, prototype: str, row_id: str, explained_class: str | None = None
    ) -> dict:
        """The explanation of one row: stored, or computed now and stored.

        Returns ``{"output", "base_value", "contributions", "explained_class", "unit"}`` plus
        ``feature_values``, ``predicted``, ``explainer`` and ``precomputed`` (whether the row is
        in the demo deck). For a multiclass model the predicted class is explained unless
        ``explained_class`` names another.

        A row outside the demo deck is explained the first time it is asked for, with the
        explainer and background rows publishing used (so it gets the values a publish of every
        row would have given it, additivity checked), for every explained class; the values are
        stored in the prototype folder and read back from then on (in a workspace that cannot be
        written, they are returned without being stored).
        """
        row_id = str(row_id)
        for _ in range(2):
            proto = self.prototype(sprint, prototype)
            row = proto.prediction(row_id)
            if explained_class is None and proto.task == "multiclass":
                explained_class = str(row["predicted"])
            label = proto._explained_label(explained_class)
            stored = proto._stored(row_id, label, bool(row["precomputed"]))
            if stored is not None:
                break
            explained = self._explain_on_demand(proto, row_id, row)
            if explained is not None:
                stored = _first_on_demand(_of_class(explained, label))
                break
        else:
            raise WorkspaceError(
                f"{prototype} was published again while row {row_id!r} was explained; try again"
            )
        if stored is None:
            raise WorkspaceError(f"{prototype} has no stored explanation of row {row_id!r}")
        contributions, explainer = stored
        contributions = contributions.astype(float)
        base = proto.base_value(label)
        features = proto.feature_row(row_id)
        return {
            "output": float(base + contributions.sum()),
            "base_value": base,
            "contributions": {k: float(v) for k, v in contributions.items()},
            "explained_class": label,
            "unit": proto.meta.get("unit")
            or ("value" if proto.task == REGRESSION else "probability"),
            "feature_values": {k: _plain(v) for k, v in features.items()},
            "predicted": _plain(row["predicted"]),
            "explainer": explainer,
            "precomputed": bool(row["precomputed"]),
        }

    def _explain_on_demand(
        self, proto: Prototype, row_id: str, prediction: pd.Series
    ) -> pd.DataFrame | None:
        """Explain a row outside the demo deck and store its values for every explained class.

        Returns the row's stored values (one row per class), or None, storing nothing, if the
        prototype was published again since ``proto`` and ``prediction`` were read.
        """
        from model.deck import explain_on_demand  # imports shap and scikit-learn: only here
        from model.explain import ExplanationError

        meta = proto.meta
        background_rows = meta.get("background_rows")
        if not background_rows:
            raise WorkspaceError(
                f"{proto.name} does not record its SHAP background; publish it again"
            )
        rows = _read_rows(proto.path / "features.parquet", [row_id, *background_rows])
        X, background = rows.loc[[row_id]], rows.loc[background_rows]
        n_classes = len(meta.get("classes") or [])
        model_file = proto.path / "model.skops"
        stat = model_file.stat()
        estimator = _loaded_estimator(str(model_file), stat.st_mtime_ns, stat.st_size)
        try:
            explanation = explain_on_demand(
                estimator, X, background, proto.task, n_classes, meta["explainer"]
            )
        except ExplanationError as error:
            raise WorkspaceError(f"row {row_id!r} cannot be explained: {error}") from None
        labels = [label or "" for label in meta["explained_classes"]]
        index = pd.MultiIndex.from_tuples(
            [(row_id, label, explanation.explainer) for label in labels], names=_ON_DEMAND_INDEX
        )
        values = pd.DataFrame(explanation.values[0].T, index=index, columns=meta["features"])
        try:
            with self._lock():
                current = proto.path / "prototype.json"
                if (
                    not current.is_file()
                    or _read_json(current)["published_at"] != meta["published_at"]
                ):
                    return None
                _check_reproduces(proto, prediction, explanation)
                return _store_on_demand(proto.path / ON_DEMAND_FILE, values, row_id)
        except OSError:
            # A read-only workspace or a full disk: the row is explained, just not stored.
            _check_reproduces(proto, prediction, explanation)
            return values


def _store_on_demand(path: Path, values: pd.DataFrame, row_id: str) -> pd.DataFrame:
    """Add one row's values to the on-demand file (call under the workspace lock); return the
    row's stored values, which are another session's if it stored the row first."""
    if path.is_file():
        stored = _read_parquet(path)
        known = stored.index.get_level_values("row_id")
        if row_id in known:
            return stored[known == row_id]
        values = pd.concat([stored, values])
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        values.to_parquet(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return values[values.index.get_level_values("row_id") == row_id]


def _check_reproduces(proto: Prototype, row: pd.Series, explanation) -> None:
    """The loaded model must give the published base values and prediction for the row."""
    meta = proto.meta
    row_id = row.name
    if proto.task == REGRESSION:
        published = [float(row["predicted"])]
    else:
        published = [float(row[PROBABILITY_PREFIX + c]) for c in meta["explained_classes"]]
    base_gap = np.max(np.abs(explanation.base_values - np.asarray(meta["base_values"])))
    output_gap = np.max(np.abs(explanation.predictions[0] - np.asarray(published)))
    if max(base_gap, output_gap) > ADDITIVITY_TOLERANCE:
        raise WorkspaceError(
            f"{proto.name}'s stored model no longer gives the published results for row "
            f"{row_id!r} (off by {max(base_gap, output_gap):.2g}); publish it again"
        )


def _of_class(on_demand: pd.DataFrame, label: str | None) -> pd.DataFrame:
    return on_demand[on_demand.index.get_level_values("explained_class") == (label or "")]


def _first_on_demand(rows: pd.DataFrame) -> tuple[pd.Series, str] | None:
    """``(contributions, explainer)`` of the first on-demand row, or None if there is none."""
    if rows.empty:
        return None
    return rows.iloc[0], str(rows.index.get_level_values("explainer")[0])


def _with_precomputed(predictions: pd.DataFrame) -> pd.DataFrame:
    if "precomputed" not in predictions.columns:  # published before demo decks: every row
        predictions["precomputed"] = True
    return predictions


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def open_workspace(path: str | Path, create: bool = True) -> Workspace:
    """Open the workspace folder at ``path``, creating it unless ``create`` is false."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path} is a file, not a workspace folder")
    if not path.exists():
        if not create:
            raise WorkspaceError(f"workspace folder {path} does not exist")
        try:
            path.mkdir(parents=True)
        except OSError as error:
            raise WorkspaceError(f"cannot create workspace {path}: {error.strerror}") from None
    workspace = Workspace(path)
    workspace.recover()
    return workspace
