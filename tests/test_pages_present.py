"""Presenter mode and the Present page, and the view's state in the URL (sprint, prototype,
row, step, reviewer), through ``app.py`` as the server runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import APP, copy_workspace
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from streamlit.testing.v1 import AppTest

import feedback_store
import model
from model.config import WORKSPACE_ENV_VAR
from ui import sprint_summary
from ui.explanations import short_text
from ui.sections import present_steps as steps
from ui.sections.present_session import STEPS

LOCAL_MODE = "Local mode"


def app_with_url(monkeypatch, workspace, **params) -> AppTest:
    """The app opened on a URL carrying ``params``, as a link or a reload does."""
    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def present(monkeypatch, workspace, **params) -> AppTest:
    """The Present page opened with ``?present=1`` and ``params``."""
    at = app_with_url(monkeypatch, workspace, present="1", **params).run()
    for key, value in params.items():  # a page switch in AppTest starts from a bare URL
        at.query_params[key] = value
    return at.switch_page("pages/present.py").run()


def heading(at: AppTest) -> str:
    """The step's title, the page's first heading."""
    first = next(block.value for block in at.markdown if block.value.startswith("### "))
    return first.split("\n")[0].removeprefix("### ").replace("\\", "")


def notices(at: AppTest) -> list[str]:
    return [box.value for box in at.sidebar.info]


def test_present_1_in_the_url_hides_the_sidebar_notices(small_workspace, monkeypatch):
    at = app_with_url(monkeypatch, small_workspace, present="1").run()
    assert not at.exception
    assert at.sidebar.toggle(key="present").value is True
    assert not any(LOCAL_MODE in text for text in notices(at))
    assert not any("Signed in as" in caption.value for caption in at.sidebar.caption)
    assert at.query_params["present"] == "1"


def test_without_presenter_mode_the_local_mode_notice_is_shown(small_workspace, open_app):
    at = open_app(small_workspace)
    assert at.sidebar.toggle(key="present").value is False
    assert any(LOCAL_MODE in text for text in notices(at))


def test_the_sidebar_toggle_opens_the_present_page_without_notices(small_workspace, open_app):
    at = open_app(small_workspace)
    at.sidebar.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert heading(at) == STEPS[0]
    assert not notices(at)
    assert at.query_params["present"] == "1"
    at.sidebar.toggle(key="present").set_value(False).run()
    assert any(LOCAL_MODE in text for text in notices(at))
    assert "present" not in at.query_params


def test_next_and_back_step_through_the_story_and_keep_the_step_in_the_url(
    small_workspace, monkeypatch
):
    at = present(monkeypatch, small_workspace)
    assert not at.exception
    seen = [heading(at)]
    assert at.button(key="present_back").disabled
    for step in range(2, len(STEPS) + 1):
        at.button(key="present_next").click().run()
        assert not at.exception, step
        assert at.query_params["step"] == str(step)
        seen.append(heading(at))
    assert seen == STEPS
    assert at.button(key="present_next").disabled
    at.button(key="present_back").click().run()
    assert heading(at) == STEPS[-2]
    assert at.query_params["step"] == str(len(STEPS) - 1)


def test_the_headline_is_in_counts_and_money(small_workspace, monkeypatch):
    at = present(monkeypatch, small_workspace, sprint="Sprint 2")
    ws = model.open_workspace(small_workspace)
    assert at.query_params["prototype"] == ws.mvp("Sprint 2")
    assert any(text.value.startswith("<p") and "Caught " in text.value for text in at.markdown)
    labels = {metric.label: metric.value for metric in at.metric}
    assert labels["Errors cost a month"].startswith("$")
    assert labels["Total a month"].startswith("$")


def test_the_headlines_errors_running_and_total_add_up_as_shown(small_workspace, monkeypatch):
    at = present(monkeypatch, small_workspace, sprint="Sprint 2")
    labels = {metric.label: metric.value for metric in at.metric}
    errors, running, total = (
        int(labels[label].removeprefix("$").replace(",", ""))
        for label in ("Errors cost a month", "Running it costs a month", "Total a month")
    )
    assert errors > 100 * running > 0  # the running cost is within two figures' rounding
    assert errors + running == total


def test_the_last_step_gives_the_recommendation_and_the_decision(small_workspace, monkeypatch):
    at = present(monkeypatch, small_workspace, sprint="Sprint 2", step="5")
    assert heading(at) == STEPS[4]
    text = " ".join(block.value for block in at.markdown)
    assert "a month" in text  # the recommendation, in money
    assert "Chose random forest" in text


#: A reason as long as the decision form takes, in paragraphs, and a room of attendees.
LONG_REASON = "\n\n".join(
    f"Paragraph {i}: the random forest catches the most failures at the cheapest threshold, "
    "and the maintenance team trusts its explanations."
    for i in range(36)
)[:5000]
MANY_ATTENDEES = [f"attendee number {i}" for i in range(40)]


def long_decision(small_workspace, tmp_path) -> Path:
    """A copy of the small workspace whose Sprint 2 decision has ``LONG_REASON``."""
    workspace = copy_workspace(small_workspace, tmp_path / "long")
    ws = model.open_workspace(workspace)
    ws.record_decision(
        "Sprint 2", ws.mvp("Sprint 2"), LONG_REASON, attendees=MANY_ATTENDEES, recorded_by="tess"
    )
    return workspace


def test_a_long_decision_is_cut_on_the_slide_and_whole_behind_a_click(
    small_workspace, tmp_path, monkeypatch
):
    at = present(monkeypatch, long_decision(small_workspace, tmp_path), sprint="Sprint 2", step="5")
    assert not at.exception
    (body,) = [m.value for m in at.markdown if m.value.startswith("**Decision.**")]
    assert len(body) < 300 and body.endswith("…")
    (caption,) = [c.value for c in at.caption if "recorded by tess" in c.value]
    assert re.search(r"attendees\\?: attendee number 0, .* and \d+ more$", caption)
    (whole,) = [e for e in at.expander if e.label == "The whole decision"]
    text = whole.markdown[0].value.replace("\\", "")
    assert "Paragraph 35" in text and "attendee number 39" in text


def test_a_decision_on_a_slide_is_cut_to_two_lines_and_a_one_line_caption():
    decision = {"chosen": "rf", "rationale": LONG_REASON, "attendees": MANY_ATTENDEES,
                "decided_on": "2026-12-05", "recorded_by": "tess"}  # fmt: skip
    said = sprint_summary.slide_decision(decision, "Sprint 2")
    assert said.body.startswith("Chose rf: Paragraph 0: ") and said.body.endswith("…")
    assert len(said.body) <= sprint_summary.SLIDE_REASON_CHARS + 1
    assert "\n" not in said.body + said.caption
    assert said.caption.startswith("Sprint 2 · decided on 2026-12-05 · recorded by tess · ")
    assert len(said.caption) <= sprint_summary.SLIDE_CAPTION_CHARS
    assert said.whole.startswith(f"Chose rf: {LONG_REASON}")
    assert said.whole.endswith("attendee number 38, attendee number 39.")
    # a wide character takes two columns: half as many fill the same two lines
    wide = sprint_summary.slide_decision({**decision, "rationale": "决" * 500, "attendees": []})
    assert len(wide.body) < 2 * sprint_summary.SLIDE_REASON_CHARS // 3
    # a short decision is said whole, with nothing behind a click
    short = sprint_summary.slide_decision(
        {**decision, "rationale": "cheapest", "attendees": ["ana"]}
    )
    assert (short.body, short.whole) == ("Chose rf: cheapest", None)
    assert short.caption.endswith("recorded by tess · attendees: ana")


def test_a_sprint_without_a_bake_off_says_so_at_the_last_step(small_workspace, monkeypatch):
    at = present(monkeypatch, small_workspace, sprint="Sprint 1", step="5")
    assert not at.exception
    text = " ".join(block.value for block in at.markdown)
    assert "No sprint up to Sprint 1 compared prototypes" in text


def test_what_changed_gives_both_sprints_in_counts_and_money(small_workspace, monkeypatch):
    at = present(monkeypatch, small_workspace, sprint="Sprint 2", step="2")
    lines = [block.value for block in at.markdown if block.value.startswith("**")]
    assert [line.split(":")[0] for line in lines] == [
        "**Before (tool-wear rule)",
        "**Now (random forest)",
    ]
    assert all("Caught " in line and "a month" in line for line in lines)


def test_the_case_is_titled_flagged_or_not_at_the_cut_off_step_1_counts_at(
    small_workspace, monkeypatch
):
    """trialN: a 9.6% patient, flagged from 6.7% in step 1's counts, was titled "Not
    readmitted predicted with 90% probability"."""
    from model import recommend

    ws = model.open_workspace(small_workspace)
    costs = recommend.sprint_costs(ws, "Sprint 2")
    threshold = next(c.errors for c in costs if c.name == "random forest").threshold
    chance = ws.prototype("Sprint 2", "random forest").predictions()["p:1"]
    # a row flagged at the cut-off that the model's own 50% class calls no failure
    row = str(chance[(chance >= threshold) & (chance < 0.1)].index[0])
    at = present(monkeypatch, small_workspace, sprint="Sprint 2", step="4", row=row)
    assert not at.exception
    (title,) = [b.value.replace("\\", "") for b in at.markdown if b.value.startswith("#### Row")]
    assert title == (
        f"#### Row {row}: Flagged as machine failure: {chance[row]:.1%} chance "
        f"(flagged from {threshold:.1%}, the cheapest cut-off)"
    )


