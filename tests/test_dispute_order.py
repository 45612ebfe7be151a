"""The Disputes tab lists and charts sprints in the workspace's order, not the store's text
order, in which "Sprint 10" comes before "Sprint 2"."""

from __future__ import annotations

import pandas as pd

from ui.verdict_tables import dispute_chart, in_sprint_order

SPRINTS = [f"Sprint {n}" for n in range(1, 13)]


def _counts(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Dispute counts in the store's order: by sprint as text, most disputed first."""
    frame = pd.DataFrame(
        [
            {"sprint": s, "prototype": "forest", "feature": f, "kind": "too strong",
             "count": c, "rows": c, "reviewers": 1}
            for s, f, c in rows
        ]
    )  # fmt: skip
    return frame.sort_values(["sprint", "count"], ascending=[True, False]).reset_index(drop=True)


def test_rows_follow_the_workspace_s_sprints_and_keep_their_order_within_one():
    store_order = _counts(
        [("Sprint 10", "torque", 3), ("Sprint 10", "wear", 1), ("Sprint 2", "speed", 2),
         ("Sprint 9", "torque", 1), ("Gone", "wear", 4)]
    )  # fmt: skip
    assert store_order["sprint"].tolist()[:2] == ["Gone", "Sprint 10"]  # as the store gives
    ordered = in_sprint_order(store_order, SPRINTS)
    assert ordered[["sprint", "feature"]].values.tolist() == [
        ["Sprint 2", "speed"], ["Sprint 9", "torque"], ["Sprint 10", "torque"],
        ["Sprint 10", "wear"], ["Gone", "wear"],
    ]  # fmt: skip


def test_the_chart_puts_equally_disputed_bars_in_sprint_order():
    counts = in_sprint_order(
        _counts([("Sprint 10", "torque", 2), ("Sprint 2", "torque", 2), ("Sprint 3", "wear", 5)]),
        SPRINTS,
    )
    spec = dispute_chart(counts).to_dict()
    assert spec["encoding"]["y"]["sort"] == [
        "Sprint 3 · forest · wear", "Sprint 2 · forest · torque", "Sprint 10 · forest · torque"
    ]  # fmt: skip
