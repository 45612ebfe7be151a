"""trialN 4 and 8 on the Sprint demo: the one-reading chart names its reading by the
description's short form (the column stays the value, its code in the tooltip), and the
captions call the cases what publishing named them ("patients"), the bundled demo's words
unchanged where no noun was given."""

from __future__ import annotations

import pandas as pd
from test_views import BINARY_META, explanation

from ui import case_words, explanations

PATIENTS = {**BINARY_META, "case_noun": "patients", "background_size": 50}
DESCRIBED = {
    **BINARY_META,
    "feature_descriptions": {"bun": "blood urea nitrogen, mg/dL", "age": "age"},
}


def test_the_waterfall_caption_names_the_patients_it_averages_over():
    caption = explanations.waterfall_caption(explanation(), PATIENTS)
    assert "3.4% (over 50 patients of the demo set), to 41.4% for this patient." in caption
    assert "row" not in caption


def test_without_a_noun_the_waterfall_caption_reads_as_before():
    caption = explanations.waterfall_caption(explanation(), {**BINARY_META, "background_size": 50})
    assert "(over 50 reference rows of the demo set), to 41.4% for this row." in caption
    assert "(over reference rows)" in explanations.waterfall_caption(explanation(), BINARY_META)


def test_the_demo_cases_are_the_published_noun_else_demo_rows():
    assert case_words.demo_cases(PATIENTS) == "patients"
    assert case_words.demo_cases(PATIENTS, one=True) == "patient"
    assert case_words.demo_cases({"case_noun": "  "}) == "demo rows"
    assert case_words.demo_cases(BINARY_META, one=True) == "demo row"


def _dependence(feature: str, meta: dict) -> dict:
    features = pd.DataFrame({"bun": [12.0, 30.0, 55.0], "age": [40, 60, 80]}, index=list("abc"))
    shap = pd.DataFrame({"bun": [-0.01, 0.02, 0.05], "age": [0.0, 0.01, 0.02]}, index=list("abc"))
    return explanations.dependence_spec(features, shap, feature, meta)


def test_the_dependence_axis_names_the_reading_by_its_description():
    encoding = _dependence("bun", DESCRIBED)["layer"][1]["encoding"]
    assert encoding["x"]["title"] == "blood urea nitrogen"
    assert encoding["tooltip"][0]["title"] == "blood urea nitrogen (bun)"  # the code on hover
    # a description that only repeats the name adds nothing; no description keeps the column
    assert _dependence("age", DESCRIBED)["layer"][1]["encoding"]["x"]["title"] == "age"
    assert _dependence("bun", BINARY_META)["layer"][1]["encoding"]["x"]["title"] == "bun"


def test_the_importance_caption_averages_over_the_patients():
    """The Sprint demo still said "on average over the demo rows" under "What drives the
    model" where the prototype named its cases."""
    from ui.importance_chart import importance_caption

    assert importance_caption(PATIENTS).endswith("on average over the patients.")
    assert importance_caption(BINARY_META).endswith("on average over the demo rows.")
