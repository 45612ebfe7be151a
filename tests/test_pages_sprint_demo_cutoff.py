"""The Sprint demo page at the cheapest cut-off: an "always no" model, and the table's filters."""

from pathlib import Path

import pytest
from conftest import FEATURES, TARGET, load_data
from sklearn.model_selection import train_test_split

import model
from model.costs import CostAssumptions, save_assumptions

DEMO_ROWS = 400


def texts(at, kind: str) -> list[str]:
    return [e.value.replace("\\", "") for e in at.get(kind)]


@pytest.fixture(scope="module")
def always_no(tmp_path_factory) -> Path:
    """Sprint "Baseline" whose MVP gives every machine the same chance of failure (0 %), a
    missed failure costing so much that flagging every machine is its cheapest."""
    from sklearn.dummy import DummyClassifier

    train, demo = train_test_split(load_data(), test_size=DEMO_ROWS, random_state=0)
    numeric = FEATURES[1:]
    ws = model.open_workspace(tmp_path_factory.mktemp("always_no") / "workspace")
    ws.publish(
        "Baseline", "always no",
        DummyClassifier(strategy="most_frequent").fit(train[numeric], train[TARGET]),
        demo[numeric], demo[TARGET], mvp=True, train_seconds=0.1, effort_days=1.0,
    )  # fmt: skip
    save_assumptions(ws.path, CostAssumptions(missed_positive_cost=100_000.0))
    return ws.path


def test_an_always_no_mvp_says_it_flags_every_case(always_no, open_app):
    """trial N: "Caught 91 of 91" and "flagged when the chance ... is at least 0.0%" read as
    an "always no" model catching everyone."""
    demo = open_app(always_no, page="sprint_demo")
    assert not demo.exception
    said = " ".join(texts(demo, "markdown"))
    assert (
        "It cannot tell machines apart: its chance of machine failure is the same for every "
        f"machine (0.0%), so it flags every machine, all {DEMO_ROWS:,}. Caught"
    ) in said, said
    captions = " ".join(texts(demo, "caption"))
    assert "there it flags every machine, so catching every machine failure" in captions
    assert "is at least 0.0%" not in captions, captions


def test_the_overview_line_of_an_always_no_mvp_says_it_flags_every_case():
    from ui.case_cutoff import counted_at_caption

    short = counted_at_caption("patient", "Readmitted", 0.0, every=True, short=True)
    assert short == (
        "It flags every patient: its cheapest cut-off, 0.0%, is at or below every chance it gives."
    )
    assert counted_at_caption("patient", "Readmitted", 0.067, every=False, short=True) == (
        "Flagged from a 6.7% chance of readmitted, its cheapest."
    )


def test_the_filters_go_by_the_decision_at_the_cut_off():
    import pandas as pd

    from ui.predictions_table import prediction_mask

    rows = pd.DataFrame(
        {
            "predicted": ["0", "0", "1", "0"],
            "confidence": [0.9, 0.7, 0.8, 0.95],
            "p:0": [0.9, 0.7, 0.2, 0.95],
            "p:1": [0.1, 0.3, 0.8, 0.05],
            "actual": ["1", "0", "1", "0"],
            "correct": [False, True, True, True],
        }
    )
    cutoff = ("1", "0", 0.1)  # flagged from 10 %: rows 0, 1 and 2
    flagged = prediction_mask(rows, ["1"], cutoff=cutoff)
    assert flagged.tolist() == [True, True, True, False]
    assert prediction_mask(rows, correctness="wrong", cutoff=cutoff).tolist() == [
        False,
        True,  # flagged, healthy: a false alarm, though right at 50 %
        False,
        False,
    ]
    # without a cut-off: the model's own class, as before
    assert prediction_mask(rows, ["1"]).tolist() == [False, False, True, False]
