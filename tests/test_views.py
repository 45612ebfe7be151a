"""The pages' logic, without Streamlit: charts, deltas, filters, the review queue, words."""

import io
import json

import pandas as pd
import pytest

import feedback_store
import model
from ui import (
    bakeoff_charts,
    bakeoff_tables,
    charts,
    explanations,
    formatting,
    predictions_table,
    review_card,
    sprint_summary,
    verdict_tables,
)

BINARY_META = {
    "task": "binary",
    "classes": ["0", "1"],
    "positive_class": "1",
    "explained_classes": ["1"],
    "target": "Machine failure",
    "global_importance": {
        "Tool wear [min]": 0.04,
        "Process temperature [K]": 0.01,
        "Torque [Nm]": 0.03,
    },
}


def explanation(**overrides):
    contributions = {
        "Torque [Nm]": 0.30,
        "Tool wear [min]": -0.05,
        "Process temperature [K]": 0.12,
        "Type": 0.01,
    }
    base = 0.034
    out = {
        "output": base + sum(contributions.values()),
        "base_value": base,
        "contributions": contributions,
        "explained_class": "1",
        "unit": "probability",
        "feature_values": {
            "Torque [Nm]": 65.2,
            "Tool wear [min]": 12,
            "Process temperature [K]": 308.6,
            "Type": "L",
        },
        "predicted": "1",
        "explainer": "exact",
    }
    return out | overrides


def predictions():
    return pd.DataFrame(
        {
            "predicted": ["0", "1", "0", "1", "0"],
            "confidence": [0.95, 0.55, 0.60, 0.80, 0.55],
            "actual": ["0", "0", "0", "1", "1"],
            "correct": [True, False, True, True, False],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="row_id"),
    )


def chart_dict(chart) -> dict:
    return chart.to_dict()


def text_marks(spec: dict):
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "text":
            yield mark


# -- filters ------------------------------------------------------------------------------------
def test_filter_predictions_without_filters_keeps_every_row():
    assert list(predictions_table.filter_predictions(predictions()).index) == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]


def test_filter_predictions_by_predicted_class():
    shown = predictions_table.filter_predictions(predictions(), classes=["1"])
    assert list(shown.index) == ["b", "d"]


def test_filter_predictions_by_confidence_range_includes_its_ends():
    shown = predictions_table.filter_predictions(predictions(), confidence=(0.55, 0.8))
    assert list(shown.index) == ["b", "c", "d", "e"]


def test_filter_predictions_by_correctness():
    data = predictions()
    assert list(predictions_table.filter_predictions(data, correctness="wrong").index) == ["b", "e"]
    assert list(predictions_table.filter_predictions(data, correctness="correct").index) == [
        "a",
        "c",
        "d",
    ]


def test_filter_predictions_combines_filters():
    shown = predictions_table.filter_predictions(
        predictions(), classes=["0"], confidence=(0.5, 0.7), correctness="wrong"
    )
    assert list(shown.index) == ["e"]


def test_filter_predictions_ignores_correctness_without_known_outcomes():
    data = predictions().drop(columns=["actual", "correct"])
    assert len(predictions_table.filter_predictions(data, correctness="wrong")) == 5


def test_filter_predictions_rejects_an_unknown_correctness():
    with pytest.raises(ValueError, match="correctness"):
        predictions_table.filter_predictions(predictions(), correctness="maybe")


def test_filter_predictions_can_keep_only_rows_explained_in_advance():
    data = predictions().assign(precomputed=[True, False, True, False, True])
    assert list(predictions_table.filter_predictions(data, precomputed_only=True).index) == [
        "a",
        "c",
        "e",
    ]
    assert len(predictions_table.filter_predictions(data)) == 5
    # Predictions that do not record it (published before demo decks) were all precomputed.
    assert len(predictions_table.filter_predictions(predictions(), precomputed_only=True)) == 5


def test_prediction_mask_is_the_filter_as_a_boolean_array():
    data = predictions()
    mask = predictions_table.prediction_mask(data, classes=["0"], correctness="wrong")
    assert mask.tolist() == [False, False, False, False, True]


# -- pages of the predictions table --------------------------------------------------------------
def test_table_page_slices_the_filtered_rows():
    page = predictions_table.table_page(shown=450, total=1_000, number=2, page_size=200)
    assert (page.number, page.pages, page.start, page.stop) == (2, 3, 200, 400)
    assert page.caption == (
        "Showing rows 201–400 of 450 (filtered from 1,000). Click a row to explain it."
    )
    last = predictions_table.table_page(shown=450, total=1_000, number=3, page_size=200)
    assert (last.start, last.stop) == (400, 450)


