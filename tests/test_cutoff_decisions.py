"""A binary model's decisions at the cut-off the counts flag from, one case at a time."""

import math

import pandas as pd
import pytest

from model.cutoff_decisions import Cutoff, decide, least_sure_first, sureness
from model.review_queues import review_queue

CUTOFF = Cutoff.of(["0", "1"], "1", 0.067)


def test_a_case_is_flagged_from_the_cut_off_not_from_50_percent():
    assert decide(0.096, CUTOFF) == "1"
    assert decide(0.067, CUTOFF) == "1"
    assert decide(0.031, CUTOFF) == "0"


def test_sureness_is_the_share_of_the_way_from_the_cut_off_to_certainty():
    assert sureness(0.067, CUTOFF) == 0
    assert sureness(0.096, CUTOFF) == pytest.approx(0.029 / 0.933)
    assert sureness(0.031, CUTOFF) == pytest.approx(0.036 / 0.067)
    assert sureness(1.0, CUTOFF) == sureness(0.0, CUTOFF) == 1
    # at 50% it is the model's own confidence rescaled, as the card always said it
    half = Cutoff.of(["0", "1"], "1", 0.5)
    assert sureness(0.8, half) == pytest.approx(0.6) == sureness(0.2, half)
    assert math.isnan(sureness(float("nan"), CUTOFF))


def test_a_cut_off_needs_two_classes_and_a_chance():
    with pytest.raises(ValueError, match="two classes"):
        Cutoff.of(["a", "b", "c"], "a", 0.2)
    with pytest.raises(ValueError, match="from 0 to 1"):
        Cutoff.of(["0", "1"], "1", -0.1)
    with pytest.raises(ValueError, match="from 0 to 1"):
        Cutoff.of(["0", "1"], "1", 1.5)


def test_a_cut_off_at_0_flags_every_case():
    """An "always no" model's cheapest cut-off was 0.0%: the counts flagged every case, but
    Cutoff refused 0, so its table had no Flagged column and its row read "Not readmitted
    predicted with 100% probability"."""
    every = Cutoff.of(["0", "1"], "1", 0.0)
    assert decide(0.0, every) == decide(0.3, every) == "1"
    assert sureness(0.0, every) == 0 and sureness(1.0, every) == 1
    rows = pd.DataFrame({"p:1": [0.0, 0.0, 0.2]}, index=["a", "b", "c"])
    assert least_sure_first(rows, every).tolist() == ["a", "b", "c"]


def test_least_sure_first_puts_the_cases_closest_to_the_cut_off_first():
    rows = pd.DataFrame(
        {"p:1": [0.51, 0.096, 0.03, 0.07, 0.005]}, index=["coin", "above", "low", "near", "sure"]
    )
    assert list(least_sure_first(rows, CUTOFF)) == ["near", "above", "coin", "low", "sure"]


class _Binary:
    name, task = "forest", "binary"


def _predictions() -> pd.DataFrame:
    chance = pd.Series([0.51, 0.096, 0.03, 0.07, 0.005], index=["a", "b", "c", "d", "e"])
    return pd.DataFrame(
        {
            "predicted": (chance >= 0.5).map({True: "1", False: "0"}),
            "confidence": chance.where(chance >= 0.5, 1 - chance),
            "p:0": 1 - chance,
            "p:1": chance,
        }
    )


def test_the_least_confident_queue_opens_on_the_cases_nearest_the_cut_off():
    """Not on the 51% case (a "coin toss" at 50%, six times the average risk)."""
    frame = _predictions()
    assert review_queue(_Binary(), "least confident", predictions=frame)[0] == "a"
    order = review_queue(_Binary(), "least confident", predictions=frame, cutoff=CUTOFF)
    assert order == ["d", "b", "a", "c", "e"]
    mine = review_queue(
        _Binary(), "not yet reviewed by me", "kim", {"d"}, predictions=frame, cutoff=CUTOFF
    )
    assert mine == ["b", "a", "c", "e"]


def test_the_stratified_sample_takes_the_classes_decided_at_the_cut_off_in_turn():
    frame = _predictions()
    order = review_queue(_Binary(), "stratified sample", predictions=frame, cutoff=CUTOFF)
    # three flagged (a, b, d), two not: the first two hold one of each
    flagged = {"a", "b", "d"}
    assert len({row in flagged for row in order[:2]}) == 2


def test_the_disagreement_queue_compares_each_prototypes_decision_at_its_own_cut_off():
    """All five cases but "a" are under 50% for both models: at 50% only "a" splits them. A
    rule flagging from 20% (its own cut-off) and the forest from 6.7% disagree on "b" (9.6%)
    and "d" (7%), and on "a" no more (both flag it)."""
    frame = _predictions()
    rule = frame.assign(predicted="0", **{"p:1": [0.45, 0.1, 0.02, 0.08, 0.01]})
    rule["p:0"] = 1 - rule["p:1"]
    at_half = review_queue(
        _Binary(), "disagreement", predictions=frame, other_predictions={"rule": rule}
    )
    assert at_half == ["a"]
    only_mine = review_queue(
        _Binary(), "disagreement", predictions=frame, other_predictions={"rule": rule},
        cutoff=CUTOFF,
    )  # fmt: skip
    assert only_mine == ["a"]  # the others' cut-offs unknown: all at 50%, not one at 6.7%
    order = review_queue(
        _Binary(), "disagreement", predictions=frame, other_predictions={"rule": rule},
        cutoff=CUTOFF, other_cutoffs={"rule": Cutoff.of(["0", "1"], "1", 0.2)},
    )  # fmt: skip
    assert order == ["d", "b"]  # equally split: the closer to the forest's cut-off first
