"""The bake-off: Pareto dominance, trade-offs in words, segments, disagreements, the table."""

from __future__ import annotations

import math
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest

import model
from model.bakeoff import (
    BOOTSTRAP_METHOD,
    COST_COLUMNS,
    ROWS_WORD,
    bakeoff_table,
    bootstrap_figures,
    disagreements,
    pareto_front,
    segment_table,
    tradeoff_sentences,
)
from model.costs import CostAssumptions
from model.demo import FEATURES, TARGET, load_demo_data
from model.stats import bootstrap_ci, compare_to_mvp
from ui import charts
from ui.bakeoff_charts import (
    DOMINATED_COLOR,
    FONT_SIZE,
    FRONT_COLOR,
    HIGHLIGHT_COLOR,
    LABEL_LIMIT,
    TITLE_FONT_SIZE,
    agreement_data,
    agreement_spec,
    pareto_chart,
    pareto_data,
    pareto_spec,
)
from ui.bakeoff_tables import display_table

TOOL_WEAR = "Tool wear [min]"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> model.Workspace:
    """Sprint 1: tool-wear rule (MVP) and physics rules on 400 AI4I rows. "No MVP": the same
    rules, one on fewer rows and without a training time. "Hand": three tool-wear thresholds
    on ten hand-made rows whose predictions can be worked out by hand."""
    data = load_demo_data()
    train, demo = data.iloc[:2000], data.iloc[2000:2400]
    X, y = train[FEATURES], train[TARGET]
    workspace = model.open_workspace(tmp_path_factory.mktemp("bakeoff"))
    rule, physics = model.ToolWearRule().fit(X, y), model.PhysicsRules().fit(X, y)
    with pytest.MonkeyPatch.context() as patch:  # replicates stored for these small sets too
        patch.setattr(model.publishing, "BOOTSTRAP_STORE_MIN_ROWS", 1)
        _publish_bakeoff_sprints(workspace, demo, rule, physics)
    return workspace


def _publish_bakeoff_sprints(workspace, demo, rule, physics) -> None:
    for sprint, mvp in (("Sprint 1", True), ("No MVP", False)):
        workspace.publish(
            sprint, "tool-wear rule", rule, demo[FEATURES], demo[TARGET],
            mvp=mvp, train_seconds=0.01, effort_days=1.0,
        )  # fmt: skip
    workspace.publish(
        "Sprint 1", "physics rules", physics, demo[FEATURES], demo[TARGET],
        train_seconds=0.02, effort_days=2.0,
    )  # fmt: skip
    workspace.publish(
        "No MVP", "physics rules", physics, demo[FEATURES].iloc[:300], demo[TARGET].iloc[:300],
        effort_days=2.0,
    )  # fmt: skip
    hand = pd.DataFrame(
        {
            "Type": list("LLLLMMMMHH"),
            TOOL_WEAR: [50, 120, 170, 220, 60, 130, 180, 230, 40, 210],
        },
        index=[f"r{i}" for i in range(10)],
    )
    truth = pd.Series([0, 1, 0, 1, 0, 1, 1, 0, 0, 0], index=hand.index)  # type H: no failure
    for threshold in (100, 150, 200):
        workspace.publish(
            "Hand", f"wear ≥ {threshold}", model.ToolWearRule(threshold).fit(hand, truth),
            hand, truth, train_seconds=0.01, effort_days=1.0,
        )  # fmt: skip


def frame(rows: list[dict], metric: str = "pr_auc") -> pd.DataFrame:
    table = pd.DataFrame(rows)
    table.attrs = {"metric_key": metric, "currency": "USD", "confidence": 0.95}
    return table


# -- Pareto -------------------------------------------------------------------------------------
def test_prototype_beaten_on_score_and_cost_is_dominated():
    table = pd.DataFrame({"score": [0.9, 0.8, 0.7], "cost": [1.0, 2.0, 0.5]})
    assert list(pareto_front(table, "score", True, "cost")) == [True, False, True]


def test_equal_cost_and_higher_score_dominates():
    table = pd.DataFrame({"score": [0.9, 0.8], "cost": [1.0, 1.0]})
    assert list(pareto_front(table, "score", True, "cost")) == [True, False]


def test_exact_ties_dominate_neither():
    table = pd.DataFrame({"score": [0.9, 0.9], "cost": [1.0, 1.0]})
    assert list(pareto_front(table, "score", True, "cost")) == [True, True]


def test_single_prototype_is_on_the_front():
    table = pd.DataFrame({"score": [0.5], "cost": [3.0]})
    assert list(pareto_front(table, "score", True, "cost")) == [True]