def test_table_page_clamps_the_page_number_to_the_pages_there_are():
    assert predictions_table.table_page(shown=450, total=450, number=9, page_size=200).number == 3
    assert predictions_table.table_page(shown=450, total=450, number=0, page_size=200).number == 1
    empty = predictions_table.table_page(shown=0, total=450, number=4, page_size=200)
    assert (empty.number, empty.pages, empty.start, empty.stop) == (1, 1, 0, 0)
    assert empty.caption == "No rows of 450 match these filters."


def test_table_page_caption_without_filters_does_not_mention_them():
    page = predictions_table.table_page(shown=100_000, total=100_000, number=1)
    assert page.caption == "Showing rows 1–200 of 100,000. Click a row to explain it."


def test_table_page_refuses_an_empty_page_size():
    with pytest.raises(ValueError, match="page_size"):
        predictions_table.table_page(shown=10, total=10, number=1, page_size=0)


def test_table_key_differs_between_views_and_is_stable_within_one():
    one = predictions_table.table_key("demo_table", ("1",), 2)
    assert one == predictions_table.table_key("demo_table", ("1",), 2)
    assert one.startswith("demo_table-")
    assert one != predictions_table.table_key("demo_table", ("1",), 3)
    assert one != predictions_table.table_key("demo_table", (), 2)


# -- rows explained in advance --------------------------------------------------------------------
DECK = {
    "size": 5_000,
    "precomputed": 5_000,
    "rows": 100_000,
    "rule": "SHAP values were computed for 5,000 of 100,000 rows when publishing: every wrong "
    "prediction (3,400) and 1,600 rows drawn at random. Any other row is explained when you "
    "select it.",
    "importance": "weighted mean absolute SHAP value over the 5,000 precomputed rows",
    "seconds_per_row": 0.31,
}


def test_precomputed_caption_counts_the_rows_and_gives_the_wait():
    text = predictions_table.precomputed_caption(5_000, 100_000, DECK)
    assert text == (
        "5,000 of 100,000 rows were explained when publishing (ticked under Ready). Any "
        "other row is explained when you select it, the first time only: under a second."
    )
    slow = predictions_table.precomputed_caption(5_000, 100_000, DECK | {"seconds_per_row": 4.2})
    assert slow.endswith("the first time only: about 4 s.")
    unknown = predictions_table.precomputed_caption(40, 300, None)
    assert unknown.endswith("Any other row is explained when you select it.")


def test_precomputed_caption_says_nothing_when_every_row_was_explained():
    assert predictions_table.precomputed_caption(300, 300, DECK) is None
    assert predictions_table.precomputed_caption(None, 300, None) is None


def test_deck_rule_is_the_recorded_rule_on_one_line():
    assert (
        predictions_table.deck_rule(DECK | {"rule": "Every wrong\n prediction."})
        == "Every wrong prediction."
    )
    assert predictions_table.deck_rule(DECK) == DECK["rule"]
    assert predictions_table.deck_rule({}) is None
    assert predictions_table.deck_rule(None) is None


def test_a_multiclass_models_importance_is_the_probability_moved_never_over_100_percent():
    """Summed over four classes, a text column read "108.0%" of probability moved."""
    classes = ["Account access", "Billing", "Shipping", "Technical"]
    meta = {"task": "multiclass", "unit": "probability", "classes": classes,
            "explained_classes": classes,
            "global_importance": {"message": 1.08, "value": 0.1}}  # fmt: skip
    data = explanations.global_importance_data(meta)
    assert data["importance"].tolist() == pytest.approx([0.54, 0.05])
    assert data["text"].tolist() == ["54.0%", "5.0%"]
    assert explanations.importance_caption(meta).startswith(
        "Each bar: how much probability the reading moves from some classes to others"
    )


