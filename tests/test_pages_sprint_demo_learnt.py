"""The Sprint demo and Present step 2 where this sprint's MVP learnt some of its demo rows."""

import re
import warnings
from pathlib import Path

import pytest
from conftest import SEED, _pipeline, split_data
from sklearn.ensemble import RandomForestClassifier

import model
from model.metrics import format_metric
from model.trained_rows import metrics_on_rows_not_learnt

LEARNT = 12


def texts(at, kind: str) -> list[str]:
    return [e.value.replace("\\", "") for e in at.get(kind)]


@pytest.fixture
def learnt_workspace(workspace_copy) -> Path:
    """Sprint 2's forest published again, as trained on ``LEARNT`` demo rows the Sprint 1 rule
    got wrong (as trial M's Sprint 3 learnt 41 of Sprint 2's errors)."""
    ws = model.open_workspace(workspace_copy)
    before = ws.prototype("Sprint 1", "tool-wear rule").predictions()
    wrong = before.index[before["predicted"].astype(str) != before["actual"].astype(str)]
    X, y, X_demo, y_demo = split_data()
    forest = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # publish warns that it learnt demo rows: that is the case
        ws.publish(
            "Sprint 2", "random forest", _pipeline(forest, scale=False).fit(X, y), X_demo,
            y_demo, train_seconds=0.5, effort_days=5.0, trained_on=list(wrong[:LEARNT]),
        )  # fmt: skip
    return workspace_copy


def fair_metrics(workspace: Path) -> tuple[dict, dict, dict]:
    """Sprint 1's and Sprint 2's metrics on the rows Sprint 2 did not learn, and Sprint 2's
    on all its demo rows."""
    ws = model.open_workspace(workspace)
    before, now = (
        ws.prototype("Sprint 1", "tool-wear rule"),
        ws.prototype("Sprint 2", "random forest"),
    )
    fair = metrics_on_rows_not_learnt(
        before.predictions(), before.meta, now.predictions(), now.meta
    )
    assert fair is not None and fair[2] == len(now.predictions()) - LEARNT
    return fair[0], fair[1], now.metrics


def fair_change(workspace: Path, key: str) -> float:
    before, after, _ = fair_metrics(workspace)
    return after[key] - before[key]


def says_how_many_it_learnt(at) -> list[str]:
    """The page's captions, after checking one says how many demo rows the model learnt."""
    captions = texts(at, "caption")
    said = f"{LEARNT} of these 300 demo machines were in this model's training data"
    assert any(c.startswith(said) for c in captions), captions
    return captions


def test_the_demo_says_how_many_demo_rows_the_mvp_learnt_and_measures_without_them(
    learnt_workspace, open_app
):
    demo = open_app(learnt_workspace, page="sprint_demo")
    assert not demo.exception
    captions = says_how_many_it_learnt(demo)
    assert any(
        f"The change is measured on the {300 - LEARNT} demo machines both models were shown" in c
        for c in captions
    ), captions
    change = fair_change(learnt_workspace, "pr_auc")
    metrics = {m.label: m for m in demo.metric}
    assert metrics["PR AUC"].delta == f"{change:+.3f}"
    headline = texts(demo, "markdown")
    assert any(f"{format_metric('pr_auc', abs(change))} " in m for m in headline), headline


def test_present_step_2_says_it_too(learnt_workspace, monkeypatch):
    from test_pages_present import present

    at = present(monkeypatch, learnt_workspace, sprint="Sprint 2", step="2")
    assert not at.exception
    says_how_many_it_learnt(at)
    change = fair_change(learnt_workspace, "pr_auc")
    assert {m.label: m for m in at.metric}["PR AUC"].delta == f"{change:+.3f}"


def test_present_step_2_counts_before_and_now_without_the_rows_it_learnt(
    learnt_workspace, monkeypatch
):
    """Trial M: "Right on 474 of 600" beside Sprint 2's "281 of 600" counted the 41 rows
    Sprint 3 learnt (40 of them Sprint 2's errors); both are now counted on the 559 others."""
    from test_pages_present import present

    at = present(monkeypatch, learnt_workspace, sprint="Sprint 2", step="2")
    assert not at.exception
    lines = [m for m in texts(at, "markdown") if m.startswith(("**Before", "**Now"))]
    assert len(lines) == 2
    for line in lines:  # "Caught 4 of 5 machines labelled 1 (80%); 8 false alarms among the 283"
        positives, negatives = re.search(r" of (\d+) .* among the (\d+) ", line).groups()
        assert int(positives) + int(negatives) == 300 - LEARNT, line
        assert "a month" in line
    captions = says_how_many_it_learnt(at)
    assert any(
        c.startswith(
            f"Both counted on the {300 - LEARNT} demo machines Sprint 2's model did not learn "
            f"from, leaving out the {LEARNT} it learnt, as are the metrics' changes"
        )
        for c in captions
    ), captions
