"""``FeedbackStore``, the object ``feedback_store.open`` returns, and where each part lives.

The store is built in layers, each importing only the ones below it:

- ``validation``: limits, ``InvalidVerdict`` and the checks of every argument;
- ``connection``: the SQLite file, its connections, transactions and ``StorageError``;
- ``reading`` (verdicts, histories, counts) and ``writing`` (record, edit, withdraw, dispute);
- ``exports``: CSV, Parquet and JSONL files of current verdicts;
- ``agreement``, ``resolution`` and ``training`` work on what ``reading`` returns;
- this module puts them together.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from feedback_store.connection import DB_FILENAME as DB_FILENAME
from feedback_store.connection import StorageError as StorageError
from feedback_store.exports import EXPORT_FORMATS as EXPORT_FORMATS
from feedback_store.exports import ClassNames, VerdictExporter
from feedback_store.leftovers import remove_leftovers
from feedback_store.reading import _current_sql as _current_sql
from feedback_store.resolution import KnownValues
from feedback_store.training import TrainingExport, export_training
from feedback_store.validation import COMMENT_MAX as COMMENT_MAX
from feedback_store.validation import DISPUTE_KINDS as DISPUTE_KINDS
from feedback_store.validation import ROW_ID_MAX as ROW_ID_MAX
from feedback_store.validation import SOURCES as SOURCES
from feedback_store.validation import VERDICTS as VERDICTS
from feedback_store.validation import InvalidVerdict as InvalidVerdict
from feedback_store.validation import own_case_id as own_case_id
from feedback_store.writing import VerdictWriter


class FeedbackStore(VerdictWriter, VerdictExporter):
    """Verdicts stored in one SQLite file.

    Safe to share across threads and processes: each thread (and each forked process) uses
    a connection of its own, kept open, and every write is one short ``BEGIN IMMEDIATE``
    transaction. Replace ``feedback.db`` with ``feedback_store.restore``, which writes
    through SQLite, not by moving another file over it while the store is open.
    """

    def export_training(
        self,
        path: str | os.PathLike[str],
        format: str = "parquet",
        sprint: str | None = None,
        prototype: str | None = None,
        rule: str = "majority",
        lead: str | None = None,
        demo_row_ids: Iterable[str] | None = None,
        class_names: ClassNames | None = None,
        feature_kinds: Mapping[str, str] | None = None,
        targets: Mapping[tuple[str, str], str | None] | None = None,
        *,
        known_values: KnownValues | None = None,
        feature_dtypes: Mapping[str, Any] | None = None,
    ) -> TrainingExport:
        """Write training-ready rows (features, resolved label, provenance) and a manifest.

        One row per reviewed row whose label resolves under ``rule`` (see
        ``feedback_store.resolve_labels``) and whose feature values were snapshotted. Beside
        it, ``<path>.manifest.json`` holds counts, filters, rule, versions and warnings.
        ``demo_row_ids`` are the rows of the demo (evaluation) sets; when None, every row of
        source "demo" counts as one. Given ``class_names`` (see ``exports.ClassNames``), a
        ``label_name`` column follows ``label``. ``feature_kinds`` ("number", "boolean" or
        "text" per feature, from the prototypes) types a feature no exported row has a value
        of: a number column of NaN rather than a text column of nulls. ``targets`` names what
        each ``(sprint, prototype)`` predicts: labels of more than one target (or of more than
        one task, which the verdicts record) raise ``InvalidVerdict`` and write nothing, since
        one label column cannot hold failures and minutes of wear. ``known_values``: a
        regression's known value per ``(sprint, prototype, row_id)`` (the demo rows' actual
        outcomes, ``model.known_values``): a row the reviewers called correct is labelled with
        it (``label_source`` "known value"); without one, with the prediction shown to six
        significant figures ("prediction accepted", and a warning). ``feature_dtypes``: each
        feature's published pandas dtype (``model.published_dtypes``): a category, datetime or
        bool feature keeps it, and the manifest lists them. Returns
        ``(path, manifest_path)``; the result also has ``.rows``, ``.warnings`` and
        ``.manifest``.
        """
        return export_training(
            self, path, format, sprint, prototype, rule, lead, demo_row_ids, class_names,
            feature_kinds, targets, known_values=known_values, feature_dtypes=feature_dtypes,
        )  # fmt: skip


def open(workspace: str | os.PathLike[str], *, create: bool = True) -> FeedbackStore:
    """Open the verdict store of a workspace folder, upgrading its schema if it is older.

    ``create=True`` creates the folder and ``feedback.db`` when missing; with
    ``create=False`` a missing folder or database raises FileNotFoundError instead.
    """
    folder = Path(workspace)
    path = folder / DB_FILENAME
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise FileNotFoundError(f"workspace folder not found: {folder} (check the path)")
    elif not path.is_file():
        raise FileNotFoundError(f"no {DB_FILENAME} in {folder}: no verdicts recorded there yet")
    # the temporary files of a restore killed midway (a running one's are left alone)
    remove_leftovers(folder)
    store = FeedbackStore(path)
    store.migrate()
    return store