def test_a_multiclass_log_odds_importance_is_the_average_per_class_not_the_sum():
    """Five queues' scores summed read "amount 5.70" under "each +1 multiplies a class's odds
    by about 2.7" (e^5.7); what one class's score moves by, on average, is 1.14."""
    classes = ["account access", "billing", "other", "shipping", "technical"]
    importance = {"amount": 5.70, "tenure_months": 3.35, "channel": 0.94}
    meta = {"task": "multiclass", "unit": "log-odds", "classes": classes,
            "explained_classes": classes, "global_importance": importance}  # fmt: skip
    data = explanations.global_importance_data(meta)
    assert data["importance"].tolist() == pytest.approx([1.14, 0.67, 0.188])
    assert data["text"].tolist()[0] == "1.14"
    assert explanations.importance_caption(meta) == (
        "Each bar: how much the reading moves a class's score, on average over the 5 classes "
        "and the demo rows."
    )


def test_importance_caption_only_for_a_partial_deck():
    assert predictions_table.importance_caption({"deck": DECK}) == (
        "Importance is the weighted mean absolute SHAP value over the 5,000 precomputed rows."
    )
    assert predictions_table.importance_caption({"deck": DECK | {"precomputed": 100_000}}) is None
    assert predictions_table.importance_caption(BINARY_META) is None


def test_default_row_is_the_first_explained_in_advance():
    data = predictions().assign(precomputed=[False, False, True, False, True])
    assert predictions_table.default_row(data) == 2
    assert predictions_table.default_row_note(data, 2).endswith(
        "first row of this page explained in advance is shown"
    )
    assert predictions_table.default_row(data.assign(precomputed=False)) == 0
    assert predictions_table.default_row(predictions()) == 0
    assert predictions_table.default_row_note(data, 0).endswith(
        "so the first row of this page is explained"
    )


def test_explaining_message_only_for_rows_not_explained_in_advance():
    assert (
        predictions_table.explaining_message("4711", False)
        == "Explaining row 4711 (first time only)…"
    )
    assert predictions_table.explaining_message("4711", True) is None
    assert predictions_table.explaining_message("4711", None) is None


# -- chart specs ----------------------------------------------------------------------------------
def test_chart_spec_is_the_charts_vega_lite_without_altairs_default_size():
    chart = explanations.waterfall_chart(explanation(), BINARY_META)
    spec = charts.chart_spec(chart)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "continuousWidth" not in spec["config"]["view"]
    assert "continuousHeight" not in spec["config"]["view"]
    (values,) = spec["datasets"].values()
    assert [row["label"] for row in values][0] == "The model's average"
    assert json.loads(json.dumps(spec)) == spec  # plain JSON: st.cache_data can keep it


def test_with_arrow_datasets_keeps_the_data_as_arrow_bytes():
    import pyarrow as pa

    spec = charts.chart_spec(explanations.waterfall_chart(explanation(), BINARY_META))
    ready = charts.with_arrow_datasets(spec)
    assert {k: v for k, v in ready.items() if k != "datasets"} == {
        k: v for k, v in spec.items() if k != "datasets"
    }
    ((name, data),) = ready["datasets"].items()
    assert name in spec["datasets"]
    frame = pa.ipc.open_stream(data).read_pandas()
    assert frame.to_dict("records") == spec["datasets"][name]
    assert "datasets" in spec and isinstance(next(iter(spec["datasets"].values())), list)


def test_cached_row_helpers_equal_what_they_cache(small_workspace):
    from model import review
    from ui import cached

    ws = model.open_workspace(small_workspace)
    proto = ws.prototype("Sprint 2", "random forest")
    key = (str(small_workspace), "Sprint 2", "random forest", proto.version)
    row_id = str(proto.predictions().index[7])
    expected = review.feature_percentiles(proto.features(), row_id)
    assert cached.feature_percentiles(*key, row_id) == expected
    assert cached.demo_row_ids(*key) == frozenset(proto.predictions().index.astype(str))


# -- review queue -------------------------------------------------------------------------------
def test_review_queue_puts_the_least_confident_first_ties_in_row_order():
    assert predictions_table.review_queue(predictions(), []) == ["b", "e", "c", "d", "a"]


def test_review_queue_leaves_out_rows_already_reviewed():
    assert predictions_table.review_queue(predictions(), {"b", "c"}) == ["e", "d", "a"]


def test_review_queue_is_empty_when_everything_was_reviewed():
    assert predictions_table.review_queue(predictions(), list("abcde")) == []


# -- metric deltas ------------------------------------------------------------------------------
def test_metric_deltas_rise_in_a_higher_is_better_metric_is_an_improvement():
    (delta,) = sprint_summary.metric_deltas({"pr_auc": 0.8}, {"pr_auc": 0.6}, "binary", ["pr_auc"])
    assert delta.delta == pytest.approx(0.2)
    assert delta.delta_text == "+0.200"
    assert delta.delta_color == "normal"
    assert delta.improved is True


