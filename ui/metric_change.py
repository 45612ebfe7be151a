"""A metric's change against the previous sprint's MVP said in words, better or worse, for
the Sprint demo's headline line (where the change was a signed number under "Technical
details" only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.metrics import ERROR_METRICS, format_metric

if TYPE_CHECKING:
    from ui.sprint_summary import MetricDelta

__all__ = ["change_text"]


def change_text(
    name: str, delta: MetricDelta, previous: tuple[str, str] | None, unit: str | None = None
) -> str:
    """``name`` (the metric in words), the value of ``delta`` and its change against
    ``previous`` (sprint, MVP) as better or worse: "Typical size of an error, large misses
    weighing more: 39,398 USD, 1,346 USD worse than Sprint 1's MVP, gradient boosting." (a
    rise of RMSE was "+1,350", in a colour, under Technical details only)."""
    units = f" {unit}" if unit and delta.key in ERROR_METRICS else ""

    def said(value: float) -> str:
        if delta.key in ERROR_METRICS and abs(delta.value) >= 1000:
            return f"{value:,.0f}{units}"
        return format_metric(delta.key, value) + units

    text = f"{name}: {said(delta.value)}"
    if previous is None or delta.delta is None:
        return text + "."
    than = f"{previous[0]}'s MVP, {previous[1]}"
    if delta.improved is None:
        return f"{text}, the same as {than}."
    return (
        f"{text}, {said(abs(delta.delta))} {'better' if delta.improved else 'worse'} than {than}."
    )
