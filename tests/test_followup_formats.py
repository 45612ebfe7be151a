"""The follow-up's table and sentences write a number alike: one formatter for both."""

import pandas as pd

from model.followup import right_rule
from ui.followup_table import case_note, off_by_text


def _case(**values) -> dict:
    case = {"flagged": True, "status": "fixed", "unit": "min", "sprint": "Sprint 1"}
    case |= {"prototype": "wear ridge", "trained_on": False, "corrected_label": "180.0"}
    return case | values


def test_the_table_says_an_amount_under_1000_as_the_rule_above_it_does():
    case = _case(error_now=123.4, error_before=456.7, right_within=123.4)
    rule = right_rule(pd.DataFrame([case]))
    assert "within 123 min" in rule
    # the table said "off by 123.4 min, was 456.7 min" under "within 123 min"
    assert off_by_text(case) == "off by 123 min, was 457 min"


def test_a_slide_note_writes_the_reviewers_value_and_tolerance_alike():
    case = _case(error_now=12.0, error_before=250.25, right_within=12.5)
    note = case_note(case, "wear forest")
    assert "within 12.5 min of the reviewers' 180 min: off by 12 min, was 250 min" in note