def test_metric_deltas_fall_in_log_loss_is_an_improvement_shown_inverse():
    (delta,) = sprint_summary.metric_deltas(
        {"log_loss": 0.10}, {"log_loss": 0.25}, "binary", ["log_loss"]
    )
    assert delta.delta < 0
    assert delta.delta_text.startswith("-")
    assert delta.delta_color == "inverse"
    assert delta.improved is True


def test_metric_deltas_rise_in_rmse_is_a_regression():
    (delta,) = sprint_summary.metric_deltas({"rmse": 3.0}, {"rmse": 2.0}, "regression", ["rmse"])
    assert delta.delta_color == "inverse"
    assert delta.improved is False


def test_metric_deltas_without_a_previous_mvp_have_no_delta():
    (delta,) = sprint_summary.metric_deltas({"pr_auc": 0.8}, None, "binary", ["pr_auc"])
    assert delta.delta is None and delta.delta_text is None and delta.improved is None
    assert delta.formatted == "0.800"


def test_metric_deltas_skip_metrics_the_prototype_lacks_and_keep_task_order():
    metrics = {"log_loss": 0.1, "pr_auc": 0.7, "accuracy": 0.9}
    keys = [d.key for d in sprint_summary.metric_deltas(metrics, None, "binary")]
    assert keys == ["pr_auc", "log_loss"]


def test_previous_mvp_is_the_nearest_earlier_sprint_with_one(small_workspace):
    ws = model.open_workspace(small_workspace)
    assert sprint_summary.previous_mvp(ws, "Sprint 2") == ("Sprint 1", "tool-wear rule")
    assert sprint_summary.previous_mvp(ws, "Sprint 1") is None


# -- waterfall ----------------------------------------------------------------------------------
def test_waterfall_steps_add_up_from_the_base_value_to_the_output():
    data = explanations.waterfall_data(explanation())
    steps = data[data["kind"].isin([explanations.KIND_UP, explanations.KIND_DOWN])]
    assert data.iloc[0]["value"] + steps["value"].sum() == pytest.approx(data.iloc[-1]["value"])
    assert steps.iloc[-1]["end"] == pytest.approx(explanation()["output"])
    assert (steps["start"].iloc[1:].to_numpy() == steps["end"].iloc[:-1].to_numpy()).all()


def test_waterfall_sorts_features_by_absolute_contribution_with_their_values():
    data = explanations.waterfall_data(explanation())
    assert list(data["label"]) == [
        explanations.BASE_LABEL,
        "Torque [Nm] = 65.2",
        "Process temperature [K] = 308.6",
        "Tool wear [min] = 12",
        "Type = L",
        explanations.OUTPUT_LABEL,
    ]
    assert list(data["kind"][1:5]) == [
        explanations.KIND_UP,
        explanations.KIND_UP,
        explanations.KIND_DOWN,
        explanations.KIND_UP,
    ]


def test_waterfall_sums_the_smallest_features_into_one_bar_without_losing_any():
    data = explanations.waterfall_data(explanation(), max_features=2)
    assert list(data["label"][1:3]) == ["Torque [Nm] = 65.2", "3 other features"]
    assert data.iloc[2]["value"] == pytest.approx(0.12 - 0.05 + 0.01)
    assert data.iloc[2]["end"] == pytest.approx(explanation()["output"])


def test_waterfall_labels_probabilities_as_percentages():
    data = explanations.waterfall_data(explanation())
    assert data.iloc[0]["text"] == "3.4%"
    assert data.iloc[1]["text"] == "+30.0%"


def test_waterfall_chart_names_the_unit_and_is_legible_on_a_projector():
    spec = chart_dict(explanations.waterfall_chart(explanation(), BINARY_META))
    axis = spec["config"]["axis"]
    assert axis["labelFontSize"] >= 13 and axis["titleFontSize"] >= 13
    assert axis["labelLimit"] >= 300
    assert all(mark["fontSize"] >= 13 for mark in text_marks(spec))
    assert "how much each reading moves the chance of Machine failure being 1" in json.dumps(spec)


