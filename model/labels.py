"""Words users see instead of codes: class labels, class names, feature descriptions, units.

Publishing writes these and every reader (statistics, the bake-off, the review, the pages)
reads them, so they live here, below all of them, rather than in the module that writes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PROBABILITY_PREFIX",
    "DisplayUnit",
    "WordsError",
    "checked_case_noun",
    "checked_words",
    "class_key",
    "display_unit",
    "label_strings",
    "name_without_unit",
]

#: Predictions hold the probability of each class in a column ``p:<class label>``.
PROBABILITY_PREFIX = "p:"


def label_strings(values) -> np.ndarray:
    """Class labels as the strings users see and type: ``1`` and ``1.0`` both become ``"1"``.

    A column of labels (shape ``(n, 1)``, what CatBoost's multiclass ``predict`` gives) is
    read as ``n`` labels.
    """
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    return array.astype(str).astype(object)


def class_key(label, classes: list[str]) -> str:
    """``label`` as one of ``classes`` (the model's labels as strings): ``1`` and ``1.0`` as
    ``"1"``; and for a model of True/False, whose classes are shown as ``"0"`` and ``"1"``,
    the texts ``"True"`` and ``"False"`` (what a command line or a words file gives) as
    ``"1"`` and ``"0"``."""
    (key,) = label_strings([label])
    if key not in classes and set(classes) == {"0", "1"} and key.lower() in ("true", "false"):
        return "1" if key.lower() == "true" else "0"
    return str(key)


#: Longest class name, feature description and unit accepted when publishing.
MAX_CLASS_NAME_LENGTH = 80
MAX_DESCRIPTION_LENGTH = 500
MAX_UNIT_LENGTH = 20


class WordsError(ValueError):
    """Class names, feature descriptions or display units that cannot be used."""


@dataclass(frozen=True)
class DisplayUnit:
    """How a numeric feature is shown: its unit, and optionally the value in a second unit.

    ``also`` is the second unit, reached by ``value * scale + offset``: kelvin shown with
    degrees Celsius beside is ``DisplayUnit("K", also="°C", offset=-273.15)``.
    """

    unit: str
    also: str | None = None
    scale: float = 1.0
    offset: float = 0.0

    def converted(self, value: float) -> float | None:
        """``value`` in the second unit, or None without one."""
        return None if self.also is None else value * self.scale + self.offset

    def format(self, value: float, digits: int = 1) -> str:
        """``"300.1 K (27.0 °C)"``; ``"1,551 rpm"`` for a unit alone."""
        text = f"{value:,.{digits}f} {self.unit}"
        if self.also is not None:
            text += f" ({self.converted(value):,.{digits}f} {self.also})"
        return text

    def as_dict(self) -> dict:
        """The spec as stored in prototype.json (what :func:`display_unit` reads back)."""
        spec: dict = {"unit": self.unit}
        if self.also is not None:
            spec.update(also=self.also, scale=self.scale, offset=self.offset)
        return spec


def name_without_unit(name: str, unit: str) -> str:
    """``name`` without a trailing ``[unit]``: where a value is shown with its unit
    ("58.7 Nm"), "Torque [Nm]" need not say it again ("Torque is 58.7 Nm")."""
    return re.sub(rf"\s*\[{re.escape(unit)}\]\s*$", "", name) or name


def _text(value, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WordsError(f"{what} must be non-empty text, got {value!r}")
    value = value.strip()
    if len(value) > limit:
        raise WordsError(f"{what} is {len(value)} characters long; use at most {limit}")
    if any(ch in value for ch in "\r\n\t"):
        raise WordsError(f"{what} must be one line without tabs")
    return value


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WordsError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def display_unit(spec) -> DisplayUnit:
    """A :class:`DisplayUnit` from a spec: a unit (``"rpm"``) or a dict with ``unit`` and
    optionally ``also`` with ``scale`` (default 1) and ``offset`` (default 0)."""
    if isinstance(spec, DisplayUnit):
        return spec
    if isinstance(spec, str):
        spec = {"unit": spec}
    if not isinstance(spec, Mapping):
        raise WordsError(f"a display unit is a unit such as 'rpm' or a dict, got {spec!r}")
    unknown = sorted(set(spec) - {"unit", "also", "scale", "offset"})
    if unknown:
        raise WordsError(
            f"display unit key {unknown[0]!r} is unknown; use unit, also, scale and offset"
        )
    unit = _text(spec.get("unit"), "a display unit's unit", MAX_UNIT_LENGTH)
    if spec.get("also") is None:
        if "scale" in spec or "offset" in spec:
            raise WordsError(f"display unit {unit!r} has a scale or offset but no 'also' unit")
        return DisplayUnit(unit)
    also = _text(spec["also"], "a display unit's 'also'", MAX_UNIT_LENGTH)
    scale = _number(spec.get("scale", 1.0), f"the scale from {unit} to {also}")
    offset = _number(spec.get("offset", 0.0), f"the offset from {unit} to {also}")
    if scale == 0:
        raise WordsError(f"the scale from {unit} to {also} is 0; give the factor between them")
    return DisplayUnit(unit, also, scale, offset)


def checked_words(
    classes: list[str],
    features: list[str],
    numeric: set[str],
    class_names: Mapping | None,
    feature_descriptions: Mapping | None,
    display_units: Mapping | None,
    target: str | None = None,
    case_noun: str | None = None,
) -> dict:
    """Validated ``class_names``, ``feature_descriptions`` and ``display_units`` as stored
    in prototype.json; ``WordsError`` with one line naming the first unknown class or column
    or bad value. ``target`` is a regression's target column, which may have a display unit
    too (the unit its predictions and errors are said in). ``case_noun`` is what the team
    calls its cases, in the plural ("patients", "tickets"): the pages say "higher than 96% of
    patients", not "of rows in the demo set"; stored only when given."""
    names = {}
    for label, name in (class_names or {}).items():
        key = class_key(label, classes)
        if not classes:
            raise WordsError("class names are for classifiers; this model predicts numbers")
        if key not in classes:
            raise WordsError(
                f"class names: {label!r} is not a class of the model; its classes are "
                f"{', '.join(classes)}"
            )
        names[key] = _text(name, f"the name of class {key!r}", MAX_CLASS_NAME_LENGTH)
    seen: dict[str, str] = {}
    for key, name in names.items():
        if name in seen:
            raise WordsError(f"classes {seen[name]!r} and {key!r} are both named {name!r}")
        seen[name] = key
    descriptions = {
        _column(column, features, "feature descriptions"): _text(
            text, f"the description of {column!r}", MAX_DESCRIPTION_LENGTH
        )
        for column, text in (feature_descriptions or {}).items()
    }
    units = {}
    for column, spec in (display_units or {}).items():
        if target is not None and column == target and column not in features:
            units[column] = display_unit(spec).as_dict()
            continue
        column = _column(column, features, "display units")
        if column not in numeric:
            raise WordsError(f"display units: column {column!r} is not numeric")
        units[column] = display_unit(spec).as_dict()
    words = {"class_names": names, "feature_descriptions": descriptions, "display_units": units}
    if case_noun is not None:
        words["case_noun"] = checked_case_noun(case_noun)
    return words


#: Characters of a case noun ("patients", "support tickets"): a few words.
MAX_CASE_NOUN_LENGTH = 40


def checked_case_noun(noun: object) -> str:
    """``noun`` as the pages say it in a sentence: one line of letters, spaces, hyphens and
    apostrophes ("patients", "support tickets"), else ``WordsError`` in one line."""
    text = _text(noun, "the case noun", MAX_CASE_NOUN_LENGTH)
    text = " ".join(text.split())
    if not all(ch.isalpha() or ch in " -'’" for ch in text) or not text[0].isalpha():
        raise WordsError(
            f"the case noun is what your cases are called in the plural, in words "
            f"(e.g. patients); got {text!r}"
        )
    return text


def _column(column, features: list[str], what: str) -> str:
    if column not in features:
        shown = ", ".join(map(repr, features[:8])) + (", …" if len(features) > 8 else "")
        raise WordsError(f"{what}: {column!r} is not a feature column; the columns are {shown}")
    return column
