"""Checking what callers pass before anything is written: text, ids, labels, snapshots.

Every check raises ``InvalidVerdict`` with one line that says what is wrong and how to fix it.
The limits here (``ROW_ID_MAX``, ``COMMENT_MAX``, ...) are the ones pages show beside fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

VERDICTS = ("correct", "wrong", "unsure")
TASKS = ("binary", "multiclass", "regression")
#: What each task predicts, in words ("mixes kinds of prediction (two classes, values)").
TASK_WORDS = {"binary": "two classes", "multiclass": "classes", "regression": "values"}
SOURCES = ("demo", "own")
DISPUTE_KINDS = ("should not matter", "wrong direction", "too strong")
OWN_PREFIX = "own:"

WITHDRAWN = "withdrawn"
NAME_MAX = 100
ROW_ID_MAX = 200
LABEL_MAX = 200
COMMENT_MAX = 10_000
TAG_MAX = 40
KEY_MAX = 200
SNAPSHOT_MAX = 1_000_000
CONTENT_ID_MAX = 200
#: Far more publishes of one prototype than any team makes; a larger number is not a version.
PROTOTYPE_VERSION_MAX = 1_000_000

# The SQL form of ``reviewer_key`` for a column (SQLite's lower() folds A-Z only, as it does).
REVIEWER_KEY_SQL = "CASE WHEN instr({0}, '@') > 0 THEN lower({0}) ELSE {0} END"
# Unicode's control characters (category Cc) are exactly these two ranges; a regular
# expression finds one in a 10,000-character comment ~25 times faster than a loop would
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, \n, \r allowed
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class InvalidVerdict(ValueError):
    """Input that cannot be stored as given; the message says what is wrong and how to fix it."""


class LabelIsPrediction(InvalidVerdict):
    """A 'wrong' verdict whose corrected ``label`` is the prediction shown: a page names the
    class in its own words from ``label``."""

    def __init__(self, message: str, label: str | None = None) -> None:
        super().__init__(message)
        self.label = label


def own_case_id(features: Mapping[str, Any]) -> str:
    """The row id of an SME's own case: ``"own:"`` and 12 hex digits of a hash of the features.

    The same feature values always give the same id, whatever their order or numeric type
    (``1558``, ``1558.0`` and ``numpy.int64(1558)`` are one value), so verdicts on a case
    entered twice, or re-scored by a later prototype, stay on one row.
    """
    values = _features(features)
    if not values:
        raise InvalidVerdict(
            "an own case needs its feature values, e.g. {'Torque [Nm]': 65.2, 'Type': 'L'}"
        )
    canonical = sorted((name, _canonical_number(value)) for name, value in values.items())
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return OWN_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _canonical_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _clean_text(field: str, value: Any, max_len: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidVerdict(f"{field} must be text, got {type(value).__name__}")
    value = value.strip()
    bad = (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value)
    if bad is not None:
        raise InvalidVerdict(f"{field} contains a control character ({bad.group()!r}); remove it")
    if len(value) > max_len:
        raise InvalidVerdict(
            f"{field} is {len(value)} characters long, the limit is {max_len}; shorten it"
        )
    return value


def _required_text(field: str, value: Any, max_len: int) -> str:
    if value is None:
        raise InvalidVerdict(f"{field} is required")
    text = _clean_text(field, value, max_len)
    if not text:
        raise InvalidVerdict(f"{field} is empty; give a non-empty {field}")
    return text


def _name(field: str, value: Any) -> str:
    """A sprint or prototype name: the folder names publishing accepts (``model.naming``'s
    rule, which this package cannot import), so no name can point outside the workspace,
    in Unicode's composed form (NFC) as publishing stores it."""
    name = unicodedata.normalize("NFC", _required_text(field, value, NAME_MAX))
    if "/" in name or "\\" in name:
        raise InvalidVerdict(
            f"{field} {name!r} contains a slash; use letters, digits, spaces, - or _"
        )
    if name.startswith(".") or ".." in name:
        raise InvalidVerdict(f"{field} {name!r} must not start with '.' or contain '..'")
    return name


def reviewer_key(name: str) -> str:
    """The identity a reviewer's verdicts are stored under.

    A name that is an e-mail address (it holds an "@") is case-folded, so
    ``Ana@plant.example`` and ``ana@plant.example`` are one reviewer; other names are kept as
    typed. Letters A-Z are folded, exactly as SQLite's ``lower()`` folds the names stored
    before this rule (see ``REVIEWER_KEY_SQL``).
    """
    return name.translate(_ASCII_LOWER) if "@" in name else name


def _reviewer(value: Any) -> str:
    return reviewer_key(_required_text("reviewer", value, NAME_MAX))


def _prototype_version(value: Any) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not 1 <= value <= PROTOTYPE_VERSION_MAX
    ):
        raise InvalidVerdict(
            f"prototype_version must be the whole number of the version shown (1 to"
            f" {PROTOTYPE_VERSION_MAX:,}), got {value!r}"
        )
    return int(value)


def _check_owner(owner: str, reviewer: str) -> None:
    """Refuse a version of a verdict by anyone but the reviewer who recorded it."""
    if reviewer_key(owner) != reviewer_key(reviewer):
        raise InvalidVerdict(
            f"it is by {reviewer!r} but the verdict belongs to {owner!r}; only the reviewer"
            " who recorded a verdict may change it"
        )


def _check_next_version(version: Any, previous: int) -> None:
    """Refuse a version number that is not the one after ``previous`` (0 before the first)."""
    if version != previous + 1:
        raise InvalidVerdict(
            f"it is version {version!r} where version {previous + 1} comes next; a verdict's"
            " versions are numbered 1, 2, 3... with none missing"
        )