def test_waterfall_chart_without_a_target_name_still_names_the_class():
    meta = {k: v for k, v in BINARY_META.items() if k != "target"}
    assert "moves the chance of 1" in json.dumps(chart_dict(explanations.waterfall_chart(
        explanation(), meta)))  # fmt: skip


# -- other charts -------------------------------------------------------------------------------
def test_global_importance_chart_orders_features_largest_first():
    spec = chart_dict(explanations.global_importance_chart(BINARY_META))
    y = spec["layer"][0]["encoding"]["y"]
    assert y["sort"] == ["Tool wear [min]", "Torque [Nm]", "Process temperature [K]"]
    assert spec["config"]["axis"]["labelFontSize"] >= 13


def test_headline_by_sprint_keeps_each_sprints_mvp_in_sprint_order():
    summary = pd.DataFrame(
        {
            "sprint": ["S2", "S1", "S2", "S3"],
            "prototype": ["gbm", "rule", "lr", "gbm2"],
            "mvp": [True, True, False, False],
            "metric": ["PR AUC"] * 4,
            "value": [0.8, 0.3, 0.7, 0.9],
        }
    )
    data = sprint_summary.headline_by_sprint(summary, ["S1", "S2", "S3"])
    assert list(data["sprint"]) == ["S1", "S2"]
    assert list(data["prototype"]) == ["rule", "gbm"]


def test_headline_chart_is_a_line_over_sprints(small_workspace):
    ws = model.open_workspace(small_workspace)
    spec = chart_dict(sprint_summary.headline_chart(ws.summary(), ws.sprints()))
    assert spec["layer"][0]["mark"]["type"] == "line"
    assert spec["layer"][0]["encoding"]["x"]["sort"] == [
        "Sprint 1\ntool-wear rule",
        "Sprint 2\nrandom forest",
    ]


def test_comparison_table_puts_prototypes_side_by_side_with_formatted_costs(small_workspace):
    ws = model.open_workspace(small_workspace)
    comparison = ws.comparison("Sprint 2")
    table = bakeoff_tables.comparison_table(comparison, "binary", ws.decisions("Sprint 2"))
    assert sorted(table.columns) == ["logistic regression", "physics rules", "random forest (MVP)"]
    assert "PR AUC ↑" in table.index
    assert "Log loss ↓" in table.index
    forest = comparison.set_index("prototype").loc["random forest"]
    assert table.loc["Model size (MB)", "random forest (MVP)"] == (
        f"{forest['model_size_bytes'] / 1e6:,.2f}"
    )
    assert table.loc["PR AUC ↑", "random forest (MVP)"] == (f"{forest['pr_auc']:.3f}")
    assert table.loc["Chosen on"].to_dict() == {
        "logistic regression": "",
        "physics rules": "",
        "random forest (MVP)": "2024-05-17",
    }


def test_comparison_table_shows_missing_costs_as_a_dash(small_workspace):
    comparison = model.open_workspace(small_workspace).comparison("Sprint 2")
    comparison["effort_days"] = None
    table = bakeoff_tables.comparison_table(comparison, "binary")
    assert set(table.loc["Effort (days)"]) == {"—"}


def test_escape_table_escapes_cells_header_and_index():
    table = pd.DataFrame({"[x](y)": ["**b**"]}, index=pd.Index(["$a$"], name="Prototype"))
    escaped = bakeoff_tables.escape_table(table)
    assert list(escaped.columns) == ["\\[x\\](y)"]
    assert escaped.iloc[0, 0] == "\\*\\*b\\*\\*"
    assert list(escaped.index) == ["\\$a\\$"]


def test_decision_text_says_when_who_what_and_why():
    decision = {
        "chosen": "gbm",
        "rationale": "Best PR AUC.",
        "attendees": ["ana", "bo"],
        "decided_on": "2024-05-17",
        "recorded_by": "dana",
    }
    assert sprint_summary.decision_text(decision, "Sprint 2") == (
        "Sprint 2 · decided on 2024-05-17 · recorded by dana",
        "Chose gbm: Best PR AUC.",
        "ana, bo",
    )


def test_waterfall_caption_gives_the_rows_numbers():
    caption = explanations.waterfall_caption(explanation(), {**BINARY_META, "background_size": 50})
    assert caption.startswith(
        "Each bar shows how one reading moves the chance of Machine failure being 1 from the"
        " model's average, 3.4% (over 50 reference rows of the demo set)"
    )
    trees = {**explanation(), "explainer": "tree (path-dependent)"}
    assert "3.4% (over the data it was trained on), to" in explanations.waterfall_caption(
        trees, BINARY_META
    )
    assert "3.4%" in caption and "41.4%" in caption


