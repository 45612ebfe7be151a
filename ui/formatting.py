"""Text for the screen: markdown escaped, errors in one line, percentages, feature values and
predictions in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from model.metrics import BINARY, REGRESSION

__all__ = [
    "escape_markdown",
    "feature_label",
    "format_value",
    "one_line",
    "percent",
    "percent_format",
    "prediction_in_words",
    "probability_label",
]


# Characters that start markdown syntax Streamlit renders: emphasis, code, links and images
# ("[" and "]"), HTML, headings, tables, strikethrough, LaTeX ("$"), emoji shortcodes and colour
# directives (":"), email autolinks ("@").
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$:@])")
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def escape_markdown(text: object) -> str:
    """``text`` as one line with the markdown Streamlit would interpret backslash-escaped.

    For user text shown in elements that render markdown (captions, alerts, headings): links,
    images, autolinks, emphasis, LaTeX, emoji shortcodes and colour directives (``:red[...]``)
    then show as typed.
    """
    line = " ".join(str(text).splitlines())
    line = _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", line))

    def leading(match: re.Match) -> str:
        if match.group(2):
            return f"{match.group(1)}\\{match.group(2)}"
        return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"

    return _LINE_START.sub(leading, line, count=1)


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for ``st.error``."""
    message = str(error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def percent(value: float) -> str:
    """A probability as people read it; never rounds a non-certain value to 0% or 100%."""
    if value is None or not np.isfinite(value):
        return "—"
    shown = round(value * 100)
    if shown >= 100 and value < 1:
        return ">99%"
    if shown <= 0 and value > 0:
        return "<1%"
    return f"{shown}%"


def format_value(value: object) -> str:
    """A feature's value as shown: booleans and integers as such, floats to 5 significant
    digits, a missing value as "missing"."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "missing"
        return f"{float(value):.5g}"
    if value is None:
        return "missing"
    return str(value)


def feature_label(name: str, value: object) -> str:
    """``"Torque [Nm] = 65.2"``."""
    return f"{name} = {format_value(value)}"


def target_name(meta: Mapping) -> str | None:
    """The name of what the model predicts, if the prototype's metadata records it."""
    name = meta.get("target") or meta.get("target_name")
    return str(name) if name else None


def probability_label(meta: Mapping, explained_class: str | None = None) -> str:
    """What a contribution is a contribution to: ``"P(Machine failure = 1)"`` or a value."""
    target = target_name(meta)
    if meta.get("task") == REGRESSION:
        return f"predicted {target}" if target else "predicted value"
    label = explained_class
    if label is None:
        explained = meta.get("explained_classes") or [None]
        label = explained[0]
    return f"P({target or 'class'} = {label})"


def prediction_in_words(predicted: object, confidence: float | None, meta: Mapping) -> str:
    """One sentence a non-specialist can read: "Machine failure predicted with 83% probability"."""
    task = meta.get("task")
    target = target_name(meta)
    if task == REGRESSION:
        return f"Predicted {target or 'value'}: {format_value(predicted)}"
    label = str(predicted)
    if task == BINARY and target:
        positive = meta.get("positive_class")
        what = target if label == positive else f"No {target[:1].lower()}{target[1:]}"
    else:
        what = f"{target} = {label}" if target else f"Class {label}"
    if confidence is None:
        return f"{what} predicted"
    return f"{what} predicted with {percent(confidence)} probability"


def percent_format(span: float) -> str:
    """An axis format for probabilities spread over ``span``: whole percents unless the ticks
    would repeat ("1%, 1%, 2%")."""
    return ".0%" if span >= 0.08 else ".1%"
