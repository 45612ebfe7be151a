"""Words the trial users stumbled on: "flagged" for both the model's decision and the
reviewers' mark on one slide, a decision class ("Investigate") made a plural noun ("27
investigates caught"), and a classifier's McNemar row of dashes on a regression's Bake-off."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, Ridge
from streamlit.testing.v1 import AppTest

import model
from model.config import WORKSPACE_ENV_VAR
from model.outcomes import BinaryOutcome, binary_cells, class_in_sentence, outcome_sentences
from tests.conftest import APP, FEATURES, load_data, split_data
from ui import bakeoff_words
from ui.case_words import positive_case

NAMES = {"0": "No investigation", "1": "Investigate"}
CLAIMS = BinaryOutcome(
    positive="1", negative="0", threshold=0.076, caught=27, positives=32, false_alarms=75,
    negatives=568,
)  # fmt: skip
#: A class name made a plural or singular noun: "investigates", "a missed investigate".
NOUNED = re.compile(r"investigates|missed investigate|of investigate", re.IGNORECASE)


def present(monkeypatch, workspace: Path, **params) -> AppTest:
    """The Present page opened with ``?present=1`` and ``params``."""
    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in {"present": "1", **params}.items():
        at.query_params[key] = value
    at.run()
    for key, value in params.items():  # a page switch in AppTest starts from a bare URL
        at.query_params[key] = value
    return at.switch_page("pages/present.py").run()


def page_text(at: AppTest) -> str:
    """What the page says in words, markdown escapes removed."""
    kinds = ("title", "subheader", "caption", "markdown", "info", "warning", "text")
    parts = [e.value for kind in kinds for e in at.get(kind) if isinstance(e.value, str)]
    parts += [m.label for m in at.metric]
    parts += [cell for t in at.table for cell in t.value.astype(str).to_numpy().ravel()]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_a_decision_class_is_quoted_after_the_cases_noun_not_made_plural():
    (sentence,) = outcome_sentences(CLAIMS, NAMES, "claims")
    assert sentence == (
        "Caught 27 of 32 claims labelled “Investigate” (84%); 75 false alarms among the 568 "
        "claims with no investigation."
    )
    words = list(binary_cells(CLAIMS, NAMES, "claims")["words"])
    assert words[:2] == [
        "claims labelled “Investigate” caught",
        "claims labelled “Investigate” missed",
    ]
    assert class_in_sentence("Investigate") == "“Investigate”"
    assert class_in_sentence("Approve") == "“Approve”"
    failures = BinaryOutcome("1", "0", 0.5, 50, 68, 7, 1932)  # a noun stays a noun
    (sentence,) = outcome_sentences(failures, {"0": "No failure", "1": "Failure"}, "machines")
    assert sentence.startswith("Caught 50 of 68 failures (74%)")


def test_a_missed_decision_class_is_a_missed_case_of_it():
    meta = {"positive_class": "1", "class_names": NAMES, "case_noun": "claims"}
    assert positive_case(meta) == "“Investigate” claim"
    assert positive_case({**meta, "case_noun": None}) == "“Investigate” case"
    assert positive_case({"positive_class": "1", "class_names": {"1": "Failure"}}) == "failure"


@pytest.fixture(scope="module")
def claims_workspace(tmp_path_factory) -> Path:
    """Two prototypes whose positive class is a decision, "Investigate", of claims."""
    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(tmp_path_factory.mktemp("claims") / "workspace")
    for name, estimator in (("tool-wear rule", model.ToolWearRule()),
                            ("physics rules", model.PhysicsRules())):  # fmt: skip
        ws.publish(
            "Sprint 1", name, estimator.fit(X, y), X_demo, y_demo, mvp=name == "tool-wear rule",
            train_seconds=0.1, effort_days=1.0, class_names=NAMES, case_noun="claims",
        )  # fmt: skip
    return ws.path


def test_the_bake_off_never_makes_investigate_a_plural_noun(claims_workspace, open_app):
    at = open_app(claims_workspace, page="bake_off")
    assert not at.exception
    text = page_text(at)
    assert "claims labelled “Investigate”" in text
    assert not NOUNED.search(text), NOUNED.findall(text)


def test_the_headline_slide_never_makes_investigate_a_plural_noun(claims_workspace, monkeypatch):
    at = present(monkeypatch, claims_workspace, sprint="Sprint 1", step="1")
    assert not at.exception
    text = page_text(at)
    assert "claims labelled “Investigate”" in text
    assert "a missed “Investigate” claim costs" in text
    assert not NOUNED.search(text), NOUNED.findall(text)


def test_step_3_says_marked_wrong_for_the_reviewers_and_keeps_flagged_for_the_model(
    flagged_workspace, monkeypatch
):
    at = present(monkeypatch, flagged_workspace, sprint="Sprint 2", step="3")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Marked wrong by the reviewers", "Right now", "Still wrong"]
    assert "What the reviewers marked wrong, and what is fixed now" in page_text(at)
    assert "SMEs flagged" not in page_text(at)


@pytest.fixture(scope="module")
def torque_workspace(tmp_path_factory) -> Path:
    """Two regressions predicting the torque from the other sensors."""
    data = load_data().sample(900, random_state=5)
    numeric = [f for f in FEATURES if f not in ("Type", "Torque [Nm]")]
    X, y = data[numeric], data["Torque [Nm]"]
    ws = model.open_workspace(tmp_path_factory.mktemp("torque") / "workspace")
    for name, estimator in (("linear", LinearRegression()), ("ridge", Ridge(alpha=10.0))):
        estimator.fit(X.iloc[:700], y.iloc[:700])
        ws.publish("Sprint 1", name, estimator, X.iloc[700:], y.iloc[700:], train_seconds=0.1,
                   effort_days=1.0, mvp=name == "linear")  # fmt: skip
    return ws.path


def test_a_regression_s_bake_off_has_no_row_or_words_about_labels(torque_workspace, open_app):
    at = open_app(torque_workspace, page="bake_off")
    assert not at.exception
    (table,) = [t.value for t in at.table if "Verdict" in t.value.index]
    assert "McNemar p" not in table.index
    said = page_text(at)
    assert "McNemar" not in said
    assert "labels at each prototype's threshold" not in said


def test_a_regression_s_comparison_drops_the_mcnemar_row_a_classifier_keeps():
    view = pd.DataFrame({"a": ["1", "0.03"]}, index=["Verdict", "McNemar p"])
    assert list(bakeoff_words.applicable_rows(view, "binary").index) == ["Verdict", "McNemar p"]
    assert list(bakeoff_words.applicable_rows(view, "regression").index) == ["Verdict"]


def test_the_bake_offs_costs_ask_for_a_missed_investigate_claim(claims_workspace, open_app):
    """The assumptions form said "Cost of a missed investigate" and the example-figures note
    "a missed investigate costs $2,000"; both now name a missed “Investigate” claim."""
    at = open_app(claims_workspace, page="bake_off")
    assert not at.exception
    labels = {n.key: n.label for n in at.number_input}
    assert labels["assume_missed_positive_cost"] == "Cost of a missed “Investigate” claim"
    notes = [w.value.replace("\\", "") for w in at.warning]
    assert any("a missed “Investigate” claim costs $2,000" in n for n in notes), notes