@pytest.mark.parametrize("cost", ["latency", "size"])
def test_cost_scatter_labels_prototypes_and_highlights_the_mvp(small_workspace, cost):
    ws = model.open_workspace(small_workspace)
    spec = chart_dict(bakeoff_charts.cost_scatter(ws.comparison("Sprint 2"), "pr_auc", cost))
    points, labels = spec["layer"]
    assert points["encoding"]["color"]["scale"]["domain"] == ["MVP", "prototype"]
    assert labels["encoding"]["text"]["field"] == "prototype"
    assert points["encoding"]["y"]["title"] == "PR AUC (higher is better)"
    dataset = next(iter(spec["datasets"].values()))
    roles = {row["prototype"]: row["role"] for row in dataset}
    assert roles == {
        "logistic regression": "prototype",
        "physics rules": "prototype",
        "random forest": "MVP",
    }


# -- words --------------------------------------------------------------------------------------
def test_prediction_in_words_for_the_positive_class():
    text = formatting.prediction_in_words("1", 0.83, BINARY_META)
    assert text == "Machine failure predicted with 83% probability"


def test_prediction_in_words_for_the_negative_class():
    text = formatting.prediction_in_words("0", 0.97, BINARY_META)
    assert text == "No machine failure predicted with 97% probability"


def test_prediction_in_words_without_a_target_name_names_the_class():
    meta = {k: v for k, v in BINARY_META.items() if k != "target"}
    assert (
        formatting.prediction_in_words("1", 0.5, meta) == "Class 1 predicted with 50% probability"
    )


def test_a_class_predicted_against_its_probability_says_the_model_decided_by_its_own_rule():
    """A rule model predicting failure at a 15% chance read "Failure predicted with 15%
    probability", as if the chance were the prediction's."""
    assert formatting.prediction_in_words("1", 0.15, BINARY_META) == (
        "Machine failure predicted by the model's own rule, though it gives it only 15% probability"
    )


def test_prediction_in_words_never_rounds_to_certainty():
    assert formatting.prediction_in_words("0", 0.9996, BINARY_META).endswith(">99% probability")


def test_prediction_in_words_for_regression():
    meta = {"task": "regression", "target": "Tool life [min]"}
    assert formatting.prediction_in_words(123.456, None, meta) == "Predicted tool life: 123.5 min"


def test_escape_markdown_neutralises_links_images_and_directives():
    escaped = formatting.escape_markdown("![x](http://evil) :red[boom] $x$ **b**")
    assert escaped == "!\\[x\\](http\\://evil) \\:red\\[boom\\] \\$x\\$ \\*\\*b\\*\\*"


def test_escape_markdown_neutralises_autolinks_and_line_starts():
    assert formatting.escape_markdown("www.evil.com a@b.c") == "www\\.evil.com a\\@b.c"
    assert formatting.escape_markdown("- item") == "\\- item"
    assert formatting.escape_markdown("1. item") == "1\\. item"
    assert formatting.escape_markdown("# one\n# two") == "\\# one \\# two"


def test_escape_markdown_leaves_ordinary_names_alone():
    assert formatting.escape_markdown("tool-wear rule (v2), 0.83") == "tool-wear rule (v2), 0.83"


# -- verdicts -----------------------------------------------------------------------------------
def verdict_frame():
    return pd.DataFrame(
        {
            "verdict_id": [1, 2, 3],
            "version": [1, 2, 1],
            "sprint": ["S1"] * 3,
            "prototype": ["gbm"] * 3,
            "prototype_version": [1, 2, None],
            "row_id": ["10", "11", "12"],
            "reviewer": ["ana", "bo", "ana"],
            "verdict": ["wrong", "correct", "unsure"],
            "corrected_label": ["1", None, None],
            "comment": ["hot", "", "?"],
            "tags": [["heat", "sensor"], [], ["sensor"]],
            "recorded_at": ["2024-05-17T10:11:12.123456+00:00"] * 3,
        }
    )


def test_count_verdicts_counts_each_kind_and_reviewers():
    assert verdict_tables.count_verdicts(verdict_frame()) == {
        "correct": 1,
        "wrong": 1,
        "unsure": 1,
        "total": 3,
        "reviewers": 2,
    }


