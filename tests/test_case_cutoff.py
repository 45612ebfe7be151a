"""One case's decision in the counts' words: flagged or not at the cheapest cut-off."""

from model.cutoff_decisions import Cutoff
from ui import case_cutoff

META = {
    "task": "binary",
    "classes": ["0", "1"],
    "positive_class": "1",
    "class_names": {"0": "Not readmitted", "1": "Readmitted"},
}
CUTOFF = Cutoff.of(["0", "1"], "1", 0.0675)


def test_a_case_above_the_cut_off_is_said_flagged_with_its_chance_and_the_cut_off():
    """trialN: a 9.6% patient was titled "Not readmitted predicted with 90% probability"."""
    assert case_cutoff.cutoff_headline(0.096, CUTOFF, META) == (
        "Flagged as readmitted: 9.6% chance (flagged from 6.8%, the cheapest cut-off)"
    )
    assert case_cutoff.cutoff_headline(0.031, CUTOFF, META) == (
        "Not flagged: 3.1% chance of readmitted (flagged from 6.8%, the cheapest cut-off)"
    )


def test_a_chance_is_said_to_the_tenth_of_its_cut_off_or_finer_where_they_would_read_alike():
    """A trial's flagged case read "17% chance (flagged from 17.1%)": below its cut-off."""
    at_17 = Cutoff.of(["0", "1"], "1", 0.1714)
    assert case_cutoff.cutoff_headline(0.17148, at_17, META) == (
        "Flagged as readmitted: 17.15% chance (flagged from 17.14%, the cheapest cut-off)"
    )
    assert case_cutoff.cutoff_headline(0.4521, at_17, META) == (
        "Flagged as readmitted: 45.2% chance (flagged from 17.1%, the cheapest cut-off)"
    )
    assert case_cutoff.cutoff_headline(0.1706, at_17, META).startswith(
        "Not flagged: 17.06% chance of readmitted (flagged from 17.14%"
    )


def test_unsure_means_close_to_the_cut_off_not_to_50_percent():
    """trialN: a 51% patient, 5.9x the average risk, was "close to a coin toss"."""
    assert (
        case_cutoff.cutoff_sureness_text(0.51, CUTOFF)
        == "The model is not very sure about this one."
    )
    assert case_cutoff.cutoff_sureness_text(0.07, CUTOFF) == (
        "Unsure: this one is close to the 6.8% cut-off."
    )
    assert (
        case_cutoff.cutoff_sureness_text(0.002, CUTOFF) == "The model is very sure about this one."
    )


def test_the_least_confident_queue_says_how_closeness_is_measured():
    said = case_cutoff.queue_order_note(CUTOFF)
    assert "closest to the 6.8% cut-off" in said and "0% (below) or 100% (above)" in said


def test_a_multiclass_card_names_its_likeliest_classes_with_their_chances():
    """trialM: "the likeliest classes are close" named no class."""
    meta = {"task": "multiclass", "class_names": {"acc": "Account access", "tech": "Technical"}}
    chances = {"acc": 0.24, "tech": 0.22, "bill": 0.19, "ship": 0.18, "other": 0.17}
    assert case_cutoff.likeliest_classes_text(chances, meta) == (
        "Likeliest: Account access 24%, Technical 22%, bill 19%"
    )
    assert case_cutoff.likeliest_classes_text({"0": 0.4, "1": 0.6}, META) is None


def test_a_class_named_by_a_phrase_is_quoted_where_a_sentence_needs_a_noun():
    """A nurse read "Not flagged: 3.1% chance of readmitted within 30 days" and "the chance
    of Readmitted within 30 days" on the charts."""
    from ui.formatting import probability_label

    meta = {"task": "binary", "classes": ["0", "1"], "positive_class": "1",
            "explained_classes": ["1"], "target": "readmitted",
            "class_names": {"0": "Not readmitted", "1": "Readmitted within 30 days"}}  # fmt: skip
    cutoff = Cutoff.of(["0", "1"], "1", 0.067)
    assert case_cutoff.cutoff_headline(0.031, cutoff, meta).startswith(
        "Not flagged: 3.1% chance of “Readmitted within 30 days” (flagged from 6.7%"
    )
    assert "when its chance of “Readmitted within 30 days” is at least 6.7%" in (
        case_cutoff.table_note(cutoff, meta)
    )
    assert probability_label(meta) == "the chance of “Readmitted within 30 days”"
    one_word = {**meta, "class_names": {"0": "No failure", "1": "Failure"}}
    assert probability_label(one_word) == "the chance of Failure"
    assert "chance of failure (flagged" in case_cutoff.cutoff_headline(0.031, cutoff, one_word)


def test_a_cut_off_at_0_is_said_to_flag_every_case_not_as_a_rule_at_0_percent():
    every = Cutoff.of(["0", "1"], "1", 0.0)
    note = case_cutoff.table_note(every, META)
    assert note.startswith("Flagged: every case, as the counts above flag them all")
    assert "at least 0.0%" not in note


def test_a_card_at_a_cut_off_of_0_says_every_case_is_flagged():
    """An "always no" model's card read "flagged from 0.0%, the cheapest cut-off"."""
    every = Cutoff.of(["0", "1"], "1", 0.0)
    assert case_cutoff.cutoff_headline(0.0, every, META) == (
        "Flagged as readmitted: 0.0% chance (the cheapest cut-off, 0.0%, flags every case)"
    )
