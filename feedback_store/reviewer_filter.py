"""An export's ``reviewer`` filter, matched as people type names.

The app records a reviewer under the first spelling their name was given in ("Maria" typed
later is ``maria``, ``FeedbackStore.known_reviewer``), and an e-mail case-folded. A filter
typed ``Maria`` should find ``maria``'s verdicts; one that finds nobody's should say so, not
write an empty file.
"""

from __future__ import annotations

import unicodedata

from feedback_store.reading import VerdictReader
from feedback_store.validation import InvalidVerdict

__all__ = ["reviewer_with_verdicts"]

#: How many reviewers' names the refusal lists before "…".
_NAMES_SHOWN = 10


def _loose(name: str) -> str:
    """A name up to letter case, spacing and Unicode's composed or decomposed accents."""
    return unicodedata.normalize("NFC", " ".join(str(name).split())).casefold()


def reviewer_with_verdicts(store: VerdictReader, name: str) -> str:
    """The spelling under which the reviewer ``name`` (up to letter case, spacing and accents
    written as one or two characters) has current verdicts: exactly ``name`` if they are
    stored so, else the first such spelling recorded. Raises ``InvalidVerdict`` naming the
    reviewers who have verdicts when nobody by that name has one."""
    every = store.verdicts()
    names = list(dict.fromkeys(every["reviewer"].astype(str))) if not every.empty else []
    if name in names:
        return name
    wanted = _loose(name)
    found = next((known for known in names if _loose(known) == wanted), None)
    if found is not None:
        return found
    if not names:
        raise InvalidVerdict(f"no verdicts by reviewer {name!r}: no verdicts are recorded yet")
    listed = sorted(names, key=str.casefold)
    have = ", ".join(listed[:_NAMES_SHOWN]) + (", …" if len(listed) > _NAMES_SHOWN else "")
    raise InvalidVerdict(
        f"no verdicts by reviewer {name!r}; verdicts are recorded by {have}"
        " (letter case does not matter); nothing was written"
    )
