"""A workspace shaped like the bundled demo, small enough to build in a test module.

As the demo: published with the demo's words (class names "No failure" and "Failure", feature
descriptions, display units); Sprint 1 the tool-wear rule (MVP), Sprint 2 a bake-off with a
recorded decision, Sprint 3 one retrained prototype (its MVP); verdicts by SMEs, among them
"wrong" with the right label. The models are cheap (rules and a logistic regression) and the
demo rows fewer, so building it takes seconds, not the demo's minutes.
"""

from __future__ import annotations

from pathlib import Path

from conftest import _pipeline, split_data

import feedback_store
import model
from model.demo import WORDS

SPRINT_2 = ["physics rules", "logistic regression"]
SPRINT_3 = "logistic regression + SME feedback"


def build_demo_like(path: Path) -> model.Workspace:
    """Build the demo-shaped workspace at ``path`` and return it."""
    from sklearn.linear_model import LogisticRegression

    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(path)
    common = dict(train_seconds=0.5, **WORDS)
    ws.publish("Sprint 1", "tool-wear rule", model.ToolWearRule().fit(X, y), X_demo, y_demo,
               mvp=True, effort_days=1.0, **common)  # fmt: skip
    candidates = {
        "physics rules": (model.PhysicsRules().fit(X, y), 2.0),
        "logistic regression": (
            _pipeline(LogisticRegression(max_iter=500), scale=True).fit(X, y),
            3.0,
        ),
    }
    for name, (estimator, effort) in candidates.items():
        ws.publish("Sprint 2", name, estimator, X_demo, y_demo, effort_days=effort,
                   mvp=name == "physics rules", **common)  # fmt: skip
    ws.record_decision(
        "Sprint 2", "physics rules", rationale="Cheapest to run; as good within the intervals.",
        attendees=["ana", "bo"], decided_on="2024-05-17", recorded_by="ana",
    )  # fmt: skip
    retrained = _pipeline(LogisticRegression(max_iter=500, C=0.5), scale=True).fit(X, y)
    ws.publish("Sprint 3", SPRINT_3, retrained, X_demo, y_demo, mvp=True, effort_days=1.5,
               **common)  # fmt: skip

    store = feedback_store.open(ws.path)
    predictions = ws.prototype("Sprint 2", "logistic regression").predictions()
    wrong = predictions[predictions["predicted"] != predictions["actual"]].index[:2]
    right = predictions[predictions["predicted"] == predictions["actual"]].index[:1]
    for row_id in wrong:
        store.record(
            sprint="Sprint 2", prototype="logistic regression", row_id=row_id, reviewer="ana",
            verdict="wrong", corrected_label=str(predictions.loc[row_id, "actual"]),
            task="binary", features={"Type": "L"},
            prediction={"label": str(predictions.loc[row_id, "predicted"]), "confidence": 0.7},
        )  # fmt: skip
    store.record(
        sprint="Sprint 2", prototype="logistic regression", row_id=right[0], reviewer="bo",
        verdict="correct", task="binary", features={"Type": "M"},
        prediction={"label": str(predictions.loc[right[0], "predicted"]), "confidence": 0.9},
    )  # fmt: skip
    return ws
