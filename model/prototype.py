"""A published prototype, read from its folder: metadata in memory, tables on demand.

The folder's layout is described in :mod:`model.workspace`. Tables are read through one open
file each (:func:`read_parquet`), so a re-publish that swaps the folder meanwhile never mixes
two versions, and single rows are read with a filter on ``row_id`` without loading the rest.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import persistence
from model.atomic_files import WorkspaceError
from model.labels import (
    PROBABILITY_PREFIX,
    DisplayUnit,
    class_key,
    display_unit,
    label_strings,
)
from model.metrics import headline_metric
from model.stored_additivity import check_adds_up, prediction_column
from model.stored_features import MISSING_KINDS_FILE, MIXED, restore
from model.tracing import TRACEMALLOC_LOCK

ON_DEMAND_FILE = "shap-ondemand.parquet"
BOOTSTRAP_FILE = "bootstrap.npy"
ON_DEMAND_INDEX = ["row_id", "explained_class", "explainer"]


def same_question(meta: dict, other: dict) -> bool:
    """Whether two prototypes' metadata predict the same thing: the same task and, where both
    record it, the same target. A failure model's verdicts, metrics and MVP say nothing
    about a model of tool wear in minutes, nor of overheating."""
    if meta.get("task") != other.get("task"):
        return False
    target, other_target = meta.get("target"), other.get("target")
    return not (target and other_target and target != other_target)


def shap_file_name(label: str | None) -> str:
    """The file holding the deck's SHAP values for class ``label`` (``None``: regression)."""
    # Class labels are user data: keep the file name safe whatever they contain.
    safe = "".join(ch if ch.isalnum() else "_" for ch in (label or "value"))
    return f"shap-{safe}.parquet"


def read_parquet(path: Path, **options) -> pd.DataFrame:
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


