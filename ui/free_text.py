"""A free-text reading shown whole on the SME review card: the text the model read (a claim's
description), wrapped, its paragraphs kept, with the words that moved the prediction most
marked in the waterfall's colours (red pushes up, blue pushes down). User text, escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ui.formatting import escape_markdown

__all__ = ["MARKED_WORDS", "free_texts", "marked_text", "marked_words"]

#: How many of a text's words the card marks, largest first (the "Why" names three).
MARKED_WORDS = 5
#: A word of the text as the vectorizers read it (letters and digits, case folded to match).
_WORD = re.compile(r"\w+")
#: What ``model.explain_text`` sums the words beyond those it keeps into: no word of the text.
_OTHER_WORDS = "(other words)"


def free_texts(meta: Mapping, feature_values: Mapping[str, object]) -> dict[str, str]:
    """The free-text readings of a row (``text_columns`` of the prototype's ``meta``) that
    hold text, in the model's order: ``{"description": "Claimant reports…"}``."""
    columns = meta.get("text_columns") or []
    return {
        column: feature_values[column]
        for column in columns
        if isinstance(feature_values.get(column), str) and feature_values[column].strip()
    }


def marked_words(
    words: list[Mapping] | None, column: str, count: int = MARKED_WORDS
) -> dict[str, bool]:
    """The ``count`` words of ``column`` that moved the prediction most, case folded, each
    with whether it pushes up: ``{"cash": True, "injury": False}``. Left out: a word whose
    move is within its stated error (its direction is not known) and the words summed
    together."""
    kept = [
        word
        for word in words or []
        if word.get("column") == column
        and str(word.get("word")) != _OTHER_WORDS
        and abs(float(word["contribution"])) > float(word.get("error") or 0.0)
        and float(word["contribution"]) != 0.0
    ]
    kept.sort(key=lambda word: abs(float(word["contribution"])), reverse=True)
    return {str(w["word"]).casefold(): float(w["contribution"]) > 0 for w in kept[:count]}


def _marked_line(line: str, marks: Mapping[str, bool]) -> str:
    parts, start = [], 0
    for match in _WORD.finditer(line):
        up = marks.get(match.group().casefold())
        if up is None:
            continue
        parts.append(escape_markdown(line[start : match.start()]) if start < match.start() else "")
        colour = "red" if up else "blue"
        parts.append(f":{colour}-background[**{escape_markdown(match.group())}**]")
        start = match.end()
    parts.append(escape_markdown(line[start:]) if start < len(line) else "")
    return "".join(parts)


def marked_text(text: str, marks: Mapping[str, bool]) -> list[str]:
    """``text`` as markdown paragraphs (one a non-empty line), escaped, each word of
    ``marks`` (``marked_words``) in bold on a red background where it pushes the prediction
    up, a blue one where it pushes it down."""
    return [_marked_line(line, marks) for line in str(text).splitlines() if line.strip()]
