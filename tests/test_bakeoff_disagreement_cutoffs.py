"""The Bake-off's "Where they disagree" decides each binary prototype at its cheapest cut-off,
as the counts, the SME card and SME review's own queue do: at 50 % a rule that flags from 7 %
"agreed" with the others on 97 % of a trial's claims, which disagreed on 45 % at their
cut-offs (18 rows against 272)."""

import numpy as np
import pandas as pd
import pytest

import model
from model.bakeoff import disagreements
from model.cutoff_decisions import Cutoff
from model.metrics import BINARY, MULTICLASS
from ui.bakeoff_disagreement_words import cutoffs_caption

TOOL_WEAR = "Tool wear [min]"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> model.Workspace:
    """ "Hand": two tool-wear rules on ten hand-made rows."""
    workspace = model.open_workspace(tmp_path_factory.mktemp("disagree"))
    hand = pd.DataFrame(
        {"Type": list("LLLLMMMMHH"), TOOL_WEAR: [50, 120, 170, 220, 60, 130, 180, 230, 40, 210]},
        index=[f"r{i}" for i in range(10)],
    )
    truth = pd.Series([0, 1, 0, 1, 0, 1, 1, 0, 0, 0], index=hand.index)
    for threshold in (100, 200):
        workspace.publish(
            "Hand", f"wear ≥ {threshold}", model.ToolWearRule(threshold).fit(hand, truth),
            hand, truth, train_seconds=0.01, effort_days=1.0,
        )  # fmt: skip
    return workspace


def chances(ws, name: str) -> pd.Series:
    return ws.prototype("Hand", name).predictions()["p:1"]


def test_a_prototype_with_a_cut_off_is_compared_by_its_decision_there(ws):
    # the ≥ 200 rule at the chance it gives the rows it does not fire on flags every row
    low = float(chances(ws, "wear ≥ 200").min())
    cutoffs = {"wear ≥ 200": Cutoff("1", "0", low), "wear ≥ 100": None}
    found = disagreements(ws, "Hand", cutoffs)
    rows = found["rows"].set_index("row_id")
    assert set(rows["wear ≥ 200"]) == {"1"}
    # the ≥ 100 rule keeps its own class: it does not fire on wear 50, 60 and 40
    assert set(rows.index[rows["split"] > 0]) == {"r0", "r4", "r8"}
    assert found["n_disagreements"] == 3
    assert found["agreement"].loc["wear ≥ 100", "wear ≥ 200"] == pytest.approx(0.7)
    assert found["cutoffs"] == cutoffs
    # without cut-offs: each rule's own class, which split the four rows between 100 and 200
    assert disagreements(ws, "Hand")["n_disagreements"] == 4


def test_every_prototype_at_its_cut_off(ws):
    cutoffs = {name: Cutoff("1", "0", 0.5) for name in ("wear ≥ 100", "wear ≥ 200")}
    found = disagreements(ws, "Hand", cutoffs)
    decided = {name: np.where(chances(ws, name) >= 0.5, "1", "0") for name in cutoffs}
    differ = int((decided["wear ≥ 100"] != decided["wear ≥ 200"]).sum())
    assert found["n_disagreements"] == differ
    rows = found["rows"].set_index("row_id").loc[chances(ws, "wear ≥ 100").index]
    for name in cutoffs:
        assert list(rows[name]) == list(decided[name])


def test_a_cut_off_on_a_class_the_predictions_lack_keeps_the_own_class(ws):
    found = disagreements(ws, "Hand", {"wear ≥ 100": Cutoff("yes", "no", 0.1)})
    assert found["cutoffs"] == {"wear ≥ 100": None, "wear ≥ 200": None}
    assert found["n_disagreements"] == 4


def test_the_caption_names_each_cut_off_in_the_class_words():
    cutoffs = {
        "rules": Cutoff("1", "0", 0.07),
        "text + tabular LR": Cutoff("1", "0", 0.0816),
        "catboost": Cutoff("1", "0", 0.0317),
    }
    text = cutoffs_caption(cutoffs, BINARY, "claims", {"1": "Investigate", "0": "No"})
    assert text == (
        "Compared as the counts above, the SME card and SME review decide: each prototype "
        "flags as “Investigate” the claims whose chance of it reaches its cheapest cut-off, "
        "rules from 7.0%, text + tabular LR from 8.2% and catboost from 3.2%."
    )


def test_the_caption_says_which_keep_their_own_class_and_a_cut_off_of_zero():
    cutoffs = {"forest": Cutoff("1", "0", 0.0), "rule": None, "stump": None}
    text = cutoffs_caption(cutoffs, BINARY, "machines", {})
    assert "forest flags every one of the machines (its cheapest cut-off is 0.0%)." in text
    assert text.endswith(
        "rule and stump: their own likelier class (from 50%), as no cheapest cut-off is known "
        "for them."
    )
    assert cutoffs_caption({"a": None, "b": None}, BINARY).startswith(
        "Compared by the class each prototype finds likelier (from 50%)"
    )
    assert cutoffs_caption({"a": None}, MULTICLASS) == (
        "Compared by the class each prototype finds likeliest."
    )


def test_the_table_shows_chances_to_a_tenth_as_the_cut_offs_are_shown():
    # a trial: catboost flags from 3.2%; its claim at 3.4% read "3%", below the cut-off
    from ui.bakeoff_tables import disagreement_view

    rows = pd.DataFrame(
        {
            "row_id": ["c1", "c2", "c3", "c4"],
            "actual": ["1", "0", "0", "1"],
            "catboost": ["1", "0", "0", "1"],
            "catboost: p(1)": [0.034, 0.0316, 0.0004, 0.9996],
        }
    )
    view = disagreement_view(rows, ["catboost"], {"1": "Investigate", "0": "No"})
    assert list(view["catboost: chance of Investigate"]) == ["3.4%", "3.2%", "<0.1%", ">99.9%"]
    assert list(view["catboost"]) == ["Investigate", "No", "No", "Investigate"]