def read_rows(path: Path, row_ids: list[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of a parquet file whose row id is in ``row_ids``, in the file's order.

    pyarrow filters on the ``row_id`` index column, so the other rows never become pandas
    objects: reading one row of a 100,000-row file costs a fraction of reading it whole.
    """
    try:
        return read_parquet(path, columns=columns, filters=[("row_id", "in", list(row_ids))])
    except (KeyError, ValueError):  # a file whose index is not named row_id
        frame = read_parquet(path, columns=columns)
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

    def class_of(self, given) -> str | None:
        """The class label ``given`` names: the label in any spelling (``1``, ``1.0``, ``"1"``;
        ``"True"`` for a True/False model) or the class's name in words, case and surrounding
        spaces aside (``"failure"``); None when it names no class of the model."""
        classes = [str(c) for c in self.meta.get("classes") or []]
        key = class_key(given, classes)
        if key in classes:
            return key
        by_name = {str(n).strip().casefold(): k for k, n in self.class_names.items()}
        return by_name.get(str(given).strip().casefold())

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
        return _with_precomputed(read_parquet(self.path / "predictions.parquet"))

    def prediction(self, row_id: str) -> pd.Series:
        """One row of :meth:`predictions`, read without loading the others."""
        rows = read_rows(self.path / "predictions.parquet", [str(row_id)])
        if rows.empty:
            raise WorkspaceError(f"row {str(row_id)!r} is not among {self.name}'s demo rows")
        return _with_precomputed(rows).iloc[0]

    def precomputed(self) -> pd.Series:
        """True for each row (index: row_id) whose SHAP values were computed when publishing;
        the others are explained when first selected (:meth:`Workspace.explain`)."""
        path = self.path / "predictions.parquet"
        if "precomputed" in _parquet_columns(path):
            return read_parquet(path, columns=["precomputed"])["precomputed"]
        return pd.Series(True, index=read_parquet(path, columns=[]).index, name="precomputed")

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
        index = read_parquet(path, columns=[]).index
        return index.get_level_values("row_id").unique()

    def features(self) -> pd.DataFrame:
        """The demo rows as published (index: row_id), object columns with their own missing
        values (``model.stored_features``)."""
        return self._restored(read_parquet(self.path / "features.parquet"))

    def feature_rows(self, row_ids: list[str]) -> pd.DataFrame:
        """The demo rows ``row_ids`` as published, read without loading the others, in the
        file's order."""
        return self._restored(read_rows(self.path / "features.parquet", list(map(str, row_ids))))

    def feature_row(self, row_id: str) -> pd.Series:
        """One demo row as published, read without loading the others."""
        rows = self.feature_rows([str(row_id)])
        if rows.empty:
            raise WorkspaceError(f"row {str(row_id)!r} is not among {self.name}'s demo rows")
        return rows.iloc[0]

    def _restored(self, rows: pd.DataFrame) -> pd.DataFrame:
        columns = self.meta.get("stored_columns")
        if not columns:  # no object column, or published before they were recorded
            return rows
        mixed = any(entry.get("missing") == MIXED for entry in columns.values())
        kinds = read_parquet(self.path / MISSING_KINDS_FILE) if mixed else None
        return restore(rows, columns, kinds)

    def _explained_label(self, explained_class: str | None) -> str | None:
        """The stored label of ``explained_class``: a label (``2`` or ``"2"``) or its name in
        words (``"high"``, from ``class_names``); the first explained class when None."""
        classes = self.meta["explained_classes"]
        if explained_class is None:
            return classes[0]
        if classes == [None]:
            raise WorkspaceError(
                f"{self.name} predicts numbers: there is no class to choose; leave the class out"
            )
        label = self.class_of(explained_class)
        if label not in classes:
            named = ", ".join(
                f"{c!r} ({self.class_names[c]})" if self.class_names.get(c, c) != c else repr(c)
                for c in classes
            )
            raise WorkspaceError(
                f"class {explained_class!r} is not explained for {self.name}; choose one of {named}"
            )
        return label

    def shap_values(self, explained_class: str | None = None) -> pd.DataFrame:
        """Stored SHAP values (float64) per row and source feature for ``explained_class``
        (default: the first): the precomputed rows, then the rows explained on demand since."""
        label = self._explained_label(explained_class)
        deck = read_parquet(self.path / shap_file_name(label))
        explainers = pd.Series(self.meta.get("explainer"), index=deck.index, dtype=object)
        for explainer, ids in (self.meta.get("explainer_rows") or {}).items():
            explainers[deck.index.isin(ids)] = explainer
        on_demand = self._on_demand(label)
        if not on_demand.empty:
            deck = pd.concat([deck, on_demand.droplevel(["explained_class", "explainer"])])
            methods = on_demand.index.get_level_values("explainer")
            explainers = pd.concat(
                [explainers, pd.Series(methods, index=deck.index[len(explainers) :])]
            )
        self._check_adds_up(label, deck, explainers)
        return deck

    def _check_adds_up(
        self, label: str | None, values: pd.DataFrame, explainers: pd.Series, predictions=None
    ) -> None:
        """``WorkspaceError`` when a row of stored ``values`` does not add up to its stored
        prediction (:mod:`model.stored_additivity`)."""
        if predictions is None:
            column = prediction_column(self.meta, label)
            if column is None:
                return
            predictions = read_parquet(self.path / "predictions.parquet", columns=[column])
        check_adds_up(self.meta, label, values, self.base_value(label), predictions, explainers)

    def check_stored_row(
        self, prediction: pd.Series, label: str | None, contributions: pd.Series, explainer: str
    ) -> None:
        """``WorkspaceError`` when the stored ``contributions`` of one row (``prediction``: its
        row of :meth:`predictions`) do not add up to its stored prediction."""
        index = pd.Index([str(prediction.name)], name="row_id")
        values = pd.DataFrame([contributions.to_numpy(dtype=float)], index=index)
        self._check_adds_up(
            label,
            values,
            pd.Series([explainer], index=index),
            prediction.to_frame().T.set_axis(index),
        )

    def _on_demand(self, label: str | None, row_id: str | None = None) -> pd.DataFrame:
        path = self.path / ON_DEMAND_FILE
        if not path.is_file():
            return pd.DataFrame(columns=self.meta["features"], dtype=float)
        frame = read_parquet(path) if row_id is None else read_rows(path, [row_id])
        return of_class(frame, label)

    def stored_explanation(
        self, row_id: str, explained_class: str | None = None
    ) -> tuple[pd.Series, str] | None:
        """``(contributions, explainer)`` stored for one row, or ``None`` if it has none yet."""
        label = self._explained_label(explained_class)
        row_id = str(row_id)
        row = self.prediction(row_id)
        stored = self._stored(row_id, label, bool(row["precomputed"]))
        if stored is not None:
            self.check_stored_row(row, label, *stored)
        return stored

    def _stored(self, row_id: str, label: str | None, precomputed: bool):
        if not precomputed:
            return first_on_demand(self._on_demand(label, row_id))
        rows = read_rows(self.path / shap_file_name(label), [row_id])
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

    def model_refusal(self) -> str | None:
        """Why this prototype's model cannot be loaded back from its file, in one line, and
        what to publish instead; ``None`` if it can (or was published before this was
        recorded: loading then decides). Rows publishing explained are read all the same."""
        untrusted = self.meta.get("model_untrusted_types")
        if not untrusted:
            return None
        return (
            f"{self.name}'s model cannot be loaded back from its file: "
            f"{persistence.unloadable_reason(untrusted)}; publish "
            f"{persistence.LOADABLE_MODELS} to enable it"
        )

    def estimator(self):
        """The model, loaded from its skops file (``ModelFileError`` saying why if it may not
        be: :meth:`model_refusal`)."""
        refusal = self.model_refusal()
        if refusal:
            raise persistence.ModelFileError(refusal)
        # A workspace may come from a backup or a shared folder: its file is capped like any other.
        return persistence.load_skops_file(self.path / "model.skops", f"{self.name} model")

    def probability_columns(self) -> list[str]:
        return [PROBABILITY_PREFIX + label for label in self.meta.get("classes", [])]


def of_class(on_demand: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """The on-demand rows explaining class ``label``."""
    return on_demand[on_demand.index.get_level_values("explained_class") == (label or "")]


def first_on_demand(rows: pd.DataFrame) -> tuple[pd.Series, str] | None:
    """``(contributions, explainer)`` of the first on-demand row, or None if there is none."""
    if rows.empty:
        return None
    return rows.iloc[0], str(rows.index.get_level_values("explainer")[0])


def _with_precomputed(predictions: pd.DataFrame) -> pd.DataFrame:
    if "precomputed" not in predictions.columns:  # published before demo decks: every row
        predictions["precomputed"] = True
    return predictions


#: Share of the demo rows two prototypes share whose labels must agree for two differently
#: named targets to be one (a Series called "actual" beside "Machine failure"); below it, they
#: are two questions. Not all: labels corrected by SMEs between sprints differ on a few rows.
SAME_LABELS_SHARE = 0.9


def predicts_the_same(proto: Prototype, other: Prototype) -> bool:
    """Whether two prototypes predict the same thing: the same task and either the same
    target's name (or one without a name), or labels that agree on the demo rows they share
    (at least :data:`SAME_LABELS_SHARE` of them): a target's name can be incidental."""
    if proto.task != other.task:
        return False
    if same_question(proto.meta, other.meta):
        return True
    # Read once per pair of publishes: the Sprint demo asks on every rerun.
    return _same_labels(
        proto.path, proto.content_id, other.path, other.content_id, proto.task == "regression"
    )


@functools.lru_cache(maxsize=256)
def _same_labels(
    path: Path, content_id: str, other_path: Path, other_id: str, values: bool
) -> bool:
    """Whether the labels of two publishes (folders and content ids: a re-publish is another
    key) agree on at least :data:`SAME_LABELS_SHARE` of the demo rows they share."""
    try:
        first = read_parquet(path / "predictions.parquet", columns=["actual"])
        second = read_parquet(other_path / "predictions.parquet", columns=["actual"])
    except (OSError, KeyError, ValueError, pa.ArrowException):  # unlabelled or unreadable
        return False
    return labels_agree(first["actual"], second["actual"], values)


def labels_agree(first: pd.Series, second: pd.Series, values: bool) -> bool:
    """Whether two publishes' labels (indexed by row id) agree on at least
    :data:`SAME_LABELS_SHARE` of the rows both hold; ``values``: a regression's numbers."""
    first = first.set_axis(first.index.astype(str))
    second = second.set_axis(second.index.astype(str))
    shared = first.index.intersection(second.index)
    if not len(shared):
        return False
    a, b = first.loc[shared], second.loc[shared]
    if values:
        agree = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-9)
    else:
        agree = (a.astype(str) == b.astype(str)).to_numpy()
    return bool(agree.mean() >= SAME_LABELS_SHARE)


def canonical_targets(prototypes: list[Prototype]) -> dict[tuple[str, str], str | None]:
    """Each prototype's target, keyed by ``(sprint, name)``, named as the first prototype
    that predicts the same thing (:func:`predicts_the_same`) names it: a target published
    once as "Machine failure" and once as "actual" is one target. None where no prototype
    of that target named it."""
    named: list[Prototype] = []  # the first prototype of each distinct target's name
    out: dict[tuple[str, str], str | None] = {}
    for proto in prototypes:
        target = proto.meta.get("target")
        if target:
            match = next((p for p in named if p.meta.get("target") == target), None)
            if match is None:
                match = next((p for p in named if predicts_the_same(p, proto)), None)
            if match is None:
                named.append(proto)
            target = match.meta["target"] if match is not None else target
        out[(proto.sprint, proto.name)] = target
    return out
