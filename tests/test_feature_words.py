"""Feature descriptions where people read (trialN defect 4): the "Why" sentences and the
charts' labels name a reading by its description, not by its column's code."""

from __future__ import annotations

import pandas as pd

from model.feature_words import LABEL_NAME_CHARS, chart_names, said_name, short_description
from model.review import reason_sentences
from ui import explanations

#: The hospital team's words file (trialN), a few of its descriptions.
NURSE_WORDS = {
    "bun": "blood urea nitrogen, mg/dL",
    "num_prior_admissions": "admissions in the past year",
    "glucose": "blood glucose, mg/dL",
    "sodium": "sodium, mmol/L",
    "hba1c": "HbA1c (blood sugar over 3 months), %",
    "primary_dx": "main diagnosis (ICD-9 code)",
    "discharge_disposition": "where the patient went after discharge",
}
META = {
    "task": "binary",
    "classes": ["0", "1"],
    "positive_class": "1",
    "class_names": {"0": "Not readmitted", "1": "Readmitted within 30 days"},
    "feature_descriptions": NURSE_WORDS,
}
EXPLANATION = {
    "base_value": 0.09,
    "output": 0.30,
    "unit": "probability",
    "contributions": {"num_prior_admissions": 0.166, "bun": 0.03, "glucose": 0.014},
    "feature_values": {"num_prior_admissions": 4, "bun": float("nan"), "glucose": 75.0},
}


def test_a_description_is_said_by_its_first_phrase():
    assert short_description("blood urea nitrogen, mg/dL") == "blood urea nitrogen"
    assert short_description("quality variant: L low, M medium") == "quality variant"
    assert short_description("  ") is None and short_description(None) is None


def test_a_sentence_names_the_reading_and_its_column():
    assert said_name("bun", NURSE_WORDS) == "blood urea nitrogen (bun)"
    assert said_name("glucose", NURSE_WORDS) == "blood glucose"  # says the name already
    assert said_name("sodium", NURSE_WORDS) == "sodium"  # nothing to add
    assert said_name("primary_dx", NURSE_WORDS) == "main diagnosis (primary_dx)"
    assert said_name("age", NURSE_WORDS) == "age"  # no description


def test_the_why_sentences_use_the_descriptions():
    sentences = reason_sentences(
        EXPLANATION, {"num_prior_admissions": 96.0}, "binary", "1", noun="patients",
        descriptions=NURSE_WORDS,
    )  # fmt: skip
    said = " ".join(sentences)
    assert "because admissions in the past year (num_prior_admissions) is 4, higher" in said
    assert "because blood urea nitrogen (bun) is missing" in said
    assert "because blood glucose is 75" in said
    assert "because bun is" not in said


def test_the_waterfall_labels_use_the_descriptions_on_one_line():
    data = explanations.waterfall_data(EXPLANATION, meta=META)
    labels = list(data["label"])
    assert "admissions in the past year = 4" in labels
    assert "blood urea nitrogen = missing" in labels
    assert "blood glucose = 75" in labels
    full = dict(zip(data["label"], data["full"], strict=True))
    assert full["blood urea nitrogen = missing"] == "blood urea nitrogen (bun) = missing"
    assert not any("\n" in label for label in labels)
    spec = explanations.waterfall_spec(EXPLANATION, META)
    assert spec["height"] == 44 * len(data) + 40  # one line a row


def test_a_long_description_is_cut_on_the_axis_and_whole_on_hover():
    names = chart_names(NURSE_WORDS, NURSE_WORDS)
    assert names["discharge_disposition"] == "where the patient went after…"
    assert all(len(name) <= LABEL_NAME_CHARS + 1 for name in names.values())
    assert names["hba1c"] == "hba1c"  # "HbA1c (blood sugar …)" without its bracket
    # two alike short forms would merge two bars: their columns' names instead
    alike = chart_names(["a", "b"], {"a": "blood test, one", "b": "blood test, two"})
    assert alike == {"a": "a", "b": "b"}


def test_what_drives_the_model_names_readings_by_description():
    meta = META | {"global_importance": {"bun": 0.05, "glucose": 0.02, "sodium": 0.01}}
    data = explanations.global_importance_data(meta)
    assert list(data["label"]) == ["blood urea nitrogen", "blood glucose", "sodium"]
    assert list(data["feature"]) == ["bun", "glucose", "sodium"]  # the tooltip keeps the code
    spec = explanations.global_importance_spec(meta)
    assert spec["layer"][0]["encoding"]["y"]["field"] == "label"
    rows = pd.DataFrame(spec["datasets"][next(iter(spec["datasets"]))])
    assert "blood urea nitrogen" in set(rows["label"])
