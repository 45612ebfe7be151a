"""The words ``python -m model publish`` gives a prototype: class names, feature descriptions,
display units and what its cases are called, as the Python API's ``publish`` takes them.

``--words FILE`` reads them from a JSON file (what a team keeps beside its data)::

    {"class_names": {"0": "No failure", "1": "Failure"},
     "feature_descriptions": {"Torque [Nm]": "twisting force on the tool"},
     "display_units": {"Air temperature [K]": {"unit": "K", "also": "°C", "offset": -273.15}},
     "case_noun": "machines"}

and ``--class-name LABEL=NAME`` names one class (repeatable; it wins over the file), ``--noun
patients`` what the cases are called (it wins over the file's ``case_noun``). Whether
each class and column exists is checked by publishing (``model.labels.checked_words``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "MAX_WORDS_FILE_BYTES",
    "TEXT_KEYS",
    "WORD_KEYS",
    "class_name_argument",
    "publish_words",
]

#: A words file is a few kilobytes; anything larger than this is refused before it is read.
MAX_WORDS_FILE_BYTES = 1_000_000
WORD_KEYS = ("class_names", "feature_descriptions", "display_units", "case_noun")
#: The one key whose value is text, not an object of name to value.
TEXT_KEYS = ("case_noun",)


def class_name_argument(text: str) -> tuple[str, str]:
    """``--class-name``: ``LABEL=NAME`` (``1=Failure``) as ``(label, name)``."""
    label, equals, name = text.partition("=")
    if not equals or not label.strip() or not name.strip():
        raise argparse.ArgumentTypeError(f"must be LABEL=NAME, e.g. 1=Failure; got {text!r}")
    return label.strip(), name.strip()


def _read_words_file(path: Path) -> dict:
    where = f"words file {path}"
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"{where} cannot be read ({error.strerror})") from None
    if size > MAX_WORDS_FILE_BYTES:
        raise ValueError(
            f"{where} is {size:,} bytes, more than the {MAX_WORDS_FILE_BYTES:,} a words file "
            "may have; give only class names, feature descriptions and display units"
        )
    try:
        words = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not UTF-8 text; save it as UTF-8 JSON") from None
    except RecursionError:  # json's parser recurses once per level of nesting
        raise ValueError(
            f"{where} is nested too deeply to be a words file; give class names, feature "
            "descriptions and display units"
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{where} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(words, dict):
        raise ValueError(f"{where} must hold a JSON object with {', '.join(WORD_KEYS)}")
    unknown = sorted(set(words) - set(WORD_KEYS))
    if unknown:
        raise ValueError(f"{where}: {unknown[0]!r} is unknown; use {', '.join(WORD_KEYS)}")
    for key, value in words.items():
        if key in TEXT_KEYS:
            if not isinstance(value, str):
                raise ValueError(f'{where}: {key} must be text, e.g. "patients"')
        elif not isinstance(value, dict):
            raise ValueError(f"{where}: {key} must be an object of name to value")
    return words


def publish_words(
    path: Path | None, class_names: Sequence[tuple[str, str]] = (), noun: str | None = None
) -> dict:
    """``class_names``, ``feature_descriptions`` and ``display_units`` for ``publish``, from
    the words file at ``path`` (if any) and the ``--class-name`` pairs, and ``case_noun``
    where the file or ``noun`` (``--noun``, which wins) gives one. Raises ``ValueError`` with
    one line for a file that is missing, too large, not JSON or not of that shape."""
    words = _read_words_file(path) if path is not None else {}
    names = {**words.get("class_names", {}), **dict(class_names)}
    published = {
        "class_names": names or None,
        "feature_descriptions": words.get("feature_descriptions") or None,
        "display_units": words.get("display_units") or None,
    }
    case_noun = noun if noun is not None else words.get("case_noun")
    if case_noun is not None:  # checked by publishing (model.labels.checked_case_noun)
        published["case_noun"] = case_noun
    return published
