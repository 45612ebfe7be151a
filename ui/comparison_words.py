"""Why two MVPs are not compared on the demo rows both were shown, in the room's words: "the
53 demo machines both were shown hold no failure, too few to compare the two"
(``model.shared_rows.too_few_to_compare`` says why in codes)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from model.shared_rows import TooFewToCompare
from ui.formatting import class_label, positive_noun
from ui.review_card import DEMO_ROWS_NOUN

__all__ = ["own_rows_note", "too_few_words"]


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


def own_rows_note(rows: Mapping[str, pd.Index], noun: str = DEMO_ROWS_NOUN) -> str | None:
    """Under the Overview's line when its MVPs were scored on different demo rows (``rows``:
    each sprint's labelled demo row ids, in sprint order): each point is on its own sprint's
    rows, which SMEs' flags change, so a step on the line is partly a change of rows. None
    when every MVP was shown the same rows. The sets' sizes: listed up to three, else "300
    each" or "from 280 to 300" (twelve sprints listed twelve "300"s)."""
    sets = [frozenset(index) for index in rows.values()]
    if len(sets) < 2 or all(one == sets[0] for one in sets[1:]):
        return None
    noun = "rows" if noun == DEMO_ROWS_NOUN else noun
    sizes = [len(one) for one in sets]
    if len(set(sizes)) == 1:
        listed = f"{sizes[0]:,} each"
    elif len(sizes) <= 3:
        listed = ", ".join(f"{n:,}" for n in sizes[:-1]) + f" and {sizes[-1]:,}"
    else:
        listed = f"from {min(sizes):,} to {max(sizes):,}"
    return (
        f"Each MVP is scored on its own sprint's demo {noun} ({listed}); the {noun} SMEs "
        "flagged leave the next sprint's set, so a step on the line is partly a change of "
        f"{noun}. The Sprint demo measures each change on the {noun} both sprints were shown."
    )