def test_a_linked_step_row_and_prototype_open_that_case_with_large_chart_text(
    small_workspace, monkeypatch
):
    ws = model.open_workspace(small_workspace)
    row = str(ws.prototype("Sprint 2", "logistic regression").predictions().index[5])
    at = present(
        monkeypatch, small_workspace, sprint="Sprint 2", prototype="logistic regression",
        step="4", row=row,
    )  # fmt: skip
    assert not at.exception
    assert heading(at) == STEPS[3]
    assert any(block.value.startswith(f"#### Row {row}:") for block in at.markdown)
    assert at.query_params["row"] == row
    assert at.query_params["prototype"] == "logistic regression"
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    config = spec["config"]
    assert config["axis"]["labelFontSize"] >= 18
    assert config["axis"]["titleFontSize"] >= 18
    sizes = [layer["mark"]["fontSize"] for layer in spec["layer"] if "fontSize" in layer["mark"]]
    assert sizes and min(sizes) >= 18


def test_the_sprint_in_the_url_is_chosen_and_a_change_is_written_back(small_workspace, monkeypatch):
    at = app_with_url(monkeypatch, small_workspace, sprint="Sprint 1").run()
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 1"
    assert at.query_params["sprint"] == "Sprint 1"
    at.sidebar.selectbox(key="sprint").set_value("Sprint 2").run()
    assert at.query_params["sprint"] == "Sprint 2"
    # A reload of that URL opens Sprint 2 again.
    again = app_with_url(monkeypatch, small_workspace, **dict(at.query_params)).run()
    assert again.sidebar.selectbox(key="sprint").value == "Sprint 2"


