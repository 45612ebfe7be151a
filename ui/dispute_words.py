"""The words of the SME dispute form that depend on the prototype: taken from its own
feature names and descriptions, never from another domain's example."""

from __future__ import annotations

from collections.abc import Mapping

from model.feature_words import said_name

__all__ = ["dispute_placeholder"]


def dispute_placeholder(feature: str | None, descriptions: Mapping | None) -> str:
    """The dispute comment's placeholder for a card whose form opens on ``feature`` (the
    largest contribution), named as the prototype describes it (its ``feature_descriptions``):
    "e.g. what you know about torque on the tool that the model does not", "e.g. what you
    know about lag_7 that the model does not"; without a feature, the same without a name."""
    if not feature:
        return "e.g. what you know about this case that the model does not"
    return (
        f"e.g. what you know about {said_name(str(feature), descriptions)} that the model does not"
    )
