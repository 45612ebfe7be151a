"""The bake-off report: one HTML file that opens offline and shows user text as inert text."""

from __future__ import annotations

import html
import re
import sys
from html.parser import HTMLParser

import pytest

import model
from model.costs import CostAssumptions
from model.demo import FEATURES, TARGET, WORDS, load_demo_data
from model.recommend import recommend, sprint_costs, sprint_recommendation
from ui.report import bakeoff_report_html

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
RATIONALE = "Cheapest that works.\n<script>alert(1)</script> ![x](http://evil)"
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}
NETWORK_ATTRIBUTES = {"src", "href", "xlink:href", "action", "data", "poster", "srcset"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> model.Workspace:
    data = load_demo_data()
    train, demo = data.iloc[:2000], data.iloc[2000:2300]
    X, y = train[FEATURES], train[TARGET]
    workspace = model.open_workspace(tmp_path_factory.mktemp("report"))
    workspace.publish(
        "Sprint 1", "tool-wear rule", model.ToolWearRule().fit(X, y), demo[FEATURES],
        demo[TARGET], mvp=True, train_seconds=0.01, effort_days=1.0,
    )  # fmt: skip
    workspace.publish(
        "Sprint 1", HOSTILE_NAME, model.PhysicsRules().fit(X, y), demo[FEATURES], demo[TARGET],
        train_seconds=0.02,
    )  # fmt: skip
    workspace.record_decision(
        "Sprint 1", HOSTILE_NAME, RATIONALE, ["Ana", "Eve <eve@example.com>"],
        decided_on="2026-11-20", recorded_by="dana",
    )  # fmt: skip
    return workspace


@pytest.fixture(scope="module")
def report(ws) -> str:
    return bakeoff_report_html(
        ws, "Sprint 1", "pr_auc", CostAssumptions(), n_resamples=200, renderer="builtin"
    )


class _Checker(HTMLParser):
    """Collects tags and attributes and checks that every element is closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(document: str) -> _Checker:
    checker = _Checker()
    checker.feed(document)
    checker.close()
    return checker


def assert_offline_and_well_formed(document: str) -> _Checker:
    checker = parse(document)
    assert not checker.errors and not checker.stack
    assert {"html", "head", "body", "table", "svg"} <= set(checker.tags)
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(checker.tags)
    for name, value in checker.attributes:
        if name in NETWORK_ATTRIBUTES:
            assert not value.strip().lower().startswith(("http:", "https:", "//")), (name, value)
    assert "url(" not in document and "@import" not in document
    return checker


def test_report_is_a_well_formed_document_that_needs_no_network(report):
    assert_offline_and_well_formed(report)
    assert report.startswith("<!DOCTYPE html>")
    # the only URL is the one the user typed, shown as text
    assert report.count("http") == report.count("](http://evil)") == 1


def test_report_names_every_prototype(ws, report):
    for name in ws.prototypes("Sprint 1"):
        assert html.escape(name) in report
    assert HOSTILE_NAME not in report


def test_user_text_is_escaped_into_inert_text(report):
    assert "<script" not in report.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "![x](http://evil)" in report
    assert "Eve &lt;eve@example.com&gt;" in report
    text = "".join(parse(report).text)
    assert "<script>alert(1)</script>" in text  # what the reader sees


def test_report_holds_table_tradeoffs_segments_disagreements_decision_and_costs(report):
    text = " ".join(" ".join(parse(report).text).split())
    assert "Bake-off: Sprint 1" in text
    assert "PR AUC (95% interval)" in text
    assert "scores best on PR AUC" in text
    assert "PR AUC per value of Type" in text
    assert "The prototypes decide differently on" in text
    assert f"Chose {HOSTILE_NAME} on 2026-11-20" in text
    assert "Attendees: Ana, Eve <eve@example.com>" in text
    assert "Predictions per month 1,000,000" in text
    # the binary sprint's error costs only: not a multiclass's or a regression's
    assert "Cost of a false alarm" in text and "Cost of a wrong class" not in text
    assert "Cost per unit of error" not in text
    assert "1 person-days × $800.00/day = $800.00" in text
    assert "unknown: the effort to production was not recorded" in text


def test_auto_renderer_draws_the_chart_itself_without_vl_convert(ws, monkeypatch):
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import now fails
    document = bakeoff_report_html(ws, "Sprint 1", "pr_auc", n_resamples=100)
    assert_offline_and_well_formed(document)
    assert "PR AUC against running cost" in document


def test_vl_convert_renderer_embeds_the_altair_chart_as_inline_svg(ws):
    pytest.importorskip("vl_convert")
    document = bakeoff_report_html(ws, "Sprint 1", "pr_auc", n_resamples=100, renderer="vl-convert")
    assert_offline_and_well_formed(document)
    assert "http" not in document.replace("](http://evil)", "")
    assert html.escape(HOSTILE_NAME) in document.split("<svg", 1)[1]


def test_unknown_renderer_is_refused(ws):
    with pytest.raises(ValueError, match="renderer"):
        bakeoff_report_html(ws, "Sprint 1", "pr_auc", n_resamples=50, renderer="png")


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> model.Workspace:
    """A sprint published with class names, as the demo publishes it."""
    data = load_demo_data()
    train, demo = data.iloc[:2000], data.iloc[2000:2400]
    X, y = train[FEATURES], train[TARGET]
    workspace = model.open_workspace(tmp_path_factory.mktemp("named-report"))
    for name, rule, effort in (
        ("tool-wear rule", model.ToolWearRule(), 1.0),
        ("physics rules", model.PhysicsRules(), 2.0),
    ):
        workspace.publish(
            "Sprint 1", name, rule.fit(X, y), demo[FEATURES], demo[TARGET],
            mvp=name == "tool-wear rule", train_seconds=0.01, effort_days=effort,
            class_names=WORDS["class_names"],
        )  # fmt: skip
    return workspace


def test_report_opens_with_the_recommendation_the_counts_and_the_cost_to_own(named):
    document = bakeoff_report_html(named, "Sprint 1", "pr_auc", n_resamples=100)
    assert_offline_and_well_formed(document)
    text = " ".join(" ".join(parse(document).text).split())
    expected = sprint_recommendation(named, "Sprint 1")
    assert f"Recommendation {expected.text}" in text
    # no assumptions stored in this workspace: the report says its money is example money
    assert "These money figures use example assumptions, not your business's (a missed " \
        "failure costs $2,000" in text  # fmt: skip
    costs = {c.name: c for c in sprint_costs(named, "Sprint 1")}
    for name in ("tool-wear rule", "physics rules"):
        outcome = costs[name].errors.outcome
        assert (
            f"Caught {outcome.caught} of {outcome.positives} failures" in text
            and f"{outcome.false_alarms} false alarm" in text
        )
    assert "Actually Failure" in text and re.search(r"Predicted Failure .* \d+ caught", text)
    assert "Actually 1" not in text and "Predicted 0" not in text
    assert "To own / year" in text and "Pays back" in text
    assert text.index("Recommendation") < text.index("PR AUC (95% interval)")
    assert "Technical details" in text


def test_report_shows_the_thresholds_and_costs_the_page_passes(named):
    moved = sprint_costs(named, "Sprint 1", thresholds={"physics rules": 0.99})
    recommendation = recommend(moved, named.mvp("Sprint 1"))
    document = bakeoff_report_html(
        named, "Sprint 1", "pr_auc", n_resamples=100, costs=moved, recommendation=recommendation
    )
    text = " ".join(" ".join(parse(document).text).split())
    assert "At a threshold of 99.0%" in text
    assert recommendation.text in text


def test_report_names_the_classes_where_the_prototypes_disagree(named):
    document = bakeoff_report_html(named, "Sprint 1", "pr_auc", n_resamples=100)
    section = document.split("Where the prototypes disagree", 1)[1].split("<h2>", 1)[0]
    assert "most split rows" in section  # the two rules do disagree on some rows
    assert "chance of Failure" in section and "p(1)" not in section
    assert "<td>No failure</td>" in section


def test_the_reports_disagreements_decide_at_the_cutoffs_as_the_pages_tab(small_workspace):
    """Trial (claims triage): the Bake-off tab said 18 of 600 claims differ, at 50%, where
    the prototypes flag from 3-8% and differ on 272. The tab now decides at each prototype's
    cheapest cut-off (9443e6d); the downloaded report says the same figure."""
    from model.bakeoff import disagreements
    from ui.cached_disagreements import sprint_cutoffs

    ws = model.open_workspace(small_workspace, create=False)
    cutoffs = sprint_cutoffs(ws, "Sprint 2", ws.prototypes("Sprint 2"))
    assert any(c is not None and c.threshold != 0.5 for c in cutoffs.values())
    at_cutoffs = disagreements(ws, "Sprint 2", cutoffs)
    at_half = disagreements(ws, "Sprint 2")
    assert at_cutoffs["n_disagreements"] != at_half["n_disagreements"]
    document = bakeoff_report_html(ws, "Sprint 2", "pr_auc", n_resamples=100)
    text = " ".join(" ".join(parse(document).text).split())
    n, rows = at_cutoffs["n_disagreements"], at_cutoffs["n_rows"]
    assert f"The prototypes decide differently on {n:,} of {rows:,}" in text
    assert "cheapest cut-off" in text