def test_an_unknown_sprint_in_the_url_falls_back_to_the_latest(small_workspace, monkeypatch):
    at = app_with_url(monkeypatch, small_workspace, sprint="Sprint 99").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 2"
    assert at.query_params["sprint"] == "Sprint 2"


def test_the_reviewer_survives_a_reload_through_the_url(small_workspace, open_app, monkeypatch):
    at = open_app(small_workspace, reviewer="ana")
    assert at.query_params["reviewer"] == "ana"
    at.switch_page("pages/sprint_demo.py").run()
    assert at.query_params["reviewer"] == "ana"  # written back after the page switch
    reloaded = app_with_url(monkeypatch, small_workspace, **dict(at.query_params)).run()
    assert reloaded.sidebar.text_input(key="reviewer").value == "ana"


def test_the_case_explained_is_a_flagged_case_now_fixed_and_says_so(flagged_workspace, monkeypatch):
    ws = model.open_workspace(flagged_workspace)
    before = ws.prototype("Sprint 1", "tool-wear rule").predictions()
    after = ws.prototype("Sprint 2", "random forest").predictions()
    fixed = {
        str(row_id)
        for row_id in before.index
        if before.loc[row_id, "predicted"] != before.loc[row_id, "actual"]
        and after.loc[row_id, "predicted"] == after.loc[row_id, "actual"]
    }
    at = present(monkeypatch, flagged_workspace, sprint="Sprint 2", step="4")
    assert not at.exception
    assert at.query_params["row"] in fixed
    assert any(
        "Marked wrong by the reviewers in Sprint 1" in caption.value
        and "now predicts what the reviewers said it should" in caption.value
        for caption in at.caption
    )