def test_lower_is_better_metric_flips_dominance():
    table = pd.DataFrame({"rmse": [2.0, 3.0], "cost": [1.0, 1.0]})
    assert list(pareto_front(table, "rmse", False, "cost")) == [True, False]


def test_unknown_cost_neither_dominates_nor_is_dominated():
    table = pd.DataFrame({"score": [0.9, 0.8, 0.5], "cost": [np.nan, 1.0, 2.0]})
    assert list(pareto_front(table, "score", True, "cost")) == [True, True, False]


# -- sentences ----------------------------------------------------------------------------------
BEST = {"prototype": "gbm", "pr_auc": 0.825, "pr_auc_low": 0.75, "pr_auc_high": 0.89,
        "running_cost_per_month": 1.70, "best_significant": False}  # fmt: skip


def row(name: str, score: float, cost: float, significant: bool = False) -> dict:
    return {"prototype": name, "pr_auc": score, "running_cost_per_month": cost,
            "best_significant": significant}  # fmt: skip


def test_sentences_start_with_the_best_scoring_prototype():
    sentences = tradeoff_sentences(frame([row("lr", 0.5, 0.1), BEST]), "pr_auc")
    assert sentences[0] == (
        "gbm scores best on PR AUC: 0.825 (95% interval 0.750–0.890), "
        "and its compute costs $1.70 a month."
    )


def test_cheaper_prototype_is_described_in_times_and_points():
    sentences = tradeoff_sentences(frame([BEST, row("logistic regression", 0.816, 0.12)]))
    assert sentences[1] == (
        "logistic regression is 14× cheaper in compute ($0.12 vs $1.70 a month) and 0.9 points "
        "lower on PR AUC (difference not significant)."
    )


def test_dearer_prototype_is_more_expensive_and_significance_is_said():
    sentences = tradeoff_sentences(frame([BEST, row("rf", 0.764, 5.10, significant=True)]))
    assert sentences[1] == (
        "rf is 3.0× dearer in compute ($5.10 vs $1.70 a month) and 6.1 points lower on "
        "PR AUC (difference significant)."
    )


def test_equal_zero_and_unknown_costs_are_said_in_words():
    sentences = tradeoff_sentences(
        frame(
            [
                BEST,
                row("twin", 0.825, 1.70),
                row("free", 0.80, 0.0),
                row("mystery", 0.725, math.nan),
            ]
        )
    )
    assert sentences[1] == (
        "twin costs the same in compute ($1.70 a month) and scores the same on PR AUC "
        "(difference not significant)."
    )
    assert sentences[2].startswith("free needs no compute (vs $1.70 a month) and is 2.5 points")
    assert sentences[3].startswith("mystery has an unknown compute cost and is 10.0 points lower")


def test_sentences_for_a_lower_is_better_metric_say_worse():
    table = frame(
        [
            {"prototype": "a", "rmse": 2.0, "running_cost_per_month": 1.0},
            {"prototype": "b", "rmse": 2.5, "running_cost_per_month": 0.5},
        ],
        metric="rmse",
    )
    sentences = tradeoff_sentences(table)
    assert sentences[0].startswith("a scores best on RMSE")
    assert sentences[1] == "b is 2.0× cheaper in compute ($0.50 vs $1.00 a month) and 0.5 higher " \
        "(worse) on RMSE."  # fmt: skip


def test_single_prototype_gets_one_sentence():
    assert len(tradeoff_sentences(frame([BEST]))) == 1


# -- the table on a real workspace --------------------------------------------------------------
def test_bakeoff_table_scores_every_prototype_on_the_same_rows_against_the_mvp(ws):
    table = bakeoff_table(ws, "Sprint 1", "pr_auc", CostAssumptions(), n_resamples=300)
    assert sorted(table["prototype"]) == ["physics rules", "tool-wear rule"]
    assert table.attrs["reference"] == "tool-wear rule"
    assert table.attrs["reference_kind"] == "MVP"
    assert list(table["rows"]) == [400, 400]
    for _, r in table.iterrows():
        published = ws.prototype("Sprint 1", r["prototype"]).metrics["pr_auc"]
        assert r["pr_auc"] == pytest.approx(published)
        assert r["pr_auc_low"] <= r["pr_auc"] <= r["pr_auc_high"]
        assert r["running_cost_per_month"] > 0 and r["one_off_cost"] > 0
    by_name = table.set_index("prototype")
    mvp, other = by_name.loc["tool-wear rule"], by_name.loc["physics rules"]
    assert mvp["verdict"] == "the MVP" and math.isnan(mvp["difference"])
    assert other["verdict"] in ("better", "worse", "no detectable difference with 400 demo rows")
    assert other["difference_low"] <= other["difference"] <= other["difference_high"]
    assert 0 <= other["mcnemar_p"] <= 1
    assert table["dominated"].dtype == bool
    assert "tool-wear rule (MVP)" in set(display_table(table)["Prototype"])
    # a prototype whose running cost is unknown is on no front ("on the front" said it was)
    unknown = table.copy()
    unknown.loc[unknown["prototype"] == "physics rules", "running_cost_per_month"] = math.nan
    shown = display_table(unknown).set_index("Prototype")["Pareto"]
    assert shown["physics rules"] == "not judged: cost unknown"


