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
        context.parquet                   the demo rows' columns the model does not take,
                                          shown to reviewers (when there are any)
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
        missing_kinds.parquet             object columns mixing None, NaN and pd.NA for
                                          missing: which each missing cell held
                                          (``model.stored_features``)

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
import fcntl
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from model import atomic_files, on_demand
from model.atomic_files import (
    DELETED,
    STAGING,
    WorkspaceError,
    move_into_place,
    now,
    read_json,
    read_sprint_json,
    write_json_atomic,
)
from model.config import DEFAULT_DECK_SIZE
from model.followup_rows import TRAINED_ON_KEY, trained_on_ids
from model.metrics import METRICS
from model.mvp_decisions import MvpDecidedWarning, decided_mvp, mvp_kept_words
from model.naming import validate_name
from model.on_demand import _loaded_estimator  # noqa: F401  (the benchmark empties its cache)
from model.prototype import (
    BOOTSTRAP_FILE,
    ON_DEMAND_FILE,
    Prototype,
    canonical_targets,
)
from model.published_files import warn_if_replaced, write_artifacts
from model.publishing import PublishError, compute_artifacts
from model.sprint_fit import check_fits_sprint
from model.trained_rows import warn_if_trained_on_demo_rows

__all__ = [
    "Workspace",
    "Prototype",
    "open_workspace",
    "WorkspaceError",
    "PublishError",
    "ON_DEMAND_FILE",
    "BOOTSTRAP_FILE",
]