def font_sizes(node) -> list[float]:
    """Every font size a Vega-Lite spec sets: a config's, a mark's, a title's."""
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key in ("datasets", "data"):
                continue
            if (key == "fontSize" or key.endswith("FontSize")) and isinstance(value, int | float):
                found.append(value)
            else:
                found.extend(font_sizes(value))
        return found
    if isinstance(node, list):
        return [size for item in node for size in font_sizes(item)]
    return []


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_presenter_mode_draws_every_chart_of_the_demo_and_bake_off_in_large_text(
    small_workspace, monkeypatch
):
    at = app_with_url(monkeypatch, small_workspace, present="1").run()
    for page, charts in (("sprint_demo", 3), ("bake_off", 2), ("overview", 1)):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        specs = chart_specs(at)
        assert len(specs) == charts, page
        if page == "sprint_demo":  # one chart under another: the larger text needs the width
            assert not [c for c in at.columns if c.get("vega_lite_chart")]
        for spec in specs:
            config = spec["config"]
            for group, setting in (("axis", "labelFontSize"), ("axis", "titleFontSize")):
                assert config[group][setting] >= 18, (page, group)
            assert config["legend"]["labelFontSize"] >= 18, page
            assert min(font_sizes(spec)) >= 18, page


def test_without_presenter_mode_the_same_charts_keep_their_usual_text(small_workspace, open_app):
    at = open_app(small_workspace, page="sprint_demo")
    assert [c for c in at.columns if c.get("vega_lite_chart")]  # side by side
    assert min(min(font_sizes(spec)) for spec in chart_specs(at)) < 18


def test_the_case_explained_says_the_scale_of_a_boosting_models_score(workspace_copy, monkeypatch):
    # Sprint demo and SME review said it; Present showed "-2.25 … 1.83" with no word of scale
    from conftest import split_data
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, X_demo, y_demo = split_data()

    def wide(frame):  # seven readings: more than the exact probability explainer takes
        return frame.drop(columns="Type").assign(
            **{"Power [W]": frame["Torque [Nm]"] * frame["Rotational speed [rpm]"] * 0.1047,
               "Strain [min Nm]": frame["Torque [Nm]"] * frame["Tool wear [min]"]}
        )  # fmt: skip

    boosting = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(wide(X), y)
    X_demo_wide = wide(X_demo)
    proto = model.open_workspace(workspace_copy).publish(
        "Sprint 3", "boosting", boosting, X_demo_wide, y_demo, mvp=True
    )
    assert proto.meta["unit"] == "log-odds"
    row = str(proto.predictions().index[0])
    at = present(monkeypatch, workspace_copy, sprint="Sprint 3", step="4", row=row)
    assert not at.exception and heading(at) == STEPS[3]
    assert any("model's own score scale" in c.value for c in at.caption), [
        c.value for c in at.caption
    ]


def test_what_changed_keeps_the_metrics_behind_technical_details(small_workspace, monkeypatch):
    # "PR AUC 0.842, ROC AUC, F1, Log loss" headed the step shown to managers
    at = present(monkeypatch, small_workspace, sprint="Sprint 2", step="2")
    (details,) = [e for e in at.expander if e.label.startswith("Technical details")]
    inside = {metric.label: metric for metric in details.metric}
    assert "PR AUC" in inside and inside["PR AUC"].proto.delta
    assert inside["PR AUC"].help.startswith("Score at ranking real cases first")
    assert {metric.label for metric in at.metric} == set(inside)  # none outside it
    first = present(monkeypatch, small_workspace, sprint="Sprint 1", step="2")
    assert [e.label for e in first.expander] == ["Technical details: the metrics"]


def test_what_changed_compares_only_with_an_mvp_that_predicts_the_same_thing(
    workspace_copy, monkeypatch
):
    from sklearn.linear_model import LinearRegression

    from tests.conftest import split_data

    ws = model.open_workspace(workspace_copy)
    X, _, X_demo, _ = split_data()
    numbers = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    wear = LinearRegression().fit(X[numbers], X["Tool wear [min]"])
    ws.publish("Sprint 3", "wear", wear, X_demo[numbers], X_demo["Tool wear [min]"], mvp=True)
    at = present(monkeypatch, workspace_copy, sprint="Sprint 3", step="2")
    assert not at.exception
    text = " ".join(block.value for block in at.markdown)
    assert "No earlier sprint&#x27;s MVP predicts what wear does: nothing to compare." in text
    assert "random forest" not in text