def _prototype_content(value: Any) -> str | None:
    return None if value is None else _required_text("prototype_content", value, CONTENT_ID_MAX)


def _check_correction(label: str | None, verdict: str, prediction: Any, task: str | None) -> None:
    """Refuse a 'wrong' verdict whose corrected label is the prediction that was shown.

    A class written as a number is one class however written (1, "1", "1.0"); a regression
    value is refused only when written exactly as shown.
    """
    if verdict != "wrong" or label is None or not isinstance(prediction, Mapping):
        return
    shown = prediction.get("label")
    if shown is None or isinstance(shown, Mapping | list):
        return
    same = str(shown) == label
    if not same and task != "regression" and not isinstance(shown, bool):
        try:
            same = float(shown) == float(label)
        except (TypeError, ValueError):
            same = False
    if same:
        raise LabelIsPrediction(
            f"the corrected label {label!r} is what the model predicted: choose 'correct', or"
            " give the label it should have predicted",
            label,
        )


def _row_id(value: Any) -> Any:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return value


def _filter_value(value: Any) -> str:
    return str(_row_id(value)).strip()


def _verdict(value: Any) -> str:
    if value not in VERDICTS:
        raise InvalidVerdict(f"verdict must be one of {', '.join(VERDICTS)}; got {value!r}")
    return value


def _check_source(source: Any, row_id: str, features: dict[str, Any] | None) -> None:
    if source not in SOURCES:
        raise InvalidVerdict(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    if source == "demo":
        if row_id.startswith(OWN_PREFIX):
            raise InvalidVerdict(
                f"row ids starting with {OWN_PREFIX!r} are SMEs' own cases: pass source='own'"
                " with the case's features"
            )
        return
    if not features:
        raise InvalidVerdict(
            "an own case (source='own') needs features: the values the SME entered"
        )
    expected = own_case_id(features)
    if row_id != expected:
        raise InvalidVerdict(
            f"row_id of an own case must be feedback_store.own_case_id(features), here"
            f" {expected!r}; got {row_id!r}"
        )


def _finite_number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidVerdict(f"{field} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidVerdict(f"{field} must be a finite number, got {number}")
    return number


def _task(value: Any) -> str | None:
    if value is not None and value not in TASKS:
        raise InvalidVerdict(f"task must be one of {', '.join(TASKS)} or None; got {value!r}")
    return value


def _verdict_id(value: Any) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidVerdict(f"verdict_id must be an integer id, got {value!r}")


def _label_text(value: Any) -> Any:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(value)
    return value


def _corrected_label(value: Any, verdict: str, task: str | None) -> str | None:
    label = "" if value is None else _clean_text("corrected_label", _label_text(value), LABEL_MAX)
    if verdict == "correct":
        if label:
            raise InvalidVerdict(
                "corrected_label is only for 'wrong' or 'unsure' verdicts; leave it empty"
                " when the prediction is correct"
            )
        return None
    if verdict == "wrong" and not label:
        raise InvalidVerdict(
            "a 'wrong' verdict needs corrected_label: the value the model should have predicted"
        )
    if label and task == "regression":
        try:
            number = float(label)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidVerdict(
                f"corrected_label must be a number for a regression model, got {label!r};"
                " write it like 12.5 (dot as decimal separator)"
            )
    return label or None


def _comment(value: Any) -> str:
    return "" if value is None else _clean_text("comment", value, COMMENT_MAX, multiline=True)


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidVerdict(f"tags must be a list of strings such as ['sensor'], got {value!r}")
    tags: list[str] = []
    for raw in value:
        tag = _clean_text("a tag", raw, TAG_MAX)
        if not tag:
            raise InvalidVerdict("tags must not be empty; remove the empty tag")
        if ";" in tag:
            raise InvalidVerdict(
                f"tag {tag!r} contains ';', which separates tags in CSV exports; use another"
                " character"
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def _key(value: Any) -> str | None:
    return None if value is None else _required_text("key", value, KEY_MAX)


def _features(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidVerdict(
            "features must be a dict of feature name to value, e.g. {'Torque [Nm]': 65.2}"
        )
    features = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidVerdict(f"feature names must be non-empty strings, got {name!r}")
        features[name] = _scalar(raw, f"feature {name!r}")
    return features


def _prediction(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidVerdict("prediction must be a dict such as {'label': '0', 'confidence': 0.83}")
    shown = _plain(value, "prediction")
    confidence = shown.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 <= confidence <= 1
    ):
        raise InvalidVerdict(
            f"the prediction's confidence must be a chance from 0 to 1 (0.83 for 83 %),"
            f" got {confidence!r}"
        )
    return shown


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    return _scalar(value, where)


def _scalar(value: Any, where: str) -> Any:
    # Snapshots usually come from a pandas row: numpy numbers, NaN, NaT and Timestamps.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common cases first: this runs for every value of every verdict
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool | str):
        return value
    if value is pd.NaT or value is pd.NA:
        return None
    # NumPy counts a timedelta64 as an integer, and a datetime64's .item() is nanoseconds.
    if isinstance(value, dt.timedelta | np.timedelta64):  # a duration: "0 days 01:30:00"
        return str(pd.Timedelta(value))
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "item"):
        return _scalar(value.item(), where)
    raise InvalidVerdict(
        f"{where} is a {type(value).__name__}; snapshots hold numbers, text, booleans or None"
    )


def _snapshot_json(field: str, value: Any) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if len(text) > SNAPSHOT_MAX:
        raise InvalidVerdict(
            f"{field} snapshot is {len(text)} characters of JSON, the limit is {SNAPSHOT_MAX};"
            " keep only the values shown to the reviewer"
        )
    return text
