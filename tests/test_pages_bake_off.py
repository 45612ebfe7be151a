"""The bake-off page: intervals and verdicts, costs in money under shared assumptions, the
trade-offs, segments, disagreements sent to SME review, the decision with its snapshot, the
HTML export."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    DEMO_ROWS,
    FEATURES,
    SEED,
    TARGET,
    _pipeline,
    copy_workspace,
    load_data,
    open_link,
)
from recording import record_calls
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from streamlit.testing.v1.element_tree import Expander

import model
from model import bakeoff, recommend
from model.costs import ASSUMPTIONS_FILE, CostAssumptions, load_assumptions, save_assumptions
from model.demo import WORDS
from model.recommend import sprint_costs, sprint_recommendation
from ui import bakeoff_charts
from ui.bakeoff_money import MAINTENANCE_ROW

PROTOTYPES = ["physics rules", "logistic regression", "random forest"]
COLUMNS = ["physics rules", "logistic regression", "random forest (MVP)"]
INTERVAL = re.compile(r"^\d\.\d+ \(\d\.\d+–\d\.\d+\)$")
SAVE_ASSUMPTIONS = "FormSubmitter:assumptions_form-Save assumptions"
TAB_KEY = "bake_off_tab"
SEGMENTS, DISAGREEMENTS, MODELS = "Per segment", "Where they disagree", "Models"


def shown(value: str) -> str:
    """A cell of an ``st.table`` as the user reads it (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", value)


def table_with(at, row: str) -> pd.DataFrame:
    """The first ``st.table`` with a row named ``row``, as the user reads it."""
    return next(t.value for t in at.table if row in t.value.index).map(shown)


def comparison(at):
    """The technical comparison table (scores, intervals, verdicts)."""
    return table_with(at, "Verdict")


def markdown_with(at, text: str) -> str:
    return next(m.value for m in at.markdown if text in m.value)


def spec_with(at, text: str) -> list[str]:
    return [c.proto.spec for c in at.get("vega_lite_chart") if text in c.proto.spec]


def open_tab(at, label: str):
    """Select one of the detail tabs, as a click on it does, and run the page again."""
    at.session_state[TAB_KEY] = label
    return at.run()


def test_bake_off_shows_every_prototype_with_intervals_verdicts_and_costs(
    small_workspace, open_app
):
    at = open_app(small_workspace, page="bake_off")
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 2"
    table = comparison(at)
    assert list(table.columns) == COLUMNS
    for name in COLUMNS:
        assert INTERVAL.match(table.loc["PR AUC (95% interval)", name]), name
        assert table.loc["Running cost / month", name].startswith("$")
        assert table.loc["One-off cost", name].startswith("$")
        assert table.loc["Latency p50 / p95 (ms per 1,000)", name] != "— / —"
    assert table.loc["Verdict", "random forest (MVP)"] == "the MVP"
    for name in COLUMNS[:2]:
        assert table.loc["Verdict", name] in (
            "better",
            "worse",
            "no detectable difference with 300 demo rows",
        )
        assert re.match(r"^[+-]\d+\.\d \([+-]\d+\.\d to [+-]\d+\.\d\)$", table.loc[
            "vs random forest (points)", name])  # fmt: skip
        assert table.loc["McNemar p", name] != "—"
    assert table.loc["One-off cost", "random forest (MVP)"] == "$4,000.00"  # 5 days × $800
    assert any("Running cost per month = p50 latency" in c.value for c in at.caption)


def test_the_recommendation_says_when_its_money_comes_from_example_assumptions(
    workspace_copy, open_app
):
    at = open_app(workspace_copy, page="bake_off")
    (warning,) = [w.value.replace("\\", "") for w in at.warning]
    assert warning.startswith("These money figures use example assumptions")
    assert "a missed positive case costs $2,000" in warning  # its classes have no names
    assert warning.endswith(
        "set your own below, under Costs and assumptions, before deciding on them."
    )
    save_assumptions(workspace_copy, CostAssumptions(missed_positive_cost=5_000.0))
    at = open_app(workspace_copy, page="bake_off")
    assert not at.exception and not at.warning


def test_the_positive_class_is_named_in_words_or_called_the_positive_case():
    from ui.formatting import positive_noun

    assert positive_noun({"positive_class": "1", "class_names": {"1": "Failure"}}) == "failure"
    assert positive_noun({"positive_class": "1"}) == "positive case"
    assert positive_noun({"positive_class": "1", "class_names": {"1": "42"}}) == "positive case"
    assert positive_noun({}) == "positive case"


def test_bake_off_shows_the_tradeoffs_and_the_pareto_chart(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    sentences = markdown_with(at, "scores best on").splitlines()
    assert len(sentences) == 3
    assert "scores best on PR AUC" in sentences[0]
    assert len(spec_with(at, "PR AUC against running cost")) == 1
    at = open_tab(at, DISAGREEMENTS)
    assert len(spec_with(at, "How often two prototypes predict the same label")) == 1


def test_bake_off_shows_every_cost_and_how_it_is_computed(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    costs = table_with(at, MAINTENANCE_ROW)
    for row in ["Model size (MB)", "Peak memory (MB)", "Training (s)", "Effort (person-days)"]:
        assert (costs.loc[row] != "—").all(), row
    # the engineer hours maintaining each takes, not the notes it was published with
    assert set(costs.loc[MAINTENANCE_ROW]) == {"8 (assumed)"}
    formulas = next(t.value for t in at.table if "Formula" in t.value.columns).map(shown)
    assert "5 person-days × $800.00/day = $4,000.00" in list(formulas["Formula"])


def test_the_segment_table_shows_the_metric_per_type_with_counts(small_workspace, open_app):
    at = open_tab(open_app(small_workspace, page="bake_off"), SEGMENTS)
    assert not at.exception
    assert at.selectbox(key="bake_off_feature").value == "Type"
    segments = next(d.value for d in at.dataframe if "Type" in d.value.columns)
    assert sorted(segments["Type"]) == ["H", "L", "M"]
    # headed in words ("Rows", "Positives" before)
    assert sum(int(n.replace(",", "")) for n in segments["Machines"]) == 300
    assert {"Of them positive cases", *PROTOTYPES} <= set(segments.columns)  # no class names
    assert "How each prototype scores per segment" in [h.value for h in at.subheader]
    assert any(shown(c.value).startswith("The score is PR AUC: how well") for c in at.caption)


def test_the_disagreements_list_the_rows_and_can_be_sent_to_review(workspace_copy, open_app):
    at = open_tab(open_app(workspace_copy, page="bake_off", reviewer="ana"), DISAGREEMENTS)
    assert at.metric[0].label == "Demo rows where the predictions differ"
    rows = next(d.value for d in at.dataframe if "Row" in d.value.columns)
    assert {"Truth", *PROTOTYPES} <= set(rows.columns)
    send = next(b for b in at.button if b.label.startswith("Send these "))
    count = int(re.search(r"Send these (\d+) rows", send.label).group(1))
    assert count > 0
    assert len(rows) == min(count, 25)

    send.click().run()
    assert not at.exception
    assert at.success[0].value == f"Sent {count} rows to SME review."
    # and a way there: SME review on that queue (it had to be found in the queue list)
    (link,) = [e.proto for e in at.get("page_link") if "on SME review (the queue" in e.proto.label]
    assert link.page == "sme_review"
    assert link.query_string == "sprint=Sprint+2&queue=sent%3Abake-off+disagreements"
    queue = model.open_workspace(workspace_copy).review_queues("Sprint 2")["bake-off disagreements"]
    assert len(queue["rows"]) == count
    assert queue["sent_by"] == "ana"
    assert set(rows["Row"]) <= set(queue["rows"])


def test_sending_disagreements_needs_a_reviewer_name(workspace_copy, open_app):
    at = open_tab(open_app(workspace_copy, page="bake_off"), DISAGREEMENTS)
    next(b for b in at.button if b.label.startswith("Send these ")).click().run()
    assert "Enter your name in the sidebar" in at.error[0].value
    assert model.open_workspace(workspace_copy).review_queues("Sprint 2") == {}


def test_changing_the_metric_to_roc_auc_changes_the_table(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    before = comparison(at)
    at.selectbox(key="bake_off_metric").set_value("roc_auc").run()
    assert not at.exception
    after = comparison(at)
    assert "ROC AUC (95% interval)" in after.index
    assert "PR AUC (95% interval)" not in after.index
    assert list(after.loc["ROC AUC (95% interval)"]) != list(before.loc["PR AUC (95% interval)"])
    assert "scores best on ROC AUC" in markdown_with(at, "scores best on")


def test_on_accuracy_a_rare_class_says_what_always_the_majority_scores(small_workspace, open_app):
    """ "majority (always no) scores best on Accuracy: 0.909" stood alone: not a word that
    always answering no catches none of the 91 readmissions."""
    at = open_app(small_workspace, page="bake_off")
    at.selectbox(key="bake_off_metric").set_value("accuracy").run()
    assert not at.exception
    said = shown(markdown_with(at, "scores best on Accuracy"))
    line = next(s for s in said.splitlines() if "Always answering" in s)
    assert re.fullmatch(
        r"- Always answering “.+” \(9\d\.\d% of the [\d,]+ [a-z ]+\) scores 0\.9\d\d on Accuracy, "
        r"and it catches none of the \d+ “.+”: so a high Accuracy here says little\.",
        line,
    ), line
    at.selectbox(key="bake_off_metric").set_value("roc_auc").run()  # a metric it cannot win
    assert "Always answering" not in markdown_with(at, "scores best on")


def test_a_rerun_reads_the_bootstrap_from_the_cache(small_workspace, open_app, monkeypatch):
    calls = []
    original = bakeoff.bakeoff_table

    def counted(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(bakeoff, "bakeoff_table", counted)
    at = open_app(small_workspace, page="bake_off")
    at.run()
    at.switch_page("pages/bake_off.py").run()
    assert calls == ["pr_auc"]
    at.selectbox(key="bake_off_metric").set_value("roc_auc").run()
    assert calls == ["pr_auc", "roc_auc"]


def test_the_metric_choices_start_with_the_headline_and_include_recall_at_p90(
    small_workspace, open_app
):
    at = open_app(small_workspace, page="bake_off")
    metric = at.selectbox(key="bake_off_metric")
    assert metric.value == "pr_auc"
    assert metric.options[:3] == ["PR AUC", "ROC AUC", "Recall at ≥90% precision"]


def test_editing_an_assumption_changes_the_monthly_cost_and_is_saved(workspace_copy, open_app):
    at = open_app(workspace_copy, page="bake_off")
    before = comparison(at).loc["Running cost / month", "logistic regression"]
    predictions = at.number_input(key="assume_predictions_per_month")
    predictions.set_value(predictions.value * 10)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    after = comparison(at).loc["Running cost / month", "logistic regression"]
    assert after != before
    assert float(after.strip("$").replace(",", "")) > 5 * float(before.strip("$"))
    stored = json.loads((workspace_copy / ASSUMPTIONS_FILE).read_text())
    assert stored["predictions_per_month"] == 10_000_000
    assert any("10,000,000 predictions" in c.value for c in at.caption)


def test_an_invalid_assumption_shows_one_line_and_saves_nothing(workspace_copy, open_app):
    at = open_app(workspace_copy, page="bake_off")
    at.text_input(key="assume_currency").set_value(" ")
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    assert "currency must be a short code" in at.error[0].value
    assert "\n" not in at.error[0].value
    assert not (workspace_copy / ASSUMPTIONS_FILE).exists()


def test_absurd_assumptions_are_one_line_naming_the_field_and_save_nothing(named_copy, open_app):
    at = open_app(named_copy, page="bake_off")
    recommendation = at.markdown[0].value
    at.number_input(key="assume_cases_per_month").set_value(0.0)
    at.number_input(key="assume_false_alarm_cost").set_value(1e15)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    (error,) = at.error
    assert shown(error.value).startswith(
        "Machines decided on per month must be at least 1, got 0: enter how many you expect"
    )
    assert shown(error.value).endswith("Nothing was saved.")
    assert not (named_copy / ASSUMPTIONS_FILE).exists()
    assert at.markdown[0].value == recommendation
    at.number_input(key="assume_cases_per_month").set_value(10_000.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert shown(at.error[0].value).startswith(
        "Cost of a false alarm must be at most 1,000,000,000,000 (a trillion), got "
        "1,000,000,000,000,000: check for extra zeros."
    )
    assert not (named_copy / ASSUMPTIONS_FILE).exists()


def test_a_negative_cost_is_refused_under_the_save_button_not_only_marked_red(named_copy, open_app):
    at = open_app(named_copy, page="bake_off")
    # A lower bound on the input would stop the browser sending what was typed, with a red
    # mark and no message: the save has to see it to say what is wrong.
    assert not any(n.proto.has_min for n in at.number_input if n.key.startswith("assume_"))
    at.number_input(key="assume_false_alarm_cost").set_value(-5.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    order = in_order(at.main)
    save = next(i for i, n in enumerate(order) if getattr(n, "label", "") == "Save assumptions")
    error = next(i for i, n in enumerate(order) if n is at.error[0])
    assert 0 < error - save <= 3  # right under the button
    assert shown(at.error[0].value) == (
        "Cost of a false alarm cannot be negative, got -5: enter 0 or more. Nothing was saved."
    )
    assert not (named_copy / ASSUMPTIONS_FILE).exists()


def test_an_unreadable_assumptions_file_is_one_error_and_can_be_replaced(workspace_copy, open_app):
    (workspace_copy / ASSUMPTIONS_FILE).write_text('{"predictions_per_month": -5}')
    at = open_app(workspace_copy, page="bake_off")
    assert not at.exception
    assert "is not valid" in at.error[0].value
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    assert load_assumptions(workspace_copy).predictions_per_month == 1_000_000
    assert list(comparison(at).columns) == COLUMNS


def test_the_html_export_holds_every_prototype_and_the_figures_shown(
    small_workspace, open_app, deferred_downloads
):
    at = open_app(small_workspace, page="bake_off")
    at.selectbox(key="bake_off_metric").set_value("roc_auc").run()
    button = at.get("download_button")[0]
    assert button.proto.label == "Report (HTML)"
    report = deferred_downloads(button).decode("utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert "<script" not in report
    for name in PROTOTYPES:
        assert name in report
    interval = comparison(at).loc["ROC AUC (95% interval)", "physics rules"]
    assert interval in report


def test_bake_off_lists_the_recorded_decision(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    texts = [t.value for t in at.text]
    assert "Chose random forest: Best PR AUC at an acceptable latency." in texts
    captions = [c.value for c in at.caption]
    assert "decided on 2024-05-17 · recorded by dana" in captions
    assert "Attendees: ana, bo, dana" in captions
    assert "MVP: random forest" in at.caption[0].value


def record(at, chosen, rationale, attendees="ana, bo"):
    at.selectbox(key="decision_chosen").set_value(chosen)
    at.text_area(key="decision_rationale").set_value(rationale)
    at.text_input(key="decision_attendees").set_value(attendees)
    at.button(key="FormSubmitter:decision_form-Record decision").click().run()
    return at


def test_recording_a_decision_needs_a_reviewer_name(workspace_copy, open_app):
    at = record(open_app(workspace_copy, page="bake_off"), "physics rules", "Cheapest.")
    assert not at.exception
    assert "Enter your name in the sidebar" in at.error[0].value
    assert len(model.open_workspace(workspace_copy).decisions("Sprint 2")) == 1


def test_recording_a_decision_without_rationale_shows_why_not(workspace_copy, open_app):
    at = record(open_app(workspace_copy, page="bake_off", reviewer="dana"), "physics rules", " ")
    assert not at.exception
    assert "needs a rationale" in at.error[0].value


def test_a_recorded_decision_keeps_the_figures_shown_makes_the_mvp_and_lasts(
    workspace_copy, open_app
):
    at = open_app(workspace_copy, page="bake_off", reviewer="dana")
    at.selectbox(key="bake_off_metric").set_value("roc_auc").run()
    rationale = "No training, [a link](http://x) and **bold** stay text."
    recommended = shown(at.markdown[0].value).removeprefix("**Recommendation.** ")
    record(at, "physics rules", rationale, attendees="ana, eli")
    assert not at.exception
    assert at.success[0].value == "Decision recorded: physics rules is the MVP."
    assert at.text_area(key="decision_rationale").value == ""
    ws = model.open_workspace(workspace_copy)
    assert ws.mvp("Sprint 2") == "physics rules"
    decision = ws.decisions("Sprint 2")[-1]
    assert (decision["recorded_by"], decision["attendees"]) == ("dana", ["ana", "eli"])

    snapshot = decision["snapshot"]
    assert [row["prototype"] for row in snapshot] == PROTOTYPES
    for row in snapshot:
        assert row["metric"] == "roc_auc"
        assert row["low"] <= row["estimate"] <= row["high"]
        assert row["running_cost_per_month"] is not None
        assert row["assumptions"]["predictions_per_month"] == 1_000_000
        assert INTERVAL.match(row["shown"]["ROC AUC (95% interval)"])
        assert row["recommendation"] == recommended
    assert {row["verdict"] for row in snapshot} >= {"the MVP"}
    assert json.loads(json.dumps(snapshot, allow_nan=False)) == snapshot

    # The page now compares with the new MVP and shows what the group saw in an expander.
    assert "MVP: physics rules" in at.caption[0].value
    assert list(comparison(at).columns)[0] == "physics rules (MVP)"
    # The first is the comparison itself, under Technical details; then the decisions'.
    shown_then = [t.value for t in at.table if "ROC AUC (95% interval)" in t.value.index][1:]
    assert [list(figures.columns) for figures in shown_then] == [COLUMNS]

    at.switch_page("pages/overview.py").run()
    assert not at.exception
    sprint2 = at.dataframe[0].value.set_index("Sprint").loc["Sprint 2"]
    assert (sprint2["MVP"], sprint2["Decision"]) == ("physics rules", "physics rules")
    assert f"Chose physics rules: {rationale}" in [t.value for t in at.text]

    restarted = open_app(workspace_copy)
    assert not restarted.exception
    assert f"Chose physics rules: {rationale}" in [t.value for t in restarted.text]


def test_an_sme_sees_the_bake_off_but_cannot_decide_edit_costs_send_or_export(
    workspace_copy, open_signed_in
):
    at = open_signed_in(workspace_copy, "ana@plant.example", "sme", "bake_off")
    assert not at.exception
    assert at.title[0].value.startswith("Bake-off")
    refusals = [box.value for box in at.info] + [c.value for c in at.caption]
    assert any("cannot record decisions" in text for text in refusals)
    assert any("cannot change the cost assumptions" in text for text in refusals)
    assert "Record decision" not in [b.label for b in at.button]
    assert "Save assumptions" not in [b.label for b in at.button]
    send = [b for b in open_tab(at, DISAGREEMENTS).button if b.label.startswith("Send these")]
    assert len(send) == 1 and send[0].disabled


def test_a_scientist_can_record_a_decision_when_signed_in(workspace_copy, open_signed_in):
    at = open_signed_in(workspace_copy, "dana@plant.example", "scientist", "bake_off")
    assert not at.exception
    assert "Record decision" in [b.label for b in at.button]
    assert "Save assumptions" in [b.label for b in at.button]


# -- the bootstrap, computed once; the detail tabs, when opened ---------------------------------
#: What the page's default view computes (the Overview warms it up) and what only a tab needs.
WARMED = ("bootstrap_figures", "pareto_spec")
LAZY = ("segment_table", "disagreements")
#: Where a name above lives when not in ``model.bakeoff``.
OWNERS = {"pareto_spec": bakeoff_charts}


def count_calls(monkeypatch, names=WARMED + LAZY) -> list[str]:
    """Record every call the app makes to these ``model.bakeoff`` and ``ui.bakeoff_charts``
    functions."""
    return record_calls(monkeypatch, [(OWNERS.get(name, bakeoff), name) for name in names])


def filled_tabs(at) -> list[str]:
    """The detail tabs the run drew something in."""
    return [tab.label for tab in at.tabs if tab.children]


def test_the_overview_warms_up_the_bake_off_so_its_first_open_only_reads(
    workspace_copy, open_app, monkeypatch
):
    from ui import cached, cached_bakeoff

    calls = count_calls(monkeypatch)
    at = open_app(workspace_copy)  # the overview, the app's first page
    assert not at.exception
    cached_bakeoff._WARM_UP_POOL.submit(lambda: None).result()  # wait for the warm-up to finish
    assert sorted(calls) == sorted(WARMED)  # the default view's figures, not the tabs'
    at.switch_page("pages/bake_off.py").run()
    assert not at.exception
    assert INTERVAL.match(comparison(at).loc["PR AUC (95% interval)", "random forest (MVP)"])
    assert sorted(calls) == sorted(WARMED)  # read, not computed again
    ws = model.open_workspace(workspace_copy)
    assert not cached.warm_up_bakeoff(ws, "Sprint 2")  # already asked for


def test_the_first_open_computes_no_closed_tab(small_workspace, open_app, monkeypatch):
    at = open_app(small_workspace)

    def closed(*args, **kwargs):
        raise AssertionError("computed while its tab is closed")

    for name in LAZY:
        monkeypatch.setattr(bakeoff, name, closed)
    monkeypatch.setattr(model.Workspace, "comparison", closed)
    at.switch_page("pages/bake_off.py").run()
    assert not at.exception
    assert at.session_state[TAB_KEY] == "Costs and assumptions"
    assert filled_tabs(at) == ["Costs and assumptions", "Decision"]
    assert "What each prototype costs" in [h.value for h in at.subheader]
    assert MAINTENANCE_ROW in table_with(at, MAINTENANCE_ROW).index
    assert len(at.error) == 0
    assert len(at.get("vega_lite_chart")) == 2  # the monthly costs and the Pareto chart


def test_each_detail_tab_is_computed_when_it_is_opened(small_workspace, open_app, monkeypatch):
    calls = count_calls(monkeypatch, LAZY)
    at = open_app(small_workspace, page="bake_off")
    assert calls == []
    open_tab(at, SEGMENTS)
    assert calls == ["segment_table"]
    assert filled_tabs(at) == ["Costs and assumptions", SEGMENTS, "Decision"]
    assert any("Type" in frame.value.columns for frame in at.dataframe)
    open_tab(at, DISAGREEMENTS)
    assert calls == ["segment_table", "disagreements"]
    assert filled_tabs(at) == ["Costs and assumptions", DISAGREEMENTS, "Decision"]
    assert at.metric[0].label == "Demo rows where the predictions differ"
    open_tab(at, MODELS)
    assert not at.exception
    (models,) = [table.value for table in at.table if "Model" in table.value.columns]
    assert list(models.index) == PROTOTYPES  # a table that wraps, one row a prototype
    open_tab(at, SEGMENTS)  # opened again: read from the cache
    assert calls == ["segment_table", "disagreements"]


def test_the_chosen_feature_survives_a_look_at_another_tab(small_workspace, open_app):
    at = open_tab(open_app(small_workspace, page="bake_off"), SEGMENTS)
    feature = at.selectbox(key="bake_off_feature")
    chosen = feature.options[2]
    feature.set_value(chosen).run()
    open_tab(open_tab(at, "Decision"), SEGMENTS)
    assert at.selectbox(key="bake_off_feature").value == chosen
    segments = next(d.value for d in at.dataframe if chosen in d.value.columns)
    assert len(segments) == 4  # a numeric feature, cut into four bins


def test_new_cost_assumptions_do_not_rerun_the_bootstrap(workspace_copy, open_app, monkeypatch):
    calls = count_calls(monkeypatch, ["bootstrap_figures"])
    at = open_app(workspace_copy, page="bake_off", reviewer="dana")
    before = len(calls)
    at.number_input(key="assume_engineer_day_rate").set_value(1600.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    assert comparison(at).loc["One-off cost", "random forest (MVP)"] == "$8,000.00"
    assert len(calls) == before


# -- the room's language: the recommendation, counts, thresholds, money -----------------------
NAMED_COLUMNS = ["tool-wear rule (MVP)", "physics rules", "logistic regression"]
JARGON = ["PR AUC", "ROC AUC", "McNemar", "dominated", "ms per 1,000", "base value", "SHAP",
          "log odds", "Pipeline("]  # fmt: skip
OUTCOME = re.compile(
    r"^Caught (\d+) of (\d+) failures \(\d+%\); (\d+) false alarms? among the (\d+) machines "
    r"with no failure\.$"
)


@pytest.fixture(scope="module")
def named_workspace(tmp_path_factory) -> Path:
    """A sprint of three prototypes published with class names ("No failure", "Failure"), as
    the demo publishes them; the tool-wear rule is the MVP."""
    data = load_data()
    train, demo = train_test_split(
        data, test_size=DEMO_ROWS, stratify=data[TARGET], random_state=SEED
    )
    X, y = train[FEATURES], train[TARGET]
    ws = model.open_workspace(tmp_path_factory.mktemp("named") / "workspace")
    candidates = {
        "tool-wear rule": (model.ToolWearRule(), 1.0),
        "physics rules": (model.PhysicsRules(), 2.0),
        "logistic regression": (_pipeline(LogisticRegression(max_iter=500), scale=True), 3.0),
    }
    for name, (estimator, effort) in candidates.items():
        ws.publish(
            "Sprint 2", name, estimator.fit(X, y), demo[FEATURES], demo[TARGET],
            mvp=name == "tool-wear rule", train_seconds=0.5, effort_days=effort,
            class_names=WORDS["class_names"],
        )  # fmt: skip
    return ws.path


@pytest.fixture
def named_copy(named_workspace, tmp_path) -> Path:
    return copy_workspace(named_workspace, tmp_path / "named")


def in_order(node) -> list:
    """Every element under ``node`` in the order the page shows them, blocks included."""
    out = [node]
    for index in sorted(getattr(node, "children", {}) or {}):
        out += in_order(node.children[index])
    return out


def texts(node) -> list[str]:
    """What a user reads under ``node``: text, labels, options, help and table cells, leaving
    out what sits inside an expander whose label starts with "Technical details"."""
    if isinstance(node, Expander) and node.label.startswith("Technical details"):
        return []
    out = []
    for attribute in ("label", "value", "help", "body"):
        value = getattr(node, attribute, None)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, pd.DataFrame):
            out.append(value.to_string())
            out += [str(c) for c in value.columns] + [str(i) for i in value.index]
    out += [str(option) for option in getattr(node, "options", None) or []]
    for index in sorted(getattr(node, "children", {}) or {}):
        out += texts(node.children[index])
    return out


def outcome_sentences(at) -> list[str]:
    return [shown(m.value) for m in at.markdown if shown(m.value).startswith("Caught ")]


def error_costs(at) -> list[str]:
    return [shown(m.value) for m in at.markdown if m.value.startswith("Its errors would cost")]


def test_the_recommendation_and_the_decision_form_come_before_any_table(named_workspace, open_app):
    at = open_app(named_workspace, page="bake_off")
    assert not at.exception
    expected = sprint_recommendation(model.open_workspace(named_workspace), "Sprint 2")
    shown_first = shown(at.markdown[0].value)
    assert shown_first == f"**Recommendation.** {expected.text}"
    assert len(re.findall(r"[.;] [A-Z]", expected.text)) <= 1  # one or two sentences
    kinds = [getattr(e, "type", "") for e in in_order(at.main)]
    assert kinds.index("form") < min(kinds.index("table"), kinds.index("dataframe"))
    assert "Record decision" in [b.label for b in at.button]


def test_each_prototype_says_what_it_would_do_in_counts_with_class_names(named_workspace, open_app):
    at = open_app(named_workspace, page="bake_off")
    costs = {c.name: c for c in sprint_costs(model.open_workspace(named_workspace), "Sprint 2")}
    sentences = outcome_sentences(at)
    assert len(sentences) == 3
    for sentence, name in zip(sentences, NAMED_COLUMNS, strict=True):
        outcome = costs[name.removesuffix(" (MVP)")].errors.outcome
        caught, positives, alarms, negatives = map(int, OUTCOME.match(sentence).groups())
        assert (caught, positives) == (outcome.caught, outcome.positives)
        assert (alarms, negatives) == (outcome.false_alarms, outcome.negatives)
    matrix = table_with(at, "Actually Failure")
    assert list(matrix.columns) == ["Predicted Failure", "Predicted No failure"]
    assert re.match(r"^\d+ caught$", matrix.loc["Actually Failure", "Predicted Failure"])
    assert re.match(r"^\d+ missed$", matrix.loc["Actually Failure", "Predicted No failure"])
    assert re.match(r"^\d+ false alarms?$", matrix.loc["Actually No failure", "Predicted Failure"])
    assert matrix.loc["Actually No failure", "Predicted No failure"].endswith(" left alone")
    everything = "\n".join(texts(at.main))
    for code in ("Predicted 0", "Predicted 1", "Actually 0", "Actually 1", "chance of 1"):
        assert code not in everything
    assert at.slider[0].label == "Flag a machine when the chance of failure is at least"
    assert len(error_costs(at)) == 3
    assert all("a month (95% interval $" in text for text in error_costs(at))
    # how the counts become that figure is on the page, not only on hover (a projector)
    worked = [e for e in at.expander if e.label == "How this is worked out"]
    assert len(worked) == 3
    first = costs[NAMED_COLUMNS[0].removesuffix(" (MVP)")].errors
    assert shown(worked[0].markdown[0].value) == first.formula
    assert "× " in first.formula and "a month" in first.formula


def test_moving_a_threshold_changes_the_counts_and_the_cost(named_workspace, open_app):
    at = open_app(named_workspace, page="bake_off")
    index = NAMED_COLUMNS.index("logistic regression")
    slider = at.slider[index]
    cheapest = slider.value
    sentence, cost = outcome_sentences(at)[index], error_costs(at)[index]
    slider.set_value(90.0).run()
    assert not at.exception
    moved = outcome_sentences(at)[index]
    assert moved != sentence and error_costs(at)[index] != cost
    caught = int(OUTCOME.match(moved).group(1))
    assert caught <= int(OUTCOME.match(sentence).group(1))  # a higher bar flags fewer
    assert any("the thresholds set below" in c.value for c in at.caption)
    back = next(b for b in at.button if b.label.startswith("Back to the cheapest"))
    back.click().run()
    assert at.slider[index].value == cheapest
    assert outcome_sentences(at)[index] == sentence and error_costs(at)[index] == cost


def test_a_rerun_reads_the_priced_errors_from_the_cache(named_workspace, open_app, monkeypatch):
    calls = record_calls(monkeypatch, [(recommend, "sprint_costs")])
    at = open_app(named_workspace, page="bake_off")
    first = len(calls)
    assert first >= 1
    at.run()
    assert len(calls) == first
    at.slider[0].set_value(40.0).run()
    assert len(calls) == first + 1  # priced again at the new threshold, once
    at.run()
    assert len(calls) == first + 1


def test_saving_assumptions_keeps_every_field_the_form_does_not_show(named_copy, open_app):
    stored = CostAssumptions(
        wrong_class_cost=123.0, cost_per_unit_error=7.0, cost_matrix={"a": {"b": 5.0}}
    )
    save_assumptions(named_copy, stored)
    at = open_app(named_copy, page="bake_off")
    before = error_costs(at)
    at.number_input(key="assume_missed_positive_cost").set_value(20_000.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    saved = load_assumptions(named_copy)
    assert saved.missed_positive_cost == 20_000
    assert (saved.wrong_class_cost, saved.cost_per_unit_error) == (123.0, 7.0)
    assert saved.cost_matrix == {"a": {"b": 5.0}}
    assert error_costs(at) != before


def test_without_a_noun_the_form_asks_for_cases_not_rows_in_the_demo_set(tmp_path, open_app):
    # "Rows in the demo set decided on per month" beside a notice of "10,000 cases a month"
    data = load_data().sample(400, random_state=0)
    X = data[[f for f in FEATURES if f != "Type"]]
    y = data[TARGET].rename("Overheating")  # no noun known for it
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S1", "lr", LogisticRegression(max_iter=500).fit(X, y), X, y)
    at = open_app(tmp_path / "ws", page="bake_off")
    labels = {n.key: n.label for n in at.number_input}
    assert labels["assume_cases_per_month"] == "Cases decided on per month"


def test_the_form_asks_for_every_cost_of_running_and_of_errors(named_copy, open_app):
    at = open_app(named_copy, page="bake_off")
    labels = {n.key: n.label for n in at.number_input}
    assert labels["assume_missed_positive_cost"] == "Cost of a missed failure"
    assert labels["assume_false_alarm_cost"] == "Cost of a false alarm"
    assert labels["assume_cases_per_month"] == "Machines decided on per month"
    for field in ("instance_price_per_month", "maintenance_hours_per_month"):
        assert f"assume_{field}" in labels
    hosting = ownership_table(at).set_index("Prototype")["Hosting / month"]
    assert set(hosting) == {"$70"}  # one always-on instance each
    at.checkbox(key="assume_serverless").check()
    at.number_input(key="assume_maintenance_hours_per_month").set_value(16.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    saved = load_assumptions(named_copy)
    assert saved.serverless and saved.maintenance_hours_per_month == 16
    owned = ownership_table(at).set_index("Prototype")
    assert "$70" not in set(owned["Hosting / month"])
    assert set(owned["Maintenance / month"]) == {"$1,600"}  # 16 h × $800 ÷ 8


def ownership_table(at) -> pd.DataFrame:
    """The two money tables, joined on the prototype."""
    money = next(d.value for d in at.dataframe if "Pays back" in d.value.columns)
    owning = next(d.value for d in at.dataframe if "Hosting / month" in d.value.columns)
    return money.merge(owning.drop(columns=["To own / month"]), on="Prototype")


def test_what_each_costs_to_own_and_its_payback_with_formulas_on_hover(
    named_workspace, open_app, chart_data
):
    at = open_app(named_workspace, page="bake_off")
    owned = ownership_table(at).set_index("Prototype")
    assert list(owned.index) == NAMED_COLUMNS
    for name in NAMED_COLUMNS:
        month = float(owned.loc[name, "To own / month"].strip("$").replace(",", ""))
        year = float(owned.loc[name, "To own / year"].strip("$").replace(",", ""))
        assert year == pytest.approx(12 * month, abs=6)  # both in whole dollars
    assert owned.loc["tool-wear rule (MVP)", "One-off cost"] == "$800"
    # a few seconds of retraining a month cost under a cent: not "$0.0000068"
    assert all(
        v == "under $0.01" or re.fullmatch(r"\$[\d,]+", v) for v in owned["Retraining / month"]
    )
    assert owned.loc["tool-wear rule (MVP)", "Pays back"] == "the MVP"
    # "$130,000 + $870 = $130,000" was said to be rounding: each total now adds up as shown,
    # as on the Present slide
    assert "each total is the sum of the errors and the owning cost as shown" in " ".join(
        shown(c.value) for c in at.caption
    )
    money = next(d.value for d in at.dataframe if "Pays back" in d.value.columns)
    for row in money.itertuples():
        errors = row._2.split(" (")[0]  # "Errors / month": "$130,000 (…–…)"
        figures = [float(text.strip("$").replace(",", "")) for text in (errors, row._3, row._4)]
        assert figures[0] + figures[1] == pytest.approx(figures[2], abs=0.01)  # errors + own
    assert all(re.match(r"^(in .+\??|never)$", v) for v in owned["Pays back"][1:])
    recommendation = sprint_recommendation(model.open_workspace(named_workspace), "Sprint 2")
    for row in recommendation.table.itertuples():
        uncertain = "within the uncertainty" in str(row.payback_formula)
        label = next(n for n in NAMED_COLUMNS if n.startswith(row.prototype))
        assert owned.loc[label, "Pays back"].endswith("?") == uncertain
    config = {}
    for element in at.dataframe:
        config.update(json.loads(element.proto.columns) if element.proto.columns else {})
    assert "Always-on" in config["Hosting / month"]["help"]
    assert "× 12" in config["To own / year"]["help"]
    assert "missed × $2,000.00" in config["Errors / month"]["help"]
    assert "one-off cost ÷" in config["Pays back"]["help"].lower()
    formulas = next(t.value for t in at.table if "Figure" in t.value.columns)
    assert not formulas["Formula"].str.fullmatch("nan").any()  # the MVP's payback read "nan"
    assert "the MVP" not in set(formulas.loc[formulas["Figure"] == "Pays back", "Prototype"])
    (bars,) = [c for c in at.get("vega_lite_chart") if "costs a month" in c.proto.spec]
    (data,) = chart_data(bars)
    assert set(data["part"]) == {"Hosting", "Retraining", "Maintenance", "Errors"}
    assert data["formula"].str.contains("=").all()
    assert "How it is computed" in bars.proto.spec


def test_no_jargon_outside_the_technical_details(named_workspace, open_app):
    at = open_app(named_workspace, page="bake_off")
    outside = "\n".join(texts(at.main))
    for word in JARGON:
        assert word not in outside, word
    (details,) = [e for e in at.expander if e.label.startswith("Technical details: scores")]
    inside = "\n".join(texts_anywhere(details))
    for word in ("PR AUC", "McNemar", "dominated", "ms per 1,000"):
        assert word in inside, word
    metric = at.selectbox(key="bake_off_metric")
    assert "share of positives" in metric.help  # its plain-language help


@pytest.mark.parametrize("tab", [MODELS, DISAGREEMENTS])
def test_no_jargon_in_a_detail_tab_outside_the_technical_details(named_workspace, open_app, tab):
    at = open_tab(open_app(named_workspace, page="bake_off"), tab)
    assert not at.exception
    outside = "\n".join(texts(at.main))
    for word in JARGON:
        assert word not in outside, (tab, word)
    if tab == MODELS:  # the explainer is there, for the data scientist
        (details,) = [e for e in at.expander if e.label.startswith("Technical details: each")]
        assert "SHAP explainer" in "\n".join(texts_anywhere(details))


def test_the_per_segment_tab_says_the_score_in_words_and_its_name_under_details(
    named_workspace, open_app
):
    at = open_tab(open_app(named_workspace, page="bake_off"), SEGMENTS)
    assert not at.exception
    outside = "\n".join(texts(at.main))
    assert (
        "Higher is better. Each figure scores a prototype on the machines of one value of "
        "Type: how well the prototype ranks real positives above the rest" in shown(outside)
    )
    assert "read big gaps, not small ones" in outside
    for word in JARGON:
        assert word not in outside, word
    (details,) = [e for e in at.expander if e.label == "Technical details: the score per segment"]
    inside = shown("\n".join(texts_anywhere(details)))
    assert "The score is PR AUC: how well" in inside


def texts_anywhere(node) -> list[str]:
    out = [str(getattr(node, "value", ""))]
    if isinstance(getattr(node, "value", None), pd.DataFrame):
        out.append(node.value.to_string())
    for index in sorted(getattr(node, "children", {}) or {}):
        out += texts_anywhere(node.children[index])
    return out


# -- other tasks: per class for multiclass, in the target's unit for regression -----------------
@pytest.fixture(scope="module")
def other_tasks(tmp_path_factory) -> Path:
    """Sprint "Types": two classifiers of the product type (three classes, named); sprint
    "Torque": two regressions of the torque, in Nm."""
    data = load_data()
    train, demo = train_test_split(data, test_size=DEMO_ROWS, random_state=SEED)
    numeric = FEATURES[1:]
    ws = model.open_workspace(tmp_path_factory.mktemp("tasks") / "workspace")
    names = {"L": "Low quality", "M": "Medium quality", "H": "High quality"}
    for name, estimator in (
        ("logistic regression", LogisticRegression(max_iter=300)),
        ("small forest", RandomForestClassifier(n_estimators=5, max_depth=3, random_state=SEED)),
    ):
        ws.publish(
            "Types", name, estimator.fit(train[numeric], train["Type"]), demo[numeric],
            demo["Type"], mvp=name == "small forest", train_seconds=0.1, effort_days=1.0,
            class_names=names,
        )  # fmt: skip
    inputs = ["Rotational speed [rpm]", "Tool wear [min]"]
    for name, estimator in (
        ("linear", LinearRegression()),
        ("small forest", RandomForestRegressor(n_estimators=5, max_depth=3, random_state=SEED)),
    ):
        ws.publish(
            "Torque", name, estimator.fit(train[inputs], train["Torque [Nm]"]), demo[inputs],
            demo["Torque [Nm]"], mvp=name == "linear", train_seconds=0.1, effort_days=1.0,
        )  # fmt: skip
    return ws.path


def open_sprint(open_app, workspace: Path, sprint: str):
    at = open_app(workspace)
    at.sidebar.selectbox(key="sprint").set_value(sprint).run()
    return at.switch_page("pages/bake_off.py").run()


def test_a_multiclass_bake_off_counts_per_class_and_prices_a_cost_matrix(other_tasks, open_app):
    workspace = other_tasks
    at = open_sprint(open_app, workspace, "Types")
    assert not at.exception
    assert at.markdown[0].value.startswith("**Recommendation.**")
    sentences = [shown(m.value) for m in at.markdown if shown(m.value).startswith("Right on ")]
    assert len(sentences) == 2
    assert "Low quality: " in sentences[0] and "recognised" in sentences[0]
    # the overall count on its line, one line per class listed under it
    overall, listed = sentences[0].split("\n\n")
    assert overall.endswith(").") and "recognised" not in overall
    assert [line[:2] for line in listed.splitlines()] == ["- "] * 3
    matrix = table_with(at, "Actually Low quality")
    assert "Predicted High quality" in matrix.columns
    total = sum(int(v.replace(",", "")) for v in matrix.to_numpy().ravel())
    assert total == DEMO_ROWS
    assert at.number_input(key="assume_wrong_class_cost").label == "Cost of a wrong class"
    before = error_costs(at)
    at.number_input(key="assume_wrong_class_cost").set_value(5_000.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    saved = load_assumptions(workspace)
    assert saved.wrong_class_cost == 5_000
    assert saved.cost_matrix is None  # no cell edited: every mistake costs the new price
    assert error_costs(at) != before


def test_the_sprint_demo_and_present_list_a_multiclass_outcome_per_class(
    other_tasks, monkeypatch, open_app
):
    at = open_app(other_tasks)
    at.sidebar.selectbox(key="sprint").set_value("Types").run()
    at = at.switch_page("pages/sprint_demo.py").run()
    assert not at.exception
    (outcome,) = [shown(m.value) for m in at.markdown if shown(m.value).startswith("**Right on")]
    bold, listed = outcome.split("\n\n")
    assert bold.startswith("**Right on ") and bold.endswith(").**")
    assert len(listed.splitlines()) == 3 and all(
        line.startswith("- ") for line in listed.splitlines()
    )

    at = open_link(monkeypatch, other_tasks, "present", sprint="Types", step="1", present="1")
    assert not at.exception
    (big,) = [
        m.value for m in at.markdown if "font-size:1.6rem" in m.value and "Right on" in m.value
    ]
    assert big.count("<li>") == 3 and "recognised" not in big.split("<ul")[0]


def test_a_regression_bake_off_says_the_typical_error_in_the_target_unit(other_tasks, open_app):
    at = open_sprint(open_app, other_tasks, "Torque")
    assert not at.exception
    sentences = [shown(m.value) for m in at.markdown if shown(m.value).startswith("Half the ")]
    assert len(sentences) == 2
    assert all(
        re.match(r"^Half the .* predicted to within [\d.,]+ Nm, 9 in 10 ", s) for s in sentences
    )
    assert at.number_input(key="assume_under_prediction_cost").label == (
        "Cost of each unit predicted too low (e.g. lost sales)"
    )
    assert not at.slider  # no threshold to move
    assert len(error_costs(at)) == 2


def test_an_edited_cost_matrix_cell_is_kept_and_the_others_follow_the_wrong_class_cost(
    monkeypatch,
):
    from ui.sections import bakeoff_assumptions as form

    classes, names = ["L", "M", "H"], {"L": "Low", "M": "Medium", "H": "High"}
    listed = {"L": {"H": 9.0}}
    frame = form._matrix_frame(CostAssumptions(cost_matrix=listed), classes, names)
    assert frame.loc["Actually Low", "Predicted High"] == 9.0
    assert frame.loc["Actually Low", "Predicted Medium"] == 500.0  # the wrong-class cost
    assert frame.loc["Actually Low", "Predicted Low"] == 0.0
    edits = {"edited_rows": {1: {"Predicted Low": 42.0}, 0: {"Predicted Low": 7.0}}}
    monkeypatch.setattr(form.st, "session_state", {form.MATRIX_KEY: edits})
    typed = form._typed_matrix(frame, classes, listed)
    assert typed == {"L": {"H": 9.0}, "M": {"L": 42.0}}  # a right answer never costs


def matrix_cell(at, label: str):
    return next(n for n in at.number_input if n.label == label)


def test_the_cost_matrix_is_a_number_per_mistake_and_a_changed_cell_changes_the_costs(
    other_tasks, open_app, tmp_path
):
    workspace = copy_workspace(other_tasks, tmp_path / "tasks")
    save_assumptions(workspace, CostAssumptions())
    at = open_sprint(open_app, workspace, "Types")
    assert not at.exception
    names = ["Low quality", "Medium quality", "High quality"]
    labels = [f"Actual {a} predicted as {d}" for a in names for d in names if a != d]
    assert sorted(n.label for n in at.number_input if n.label.startswith("Actual ")) == sorted(
        labels
    )
    assert not at.get("arrow_data_editor")
    # The commonest mistake: a medium-quality product taken for a low-quality one.
    cell = matrix_cell(at, "Actual Medium quality predicted as Low quality")
    assert cell.value == 500.0  # the cost of a wrong class until it is set
    before = error_costs(at)
    cell.set_value(20_000.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    assert load_assumptions(workspace).cost_matrix == {"M": {"L": 20_000.0}}
    assert error_costs(at) != before
    assert matrix_cell(at, "Actual Medium quality predicted as Low quality").value == 20_000.0

    # A new cost of a wrong class moves every cell never set, and a save without a change to
    # them lists none: the grid shows what is saved, not what was typed before.
    at.number_input(key="assume_wrong_class_cost").set_value(700.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert matrix_cell(at, "Actual High quality predicted as Low quality").value == 700.0
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    saved = load_assumptions(workspace)
    assert (saved.wrong_class_cost, saved.cost_matrix) == (700.0, {"M": {"L": 20_000.0}})


def test_a_negative_cost_matrix_cell_is_refused_naming_the_mistake(other_tasks, open_app, tmp_path):
    workspace = copy_workspace(other_tasks, tmp_path / "tasks")
    save_assumptions(workspace, CostAssumptions())
    at = open_sprint(open_app, workspace, "Types")
    matrix_cell(at, "Actual Medium quality predicted as Low quality").set_value(-20.0)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    assert shown(at.error[0].value) == (
        "Actual Medium quality predicted as Low quality cannot be negative, got -20: enter 0 "
        "or more. Nothing was saved."
    )
    assert load_assumptions(workspace) == CostAssumptions()


def test_a_cell_without_a_class_name_is_labelled_with_its_code():
    from ui.sections import bakeoff_assumptions as form

    assert form.cell_label("L", "H", {"L": "Low"}) == "Actual Low predicted as H"


def test_the_disagreements_name_the_classes(named_workspace, open_app):
    at = open_tab(open_app(named_workspace, page="bake_off"), DISAGREEMENTS)
    assert not at.exception
    rows = next(d.value for d in at.dataframe if "Row" in d.value.columns)
    assert set(rows["Truth"]) <= {"Failure", "No failure"}
    for name in ("tool-wear rule", "physics rules", "logistic regression"):
        assert set(rows[name]) <= {"Failure", "No failure"}
        assert f"{name}: chance of Failure" in rows.columns
    assert not [c for c in rows.columns if "p(1)" in c]


@pytest.fixture(scope="module")
def split_types(tmp_path_factory) -> Path:
    """Sprint "Types": two three-class prototypes that predict different classes on some
    rows (one weighs the classes equally)."""
    data = load_data()
    train, demo = train_test_split(data, test_size=DEMO_ROWS, random_state=SEED)
    numeric = FEATURES[1:]
    ws = model.open_workspace(tmp_path_factory.mktemp("split") / "workspace")
    for name, estimator in (
        ("logistic regression", LogisticRegression(max_iter=300)),
        ("balanced forest", RandomForestClassifier(
            n_estimators=5, max_depth=3, class_weight="balanced", random_state=SEED)),
    ):  # fmt: skip
        ws.publish(
            "Types", name, estimator.fit(train[numeric], train["Type"]), demo[numeric],
            demo["Type"], mvp=name == "balanced forest", train_seconds=0.1, effort_days=1.0,
        )  # fmt: skip
    return ws.path


def test_a_multiclass_bake_off_has_no_positive_class_and_no_threshold_in_its_words(
    split_types, open_app
):
    """A 5-queue sprint read "probabilities are of the positive class" under its disagreeing
    rows (each column is a prototype's confidence in its own queue) and "McNemar ... at each
    prototype's threshold" (a multiclass prototype has none)."""
    at = open_tab(open_sprint(open_app, split_types, "Types"), DISAGREEMENTS)
    assert not at.exception
    captions = [c.value for c in at.caption]
    rows = [c for c in captions if c.startswith("Rows 1–")]
    assert rows and rows[0].endswith(
        "the most split first; each confidence is that prototype's chance for the class it "
        "predicts."
    )
    (statistics,) = [shown(c) for c in captions if "McNemar p:" in shown(c)]
    assert "McNemar about which rows each gets right" in statistics
    assert "threshold" not in statistics and "positive class" not in " ".join(captions)


@pytest.fixture(scope="module")
def always_no(tmp_path_factory) -> Path:
    """Sprint "Baseline": a prototype that gives every machine the same chance of failure
    (always "no failure") beside a logistic regression."""
    from sklearn.dummy import DummyClassifier

    data = load_data()
    train, demo = train_test_split(data, test_size=DEMO_ROWS, random_state=SEED)
    numeric = FEATURES[1:]
    ws = model.open_workspace(tmp_path_factory.mktemp("always_no") / "workspace")
    for name, estimator in (
        ("always no", DummyClassifier(strategy="most_frequent")),
        ("logistic regression", LogisticRegression(max_iter=300)),
    ):
        ws.publish(
            "Baseline", name, estimator.fit(train[numeric], train[TARGET]), demo[numeric],
            demo[TARGET], mvp=name == "logistic regression", train_seconds=0.1, effort_days=1.0,
        )  # fmt: skip
    return ws.path


def test_a_threshold_at_or_below_every_chance_says_it_flags_every_case(always_no, open_app):
    """An "always no" model, every case 0 %, read "Flag a case when the chance ... is at least
    0.0%" and "Caught 91 of 91 … (100%)": the nurse read that it catches everyone."""
    from ui.sections.bakeoff_thresholds import key

    at = open_sprint(open_app, always_no, "Baseline")
    for name in ("always no", "logistic regression"):
        at.slider(key=key("Baseline", name)).set_value(0.0).run()
    assert not at.exception
    texts_shown = " ".join(shown(m.value) for m in at.markdown)
    constant = re.search(
        r"It cannot tell machines apart: its chance of .+ is the same for every machine "
        rf"\(0\.0%\), so it flags every machine, all {DEMO_ROWS:,}\. Caught \d+ of \d+",
        texts_shown,
    )
    assert constant, texts_shown
    assert re.search(
        r"At 0\.0%, at or below the lowest chance it gives any machine \(\d+\.\d%\), it flags "
        rf"every machine, all {DEMO_ROWS:,}\. Caught",
        texts_shown,
    )
