"""A CSV given as --data or --trained-on is capped before pandas reads it: by its size on disk,
then by its rows (security trial: 256 MB of one-character ids became 1.2 GB of strings)."""

from __future__ import annotations

import pytest
import skops.io
from cli_support import run_cli
from sklearn.dummy import DummyClassifier

import model.data_files as data_files
from model.data_files import check_csv_header, trained_on_file


def ids_csv(path, rows, header="row_id,y"):
    path.write_text(header + "\n" + "".join(f"{i % 10},{i % 2}\n" for i in range(rows)))
    return path


def test_a_csv_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:  # sparse: nothing is written, and nothing must be read
        file.truncate(data_files.MAX_CSV_BYTES + 1)

    with pytest.raises(ValueError) as refused:
        check_csv_header(path, "data file huge.csv")

    assert str(refused.value) == (
        "data file huge.csv is 1.0 GB, more than the 1 GB a publish reads from a CSV: give a"
        " sample of the rows"
    )


def test_a_csv_over_the_row_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(data_files, "MAX_CSV_ROWS", 100)
    with pytest.raises(ValueError, match=r"^data file ids.csv holds more than 100 rows, the most"):
        check_csv_header(ids_csv(tmp_path / "ids.csv", 101), "data file ids.csv")
    assert check_csv_header(ids_csv(tmp_path / "ok.csv", 100), "x") == ["row_id", "y"]


def test_a_trained_on_csv_of_short_ids_over_the_row_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(data_files, "MAX_CSV_ROWS", 100)
    with pytest.raises(ValueError) as refused:
        trained_on_file(ids_csv(tmp_path / "trained.csv", 101))
    assert str(refused.value) == (
        "--trained-on: trained.csv holds more than 100 rows, the most a publish reads: give a"
        " sample of the rows"
    )
    assert len(trained_on_file(ids_csv(tmp_path / "fine.csv", 100))) == 100


def test_cli_publish_refuses_an_oversized_csv_in_one_line_with_exit_2(tmp_path):
    data = tmp_path / "huge.csv"
    with data.open("wb") as file:
        file.truncate(data_files.MAX_CSV_BYTES + 1)
    model = tmp_path / "model.skops"
    skops.io.dump(DummyClassifier().fit([[0], [1]], [0, 1]), model)

    result = run_cli("model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S1",
                     "--name", "rf", "--model", str(model), "--data", str(data),
                     "--target", "y", timeout=120)  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: data file huge.csv is 1.0 GB, more than the 1 GB a publish reads from a CSV:"
        " give a sample of the rows"
    ]