def test_sprint_without_mvp_is_compared_with_the_best_on_shared_rows(ws):
    table = bakeoff_table(ws, "No MVP", "roc_auc", CostAssumptions(), n_resamples=200)
    assert table.attrs["reference_kind"] == "best-scoring"
    assert table.attrs["reference"] == table.attrs["best"]
    assert list(table["rows"]) == [300, 300]
    notes = " ".join(table.attrs["notes"])
    assert "compared on the 300 rows they share" in notes
    physics = table.set_index("prototype").loc["physics rules"]
    assert math.isnan(physics["running_cost_per_month"])  # no training time: unknown
    assert not physics["dominated"]


def test_bootstrap_figures_serve_any_cost_assumptions_without_a_new_bootstrap(ws):
    figures = bootstrap_figures(ws, "Sprint 1", "pr_auc", n_resamples=200)
    cheap, dear = CostAssumptions(), CostAssumptions(compute_price_per_hour=50.0)
    for assumptions in (cheap, dear):
        direct = bakeoff_table(ws, "Sprint 1", "pr_auc", assumptions, n_resamples=200)
        reused = bakeoff_table(ws, "Sprint 1", "pr_auc", assumptions, figures=figures)
        pd.testing.assert_frame_equal(reused, direct, check_exact=True)
        assert reused.attrs == direct.attrs
    assert "currency" not in figures.attrs
    assert "running_cost_per_month" not in figures.columns


def test_bakeoff_intervals_are_those_of_the_one_model_functions(ws):
    """Scoring every prototype on one pass over the resamples changes no figure."""
    from model.bakeoff import SprintData

    table = bakeoff_table(ws, "Sprint 1", "pr_auc", CostAssumptions(), n_resamples=300)
    data = SprintData(ws, "Sprint 1")
    metric = data.metric("pr_auc")
    mvp, other = data.frames["tool-wear rule"], data.frames["physics rules"]
    by_name = table.set_index("prototype")
    for name, frame in data.frames.items():
        estimate, low, high = bootstrap_ci(data.truth, frame, metric, n_resamples=300)
        assert tuple(by_name.loc[name, ["pr_auc", "pr_auc_low", "pr_auc_high"]]) == (
            estimate,
            low,
            high,
        )
    compared = compare_to_mvp(data.truth, other, mvp, metric, n_resamples=300)
    row = by_name.loc["physics rules"]
    assert (row["difference"], row["difference_low"], row["difference_high"]) == (
        compared["difference"],
        compared["difference_low"],
        compared["difference_high"],
    )
    assert row["verdict"] == compared["verdict"]
    assert row["mcnemar_p"] == compared["mcnemar_p"]


def test_table_feeds_the_sentences_and_the_chart(ws):
    table = bakeoff_table(ws, "Sprint 1", "pr_auc", CostAssumptions(), n_resamples=200)
    sentences = tradeoff_sentences(table, "pr_auc")
    assert len(sentences) == 2
    spec = pareto_chart(table, "pr_auc").to_dict()
    assert spec["config"]["axis"]["labelFontSize"] >= 13
    assert spec["config"]["axis"]["labelLimit"] >= 250
    assert spec["config"]["legend"]["labelLimit"] >= 250


def test_pareto_chart_uses_a_log_axis_only_for_a_wide_cost_range():
    def chart_scale(costs):
        layers = pareto_spec(wide_table(costs))["layer"]
        return layers[1]["encoding"]["x"]["scale"].get("type", "linear")

    assert chart_scale([0.01, 1.0]) == "log"
    assert chart_scale([0.5, 1.0]) == "linear"
    assert chart_scale([0.0, 1.0]) == "linear"