def test_filter_verdicts_by_kind():
    assert list(
        verdict_tables.filter_verdicts(verdict_frame(), ["wrong", "unsure"])["verdict_id"]
    ) == [1, 3]
    assert len(verdict_tables.filter_verdicts(verdict_frame(), [])) == 3


def test_verdicts_table_joins_tags_and_shortens_times():
    table = verdict_tables.verdicts_table(verdict_frame())
    assert table["Tags"].tolist() == ["heat, sensor", "", "sensor"]
    assert table["Recorded at"].iloc[0] == "2024-05-17 10:11"


def test_existing_tags_are_unique_and_sorted():
    assert verdict_tables.existing_tags(verdict_frame()) == ["heat", "sensor"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_bytes_hold_the_chosen_verdicts(small_workspace, fmt):
    store = feedback_store.open(small_workspace)
    data = verdict_tables.export_bytes(store, fmt, sprint="Sprint 2", reviewer="ana")
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet}.get(
        fmt, lambda f: pd.read_json(f, lines=True)
    )
    frame = read(io.BytesIO(data))
    assert sorted(frame["verdict"]) == ["correct", "wrong"]
    assert set(frame["reviewer"]) == {"ana"}


def test_overview_table_names_the_headline_column_in_words(small_workspace):
    ws = model.open_workspace(small_workspace)
    counts = {"Sprint 2": {"correct": 1, "wrong": 2, "unsure": 0, "total": 3, "reviewers": 2}}
    table = sprint_summary.overview_table(ws, ws.summary(), counts).set_index("Sprint")
    assert "MVP score" in table.columns  # was "MVP PR AUC": the metric's name is jargon
    assert not any("AUC" in column for column in table.columns)
    assert table.loc["Sprint 2", "Decision"] == "random forest"
    assert table.loc["Sprint 1", "Decision"] == "—"
    assert (table.loc["Sprint 1", "Correct"], table.loc["Sprint 2", "Wrong"]) == (0, 2)


def test_model_details_list_each_prototypes_model_and_explainer(small_workspace):
    comparison = model.open_workspace(small_workspace).comparison("Sprint 2")
    details = bakeoff_tables.model_details(comparison).set_index("Prototype")
    assert details.loc["random forest", "Model"].endswith("RandomForestClassifier)")
    assert details.loc["random forest", "SHAP explainer"].startswith("tree")


def test_global_importance_of_a_multiclass_model_is_about_every_class():
    meta = BINARY_META | {"task": "multiclass", "classes": ["a", "b", "c"]}
    meta["explained_classes"] = ["a", "b", "c"]
    spec = json.dumps(chart_dict(explanations.global_importance_chart(meta)))
    assert "average effect" in spec


def test_a_contribution_is_worded_as_the_waterfall_words_it_without_points():
    assert review_card.contribution_text(0.123, "probability") == "+12.3%"  # was "+12.3 points"
    assert review_card.contribution_text(-0.42, None) == "-0.42"
    assert review_card.contribution_text(0.05, "probability") == explanations.contribution_text(
        0.05, "probability"
    )


def test_the_previous_mvp_to_compare_with_predicts_the_same_thing(workspace_copy):
    # the Sprint demo's deltas compared a model of tool wear in minutes with a failure model
    from sklearn.linear_model import LinearRegression

    from tests.conftest import split_data

    ws = model.open_workspace(workspace_copy)
    X, _, X_demo, _ = split_data()
    numbers = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    wear = LinearRegression().fit(X[numbers], X["Tool wear [min]"])
    ws.publish("Sprint 3", "wear", wear, X_demo[numbers], X_demo["Tool wear [min]"], mvp=True)
    ws.publish("Sprint 4", "wear again", wear, X_demo[numbers], X_demo["Tool wear [min]"], mvp=True)
    failure = ws.prototype("Sprint 2", "random forest")
    assert sprint_summary.previous_mvp(ws, "Sprint 3") == ("Sprint 2", "random forest")
    assert (
        sprint_summary.previous_mvp(ws, "Sprint 3", like=ws.prototype("Sprint 3", "wear")) is None
    )
    assert sprint_summary.previous_mvp(ws, "Sprint 4", like=failure) == (
        "Sprint 2",
        "random forest",
    )
    again = ws.prototype("Sprint 4", "wear again")
    assert sprint_summary.previous_mvp(ws, "Sprint 4", like=again) == ("Sprint 3", "wear")
