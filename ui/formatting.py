"""Text for the screen: markdown escaped, errors in one line, percentages, feature values and
predictions in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from model.labels import display_unit, label_strings, name_without_unit
from model.metrics import BINARY, REGRESSION
from model.outcomes import class_in_sentence
from model.right_values import target_name, target_unit
from model.stored_features import is_missing

__all__ = [
    "class_in_words",
    "class_label",
    "positive_noun",
    "escape_markdown",
    "feature_help",
    "feature_label",
    "format_number",
    "format_value",
    "value_in_units",
    "one_line",
    "outcome_markdown",
    "percent",
    "percent_format",
    "percent_to_a_tenth",
    "prediction_in_words",
    "probability_label",
    "target_in_words",
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


def percent_to_a_tenth(value: float) -> str:
    """A probability to a tenth of a percent, as cut-offs are shown ("3.4%" beside a cut-off
    of 3.2%, where :func:`percent` says "3%"); never "0.0%" or "100.0%" for a non-certain
    value."""
    if value is None or not np.isfinite(value):
        return "—"
    shown = round(value * 100, 1) + 0.0  # + 0.0: a -0.0 rounded from -1e-17 is 0.0
    if shown >= 100 and value < 1:
        return ">99.9%"
    if shown <= 0 and value > 0:
        return "<0.1%"
    return f"{shown:.1f}%"


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun`` (a regular plural ending in s): "1 sprint", "2 sprints",
    "1,200 verdicts"."""
    return f"{count:,} {noun if count != 1 else noun.removesuffix('s')}"


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
    if is_missing(value):  # None, pd.NA, NaT
        return "missing"
    return str(value)


def format_number(value: float) -> str:
    """A model's output or a reading as people read it: ``512,340``, ``249.7``, ``79.7``,
    ``3.14``, ``0.0123``: no decimals from 1,000 up, one from 10 up, three significant digits
    below; never ``249.70312302240404``."""
    if value is None or not np.isfinite(value):
        return "—"
    number = float(value) + 0.0  # + 0.0: a reading of -0.0 reads "0", not "-0"
    if abs(round(number, 1)) >= 1000:  # 999.96 reads "1,000", not "1000"
        return f"{number:,.0f}"
    if abs(number) >= 10:
        return f"{number:.1f}".removesuffix(".0")
    return f"{number:.3g}"


def value_in_units(value: object, meta: Mapping | None = None, column: str | None = None) -> str:
    """A feature's value with the unit publishing gave its column: ``"300.1 K (27.0 °C)"``,
    ``"1,551 rpm"``; a category with its description's words where the description explains
    it ("L (low)" is left to the description); other values as :func:`format_value`."""
    spec = ((meta or {}).get("display_units") or {}).get(column) if column else None
    if spec is None or not isinstance(value, int | float | np.integer | np.floating):
        return format_value(value)
    if isinstance(value, bool | np.bool_) or not np.isfinite(float(value)):
        return format_value(value)
    unit = display_unit(spec)
    number = float(value)
    digits = 0 if number.is_integer() and unit.also is None else 1
    return unit.format(number, digits=digits)


def feature_label(name: str, value: object, meta: Mapping | None = None) -> str:
    """``"Torque [Nm] = 65.2"``; with a display unit, the unit is said once: ``"Torque =
    65.2 Nm"``, ``"Air temperature = 300.1 K (27.0 °C)"``."""
    shown = value_in_units(value, meta, name)
    spec = ((meta or {}).get("display_units") or {}).get(name)
    if spec is not None and shown != format_value(value):
        name = name_without_unit(name, display_unit(spec).unit)
    return f"{name} = {shown}"


def feature_help(meta: Mapping, column: str) -> str | None:
    """The description publishing gave ``column`` (e.g. what Type L/M/H means), if any."""
    return ((meta or {}).get("feature_descriptions") or {}).get(column)


def class_label(meta: Mapping, label: object) -> str:
    """The name of class ``label`` ("Failure" for ``1``), the label itself where publishing
    gave none; a missing label as "—"."""
    if label is None or (isinstance(label, float) and not np.isfinite(label)):
        return "—"
    (text,) = label_strings([label]) if not isinstance(label, str) else (label,)
    names = (meta or {}).get("class_names") or {}
    for key, name in names.items():
        if str(label_strings([key])[0]) == str(text) and str(name).strip():
            return str(name).strip()
    return str(text)


