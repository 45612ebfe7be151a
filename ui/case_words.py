"""The demo set's cases as the Sprint demo's captions and the waterfall's caption name them:
the noun publishing gave them (``case_noun``: "patients", "a patient explained so far"), else
the words those captions always said ("demo rows", "reference rows of the demo set"), so a
prototype published without a noun reads as before.
"""

from __future__ import annotations

from collections.abc import Mapping

from model.outcomes import singular
from ui.formatting import positive_noun

__all__ = ["demo_cases", "own_noun", "positive_case", "reference_cases"]


def own_noun(meta: Mapping | None) -> str | None:
    """The noun publishing gave the cases (``case_noun``, e.g. "patients"); None without one."""
    noun = (meta or {}).get("case_noun")
    return noun.strip() if isinstance(noun, str) and noun.strip() else None


def demo_cases(meta: Mapping | None, one: bool = False, generic: str = "demo rows") -> str:
    """The demo set's cases: "patients" ("patient" for ``one``), else ``generic`` ("demo
    rows"; "demo row" for ``one``)."""
    noun = own_noun(meta) or generic
    return singular(noun) if one else noun


def reference_cases(meta: Mapping | None, size: int | None) -> str:
    """What a model's average is taken over: "over 50 patients of the demo set", else "over 50
    reference rows of the demo set" ("over reference rows" without a size)."""
    noun = own_noun(meta)
    if noun is None:
        return f"over {size:,} reference rows of the demo set" if size else "over reference rows"
    return f"over {size:,} {noun} of the demo set" if size else f"over some {noun} of the demo set"


def positive_case(meta: Mapping | None) -> str:
    """One case of a binary prototype's positive class, to follow "a missed": the class's name
    where it reads as a noun ("failure"), else the quoted name before the cases' noun
    ("“Investigate” claim", "“Readmitted within 30 days” case"), never "a missed
    investigate"."""
    word = positive_noun(meta or {})
    if not word.startswith("“"):
        return word
    return f"{word} {singular(own_noun(meta) or 'cases')}"