def wide_table(costs: list[float], **attrs) -> pd.DataFrame:
    """A bake-off table of one prototype per running cost, the first the MVP."""
    table = frame(
        [
            {"prototype": f"p{i}", "mvp": i == 0, "pr_auc": 0.5 + i / 10,
             "pr_auc_low": 0.4, "pr_auc_high": 0.9, "difference": np.nan,
             "difference_low": np.nan, "difference_high": np.nan, "verdict": "",
             "running_cost_per_month": c, "one_off_cost": 1.0,
             "latency_ms_per_1000_p50": 1.0 + i, "latency_ms_per_1000_p95": 2.0,
             "model_size_bytes": 10, "peak_memory_bytes": 10, "train_seconds": 1.0,
             "effort_days": 1.0, "dominated": i > 1}
            for i, c in enumerate(costs)
        ]
    )  # fmt: skip
    table.attrs.update(attrs)
    return table


def altair_pareto_chart(table: pd.DataFrame, metric_key: str | None = None) -> alt.TopLevelMixin:
    """The Pareto chart built with Altair, as the page drew it before ``pareto_spec`` wrote
    the same spec directly: the reference that spec must equal."""
    attrs = table.attrs
    metric_key = metric_key or attrs["metric_key"]
    label = attrs.get("metric_label", metric_key)
    data, missing, log = pareto_data(table, metric_key)
    currency = attrs.get("currency", "USD")
    x = alt.X(
        f"{COST_COLUMNS[0]}:Q",
        title=f"Running cost per month ({currency}{', log scale' if log else ''})",
        scale=alt.Scale(type="log", nice=False, padding=30)
        if log
        else alt.Scale(zero=True, nice=True, padding=30),
        axis=alt.Axis(format=".2~g", tickCount=6),
    )
    direction = "higher is better" if attrs.get("higher_is_better", True) else "lower is better"
    y_title = f"{label} ({direction})"
    y = alt.Y(f"{metric_key}:Q", title=y_title, scale=alt.Scale(zero=False, padding=20))
    color = alt.Color(
        "status:N",
        title=None,
        scale=alt.Scale(
            domain=["on the Pareto front", "dominated"], range=[FRONT_COLOR, DOMINATED_COLOR]
        ),
    )
    tooltip = [
        alt.Tooltip("prototype:N", title="Prototype"),
        alt.Tooltip("score_text:N", title=f"{label} (interval)"),
        alt.Tooltip("difference_text:N", title=f"vs {attrs.get('reference') or 'reference'}"),
        alt.Tooltip("verdict:N", title="Verdict"),
        alt.Tooltip("running_text:N", title="Running cost / month"),
        alt.Tooltip("one_off_text:N", title="One-off cost"),
        alt.Tooltip("latency_ms_per_1000_p50:Q", title="Latency p50 (ms/1,000)", format=".1f"),
        alt.Tooltip("latency_ms_per_1000_p95:Q", title="Latency p95 (ms/1,000)", format=".1f"),
        alt.Tooltip("size_mb:Q", title="Model size (MB)", format=".2f"),
        alt.Tooltip("memory_mb:Q", title="Peak memory (MB)", format=".2f"),
        alt.Tooltip("train_seconds:Q", title="Training (s)", format=".2f"),
        alt.Tooltip("effort_days:Q", title="Effort (person-days)", format=".1f"),
        alt.Tooltip("status:N", title="Pareto"),
    ]
    base = alt.Chart(data).encode(x=x)
    bars = base.mark_rule(strokeWidth=3, opacity=0.7).encode(
        y=alt.Y(f"{metric_key}_low:Q", title=y_title),
        y2=f"{metric_key}_high:Q",
        color=color,
        tooltip=tooltip,
    )
    points = base.mark_circle(opacity=0.9, stroke="white", strokeWidth=1).encode(
        y=y,
        color=color,
        size=alt.Size(
            "latency_ms_per_1000_p50:Q",
            title="Latency p50 (ms per 1,000)",
            scale=alt.Scale(range=[120, 900]),
        ),
        tooltip=tooltip,
    )
    ring = (
        base.transform_filter(alt.datum.mvp)
        .mark_point(shape="circle", size=1400, strokeWidth=3, color=HIGHLIGHT_COLOR, filled=False)
        .encode(y=y, tooltip=tooltip)
    )
    text = {
        "y": y,
        "text": "label:N",
        "color": alt.condition(alt.datum.mvp, alt.value(HIGHLIGHT_COLOR), alt.value("#212121")),
    }
    # Names of the dearest prototypes go left of their point so they stay inside the chart.
    right = alt.datum.x_position > 0.6
    labels = base.transform_filter(~right).mark_text(
        align="left", dx=16, dy=-12, fontSize=FONT_SIZE
    ).encode(**text) + base.transform_filter(right).mark_text(
        align="right", dx=-16, dy=-12, fontSize=FONT_SIZE
    ).encode(**text)
    subtitle = [
        f"{attrs.get('confidence', 0.95):.0%} intervals ({attrs.get('method', BOOTSTRAP_METHOD)}"
        f", {attrs.get('n_rows', 0):,} {ROWS_WORD}); size = latency; grey = dominated"
    ]
    if missing:
        subtitle.append(f"Not shown (running cost or score unknown): {', '.join(missing)}")
    chart = (bars + points + ring + labels).properties(
        width=760,
        height=420,
        title=alt.Title(f"{label} against running cost", subtitle=subtitle),
    )
    return altair_configured(chart)


