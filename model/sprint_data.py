"""A sprint's prototypes and their predictions on the demo rows they all share, read once
(:func:`load_sprint`) for the bake-off's table, segments and disagreements and the cost of
errors (``model.recommend``).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from feedback_store.validation import TASK_WORDS
from model.metrics import HEADLINE_METRIC
from model.prototype import canonical_targets
from model.resampled_metrics import MetricFunction, metric_function
from model.workspace import Prototype, Workspace, WorkspaceError

__all__ = ["SprintData", "load_sprint"]


class SprintData:
    """A sprint's prototypes and their predictions, restricted to the rows they all share."""

    def __init__(self, ws: Workspace, sprint: str, need_labels: bool = True):
        names = ws.prototypes(sprint)
        if not names:
            raise WorkspaceError(f"sprint {sprint!r} has no published prototypes to compare")
        self.sprint = sprint
        self.prototypes: dict[str, Prototype] = {n: ws.prototype(sprint, n) for n in names}
        tasks = {p.task for p in self.prototypes.values()}
        if len(tasks) > 1:
            said = ", ".join(sorted(TASK_WORDS.get(task, task) for task in tasks))
            raise WorkspaceError(
                f"sprint {sprint!r} mixes kinds of prediction ({said}): a bake-off compares "
                "prototypes that predict the same thing; publish the others in a sprint of "
                "their own"
            )
        self.task = tasks.pop()
        self._check_targets()
        self.mvp = ws.mvp(sprint)
        self.notes: list[str] = []
        frames = {n: p.predictions() for n, p in self.prototypes.items()}
        for frame in frames.values():
            frame.index = frame.index.astype(str)
        unlabeled = [n for n, f in frames.items() if "actual" not in f.columns]
        if need_labels and unlabeled:
            self.notes.append(
                f"Not scored (published without the demo set's labels): {', '.join(unlabeled)}."
            )
        self.scored = [n for n in names if not (need_labels and n in unlabeled)]
        # Whether every scored prototype was published on these very rows, in this order, with
        # this truth: then the replicates stored at publish time pair up as they are.
        self.aligned = True
        self.rows = self._common_rows({n: frames[n] for n in self.scored})
        self.frames = {
            n: frames[n] if frames[n].index.equals(self.rows) else frames[n].loc[self.rows]
            for n in self.scored
        }
        self.truth = self._truth()

    def _common_rows(self, frames: dict[str, pd.DataFrame]) -> pd.Index:
        if not frames:
            return pd.Index([], name="row_id")
        first = next(iter(frames.values())).index
        common = first
        for frame in frames.values():
            if not frame.index.equals(common):
                self.aligned = False
                # Object indexes: pandas' isin on Arrow-backed strings goes row by row.
                common = common[common.astype(object).isin(frame.index.astype(object))]
        sizes = {n: len(f) for n, f in frames.items()}
        if any(size != len(common) for size in sizes.values()):
            counts = ", ".join(f"{n} {size:,}" for n, size in sizes.items())
            self.notes.append(
                f"The prototypes were published on different demo rows ({counts}); all are "
                f"compared on the {len(common):,} rows they share."
            )
        return common

    def _check_targets(self) -> None:
        """Refuse prototypes of different targets (``model.prototype.canonical_targets``: a
        name alone may be incidental, a Series called "actual" with the same labels). One
        truth scores them all, and a failure model is no overheating model."""
        found = canonical_targets(list(self.prototypes.values())).values()
        targets = sorted({str(target) for target in found if target})
        if len(targets) > 1:
            raise WorkspaceError(
                f"sprint {self.sprint!r} mixes targets ({', '.join(targets)}): a bake-off "
                "compares prototypes that predict the same thing; publish the others in a "
                "sprint of their own"
            )

    def _truth(self) -> pd.Series | None:
        labeled = [n for n in self.scored if "actual" in self.frames[n].columns]
        if not labeled:
            return None
        reference = self.mvp if self.mvp in labeled else labeled[0]
        truth = self.frames[reference]["actual"]
        for name in labeled:
            differs = int((self.frames[name]["actual"].astype(str) != truth.astype(str)).sum())
            if differs:
                self.aligned = False
                self.notes.append(
                    f"{name} was published with a different truth on {differs:,} rows; "
                    f"every prototype is scored against {reference}'s."
                )
        return truth

    def by_position(self) -> tuple[pd.Series | None, dict[str, pd.DataFrame]]:
        """The truth and the scored prototypes' frames indexed 0, 1, 2… instead of by row id,
        for scoring. numpy asks a Series for attributes that pandas looks up among its index
        labels, and with text ids that first builds a hash table of them: about 0.1 s per
        prototype at 100,000 rows, and again for every subset of rows."""
        truth = self.truth.reset_index(drop=True) if self.truth is not None else None
        return truth, {name: self.frames[name].reset_index(drop=True) for name in self.scored}

    @property
    def positive_class(self) -> str | None:
        for proto in self.prototypes.values():
            if proto.meta.get("positive_class") is not None:
                return str(proto.meta["positive_class"])
        return None

    def metric(self, metric_key: str | None) -> MetricFunction:
        return metric_function(
            metric_key or HEADLINE_METRIC[self.task], self.task, self.positive_class
        )

    def stored_replicates(
        self, metric: MetricFunction, n_resamples: int, seed: int
    ) -> dict[str, np.ndarray]:
        """The scored prototypes' replicates stored when publishing that fit this bootstrap:
        all of them if the prototypes share their rows and truth, and each was stored for this
        metric and these resamples; the others are computed."""
        if not self.aligned:
            return {}
        known = {
            name: self.prototypes[name].bootstrap_replicates(
                metric.key, metric.positive_class, n_resamples, seed
            )
            for name in self.scored
        }
        return {name: values for name, values in known.items() if values is not None}


def load_sprint(ws: Workspace, sprint: str, need_labels: bool = True) -> SprintData:
    """The sprint's prototypes and predictions, read once for the table, the segments, the
    disagreements and the cost of errors (``model.recommend``): the Bake-off page asks for all
    of them. Keyed by the MVP and each prototype's version and publishing time, so a
    re-publish or a new MVP reads them anew. Callers must not modify what it returns."""
    published = []
    for name in ws.prototypes(sprint):
        meta = ws.prototype(sprint, name).meta
        published.append((name, meta.get("version"), meta.get("published_at")))
    return _read_sprint(str(ws.path), sprint, need_labels, ws.mvp(sprint), tuple(published))


@functools.lru_cache(maxsize=4)
def _read_sprint(path: str, sprint: str, need_labels: bool, mvp, published: tuple) -> SprintData:
    return SprintData(Workspace(path), sprint, need_labels)
