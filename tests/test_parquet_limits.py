"""A Parquet file's decoded size is capped before it is decoded (security trial D1).

A 3 MB data file of 2,000,000 rows whose one text column holds a single 2 KB value passed the
footer check (17 MB of encoded pages) and decoded to 4 GB; only a memory limit stopped it. Every
process here that could decode such a file runs under a 3 GB address-space limit, so a
regression fails the test instead of filling the machine's memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.data_files import check_parquet
from model.parquet_limits import decoded_size_problem

ROOT = Path(__file__).resolve().parents[1]
ROWS = 2_000_000
LONG_TEXT = '=HYPERLINK("http://evil/")' + "x" * 2000


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3_000_000_000, 3_000_000_000))


def _one_text_everywhere(rows: int = ROWS) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array([LONG_TEXT])
    )


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """The trial's file: 3 MB on disk, its schema not stored, so it reads back as plain text."""
    path = tmp_path_factory.mktemp("bomb") / "bomb2.parquet"
    table = pa.table(
        {
            "UDI": pa.array(np.arange(ROWS)),
            "note": _one_text_everywhere(),
            "Torque [Nm]": pa.array(np.zeros(ROWS)),
            "Machine failure": pa.array(np.arange(ROWS) % 2),
        }
    )
    pq.write_table(table, path, compression="zstd", store_schema=False)
    assert path.stat().st_size < 5_000_000
    return path


def test_a_text_column_that_decodes_past_the_cap_is_refused_naming_it(bomb):
    with pytest.raises(ValueError) as refused:
        check_parquet(bomb, "data file bomb2.parquet")
    assert str(refused.value) == (
        "data file bomb2.parquet unpacks to more than the 2 GB a publish reads: its column "
        "'note' alone holds 3.8 GB once decoded; give a sample of the rows, or shorter values "
        "in that column"
    )


def test_the_refusal_decodes_nothing(bomb):
    """Peak memory of the check, in a process of its own: Arrow's own allocations (which
    tracemalloc does not see) stay near the indices' 4 MB a batch, not the 3.8 GB of text."""
    script = (
        "import json, sys, pyarrow as pa\n"
        "from pathlib import Path\n"
        "from model.data_files import check_parquet\n"
        "try:\n"
        f"    check_parquet(Path({str(bomb)!r}), 'data file')\n"
        "    refused = False\n"
        "except ValueError:\n"
        "    refused = True\n"
        # VmHWM: this program's own peak. ru_maxrss keeps the forking pytest worker's (842 MB
        # in a full run), which exec does not reset on Linux.
        "hwm = next(int(line.split()[1]) for line in open('/proc/self/status')"
        " if line.startswith('VmHWM:'))\n"
        "print(json.dumps({'refused': refused, 'arrow_peak': pa.default_memory_pool()"
        ".max_memory(), 'rss_kb': hwm}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_memory,
        timeout=120,
    )
    measured = json.loads(result.stdout)
    assert measured["refused"], result.stderr
    assert measured["arrow_peak"] < 64 * 1024**2, measured
    assert measured["rss_kb"] < 600 * 1024, measured


def test_a_small_text_column_passes_and_is_measured_exactly(tmp_path):
    path = tmp_path / "small.parquet"
    pq.write_table(pa.table({"note": ["ab", None, "cde"], "x": [1.0, 2.0, 3.0]}), path)
    check_parquet(path, "data file small.parquet")
    assert decoded_size_problem(path, "data file", 5 + 8 * 3 + 1 + 8 * 3 + 1) is None
    assert decoded_size_problem(path, "data file", 5 + 8 * 3 + 1 + 8 * 3) is not None


def test_many_fixed_width_columns_count_their_rows_not_their_pages(tmp_path):
    """Zeros compress to nothing on disk and in the footer's dictionary pages."""
    path = tmp_path / "wide.parquet"
    zeros = pa.array(np.zeros(100_000))
    pq.write_table(pa.table({f"c{i}": zeros for i in range(20)}), path, compression="zstd")
    problem = decoded_size_problem(path, "data file wide.parquet", 10_000_000)
    assert problem is not None and "its column 'c0' alone holds" in problem


def test_a_list_column_is_refused_in_one_line(tmp_path):
    path = tmp_path / "lists.parquet"
    pq.write_table(pa.table({"tags": [["a", "b"], ["c"]]}), path)
    with pytest.raises(ValueError, match=r"column 'tags' holds list<element: string> values"):
        check_parquet(path, "data file lists.parquet")


def _publish(tmp_path: Path, *data: str) -> subprocess.CompletedProcess:
    from sklearn.dummy import DummyClassifier
    from skops.io import dump

    model = tmp_path / "m.skops"
    dump(DummyClassifier().fit(np.zeros((4, 1)), [0, 1, 0, 1]), model)
    return subprocess.run(
        [sys.executable, "-m", "model", "publish", "--workspace", str(tmp_path / "ws")]
        + ["--sprint", "S", "--name", "m", "--model", str(model), "--target", "Machine failure"]
        + list(data),
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_memory,
        timeout=300,
    )


def test_publish_refuses_the_data_file_in_one_line_exit_2(tmp_path, bomb):
    result = _publish(tmp_path, "--data", str(bomb))
    assert result.returncode == 2
    assert result.stderr.startswith("error: data file bomb2.parquet unpacks to more than the 2 GB")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "sprints").exists()


def test_publish_refuses_a_trained_on_file_of_one_long_id(tmp_path, bomb):
    """The trial's 0.43 MB --trained-on file: one 2 KB row id on 2,000,000 rows."""
    trained = tmp_path / "trained_bomb.parquet"
    pq.write_table(
        pa.table({"row_id": _one_text_everywhere()}),
        trained,
        compression="zstd",
        store_schema=False,
    )
    small = tmp_path / "small.csv"
    small.write_text("UDI,x,Machine failure\n1,0,0\n2,0,1\n3,0,0\n4,0,1\n")
    result = _publish(tmp_path, "--data", str(small), "--trained-on", str(trained))
    assert result.returncode == 2
    assert "--trained-on: trained_bomb.parquet unpacks to more than the 2 GB" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "sprints").exists()
