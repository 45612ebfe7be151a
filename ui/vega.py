"""Vega-Lite specs written as dicts: what an Altair chart's ``to_dict()`` gives, without Altair.

Building a chart with Altair and turning it into a spec costs 0.05-0.15 s (Altair copies and
validates its object tree), about what a whole page rerun costs, and a page's first open draws
several. The chart functions of ``ui`` write their specs directly with these helpers;
the tests check each one against the same chart built with Altair, which validates it against
the Vega-Lite schema.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

__all__ = ["SCHEMA_URL", "dataset_name", "field", "records", "with_data"]

#: The Vega-Lite schema Altair 6 writes into each spec (tests compare with ``alt.SCHEMA_URL``).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


def field(name: str, kind: str, **properties) -> dict:
    """A Vega-Lite field definition: ``{"field": name, "type": kind, ...}``."""
    return {"field": name, "type": kind, **properties}


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as JSON-ready records, as Altair gives them to Vega-Lite: Python
    numbers, bools and strings, None for a missing or infinite number."""

    def plain(value):
        return None if isinstance(value, float) and not math.isfinite(value) else value

    columns = {name: [plain(value) for value in frame[name].tolist()] for name in frame.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def dataset_name(values: list[dict]) -> str:
    """The name Altair gives an inline dataset: a hash of its values."""
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def with_data(spec: dict, frame: pd.DataFrame) -> dict:
    """``spec`` drawing ``frame``, inlined as a named dataset the way Altair inlines it."""
    values = records(frame)
    name = dataset_name(values)
    return {**spec, "data": {"name": name}, "$schema": SCHEMA_URL, "datasets": {name: values}}
