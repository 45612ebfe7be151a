"""The Sprint demo's and Present's words where this sprint's MVP learnt some of its demo rows
(published with ``trained_on=`` the SMEs' corrected labels): trial M's Sprint 3 learnt 41 of
its 600 demo tickets and read "0.380 better than Sprint 2's MVP" with no word; on the 559 it
did not learn it is 0.344 better. ``ui.cached_prototype.metrics_on_shared_rows`` measures the
change on those rows (``SharedMetrics.learnt``), ``ui.cached_prototype
.outcomes_on_shared_rows`` counts and prices Present step 2's "Before" and "Now" there
(``SharedCounts.learnt``: "Right on 474 of 600" beside Sprint 2's 281 counted the 41 it learnt,
40 of them Sprint 2's errors); these functions say so.
"""

from __future__ import annotations

from model.followup_rows import TRAINED_ON_KEY
from model.shared_rows import SharedCounts
from model.trained_rows import learnt_rows_note
from model.workspace import Prototype
from ui import cached
from ui.cached_prototype import SharedMetrics
from ui.metric_change import on_rows_not_learnt
from ui.sprint_summary import DEMO_ROWS_NOUN, MetricDelta
from ui.sprint_summary import changes_caption as _changes_caption

__all__ = [
    "before_and_now_caption",
    "changes_caption",
    "headline_rows_caption",
    "headline_text",
    "learnt_note",
]


def learnt_note(path: str, proto: Prototype, noun: str) -> str | None:
    """``model.trained_rows.learnt_rows_note`` of ``proto`` (of the workspace at ``path``) on
    its demo rows (read once, cached): how many of them it learnt, and that its scores there
    flatter it."""
    if not proto.meta.get(TRAINED_ON_KEY):  # most prototypes: no need to read the rows
        return None
    ids = cached.demo_row_ids(path, proto.sprint, proto.name, proto.content_id)
    return learnt_rows_note(proto.meta, sorted(ids), noun)


def _left_out(shared: SharedMetrics | tuple | None) -> int:
    return int(getattr(shared, "learnt", 0) or 0) if shared else 0


def headline_text(
    name: str,
    delta: MetricDelta,
    previous: tuple[str, str] | None,
    shared: SharedMetrics | tuple | None,
    noun: str,
    unit: str | None = None,
) -> str | None:
    """The headline sentence where the model learnt some of the demo rows both MVPs were
    shown: ``name`` (the metric in words), then both MVPs' scores on the rows it did not
    learn and the change, "Score at ranking real cases first: 0.639 against 0.653 for
    Sprint 2's MVP, text + tabular LR, on the 572 claims it did not learn: 0.014 worse."
    (trial I read "0.659, 0.013 worse than Sprint 2's MVP", 0.659 on all 600 rows); None
    where it learnt none of them, or they cannot compare the two."""
    if previous is None or not _left_out(shared) or shared[3] is not None:
        return None
    now, earlier = shared[1].get(delta.key), shared[0].get(delta.key)
    if now is None or earlier is None:
        return None
    said = on_rows_not_learnt(delta.key, now, earlier, previous, shared[2], noun, unit)
    return f"{name}: {said}."


def headline_rows_caption(
    shared: SharedMetrics | tuple | None, noun: str, own: str | None = None
) -> str | None:
    """Under the headline's change: where it is measured on the demo rows the model did not
    learn, on how many (None where it learnt none of them); ``own``, its score on all of its
    demo rows (the Overview's point), said apart."""
    learnt = _left_out(shared)
    if not learnt or shared[3] is not None:
        return None
    said = (
        f"The change is measured on the {shared[2]:,} demo {noun} both models were shown that "
        f"this one did not learn from, leaving out the {learnt:,} it learnt"
    )
    if own is None:
        return said + "; its own score is on all of its demo rows."
    return (
        f"{said}. On all of its demo {noun}, those it learnt included, its score is {own} "
        "(the Overview's point), which flatters it."
    )


def changes_caption(
    previous: tuple[str, str], shared: SharedMetrics | tuple | None, noun: str, why: str = ""
) -> str:
    """``sprint_summary.changes_caption``, saying where the changes leave out the rows the
    later model learnt from."""
    learnt = _left_out(shared)
    if not learnt or why:
        return _changes_caption(previous, shared, noun, why)
    noun = "rows" if noun == DEMO_ROWS_NOUN else noun
    return (
        f"Changes against {previous[0]}'s MVP, {previous[1]}, measured on the {shared[2]:,} "
        f"demo {noun} both were shown that this model did not learn from (it learnt "
        f"{learnt:,}); each figure is on its own sprint's demo rows."
    )


def before_and_now_caption(
    counted: SharedCounts, sprint: str, noun: str, same_rows: bool, thresholds_chosen: bool
) -> str:
    """Under Present step 2's "Before" and "Now" counted on the rows the later model (of
    ``sprint``) did not learn from (``counted.learnt`` > 0): on which rows, and that the
    metrics' changes are too; ``same_rows`` when both demo sets are the same rows;
    ``thresholds_chosen`` as ``sprint_summary.shared_rows_note``."""
    noun = "cases" if noun == DEMO_ROWS_NOUN else noun  # as learnt_note says them, under it
    shown = "" if same_rows else "both were shown that "
    said = (
        f"Both counted on the {counted.rows:,} demo {noun} {shown}{sprint}'s model did not "
        f"learn from, leaving out the {counted.learnt:,} it learnt, as are the metrics' changes"
    )
    if thresholds_chosen:  # as shared_rows_note: a model without an error there costs $0
        return (
            said + "; their money is what their errors there cost, with no allowance for "
            "choosing each alarm threshold on its own rows as on the Bake-off."
        )
    return said + "."