def altair_configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The configuration the Pareto chart had when built with Altair."""
    return (
        chart.configure_axis(
            labelFontSize=FONT_SIZE - 1,
            titleFontSize=FONT_SIZE,
            labelLimit=LABEL_LIMIT,
            titleLimit=2 * LABEL_LIMIT,
        )
        .configure_legend(
            labelFontSize=FONT_SIZE - 1,
            titleFontSize=FONT_SIZE - 1,
            labelLimit=LABEL_LIMIT,
            orient="bottom",
        )
        .configure_title(fontSize=TITLE_FONT_SIZE, subtitleFontSize=FONT_SIZE - 1, anchor="start")
        .configure_view(strokeWidth=0)
    )


def test_the_pareto_spec_is_the_chart_altair_builds(ws):
    """The spec written as a dict shows exactly what the Altair chart showed: the same data,
    marks, encodings, scales, titles and configuration, for every kind of table."""
    tables = [
        bakeoff_table(ws, "Sprint 1", "pr_auc", CostAssumptions(), n_resamples=200),
        bakeoff_table(ws, "No MVP", "roc_auc", CostAssumptions(), n_resamples=200),
        wide_table([0.01, 1.0, 0.2]),  # a log cost axis
        wide_table([0.0, 1.0], higher_is_better=False, metric_label="Brier"),
        wide_table([0.5, np.nan, 1.0], reference="p0", method="percentile", n_rows=7),
    ]
    for table in tables:
        spec = pareto_spec(table)
        assert spec == charts.chart_spec(altair_pareto_chart(table))
        assert pareto_chart(table).to_dict() == altair_pareto_chart(table).to_dict()
    assert spec["title"]["subtitle"][-1] == "Not shown (running cost or score unknown): p1"


# -- segments and disagreements -----------------------------------------------------------------
def test_segment_table_counts_rows_and_positives_and_gives_nan_for_one_class(ws):
    segments = segment_table(ws, "Hand", "recall", "Type")
    assert list(segments.index) == ["H", "L", "M"]
    assert list(segments["rows"]) == [2, 4, 4]
    assert list(segments["positives"]) == [0, 2, 2]
    assert segments.loc["H"].iloc[2:].isna().all()  # no failures of type H: recall undefined
    # L: failures at wear 120 and 220; the ≥ 150 rule catches only the second
    assert segments.loc["L", "wear ≥ 100"] == 1.0
    assert segments.loc["L", "wear ≥ 150"] == 0.5
    assert math.isnan(segment_table(ws, "Hand", "pr_auc", "Type").loc["H", "wear ≥ 200"])


def test_segment_table_bins_a_numeric_feature(ws):
    segments = segment_table(ws, "Sprint 1", "accuracy", TOOL_WEAR)
    assert len(segments) == 4
    assert segments["rows"].sum() == 400
    # ranges as people write them, not "(26.557, 50.443]"
    assert all(re.fullmatch(r"[\d.,]+–[\d.,]+", str(name)) for name in segments.index)


def test_rows_without_a_reading_are_a_segment_of_their_own():
    """A trial: 46 of 1,500 rows whose oil temperature was not read were in no segment."""
    from model.bakeoff_segments import MISSING_SEGMENT, _segments

    values = pd.Series([*np.linspace(26.557, 82.582, 40), *[np.nan] * 3])
    counts = _segments(values, 4).value_counts(sort=False)
    ranges = ["26.6–40.6", "40.6–54.6", "54.6–68.6", "68.6–82.6"]
    assert list(counts.index) == [*ranges, MISSING_SEGMENT]
    assert list(counts) == [10, 10, 10, 10, 3]


def test_segment_table_names_the_features_when_one_is_missing(ws):
    with pytest.raises(model.WorkspaceError, match="Tool wear"):
        segment_table(ws, "Hand", "recall", "Colour")


def test_disagreements_share_matrix_and_most_split_rows(ws):
    found = disagreements(ws, "Hand")
    # wear 120, 130 (only ≥ 100 fires) and 170, 180 (≥ 200 does not) split the rules
    assert found["share"] == pytest.approx(0.4)
    assert found["n_disagreements"] == 4
    agreement = found["agreement"]
    assert agreement.loc["wear ≥ 100", "wear ≥ 150"] == pytest.approx(0.8)
    assert agreement.loc["wear ≥ 100", "wear ≥ 200"] == pytest.approx(0.6)
    assert agreement.loc["wear ≥ 150", "wear ≥ 200"] == pytest.approx(0.8)
    assert np.allclose(np.diag(agreement), 1.0)
    rows = found["rows"]
    assert set(rows["row_id"].iloc[:4]) == {"r1", "r2", "r5", "r6"}
    assert rows["split"].iloc[:4].tolist() == pytest.approx([1 / 3] * 4)
    assert (rows["split"].iloc[4:] == 0).all()
    assert {"wear ≥ 100", "wear ≥ 100: p(1)", "actual"} <= set(rows.columns)
    spec = agreement_spec(agreement)
    assert spec["config"]["axis"]["labelLimit"] >= 250


def altair_agreement_heatmap(matrix: pd.DataFrame) -> alt.TopLevelMixin:
    """The agreement heatmap built with Altair, as the page drew it before ``agreement_spec``
    wrote the same spec directly: the reference that spec must equal."""
    names = [str(n) for n in matrix.index]
    data = agreement_data(matrix)
    low = float(data["share"].min()) if len(data) else 0.0
    base = alt.Chart(data).encode(
        x=alt.X("b:N", sort=names, title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("a:N", sort=names, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            title="Same prediction",
            scale=alt.Scale(domain=[min(low, 0.99), 1.0], scheme="blues"),
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=[
            alt.Tooltip("a:N", title="Prototype"),
            alt.Tooltip("b:N", title="and"),
            alt.Tooltip("text:N", title="Same prediction"),
        ],
    )
    text = base.mark_text(fontSize=FONT_SIZE).encode(
        text="text:N",
        color=alt.condition(
            alt.datum.share > (low + 1) / 2, alt.value("white"), alt.value("black")
        ),
    )
    size = max(240, 90 * len(names))
    chart = (cells + text).properties(
        width=size,
        height=60 * len(names) + 220,
        title="How often two prototypes predict the same label",
    )
    return altair_configured(chart)


def test_the_agreement_spec_is_the_heatmap_altair_builds(ws):
    names = ["a", "b", "c", "d"]
    matrices = [
        disagreements(ws, "Hand")["agreement"],
        disagreements(ws, "Sprint 1")["agreement"],
        pd.DataFrame(np.eye(4) * 0.3 + 0.7, index=names, columns=names),  # below 0.99
        pd.DataFrame([[1.0]], index=["alone"], columns=["alone"]),
    ]
    for matrix in matrices:
        assert agreement_spec(matrix) == charts.chart_spec(altair_agreement_heatmap(matrix))


# -- replicates stored when publishing ------------------------------------------------------------
def _computed_figures(ws, sprint: str, metric_key: str, monkeypatch) -> pd.DataFrame:
    """The figures with every stored replicate ignored: all computed on the spot."""
    with monkeypatch.context() as patch:
        patch.setattr(model.Prototype, "bootstrap_replicates", lambda *args, **kwargs: None)
        return bootstrap_figures(ws, sprint, metric_key)


def test_publishing_stores_the_headline_metric_on_the_bakeoffs_resamples(ws):
    from model.metrics import HEADLINE_METRIC
    from model.stats import metric_function, replicate_values

    proto = ws.prototype("Sprint 1", "physics rules")
    stored = proto.meta["bootstrap"]
    assert stored["metric"] == HEADLINE_METRIC["binary"] == "pr_auc"
    assert (stored["n_resamples"], stored["seed"]) == (1000, 0)
    metric = metric_function("pr_auc", "binary", proto.meta["positive_class"])
    values = proto.bootstrap_replicates("pr_auc", proto.meta["positive_class"], 1000, 0)
    expected = replicate_values(proto.predictions(), metric, 1000, 0)
    np.testing.assert_array_equal(values, expected)
    assert np.std(values) > 0  # real resamples, not the estimate repeated
    assert proto.bootstrap_replicates("roc_auc", proto.meta["positive_class"], 1000, 0) is None
    assert proto.bootstrap_replicates("pr_auc", proto.meta["positive_class"], 500, 0) is None
    assert proto.bootstrap_replicates("pr_auc", proto.meta["positive_class"], 1000, 1) is None


def test_stored_replicates_give_exactly_the_figures_computed_on_the_spot(ws, monkeypatch):
    import model.bootstrap

    computed = _computed_figures(ws, "Sprint 1", "pr_auc", monkeypatch)

    def no_resampling(*args, **kwargs):
        raise AssertionError("the bake-off drew resamples although every prototype stored them")

    with monkeypatch.context() as patch:
        patch.setattr(model.bootstrap, "resample_weights", no_resampling)
        stored = bootstrap_figures(ws, "Sprint 1", "pr_auc")
    pd.testing.assert_frame_equal(stored, computed, check_exact=True)
    assert stored.attrs == computed.attrs
    low, high = stored["pr_auc_low"], stored["pr_auc_high"]
    assert (low < high).all()


def test_replicates_are_computed_when_rows_differ_or_for_another_metric(ws, monkeypatch):
    import model.bootstrap

    calls = []
    original = model.bootstrap.resample_weights

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(model.bootstrap, "resample_weights", counted)
    # "No MVP": the physics rules were published on 300 of the 400 rows; what was stored for
    # 400 rows does not pair, so everything is computed on the 300 shared rows.
    shared = bootstrap_figures(ws, "No MVP", "pr_auc")
    assert calls and calls[-1][0] == 300
    calls.clear()
    other_metric = bootstrap_figures(ws, "Sprint 1", "roc_auc")
    assert calls and calls[-1][0] == 400
    monkeypatch.setattr(model.bootstrap, "resample_weights", original)
    for sprint, key, figures in (
        ("No MVP", "pr_auc", shared),
        ("Sprint 1", "roc_auc", other_metric),
    ):
        pd.testing.assert_frame_equal(
            figures, _computed_figures(ws, sprint, key, monkeypatch), check_exact=True
        )


def test_a_damaged_replicates_file_is_computed_again(ws, tmp_path, monkeypatch):
    import shutil

    copy = model.open_workspace(shutil.copytree(ws.path, tmp_path / "copy"), create=False)
    expected = _computed_figures(copy, "Sprint 1", "pr_auc", monkeypatch)
    proto = copy.prototype("Sprint 1", "physics rules")
    arguments = ("pr_auc", proto.meta["positive_class"], 1000, 0)
    assert proto.bootstrap_replicates(*arguments) is not None
    (proto.path / "bootstrap.npy").write_bytes(b"\x93NUMPY garbage")
    assert proto.bootstrap_replicates(*arguments) is None
    pd.testing.assert_frame_equal(
        bootstrap_figures(copy, "Sprint 1", "pr_auc"), expected, check_exact=True
    )


def test_replicates_are_stored_from_a_size_on(tmp_path, monkeypatch):
    data = load_demo_data().iloc[:300]
    rule = model.ToolWearRule().fit(data[FEATURES], data[TARGET])
    workspace = model.open_workspace(tmp_path / "ws")
    monkeypatch.setattr(model.publishing, "BOOTSTRAP_STORE_MIN_ROWS", 301)
    small = workspace.publish("S", "small", rule, data[FEATURES], data[TARGET])
    assert small.meta["bootstrap"] is None and not (small.path / "bootstrap.npy").exists()
    monkeypatch.setattr(model.publishing, "BOOTSTRAP_STORE_MIN_ROWS", 300)
    large = workspace.publish("S", "large", rule, data[FEATURES], data[TARGET])
    assert large.meta["bootstrap"]["metric"] == "pr_auc"
    assert (large.path / "bootstrap.npy").exists()
    # One stored, one not: the figures are those computed on the spot all the same.
    expected = _computed_figures(workspace, "S", "pr_auc", monkeypatch)
    pd.testing.assert_frame_equal(
        bootstrap_figures(workspace, "S", "pr_auc"), expected, check_exact=True
    )


def test_unlabeled_publish_stores_no_replicates(tmp_path):
    data = load_demo_data().iloc[:200]
    rule = model.ToolWearRule().fit(data[FEATURES], data[TARGET])
    workspace = model.open_workspace(tmp_path / "ws")
    proto = workspace.publish("S", "rule", rule, data[FEATURES])
    assert proto.meta["bootstrap"] is None
    assert not (proto.path / "bootstrap.npy").exists()
    assert proto.bootstrap_replicates("pr_auc", "1", 1000, 0) is None


def test_a_sprint_of_two_targets_or_two_tasks_is_not_compared_in_one_line(tmp_path, monkeypatch):
    # a model of overheating was scored against the failure labels of the MVP, with a note
    from sklearn.linear_model import LinearRegression

    from model.sprint_data import SprintData
    from model.workspace import WorkspaceError

    data = load_demo_data()
    X, y = data[FEATURES].iloc[:300], data[TARGET].iloc[:300]
    workspace = model.open_workspace(tmp_path / "ws")
    workspace.publish("S1", "failure rule", model.ToolWearRule().fit(X, y), X, y)
    gap = X["Process temperature [K]"] - X["Air temperature [K]"]
    hot = (gap < gap.median()).astype(int)
    heat = model.ToolWearRule(150).fit(X, hot)
    workspace.publish("S1", "overheating rule", heat, X, hot.rename("Overheating"))
    with pytest.raises(WorkspaceError, match=r"mixes targets \(Machine failure, Overheating\)"):
        SprintData(workspace, "S1")
    # the same labels under another name ("actual", taken from a stored prototype) compare
    workspace.publish("S3", "failure rule", model.ToolWearRule().fit(X, y), X, y)
    workspace.publish("S3", "again", model.ToolWearRule(150).fit(X, y), X, y.rename("actual"))
    assert SprintData(workspace, "S3").scored == ["failure rule", "again"]
    numbers = [c for c in FEATURES if c not in ("Type", TOOL_WEAR)]
    wear = LinearRegression().fit(X[numbers], X[TOOL_WEAR])
    workspace.publish("S2", "failure rule", model.ToolWearRule().fit(X, y), X, y)
    with pytest.raises(
        model.PublishError,
        match=r"^'failure rule' in 'S2' predicts two classes and this model numbers: the "
        r"Bake-off compares prototypes that predict the same thing; publish it in a sprint",
    ):
        workspace.publish("S2", "wear", wear, X[numbers], X[TOOL_WEAR])
    assert workspace.prototypes("S2") == ["failure rule"]
    # a workspace published before publishing refused it
    monkeypatch.setattr("model.workspace.check_fits_sprint", lambda *args: None)
    workspace.publish("S2", "wear", wear, X[numbers], X[TOOL_WEAR])
    with pytest.raises(WorkspaceError, match=r"mixes kinds of prediction \(two classes, values\)"):
        SprintData(workspace, "S2")


def test_what_always_the_majority_scores_is_said_where_it_can_win():
    """A 9 % class on Accuracy: "majority (always no) scores best: 0.909" with no word that it
    catches none of the 91 readmissions."""
    from model.bakeoff_sentences import actual_counts, majority_sentence

    meta = {"classes": ["0", "1"], "confusion_matrix": [[705, 204], [61, 30]]}
    counts = actual_counts(meta)
    assert counts == {"0": 909, "1": 91}
    names = {"0": "Not readmitted", "1": "Readmitted within 30 days"}
    assert majority_sentence("accuracy", counts, "patients", names) == (
        "Always answering “Not readmitted” (90.9% of the 1,000 patients) scores 0.909 on "
        "Accuracy, and it catches none of the 91 “Readmitted within 30 days”: so a high "
        "Accuracy here says little."
    )
    assert majority_sentence("pr_auc", counts, "patients", names) is None  # it cannot win
    assert majority_sentence("accuracy", {"0": 790, "1": 210}) is None  # under 80 %
    queues = {"billing": 820, "shipping": 100, "other": 80}
    assert majority_sentence("accuracy", queues, "tickets").endswith(
        "and it gets none of the other 180 tickets right: so a high Accuracy here says little."
    )
    assert actual_counts({"task": "regression"}) == {}


def test_a_threshold_at_or_below_every_chance_flags_every_case_in_words():
    """ "always no", every patient 0 %, read "Caught 91 of 91 … (100%)" at "at least 0.0%"."""
    from model.outcomes import BinaryOutcome
    from ui.bakeoff_words import every_case_sentence

    every = BinaryOutcome("1", "0", 0.0, caught=91, positives=91, false_alarms=909, negatives=909)
    counts = "Caught 91 of 91 …"
    assert every_case_sentence(every, (0.0, 0.0), "readmission", "patients", counts) == (
        "It cannot tell patients apart: its chance of readmission is the same for every "
        "patient (0.0%), so it flags every patient, all 1,000. Caught 91 of 91 …"
    )
    assert every_case_sentence(every, (0.021, 0.6), "readmission", "patients") == (
        "At 0.0%, at or below the lowest chance it gives any patient (2.1%), it flags every "
        "patient, all 1,000."
    )
    some = BinaryOutcome("1", "0", 0.3, caught=30, positives=91, false_alarms=204, negatives=909)
    assert every_case_sentence(some, (0.021, 0.6), "readmission", "patients") is None
