"""Hand-off of trialN 8 into publishing and the templates: ``case_noun`` from the API and
``--noun``, and class names quoted where they are no one-word noun."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from model.workspace import open_workspace
from ui import formatting
from ui.sections.bakeoff_outcomes import outcome_positive
from ui.sprint_summary import flagged_at_caption

NAMES = {"0": "Not readmitted", "1": "Readmitted within 30 days"}


def test_publish_stores_the_case_noun(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"bun": rng.normal(20, 5, 60), "age": rng.integers(20, 90, 60)})
    X.index = pd.Index([f"P{i}" for i in range(60)], name="row_id")
    y = pd.Series((X["bun"] > 20).astype(int), index=X.index, name="readmitted")
    ws = open_workspace(tmp_path / "ws")
    model = LogisticRegression().fit(X, y)
    proto = ws.publish("Sprint 1", "lr", model, X, y, class_names={0: NAMES["0"], 1: NAMES["1"]},
                       case_noun="patients")  # fmt: skip
    assert proto.meta["case_noun"] == "patients"


def test_the_templates_quote_a_class_name_that_is_no_noun():
    meta = {"positive_class": "1", "class_names": NAMES}
    assert formatting.positive_noun(meta) == "“Readmitted within 30 days”"
    assert formatting.positive_noun({"positive_class": "1", "class_names": {"1": "Failure"}}) == (
        "failure"
    )
    assert outcome_positive(NAMES, "1") == "“Readmitted within 30 days”"
    said = flagged_at_caption("patient", NAMES["1"], 0.067)
    assert "when the chance of “Readmitted within 30 days” is at least 6.7%" in said