def test_what_changed_says_when_the_two_were_counted_on_different_rows(workspace_copy, monkeypatch):
    """ "Caught 55 of 68" beside "43 of 54" read as one set of machines: both are counted on
    the rows both were shown, and a line says so (tests/test_shared_rows_outcomes.py)."""
    from tests.conftest import split_data

    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(workspace_copy)
    rows = X_demo.index[:200]
    rule = model.ToolWearRule(180).fit(X, y)
    ws.publish("Sprint 3", "rule", rule, X_demo.loc[rows], y_demo.loc[rows], mvp=True)
    at = present(monkeypatch, workspace_copy, sprint="Sprint 3", step="2")
    assert not at.exception
    said = [c.value.replace("\\", "") for c in at.caption if "both were shown" in c.value]
    assert said == [  # and the money on them has no allowance for choosing a threshold
        "Both are counted on the 200 demo machines both were shown, as are the metrics' "
        "changes; their money is what their errors there cost, with no allowance for choosing "
        "each alarm threshold on its own rows as on the Bake-off."
    ]
    same = present(monkeypatch, workspace_copy, sprint="Sprint 2", step="2")
    assert not [c for c in same.caption if "both were shown" in c.value]
    assert not [c for c in same.caption if "own sprint" in c.value]


def test_a_link_s_step_prototype_or_row_that_is_not_there_is_said_in_a_toast(
    monkeypatch, small_workspace
):
    """They were replaced without a word: a presenter could tell another case than linked."""
    at = present(monkeypatch, small_workspace, step="9", prototype="no such model")
    assert not at.exception
    assert heading(at) == STEPS[0]
    assert [t.value.replace("\\", "") for t in at.toast] == [
        "The link asks for prototype 'no such model', which Sprint 2 does not have: showing "
        "random forest.",
        "The link asks for step '9'; the story has steps 1 to 5: showing step 1.",
    ]
    at = present(monkeypatch, small_workspace, step="4", row="999999")
    assert heading(at) == STEPS[3]
    assert [t.value.replace("\\", "") for t in at.toast] == [
        "The link asks for row 999999, which is not among random forest's demo rows: showing "
        "another case."
    ]
    assert not at.run().toast  # said once: the URL now holds what is shown


# -- a four-class model with long class names and a free-text reading --------------------------
#: Departments a support ticket goes to, with words its message tends to have.
DEPARTMENTS = {
    "Account access and sign-in problems": ["password", "login", "locked", "sign", "account"],
    "Billing, refunds and overcharged invoices": ["refund", "invoice", "charged", "price"],
    "Shipping delays and damaged parcels": ["parcel", "delivery", "late", "damaged", "courier"],
    "Technical faults in the mobile app": ["crash", "app", "error", "update", "screen"],
}
FILLER = ["please", "help", "order", "urgent", "thanks", "customer", "issue", "email", "again",
          "today", "still", "waiting"]  # fmt: skip