FORMAT_VERSION = 1


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
        if not any(atomic_files.leftovers(self.sprints_dir)):
            return []
        done = []
        try:
            with self._lock(wait=False) as held:
                if not held:
                    return []
                leftovers = sorted(atomic_files.leftovers(self.sprints_dir), key=lambda f: f.name)
                for folder in leftovers:
                    done.append(atomic_files.recover_folder(folder))
        except OSError:
            return done
        return done

    # -- reading --------------------------------------------------------------------------------
    def sprints(self) -> list[str]:
        """Sprint names in the order they were created."""
        if not self.sprints_dir.is_dir():
            return []
        infos = []
        for folder in self.sprints_dir.iterdir():
            meta_file = folder / "sprint.json"
            if folder.is_dir() and meta_file.is_file():
                infos.append(read_json(meta_file))
        return [info["name"] for info in sorted(infos, key=lambda i: (i["order"], i["name"]))]

    def sprint_info(self, sprint: str) -> dict:
        """The sprint's metadata: ``name``, ``order``, ``created_at``, ``mvp``, ``decisions``."""
        meta_file = self._sprint_dir(sprint) / "sprint.json"
        if not meta_file.is_file():
            raise WorkspaceError(f"there is no sprint {sprint!r} in {self.path}")
        return read_sprint_json(meta_file)

    def prototypes(self, sprint: str) -> list[str]:
        """Names of the sprint's published prototypes, in publishing order."""
        folder = self._sprint_dir(sprint) / "prototypes"
        if not folder.is_dir():
            return []
        found = []
        for child in folder.iterdir():
            meta_file = child / "prototype.json"
            if child.is_dir() and not child.name.startswith(".") and meta_file.is_file():
                meta = read_json(meta_file)
                found.append((meta.get("first_published_at", ""), meta["name"]))
        return [name for _, name in sorted(found)]

    def prototype(self, sprint: str, name: str) -> Prototype:
        """A published prototype; ``WorkspaceError`` if there is none of that name."""
        folder = self._prototype_dir(sprint, name)
        meta_file = folder / "prototype.json"
        if not meta_file.is_file():
            raise WorkspaceError(f"sprint {sprint!r} has no prototype {name!r}")
        meta = read_json(meta_file)
        return Prototype(meta["sprint"], meta["name"], folder, meta)

    def mvp(self, sprint: str) -> str | None:
        """The name of the sprint's MVP prototype, if one is marked."""
        return self.sprint_info(sprint).get("mvp")

    def decisions(self, sprint: str) -> list[dict]:
        """Decisions recorded for the sprint, oldest first."""
        return self.sprint_info(sprint).get("decisions", [])

    def summary(self) -> pd.DataFrame:
        """One row per prototype: sprint, name, MVP flag, task, target (its name as the first
        prototype of that target gave it, see ``model.prototype.canonical_targets``; None
        where none named it), headline metric and its value."""
        sprints = self.sprints()
        protos = [self.prototype(s, name) for s in sprints for name in self.prototypes(s)]
        targets = canonical_targets(protos)
        mvps = {sprint: self.mvp(sprint) for sprint in sprints}
        rows = []
        for proto in protos:
            key, value = proto.headline
            rows.append(
                {
                    "sprint": proto.sprint,
                    "prototype": proto.name,
                    "mvp": proto.name == mvps[proto.sprint],
                    "task": proto.task,
                    "target": targets[(proto.sprint, proto.name)],
                    "metric": METRICS[key].label if key else None,
                    "value": value,
                    "version": proto.version,
                    "published_at": proto.meta["published_at"],
                }
            )
        columns = "sprint prototype mvp task target metric value version published_at"
        return pd.DataFrame(rows, columns=columns.split())

    # -- writing --------------------------------------------------------------------------------
    def _ensure_sprint(self, sprint: str) -> dict:
        folder = self._sprint_dir(sprint)
        meta_file = folder / "sprint.json"
        if meta_file.is_file():
            return read_json(meta_file)
        (folder / "prototypes").mkdir(parents=True, exist_ok=True)
        info = {
            "name": validate_name(sprint, "sprint name"),
            "order": len(self.sprints()),
            "created_at": now(),
            "mvp": None,
            "decisions": [],
        }
        write_json_atomic(meta_file, info)
        return info

    def _update_sprint(self, sprint: str, change) -> dict:
        with self._lock():
            info = self._ensure_sprint(sprint)
            change(info)
            write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
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
        positive_class=None,
        trained_on=None,
        case_noun: str | None = None,
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

        ``positive_class`` is the class of a binary model that is counted, flagged and
        explained (default: its second class, ``classes_[1]``); a sprint's binary prototypes
        share one, since the Bake-off compares them on it.

        ``trained_on``: the reviewed rows the model was trained on (row ids, or the training
        export itself), so the follow-up of earlier verdicts does not pass a learnt row off as
        a fix; without it the follow-up says the record is missing.
        """
        try:
            sprint = validate_name(sprint, "sprint name")
            name = validate_name(name, "prototype name")
        except ValueError as error:
            raise PublishError(str(error)) from None
        if train_seconds is not None and not (np.isfinite(train_seconds) and train_seconds >= 0):
            raise PublishError("train_seconds must be a non-negative number of seconds")
        if effort_days is not None and not (np.isfinite(effort_days) and effort_days >= 0):
            raise PublishError(
                "effort_days must be a non-negative number of person-days (--effort-days)"
            )
        try:
            trained = trained_on_ids(trained_on)
        except ValueError as error:
            raise PublishError(str(error)) from None
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
            positive_class=positive_class,
            case_noun=case_noun,
        )
        published = [self.prototype(sprint, other) for other in self.prototypes(sprint)]
        check_fits_sprint(published, sprint, name, artifacts.meta, artifacts.predictions)

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with self._lock():
                self._ensure_workspace_file()
                final = self._prototype_dir(sprint, name)
                previous = final / "prototype.json"
                old = read_json(previous) if previous.is_file() else None
                # The new number is recorded before the new version can appear: a crash from
                # here on skips a number, never repeats one.
                version = self._next_version(sprint, name, old)
                staging = final.parent / f"{STAGING}{uuid.uuid4().hex}"
                atomic_files.disk_step(f"create {staging.name}")
                staging.mkdir(parents=True)
                try:
                    meta = {
                        **artifacts.meta,
                        "name": name,
                        "sprint": sprint,
                        "version": version,
                        "content_id": uuid.uuid4().hex,
                        "published_at": now(),
                        "first_published_at": old["first_published_at"] if old else now(),
                        "train_seconds": train_seconds,
                        "effort_days": effort_days,
                        "notes": notes,
                        **({TRAINED_ON_KEY: trained} if trained is not None else {}),
                    }
                    self._write_artifacts(staging, artifacts, meta)
                    move_into_place(staging, final)
                    written = read_json(final / "prototype.json")  # before another replaces it
                finally:
                    if staging.exists():
                        shutil.rmtree(staging, ignore_errors=True)
        except OSError as error:
            raise PublishError(
                f"could not write to the workspace {self.path}: {error.strerror or error}"
            ) from None
        warn_if_trained_on_demo_rows(trained, X.index)  # its figures on them are optimistic
        if mvp:
            self._make_mvp_unless_decided(sprint, name)
        current = final / "prototype.json"  # another publish of the name may have followed
        warn_if_replaced(written, read_json(current) if current.is_file() else None)
        return Prototype(sprint, name, final, written)

    def _next_version(self, sprint: str, name: str, old: dict | None) -> int:
        """Record and return the next version of ``name`` (call under the workspace lock)."""
        info = self._ensure_sprint(sprint)
        highest = info.setdefault("version_high_water", {})
        version = max(int(highest.get(name, 0)), int(old["version"]) if old else 0) + 1
        highest[name] = version
        write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
        return version

    def _ensure_workspace_file(self) -> None:
        marker = self.path / "workspace.json"
        if not marker.is_file():
            write_json_atomic(marker, {"format_version": FORMAT_VERSION, "created_at": now()})

    _write_artifacts = staticmethod(write_artifacts)

    def _make_mvp_unless_decided(self, sprint: str, name: str) -> None:
        """``publish(mvp=True)``: make ``name`` the MVP, unless the group's recorded decision
        chose another (``model.mvp_decisions``): that one stays, and a warning says so."""
        decision = decided_mvp(self.sprint_info(sprint))
        if decision is not None and decision.get("chosen") != name:
            warnings.warn(mvp_kept_words(sprint, name, decision), MvpDecidedWarning, stacklevel=3)
            return
        self.set_mvp(sprint, name)

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
            "recorded_at": now(),
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
            "sent_at": now(),
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
                version = int(read_json(folder / "prototype.json")["version"])
                highest[name] = max(int(highest.get(name, 0)), version)
            if info.get("mvp") == name:
                info["mvp"] = None
            write_json_atomic(self._sprint_dir(sprint) / "sprint.json", info)
            deleted = folder.parent / f"{DELETED}{uuid.uuid4().hex}"
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
        ``feature_values``, ``predicted``, ``explainer``, ``precomputed`` (whether the row is
        in the demo deck) and ``estimate_error`` (the stated 95% error of each value where they
        were estimated, None where exact). For a multiclass model the predicted class is
        explained unless ``explained_class`` names another.

        A row outside the demo deck is explained the first time it is asked for, with the
        explainer and background rows publishing used (so it gets the values a publish of every
        row would have given it, additivity checked), for every explained class; the values are
        stored in the prototype folder and read back from then on (in a workspace that cannot be
        written, they are returned without being stored).
        """
        return on_demand.explain_row(self, sprint, prototype, row_id, explained_class)


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
