"""The Bake-off's "Where they disagree" tab on the page: its count, rows, agreement grid and
the rows it sends to SME review are decided at each prototype's cheapest cut-off, as the
outcome cards count them (a trial's tab said 18 of 600 rows differ at 50 %; 272 did at the
cut-offs the cards flag from)."""

import re

import numpy as np
import pandas as pd
import pytest

import model
from model.costs import load_assumptions
from model.recommend import sprint_costs

DISAGREEMENTS = "Where they disagree"


def open_tab(at, label: str):
    """Select one of the detail tabs, as a click on it does, and run the page again."""
    at.session_state["bake_off_tab"] = label
    at.run()
    assert not at.exception
    return at


def decided_at_cheapest(workspace, sprint: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """Each prototype's decision (flagged or not) at the cheapest threshold the Bake-off
    prices it at, worked out from its chances, and those thresholds."""
    ws = model.open_workspace(workspace)
    costs = sprint_costs(ws, sprint, load_assumptions(workspace))
    thresholds = {c.name: float(c.errors.threshold) for c in costs}
    chances = {
        name: ws.prototype(sprint, name).predictions()["p:1"] for name in ws.prototypes(sprint)
    }
    decided = pd.DataFrame({n: chances[n] >= thresholds[n] for n in chances})
    return decided, thresholds


def test_the_tab_decides_each_prototype_at_its_cheapest_cut_off(
    workspace_copy, open_app, chart_data
):
    decided, thresholds = decided_at_cheapest(workspace_copy, "Sprint 2")
    differ = decided.index[decided.nunique(axis=1) > 1]
    assert len(differ) > 0 and min(thresholds.values()) < 0.5  # not the 50 % decision

    at = open_tab(open_app(workspace_copy, page="bake_off", reviewer="ana"), DISAGREEMENTS)
    assert f"{len(differ):,} of {len(decided):,} demo rows" in " ".join(
        m.value for m in at.markdown
    )
    (caption,) = [c.value for c in at.caption if c.value.startswith("Compared as the counts")]
    for name, threshold in thresholds.items():
        assert f"{name} from {threshold:.1%}" in caption.replace("\\", "")

    rows = next(d.value for d in at.dataframe if "Row" in d.value.columns)
    for name in thresholds:
        shown = rows.set_index("Row")[name]
        assert list(shown == "1") == list(decided.loc[shown.index, name])

    (grid,) = [c for c in at.get("vega_lite_chart") if "Same prediction" in c.proto.spec]
    shares = pd.concat(chart_data(grid)).set_index(["a", "b"])["share"]
    for a in thresholds:
        for b in thresholds:
            assert shares[(a, b)] == pytest.approx((decided[a] == decided[b]).mean())

    send = next(b for b in at.button if b.label.startswith("Send these "))
    assert int(re.search(r"Send these ([\d,]+) rows", send.label).group(1)) == len(differ)
    send.click().run()
    assert not at.exception
    queue = model.open_workspace(workspace_copy).review_queues("Sprint 2")["bake-off disagreements"]
    assert sorted(queue["rows"]) == sorted(map(str, differ))
    assert np.isclose(
        float(at.metric[0].value.rstrip("%")), round(100 * len(differ) / len(decided))
    )
