"""An outcome's sentences on the pages: the overall count first, one line per class under it."""

from __future__ import annotations

from ui.formatting import counted, outcome_markdown


def test_one_sentence_is_one_line():
    sentence = "Caught 50 of 68 failures (74%)."
    assert outcome_markdown([sentence]) == sentence
    # ":" is escaped, as everywhere user text is shown: it could start an emoji shortcode
    assert outcome_markdown(["Caught 5 of 6."], "Now: ", bold=True) == "**Now\\: Caught 5 of 6.**"


def test_a_multiclass_outcome_lists_its_classes_under_the_overall_count():
    sentences = [
        "Right on 90 of 100 cases (90%).",
        "new: 40 of 42 recognised (95%).",
        "old: 50 of 58 recognised (86%).",
    ]
    text = outcome_markdown(sentences, bold=True)
    first, listed = text.split("\n\n")
    assert first == "**Right on 90 of 100 cases (90%).**"
    assert listed.splitlines() == [
        "- new\\: 40 of 42 recognised (95%).",
        "- old\\: 50 of 58 recognised (86%).",
    ]


def test_class_names_cannot_start_markdown():
    text = outcome_markdown(["Right on 1 of 2.", "*bold* [link](x): 1 of 1 recognised."])
    assert "\\*bold\\*" in text and "\\[link\\]" in text


def test_a_count_of_one_takes_the_singular():
    assert counted(1, "sprints") == "1 sprint"
    assert counted(0, "verdicts") == "0 verdicts"
    assert counted(1_200, "rows") == "1,200 rows"