def tickets(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``n`` support tickets (a message of free text and four more readings) and the
    department each went to: of a message's fifteen words, one is its department's and two
    any department's."""
    rng = np.random.default_rng(seed)
    names = list(DEPARTMENTS)
    rows, departments = [], []
    for i in range(n):
        department = names[i % len(names)]
        words = [*rng.choice(FILLER, 12), *rng.choice(DEPARTMENTS[department], 1),
                 *rng.choice(sum(DEPARTMENTS.values(), []), 2)]  # fmt: skip
        rng.shuffle(words)
        rows.append({
            "message": " ".join(words).capitalize() + ".",
            "channel": str(rng.choice(["web form", "email", "phone"])),
            "region": str(rng.choice(["North", "South", "East", "West"])),
            "order_value_eur": float(round(rng.gamma(2.0, 60.0), 1)),
            "account_age_days": int(rng.integers(1, 3000)),
        })  # fmt: skip
        departments.append(department)
    index = pd.Index([f"t{i:04d}" for i in range(n)], name="row_id")
    return pd.DataFrame(rows, index=index), pd.Series(departments, index=index, name="department")


def publish_tickets(path: Path) -> Path:
    """A workspace routing tickets to ``DEPARTMENTS``: Sprint 1's TF-IDF model, trained on a
    few tickets, and Sprint 2's two, the MVP getting right a case the SMEs flagged as wrong in
    Sprint 1. No cost assumptions of its own: its money is the example's."""

    def fitted(C: float, rows):
        prep = ColumnTransformer([
            ("text", TfidfVectorizer(), "message"),
            ("kind", OneHotEncoder(handle_unknown="ignore"), ["channel", "region"]),
            ("numbers", StandardScaler(), ["order_value_eur", "account_age_days"]),
        ])  # fmt: skip
        pipeline = Pipeline([("prep", prep), ("model", LogisticRegression(C=C, max_iter=1000))])
        return pipeline.fit(X.loc[rows], y.loc[rows])

    X, y = tickets(520)
    train, demo = X.index[:400], X.index[400:]
    ws = model.open_workspace(path)
    shown = {"X": X.loc[demo], "y": y.loc[demo], "train_seconds": 0.5, "effort_days": 1.0}
    before = ws.publish("Sprint 1", "tfidf logreg", fitted(0.05, train[:60]), mvp=True, **shown)
    after = ws.publish("Sprint 2", "tfidf logreg v2", fitted(1.0, train), mvp=True, **shown)
    ws.publish("Sprint 2", "tfidf logreg cheap", fitted(0.1, train), **shown)
    was, now = before.predictions(), after.predictions()
    fixed = was[(was["predicted"] != was["actual"]) & (now["predicted"] == was["actual"])]
    row = str(fixed.index[0])
    feedback_store.open(path).record(
        sprint="Sprint 1", prototype="tfidf logreg", row_id=row, reviewer="ana",
        verdict="wrong", corrected_label=str(was.loc[row, "actual"]), task="multiclass",
        prediction={"label": str(was.loc[row, "predicted"])},
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def tickets_workspace(tmp_path_factory) -> Path:
    return publish_tickets(tmp_path_factory.mktemp("tickets") / "workspace")


def test_the_headline_gives_each_class_one_line_and_its_whole_sentence_behind_a_click(
    tickets_workspace, monkeypatch
):
    """Each class's sentence took two lines at the slide's size: four classes and the notice
    about example money needed scrolling at 1280×720."""
    at = present(monkeypatch, tickets_workspace, sprint="Sprint 2")
    assert not at.exception
    (big,) = [m.value for m in at.markdown if "font-size:1.6rem" in m.value]
    assert "class='slide-details'" in big and steps.ONE_LINE_ITEMS in big  # "…" at the edge
    items = [item.split("</li>")[0] for item in big.split("<li>")[1:]]
    assert [item.split(":")[0] for item in items] == list(DEPARTMENTS)
    assert all(len(item) <= steps.SLIDE_LINE_CHARS and "called" not in item for item in items)
    (whole,) = [e for e in at.expander if e.label == "Each class in full"]
    sentences = [line.removeprefix("- ") for line in whole.markdown[0].value.splitlines()]
    assert len(sentences) == 4
    assert all(" called " in sentence for sentence in sentences)


def test_example_money_on_the_headline_is_one_notice_that_says_how_it_was_counted(
    tickets_workspace, monkeypatch
):
    at = present(monkeypatch, tickets_workspace, sprint="Sprint 2")
    (notice,) = [w.value.replace("\\", "") for w in at.warning]
    assert notice.startswith("Counted as on the Bake-off. These money figures use example ")
    assert notice.endswith("set your own on the Bake-off before deciding on them.")
    assert not [c for c in at.caption if "cost assumptions" in c.value]


def test_the_projectors_waterfall_writes_a_free_text_reading_on_one_line(
    tickets_workspace, monkeypatch, chart_data
):
    """The label was the column's name and the text on two lines, which at 18 px ran into the
    next label."""
    at = present(monkeypatch, tickets_workspace, sprint="Sprint 2", step="4")
    assert not at.exception
    row = at.query_params["row"]
    text = model.open_workspace(tickets_workspace).prototype(
        "Sprint 2", "tfidf logreg v2"
    ).feature_row(row)["message"]  # fmt: skip
    (chart,) = at.get("vega_lite_chart")
    (frame,) = chart_data(chart)
    assert not frame["label"].str.contains("\n").any()
    message = frame[frame["full"] == f"message = “{text}”"]
    cut = short_text(text, steps.PROJECTED_TEXT_CHARS)
    assert message["label"].tolist() == [f"message = “{cut}”"]
    spec = json.loads(chart.proto.spec)
    bars = spec["layer"][0]["encoding"]
    assert "axis" not in bars["y"] and bars["y"]["sort"] == frame["label"].tolist()
    assert bars["tooltip"][0]["field"] == "full"  # the whole text on hover
    title = bars["x"]["title"]
    assert 1 <= len(title) <= 2 and all(len(line) <= steps.TITLE_CHARS for line in title)
    bars_height = steps.BAR_HEIGHT * len(frame)
    assert spec["height"] == bars_height + steps.AXIS_HEIGHT + steps.TITLE_LINE_HEIGHT * len(title)
