"""A feature as the pages name it where people read, from the description publishing gave
its column (``feature_descriptions``): ``bun`` with "blood urea nitrogen, mg/dL" is "blood
urea nitrogen (bun)" in a sentence and "blood urea nitrogen" on a chart's axis. A
description is often a phrase and then details ("blood urea nitrogen, mg/dL", "quality
variant: L low, M medium, H high"): its short form is the phrase, up to the first comma,
colon or semicolon. A short form that already holds the column's name ("blood glucose" for
``glucose``) is said alone; a column without a description keeps its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["LABEL_NAME_CHARS", "chart_names", "cut_text", "said_name", "short_description"]

#: Characters of a description a chart's label shows before "…" (its tooltip has it whole):
#: "where the patient went after…" keeps a waterfall's label on one line in presenter mode.
LABEL_NAME_CHARS = 32

_DETAILS = re.compile(r"[,;:]")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_UNIT = re.compile(r"\s*\[[^\]]*\]")


def short_description(text: object) -> str | None:
    """The phrase a description starts with: "blood urea nitrogen, mg/dL" → "blood urea
    nitrogen", "quality variant: L low, …" → "quality variant"; None for no text."""
    if not isinstance(text, str):
        return None
    flat = " ".join(text.split())
    short = _DETAILS.split(flat, maxsplit=1)[0].strip(" .-—")
    return short or None


def _words(text: str) -> str:
    """``num_prior_admissions`` → ``num prior admissions``, for comparing with a phrase."""
    return " ".join(re.sub(r"[_\-\[\]()]+", " ", text).casefold().split())


def _description(column: str, descriptions: Mapping | None) -> str | None:
    short = short_description((descriptions or {}).get(column))
    if short is None or _words(short) == _words(column):
        return None  # "sodium" for sodium: nothing to add
    return short


def said_name(column: str, descriptions: Mapping | None, shown: str | None = None) -> str:
    """``column`` as a sentence names it: "blood urea nitrogen (bun)", the description's
    short form alone where it holds the name ("blood glucose"), else ``shown`` (the column's
    name as the sentence would write it, e.g. without its unit) or the column."""
    name = shown or column
    short = _description(column, descriptions)
    if short is None:
        return name
    if _holds(short, name):
        return short
    # one pair of brackets: "main diagnosis (primary_dx)", not "main diagnosis (ICD-9 code)
    # (primary_dx)"; the tooltips and the importance chart's keep the whole description
    return f"{_PARENTHESIS.sub('', short).strip() or short} ({name})"


def _holds(short: str, name: str) -> bool:
    """Whether a description's short form says the column's name: "blood glucose" holds
    ``glucose``, "temperature of the process" ``Process temperature [K]``."""
    words = set(_words(_UNIT.sub("", name)).split())
    return bool(words) and words <= set(_words(short).split())


def chart_names(columns: Iterable[str], descriptions: Mapping | None) -> dict[str, str]:
    """Each column as a chart's axis names it: the description's short form, cut to
    :data:`LABEL_NAME_CHARS` at a word's end with "…", so the label stays on one line; the
    column's name where it has no description, or where two columns' short forms are alike
    (an axis of names must not merge two bars)."""
    columns = list(columns)
    names = {column: _chart_name(column, descriptions) for column in columns}
    taken = [names[c] for c in columns]
    for column in columns:
        if taken.count(names[column]) > 1 or (names[column] != column and names[column] in columns):
            names[column] = column
    return names


def _chart_name(column: str, descriptions: Mapping | None) -> str:
    short = _description(column, descriptions)
    if short is None or len(short) <= LABEL_NAME_CHARS:
        return short or column
    # Too long for the axis: "HbA1c (blood sugar over 3 months)" is "HbA1c"; "air temperature
    # around the machine" is the column's own "Air temperature" (the description's key words).
    without = _PARENTHESIS.sub("", short).strip()
    if without and len(without) <= LABEL_NAME_CHARS:
        return column if _words(without) == _words(column) else without
    if _holds(short, column):
        return column
    return cut_text(short, LABEL_NAME_CHARS)


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a word's end, with "…" where it was cut
    (within the last third: a cut further back loses too much)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:  # end at a whole word unless that loses too much
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"
