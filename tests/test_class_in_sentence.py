"""A class name spliced into a sentence (trialN 8): "the chance of readmitted within 30 days"
and "a missed readmitted within 30 days costs $2,000" read badly; a name that is no one-word
noun or adjective is quoted, as the outcome sentences quote it."""

from __future__ import annotations

import pytest

from model.outcomes import class_in_sentence


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Failure", "failure"),  # "a missed failure", "the chance of failure"
        ("Fraudulent", "fraudulent"),
        ("OSF", "OSF"),  # an acronym as written
        ("Readmitted within 30 days", "“Readmitted within 30 days”"),
        ("Churns", "“Churns”"),  # reads as a verb: "a missed churns" was no noun
        ("No failure", "“No failure”"),
        ("Readmitted  within\t30 days", "“Readmitted within 30 days”"),  # one line
        ("Machine failure", "machine failure"),  # a noun phrase reads as one
        ("Tool wear failure", "tool wear failure"),
        ("OSF risk", "OSF risk"),
        ("Readmitted soon", "“Readmitted soon”"),  # led by a participle: no noun
        ("Not readmitted", "“Not readmitted”"),
        ("Churns monthly", "“Churns monthly”"),
    ],
)
def test_a_class_name_reads_in_a_sentence(name, said):
    assert class_in_sentence(name) == said
