"""An input path that is a folder, a FIFO or a link to ``/dev/zero`` is named as such, not as
missing (security trial D11: "--trained-on: … does not exist" for a file that exists)."""

from __future__ import annotations

import os

import pytest

from model.data_files import trained_on_file


def _not_a_file(path, kind):
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


@pytest.mark.parametrize("kind", ["folder", "fifo", "dev_zero"])
def test_trained_on_that_is_not_a_regular_file_says_so(tmp_path, kind):
    path = _not_a_file(tmp_path / "trained.csv", kind)
    with pytest.raises(ValueError) as refused:
        trained_on_file(path)
    assert str(refused.value) == (
        f"--trained-on: {path} is not a regular file; give the file itself"
    )


@pytest.mark.parametrize("kind", ["folder", "fifo", "dev_zero"])
def test_data_and_model_files_that_are_not_regular_files_say_so(tmp_path, kind):
    from model.cli import read_data_file
    from model.persistence import ModelFileError, load_model_file

    data = _not_a_file(tmp_path / "rows.csv", kind)
    with pytest.raises(ValueError) as refused:
        read_data_file(data, "y", "row_id")
    assert str(refused.value) == f"data file {data} is not a regular file; give the file itself"
    model_file = _not_a_file(tmp_path / "model.skops", kind)
    with pytest.raises(ModelFileError) as refused:
        load_model_file(model_file)
    assert str(refused.value) == (
        f"model file {model_file} is not a regular file; give the file itself"
    )
    with pytest.raises(ModelFileError, match="gone.skops does not exist"):
        load_model_file(tmp_path / "gone.skops")
