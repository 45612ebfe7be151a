"""Running out of memory is one line and exit 2 in both CLIs (security trial D2).

A 5,000,000-row Parquet file (under the 10,000,000-row cap) on a machine short of memory ended
in a 28-line traceback, exit 1 (numpy's ``_ArrayMemoryError`` in ``model.labels``); raising
``SPRINT_REVIEW_MAX_MODEL_MB`` as a refusal advises ended in ``MemoryError`` in
``model.file_limits.read_capped``, which set the whole raised cap aside before reading.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import feedback_store.cli

ROOT = Path(__file__).resolve().parents[1]


def _short_of_memory(*_args, **_kwargs):
    np.zeros((5_000_000, 10_000))  # 400 GB: numpy's _ArrayMemoryError, a MemoryError


def test_feedback_store_out_of_memory_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(feedback_store, "open", _short_of_memory)
    code = feedback_store.cli.main(["list", "--workspace", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: ran out of memory running list; narrow it with --sprint, or use a machine "
        "with more memory\n"
    )


@pytest.mark.parametrize("cap_mb", ["100000", "1000000"])
def test_a_raised_cap_does_not_set_the_cap_aside_to_read_a_small_file(tmp_path, cap_mb):
    """Under a 3 GB address-space limit, reading a 1 KB model file with the cap raised to
    100 GB asked for 100 GB first and failed with MemoryError."""
    small = tmp_path / "model.json"
    small.write_bytes(b"{}" * 512)
    script = (
        "import os, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3_000_000_000, 3_000_000_000))\n"
        f"os.environ['SPRINT_REVIEW_MAX_MODEL_MB'] = {cap_mb!r}\n"
        "from model.file_limits import read_capped\n"
        f"print(len(read_capped({str(small)!r}, 'model file')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout == "1024\n", result.stderr
