"""An export's ``--reviewer`` matches names as the app records them; one nobody has is refused."""

import pandas as pd
import pytest

import feedback_store
from feedback_store.cli import main
from feedback_store.reviewer_filter import reviewer_with_verdicts


@pytest.fixture
def store(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S2", prototype="m", row_id="1", reviewer="maria", verdict="wrong",
                 corrected_label="1")  # fmt: skip
    store.record(sprint="S2", prototype="m", row_id="2", reviewer="José", verdict="correct")
    store.record(sprint="S2", prototype="m", row_id="3", reviewer="ana", verdict="correct")
    return store


def test_a_name_in_another_case_finds_the_reviewers_verdicts(store):
    assert reviewer_with_verdicts(store, "Maria") == "maria"
    assert reviewer_with_verdicts(store, " MARIA ") == "maria"


def test_a_name_with_its_accent_written_as_two_characters_finds_the_reviewer(store):
    assert reviewer_with_verdicts(store, "Jose\u0301") == "José"


def export_by(store, out, reviewer: str) -> int:
    folder = str(store.path.parent)
    return main(["export", "--workspace", folder, "--format", "csv", "--out", str(out),
                 "--reviewer", reviewer])  # fmt: skip


def test_cli_export_by_a_name_in_another_case_writes_that_reviewers_verdicts(
    store, tmp_path, capsys
):
    out = tmp_path / "v.csv"
    code = export_by(store, out, "Maria")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == f"{out}\t1 rows"
    assert pd.read_csv(out)["reviewer"].tolist() == ["maria"]


def test_cli_export_by_a_reviewer_nobody_is_refuses_in_one_line_naming_the_reviewers(
    store, tmp_path, capsys
):
    out = tmp_path / "v.csv"
    code = export_by(store, out, "zzz")
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        "error: no verdicts by reviewer 'zzz'; verdicts are recorded by ana, José, maria"
        " (letter case does not matter); nothing was written\n"
    )
    assert not out.exists()


def test_a_reviewer_filter_on_a_store_without_verdicts_says_none_are_recorded(tmp_path):
    empty = feedback_store.open(tmp_path / "empty")
    with pytest.raises(feedback_store.InvalidVerdict, match="no verdicts are recorded yet"):
        reviewer_with_verdicts(empty, "maria")
