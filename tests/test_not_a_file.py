"""An input path that is a folder, a FIFO or a link to ``/dev/zero`` is named as such, not as
missing (security trial D11: "--trained-on: … does not exist" for a file that exists)."""

from __future__ import annotations

import os

import pytest

from model.data_files import trained_on_file


@pytest.mark.parametrize("kind", ["folder", "fifo", "dev_zero"])
def test_trained_on_that_is_not_a_regular_file_says_so(tmp_path, kind):
    path = tmp_path / "trained.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(ValueError) as refused:
        trained_on_file(path)
    assert str(refused.value) == (
        f"--trained-on: {path} is not a regular file; give the file itself"
    )
