"""Why two MVPs are not compared on the demo rows both were shown, in the room's words: "the
53 demo machines both were shown hold no failure, too few to compare the two"
(``model.shared_rows.too_few_to_compare`` says why in codes)."""

from __future__ import annotations

from collections.abc import Mapping

from model.shared_rows import TooFewToCompare
from ui.formatting import class_label, positive_noun
from ui.review_card import DEMO_ROWS_NOUN

__all__ = ["too_few_words"]


def too_few_words(lacking: TooFewToCompare, noun: str, meta: Mapping) -> str:
    """Why ``lacking``'s shared rows compare nothing, as a clause (lower case, no full stop)
    for a note to end with; ``noun`` is what a demo row is (``review_card.reason_wording``),
    ``meta`` the later MVP's, whose classes are named."""
    noun = "rows" if noun == DEMO_ROWS_NOUN else noun
    these = f"the {lacking.rows:,} demo {noun} both were shown"
    if lacking.lacking == "positive":
        return f"{these} hold no {positive_noun(meta)}, too few to compare the two"
    if lacking.lacking == "negative":
        return f"{these} hold only cases of {positive_noun(meta)}, too few to compare the two"
    if lacking.lacking == "classes":
        only = class_label(meta, lacking.only)
        return f"{these} all hold one class, {only}, too few to compare the two"
    return (
        f"only {lacking.rows:,} demo {noun} were shown to both, too few to compare the two "
        f"(at least {lacking.minimum:,} are needed)"
    )
