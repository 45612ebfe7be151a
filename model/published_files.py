"""What publishing writes into a prototype's staging folder, and what it tells the publisher.

- :func:`write_artifacts`: the tables, the model and ``prototype.json`` of one version, each
  flushed to disk.
- :func:`warn_if_replaced`: two publishes of one name at once each get back the version they
  wrote; the one whose version the other replaced before it returned is told so.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from model import atomic_files
from model.atomic_files import write_json_atomic
from model.config import TEXT_CONTRIBUTIONS_FILE
from model.context_columns import CONTEXT_FILE
from model.prototype import BOOTSTRAP_FILE, shap_file_name
from model.stored_features import MISSING_KINDS_FILE

__all__ = ["PrototypeReplacedWarning", "warn_if_replaced", "write_artifacts"]


class PrototypeReplacedWarning(UserWarning):
    """The version just published was replaced by another publish of the same name."""


def write_artifacts(folder: Path, artifacts, meta: dict) -> None:
    """Write one published version (``artifacts`` of :func:`model.publishing.compute_artifacts`
    and its ``meta``) into ``folder``, ``prototype.json`` last, and flush every file."""
    writes = [
        ("features.parquet", artifacts.features.to_parquet),
        ("predictions.parquet", artifacts.predictions.to_parquet),
        *[
            (shap_file_name(label or None), frame.to_parquet)
            for label, frame in artifacts.shap.items()
        ],
        ("model.skops", lambda path: path.write_bytes(artifacts.model_bytes)),
    ]
    if artifacts.replicates is not None:
        writes.append(
            (BOOTSTRAP_FILE, lambda path: np.save(path, artifacts.replicates, allow_pickle=False))
        )
    if artifacts.missing_kinds is not None:
        writes.append((MISSING_KINDS_FILE, artifacts.missing_kinds.to_parquet))
    if artifacts.context is not None:  # the data's columns the model does not take
        writes.append((CONTEXT_FILE, artifacts.context.to_parquet))
    words = getattr(artifacts.explanation, "words", None)
    if words is not None:
        writes.append((TEXT_CONTRIBUTIONS_FILE, lambda path: words.to_parquet(path, index=False)))
    for file_name, write in writes:
        atomic_files.disk_step(f"write {file_name}")
        write(folder / file_name)
    write_json_atomic(folder / "prototype.json", meta)
    for child in folder.iterdir():
        with open(child, "rb") as handle:
            os.fsync(handle.fileno())


def warn_if_replaced(written: dict, current: dict | None) -> None:
    """Warn when ``current`` (the prototype's metadata on disk now, None if it was deleted) is
    no longer the version ``written`` by this publish."""
    if current is not None and current.get("content_id") == written["content_id"]:
        return
    name, version = written["name"], written["version"]
    now = f"version {current['version']} replaced it" if current else "it was deleted"
    warnings.warn(
        f"{name!r} version {version} was published, but another publish of the same name "
        f"finished meanwhile and {now}: the sprint now shows that one",
        PrototypeReplacedWarning,
        stacklevel=3,
    )
