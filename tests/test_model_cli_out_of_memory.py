"""``python -m model`` running out of memory is one line and exit 2 (security trial D2): a
5,000,000-row Parquet file on a machine short of memory ended in a 28-line traceback, exit 1."""

from __future__ import annotations

import numpy as np

import model.cli


def _short_of_memory(*_args, **_kwargs):
    np.zeros((5_000_000, 10_000))  # 400 GB: numpy's _ArrayMemoryError, a MemoryError


def test_model_publish_out_of_memory_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(model.cli, "read_data_file", _short_of_memory)
    from sklearn.dummy import DummyClassifier
    from skops.io import dump

    dump(DummyClassifier().fit(np.zeros((4, 1)), [0, 1, 0, 1]), tmp_path / "m.skops")
    data = tmp_path / "rows.csv"
    data.write_text("x,y\n1,0\n")
    code = model.cli.main(
        ["publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S", "--name", "m"]
        + ["--model", str(tmp_path / "m.skops"), "--data", str(data), "--target", "y"]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        "error: ran out of memory reading and publishing the model and its data; use fewer "
        "rows or a machine with more memory\n"
    )
    assert not (tmp_path / "ws").exists()
