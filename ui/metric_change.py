"""A metric's change against the previous sprint's MVP said in words, better or worse, for
the Sprint demo's headline line (where the change was a signed number under "Technical
details" only); where this sprint's MVP learnt some demo rows, both scores on the rows it
did not learn, so the change adds up (trial I read "0.659, 0.013 worse than Sprint 2's MVP"
beside Sprint 2's 0.669: 0.659 was on all 600 rows, the change on the 572 it did not
learn)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.metrics import ERROR_METRICS, METRICS, format_metric

if TYPE_CHECKING:
    from ui.sprint_summary import MetricDelta

__all__ = ["change_text", "on_rows_not_learnt", "said_value"]


def change_text(
    name: str, delta: MetricDelta, previous: tuple[str, str] | None, unit: str | None = None
) -> str:
    """``name`` (the metric in words), the value of ``delta`` and its change against
    ``previous`` (sprint, MVP) as better or worse: "Typical size of an error, large misses
    weighing more: 39,398 USD, 1,346 USD worse than Sprint 1's MVP, gradient boosting." (a
    rise of RMSE was "+1,350", in a colour, under Technical details only)."""

    def said(value: float) -> str:
        return said_value(delta.key, value, unit, delta.value)

    text = f"{name}: {said(delta.value)}"
    if previous is None or delta.delta is None:
        return text + "."
    than = f"{previous[0]}'s MVP, {previous[1]}"
    if delta.improved is None:
        return f"{text}, the same as {than}."
    return (
        f"{text}, {said(abs(delta.delta))} {'better' if delta.improved else 'worse'} than {than}."
    )


def said_value(key: str, value: float, unit: str | None = None, scale: float | None = None) -> str:
    """``value`` of the metric ``key`` as the headline says it: an error in the target's
    ``unit``, in whole numbers with separators from 1,000 up (of ``scale``, else ``value``)."""
    units = f" {unit}" if unit and key in ERROR_METRICS else ""
    if key in ERROR_METRICS and abs(value if scale is None else scale) >= 1000:
        return f"{value:,.0f}{units}"
    return format_metric(key, value) + units


def on_rows_not_learnt(
    key: str,
    now: float,
    earlier: float,
    previous: tuple[str, str],
    rows: int,
    noun: str,
    unit: str | None = None,
) -> str:
    """Two MVPs' scores (``now``, ``earlier`` of ``previous``, (sprint, MVP)) of the metric
    ``key`` on the ``rows`` demo ``noun`` the later one did not learn, and the change, so a
    reader's subtraction gives it: "792 USD against 294 USD for Sprint 2's MVP, m, on the
    987 cases it did not learn: 498 USD worse" (no full stop)."""
    scale = max(abs(now), abs(earlier))
    now_said, earlier_said = said_value(key, now, "", scale), said_value(key, earlier, "", scale)
    units = f" {unit}" if unit and key in ERROR_METRICS else ""
    text = (
        f"{now_said}{units} against {earlier_said}{units} for {previous[0]}'s MVP, "
        f"{previous[1]}, on the {rows:,} {noun} it did not learn"
    )
    # the change of the figures as said, so that the reader's subtraction gives it: 0.6394
    # against 0.6528 was said "0.639 against 0.653: 0.013 worse"
    change = _figure(now_said) - _figure(earlier_said)
    if change == 0:
        return f"{text}: the same"
    better = (change > 0) == METRICS[key].higher_is_better
    return f"{text}: {said_value(key, abs(change), unit, scale)} {'better' if better else 'worse'}"


def _figure(said: str) -> float:
    """The number a figure said by :func:`said_value` (without its unit) reads as."""
    return float(said.replace(",", ""))