def positive_noun(meta: Mapping) -> str:
    """What a binary prototype's positive class is called in a sentence ("a missed
    failure"): its name in lower case, or "positive case" where it has none (not "a missed
    1")."""
    label = (meta or {}).get("positive_class")
    name = class_label(meta, label) if label is not None else "—"
    if name in ("—", str(label)) or not any(c.isalpha() for c in name):
        return "positive case"
    return class_in_sentence(name)  # "a missed “Readmitted within 30 days”", "a missed failure"


def probability_label(meta: Mapping, explained_class: str | None = None) -> str:
    """What a contribution is a contribution to, in words: ``"the chance of Failure"`` (the
    class's name), ``"the chance of Machine failure being 1"`` without one, or ``"the
    predicted sale price (in USD)"``: a regression's target without the unit in its name,
    which is said once after it."""
    target = target_name(meta)
    if meta.get("task") == REGRESSION:
        unit = target_unit(meta)
        after = f" (in {unit})" if unit else ""
        return f"the predicted {target_in_words(meta)}{after}" if target else "the predicted value"
    label = explained_class
    if label is None:
        explained = meta.get("explained_classes") or [None]
        label = explained[0]
    name = class_label(meta, label)
    if name != str(label) or not target:  # "Failure" as named; "“Readmitted within 30 days”"
        return f"the chance of {class_in_sentence(name) if ' ' in name.strip() else name}"
    return f"the chance of {target} being {label}"


def class_in_words(label: object, meta: Mapping) -> str:
    """A class as the SME review card names it: its name ("No failure"), else for a binary
    target its name or its negation ("Machine failure", "No machine failure"), else the
    label itself."""
    label = str(label)
    name = class_label(meta, label)
    target = target_name(meta)
    if name == label and meta.get("task") == BINARY and target:
        positive = meta.get("positive_class")
        return target if label == positive else f"No {target[:1].lower()}{target[1:]}"
    return name


def target_in_words(meta: Mapping) -> str | None:
    """What a regression predicts as a sentence names it: its name without the unit, which
    follows its figures ("Sale price [USD]" → "sale price"; "RUL" and "SalePrice" stay); None
    without one."""
    target = target_name(meta)
    if not target:
        return None
    unit = target_unit(meta)
    what = name_without_unit(target, unit) if unit else target
    first = what.split(" ", 1)[0]
    if first[1:].islower():  # "Sale price" → "sale price"; "SalePrice" and "RUL" stay
        what = what[:1].lower() + what[1:]
    return what


def prediction_in_words(predicted: object, confidence: float | None, meta: Mapping) -> str:
    """One sentence a non-specialist can read: "Machine failure predicted with 83% probability";
    a regression's value with its unit said once: "Predicted sale price: 567,666 USD"."""
    task = meta.get("task")
    target = target_name(meta)
    if task == REGRESSION:
        unit = target_unit(meta)
        after = f" {unit}" if unit else ""
        what = target_in_words(meta)
        return f"Predicted {what or 'value'}: {format_number(float(predicted))}{after}"
    label = str(predicted)
    what = class_in_words(label, meta)
    if what == label:
        what = f"{target} = {label}" if target else f"Class {label}"
    if confidence is None:
        return f"{what} predicted"
    if task == BINARY and confidence < 0.5:  # a model deciding by a rule of its own
        return (
            f"{what} predicted by the model's own rule, though it gives it only "
            f"{percent(confidence)} probability"
        )
    return f"{what} predicted with {percent(confidence)} probability"


def percent_format(span: float) -> str:
    """An axis format for probabilities spread over ``span``: whole percents unless the ticks
    would repeat ("1%, 1%, 2%")."""
    return ".0%" if span >= 0.08 else ".1%"


def outcome_markdown(sentences: list[str], lead: str = "", bold: bool = False) -> str:
    """An outcome's sentences as Markdown: the first (after ``lead``) as a line, bold if asked,
    and the others (a multiclass outcome's one per class) as a list under it, which a room
    reads more easily than a paragraph. Every sentence is escaped."""
    first = escape_markdown(lead + (sentences[0] if sentences else ""))
    text = f"**{first}**" if bold else first
    rest = [f"- {escape_markdown(sentence)}" for sentence in sentences[1:]]
    return "\n\n".join([text, "\n".join(rest)]) if rest else text
