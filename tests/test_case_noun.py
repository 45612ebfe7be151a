"""What a team calls its cases (trialN 8: "rows in the demo set" for a hospital's patients):
``case_noun`` given when publishing, used wherever the pages named the demo rows."""

from __future__ import annotations

import json

import pytest

from model.cli_words import publish_words
from model.labels import WordsError, checked_words
from model.outcomes import singular
from ui import bakeoff_words, review_card

WORDS = dict(class_names=None, feature_descriptions=None, display_units=None)


def test_publishing_stores_the_case_noun_only_when_given():
    words = checked_words(["0", "1"], ["bun"], {"bun"}, **WORDS, case_noun=" patients ")
    assert words["case_noun"] == "patients"
    assert "case_noun" not in checked_words(["0", "1"], ["bun"], {"bun"}, **WORDS)


@pytest.mark.parametrize("bad", ["", "rows\nin", "3 beds", 7, "x" * 41])
def test_a_case_noun_that_is_no_words_is_refused_in_one_line(bad):
    with pytest.raises(WordsError, match="case noun") as error:
        checked_words(["0", "1"], ["bun"], {"bun"}, **WORDS, case_noun=bad)
    assert "\n" not in str(error.value)


def test_the_words_file_and_the_noun_option_give_it(tmp_path):
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"case_noun": "patients", "class_names": {"1": "Readmitted"}}))
    assert publish_words(path)["case_noun"] == "patients"
    assert publish_words(path, noun="admissions")["case_noun"] == "admissions"  # --noun wins
    assert "case_noun" not in publish_words(None)
    path.write_text(json.dumps({"case_noun": {"a": "b"}}))
    with pytest.raises(ValueError, match="case_noun must be text"):
        publish_words(path)


def test_the_pages_say_the_teams_noun():
    meta = {"task": "binary", "target": "readmitted", "positive_class": "1",
            "class_names": {"1": "Readmitted within 30 days"}, "case_noun": "patients"}  # fmt: skip
    assert review_card.reason_wording(meta)[1] == "patients"
    assert review_card.cases_noun(review_card.reason_wording(meta)[1]) == "patients"
    # the team's noun wins over the bundled demo's "machines"
    machines = {"task": "binary", "target": "Machine failure", "case_noun": "lathes"}
    assert review_card.reason_wording(machines) == ("Failure risk", "lathes")
    assert review_card.reason_wording({**meta, "case_noun": None})[1] == "rows in the demo set"


@pytest.mark.parametrize(
    ("many", "one"),
    [("patients", "patient"), ("tickets", "ticket"), ("policies", "policy"),
     ("people", "person"), ("series", "series"), ("boxes", "box"), ("classes", "class"),
     ("rows in the demo set", "row in the demo set"), ("support tickets", "support ticket")],
)  # fmt: skip
def test_one_of_a_noun_is_said_alike_everywhere(many, one):
    assert singular(many) == one
    assert bakeoff_words.singular(many) == one  # "Flag a policie" before
