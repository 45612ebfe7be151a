"""``python -m feedback_store``: export and list, and one-line errors with exit code 2."""

from pathlib import Path

import pandas as pd
import pytest
from cli_support import run_cli

import feedback_store
from feedback_store.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return run_cli("feedback_store", *map(str, args), cwd=ROOT, timeout=60)


@pytest.fixture
def workspace(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1", comment="naïve ✓", features={"Torque": 65.2})  # fmt: skip
    store.record(sprint="S2", prototype="gbm", row_id="2", reviewer="bob", verdict="correct")
    return tmp_path / "ws"


def test_cli_export_writes_the_file_and_prints_path_and_row_count(workspace, tmp_path):
    out = tmp_path / "verdicts.parquet"
    result = run("export", "--workspace", workspace, "--format", "parquet", "--out", out,
                 "--sprint", "S1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "1 rows" in result.stdout
    assert pd.read_parquet(out)["comment"].tolist() == ["naïve ✓"]


def test_cli_list_prints_current_verdicts(workspace):
    result = run("list", "--workspace", workspace, "--sprint", "S1")
    assert result.returncode == 0, result.stderr
    assert "ana" in result.stdout and "naïve ✓" in result.stdout
    assert "bob" not in result.stdout


def test_cli_list_shows_the_prototype_version_each_verdict_was_given_on(workspace):
    store = feedback_store.open(workspace, create=False)
    store.record(sprint="S3", prototype="gbm", row_id="7", reviewer="ana", verdict="correct",
                 prototype_version=4)  # fmt: skip
    result = run("list", "--workspace", workspace, "--sprint", "S3")
    assert result.returncode == 0, result.stderr
    header, first = result.stdout.splitlines()
    assert header.split()[:5] == [
        "verdict_id",
        "sprint",
        "prototype",
        "prototype_version",
        "row_id",
    ]
    assert first.split()[:5] == ["3", "S3", "gbm", "4", "7"]
    unversioned = run("list", "--workspace", workspace, "--sprint", "S1")  # recorded without one
    assert unversioned.returncode == 0, unversioned.stderr


def test_cli_a_sprint_no_verdict_has_is_named_with_the_sprints_that_have_some(workspace, tmp_path):
    listed = run("list", "--workspace", workspace, "--sprint", "s1")  # a mistyped name
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == (
        "no verdicts for sprint 's1'; verdicts are recorded for S1, S2 (names are matched exactly)"
    )
    out = tmp_path / "o.csv"
    exported = run("export", "--workspace", workspace, "--format", "csv", "--out", out,
                   "--prototype", "GBM")  # fmt: skip
    assert exported.returncode == 0 and "0 rows" in exported.stdout
    assert exported.stderr.strip() == (
        "warning: no verdicts for prototype 'GBM'; verdicts are recorded for gbm (names are"
        " matched exactly)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--workspace", "{missing}", "--format", "csv", "--out", "{tmp}/o.csv"],
        ["list", "--workspace", "{missing}"],
        ["export", "--workspace", "{ws}", "--format", "xlsx", "--out", "{tmp}/o.xlsx"],
        ["export", "--workspace", "{ws}", "--format", "csv", "--out", "{tmp}/no/such/o.csv"],
        ["export", "--workspace", "{ws}", "--format", "csv", "--out", "{tmp}"],
    ],
)
def test_cli_errors_exit_2_with_one_error_line(workspace, tmp_path, args):
    paths = {"missing": tmp_path / "missing", "tmp": tmp_path, "ws": workspace}
    result = run(*[arg.format(**paths) for arg in args])
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", ["export", "list"])
def test_cli_help_works_for_each_subcommand(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "--workspace" in capsys.readouterr().out


def test_cli_without_a_command_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize("command", ["export", "export-training"])
def test_cli_help_says_how_csv_cells_are_guarded_against_formulas(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "gets a leading ' so that it is not run as a formula" in help_text
    assert "Parquet and JSONL keep every value verbatim" in help_text
