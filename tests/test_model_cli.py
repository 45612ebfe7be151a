"""``python -m model``: every verb, run as a user would, with exit codes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import run_cli
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import model
from model.demo import FEATURES, TARGET, load_demo_data


def run(*args: str) -> subprocess.CompletedProcess:
    return run_cli("model", *args)


def test_the_entry_point_runs_from_a_fresh_interpreter(tmp_path):
    """The other tests fork their CLI from a process that has imported it already
    (``cli_support``); this one starts ``python -m model`` from nothing."""
    fresh = subprocess.run(
        [sys.executable, "-m", "model", "list", "--workspace", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    forked = run("list", "--workspace", str(tmp_path / "none"))
    assert fresh.returncode == forked.returncode == 2
    assert fresh.stderr == forked.stderr
    assert fresh.stderr.count("\n") == 1 and "Traceback" not in fresh.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A fitted pipeline saved with skops and with pickle, and a demo CSV with an id column."""
    folder = tmp_path_factory.mktemp("cli")
    data = load_demo_data().iloc[:1200]
    train, demo = data.iloc[:1000], data.iloc[1000:]
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["Type"])], remainder="passthrough"
    )
    pipeline = Pipeline([("prep", prep), ("model", RandomForestClassifier(10, random_state=0))])
    pipeline.fit(train[FEATURES], train[TARGET])
    sio.dump(pipeline, folder / "rf.skops")
    (folder / "rf.pkl").write_bytes(pickle.dumps(pipeline))
    demo[FEATURES + [TARGET]].rename_axis("UDI").reset_index().to_csv(
        folder / "demo.csv", index=False
    )
    demo[FEATURES + [TARGET]].to_parquet(folder / "demo.parquet")
    return folder


def publish_args(ws, files, *extra):
    return [
        "publish",
        "--workspace",
        str(ws),
        "--sprint",
        "Sprint 4",
        "--name",
        "rf",
        "--model",
        str(files / "rf.skops"),
        "--data",
        str(files / "demo.csv"),
        "--target",
        TARGET,
        "--id-column",
        "UDI",
        *extra,
    ]


def test_publish_list_and_explain(tmp_path, files):
    ws = tmp_path / "ws"
    published = run(*publish_args(ws, files, "--mvp", "--train-seconds", "2.5"))
    assert published.returncode == 0, published.stderr
    assert "PR AUC" in published.stdout and "ROC AUC" in published.stdout
    listed = run("list", "--workspace", str(ws))
    assert listed.returncode == 0
    assert "Sprint 4" in listed.stdout and "MVP" in listed.stdout
    explained = run(
        "explain",
        "--workspace",
        str(ws),
        "--sprint",
        "Sprint 4",
        "--prototype",
        "rf",
        "--row",
        "1001",
    )
    assert explained.returncode == 0, explained.stderr
    result = json.loads(explained.stdout)
    assert set(result["contributions"]) == set(FEATURES)
    assert result["base_value"] + sum(result["contributions"].values()) == pytest.approx(
        result["output"], abs=1e-6
    )


def test_explain_writes_dates_and_durations_as_text(tmp_path):
    """A pipeline that drops a frame's timestamp and duration columns published, then
    ``explain`` ended in "Object of type Timestamp is not JSON serializable", exit 1."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_demo_data().head(300)
    X = data[["Torque [Nm]", "Tool wear [min]"]].copy()
    X["recorded"] = pd.date_range("2026-01-01", periods=len(X), freq="h")
    X["runtime"] = pd.to_timedelta(range(len(X)), unit="m")
    X.loc[X.index[1], "recorded"] = pd.NaT
    y = data[TARGET]
    readings = ColumnTransformer([("scaled", StandardScaler(), ["Torque [Nm]", "Tool wear [min]"])])
    fitted = make_pipeline(readings, LogisticRegression()).fit(X, y)
    model.open_workspace(tmp_path / "ws").publish("S1", "lr", fitted, X, y)
    explained = [
        run("explain", "--workspace", str(tmp_path / "ws"), "--sprint", "S1",
            "--prototype", "lr", "--row", str(row))
        for row in X.index[:2]
    ]  # fmt: skip
    assert [result.returncode for result in explained] == [0, 0], explained[0].stderr
    first, second = (json.loads(result.stdout)["feature_values"] for result in explained)
    assert first["recorded"] == "2026-01-01T00:00:00" and first["runtime"] == "0 days 00:00:00"
    assert second["recorded"] is None and second["runtime"] == "0 days 00:01:00"


@pytest.mark.parametrize("days", ["nan", "-5", "inf"])
def test_an_effort_that_is_not_a_number_of_days_is_one_line(tmp_path, files, days):
    """NaN was written into prototype.json and the Bake-off showed "Effort -5.0" or "inf"."""
    result = run(*publish_args(tmp_path / "ws", files, "--effort-days", days))
    assert result.returncode == 2
    assert result.stderr == (
        "error: effort_days must be a non-negative number of person-days (--effort-days)\n"
    )
    assert not (tmp_path / "ws" / "sprints").exists()


def test_list_shows_a_dash_for_a_target_published_without_a_name(tmp_path):
    data = load_demo_data().head(300)
    X, y = data[FEATURES], data[TARGET].to_numpy()  # an array: the target has no name
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S1", "rule", model.ToolWearRule().fit(X, y), X, y)
    listed = run("list", "--workspace", str(tmp_path / "ws"))
    assert listed.returncode == 0, listed.stderr
    (row,) = listed.stdout.splitlines()[1:]
    assert row.split()[:4] == ["S1", "rule", "-", "PR"] and "None" not in row  # PR AUC


def test_a_model_fitted_on_an_array_is_said_in_one_note(tmp_path, files):
    numeric = [f for f in FEATURES if f != "Type"]
    data = load_demo_data().iloc[:1000]
    forest = RandomForestClassifier(10, random_state=0).fit(data[numeric].to_numpy(), data[TARGET])
    sio.dump(forest, tmp_path / "array.skops")
    demo = pd.read_csv(files / "demo.csv").drop(columns="Type")
    demo.to_csv(tmp_path / "demo.csv", index=False)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(tmp_path / "array.skops")
    args[args.index(str(files / "demo.csv"))] = str(tmp_path / "demo.csv")
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: RandomForestClassifier was fitted without column names (on an array): its "
        f"columns are taken to be the data's, in their order ({', '.join(numeric)}); fit it on "
        "a DataFrame to have them checked"
    ]


def test_publish_parquet_with_index_as_row_ids(tmp_path, files):
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(files / "demo.parquet")
    args = args[: args.index("--id-column")]
    result = run(*args)
    assert result.returncode == 0, result.stderr


def test_an_id_column_may_name_a_parquet_files_index(tmp_path, files):
    """--id-column UDI of a Parquet file whose index is UDI said "has no id column 'UDI'"."""
    frame = pd.read_parquet(files / "demo.parquet").rename_axis("UDI")
    frame.to_parquet(tmp_path / "indexed.parquet")
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(tmp_path / "indexed.parquet")
    assert args[args.index("--id-column") + 1] == "UDI"
    result = run(*args)
    assert result.returncode == 0, result.stderr
    stored = model.open_workspace(tmp_path / "ws").prototype("Sprint 4", "rf").predictions()
    assert list(stored.index) == [str(i) for i in frame.index]


def test_pickle_needs_trust_pickle(tmp_path, files):
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(files / "rf.pkl")
    refused = run(*args)
    assert refused.returncode == 2 and "--trust-pickle" in refused.stderr
    assert run(*args, "--trust-pickle").returncode == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda a, f: a.__setitem__(a.index("--target") + 1, "nope"), "no target column"),
        (lambda a, f: a.__setitem__(a.index("--id-column") + 1, "nope"), "no id column"),
        (lambda a, f: a.__setitem__(a.index("--sprint") + 1, "../up"), "slash"),
        (
            lambda a, f: a.__setitem__(a.index("--model") + 1, str(f / "missing.skops")),
            "does not exist",
        ),
    ],
)
def test_bad_publish_input_is_one_line_and_exit_2(tmp_path, files, change, expected):
    args = publish_args(tmp_path / "ws", files)
    change(args, files)
    result = run(*args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def _csv_twice(f: Path, out: Path) -> None:
    text = (f / "demo.csv").read_text().splitlines()
    rows = [text[0] + f",{TARGET}"] + [line + f",{i % 2}" for i, line in enumerate(text[1:])]
    out.write_text("\n".join(rows) + "\n")


def _semicolons(f: Path, out: Path) -> None:
    pd.read_csv(f / "demo.csv").to_csv(out, sep=";", index=False)


def _latin_1(f: Path, out: Path) -> None:
    out.write_bytes((f / "demo.csv").read_text().replace("Type", "Typé").encode("latin-1"))


def _parquet_twice(f: Path, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.read_csv(f / "demo.csv"), preserve_index=False)
    pq.write_table(table.append_column(TARGET, table.column(TARGET)), out)


def _parquet_bomb(f: Path, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    zeros = np.zeros(10_000_001, dtype=np.int8)  # a megabyte on disk, compressed
    pq.write_table(pa.table({"UDI": zeros, TARGET: zeros}), out, compression="zstd")


@pytest.mark.parametrize(
    ("make", "suffix", "expected"),
    [
        (_csv_twice, ".csv", f"has the column {TARGET!r} 2 times (columns 8, 9): keep one"),
        (_semicolons, ".csv", "its header is one column holding semicolons: save it comma-"),
        (_latin_1, ".csv", "is not UTF-8 text (byte 8 of the file): save it as a UTF-8 CSV"),
        (_parquet_twice, ".parquet", f"has the column {TARGET!r} 2 times"),
        (_parquet_bomb, ".parquet", "holds 10,000,001 rows, more than the 10,000,000 a publish"),
    ],
)
def test_a_data_file_is_checked_before_it_is_read(tmp_path, files, make, suffix, expected):
    """A duplicated target column published on its first copy in silence; a latin-1 file said
    "'utf-8' codec can't decode"; a semicolon file "has no target column"; a megabyte of
    Parquet unpacked to a gigabyte before any check."""
    data = tmp_path / f"data{suffix}"
    make(files, data)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(data)
    result = run(*args)
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "sprints" / "Sprint 4" / "prototypes" / "rf").exists()


def test_publish_takes_class_names_descriptions_and_units_from_the_command_line(tmp_path, files):
    words = tmp_path / "words.json"
    words.write_text(
        json.dumps(
            {
                "class_names": {"0": "No failure", "1": "Machine failure"},
                "feature_descriptions": {"Torque [Nm]": "twisting force on the tool"},
                "display_units": {
                    "Air temperature [K]": {"unit": "K", "also": "°C", "offset": -273.15}
                },
            }
        ),
        encoding="utf-8",
    )
    args = publish_args(tmp_path / "ws", files, "--words", str(words))
    result = run(*args, "--class-name", "1=Failure")  # the flag wins over the file
    assert result.returncode == 0, result.stderr
    meta = model.open_workspace(tmp_path / "ws").prototype("Sprint 4", "rf").meta
    assert meta["class_names"] == {"0": "No failure", "1": "Failure"}
    assert meta["feature_descriptions"] == {"Torque [Nm]": "twisting force on the tool"}
    assert meta["display_units"]["Air temperature [K]"]["also"] == "°C"


@pytest.mark.parametrize(
    ("words", "flag", "expected"),
    [
        ("{not json", None, "is not valid JSON (Expecting property name"),
        ('["a list"]', None, "must hold a JSON object with class_names"),
        ('{"colours": {}}', None, "'colours' is unknown; use class_names"),
        ('{"class_names": ["Failure"]}', None, "class_names must be an object"),
        ('{"class_names": {"7": "Seven"}}', None, "'7' is not a class of the model"),
        ('{"feature_descriptions": {"Speed": "how fast"}}', None, "'Speed'"),
        ("{}", "Failure", "must be LABEL=NAME, e.g. 1=Failure"),
        (None, None, "cannot be read"),
        ("x" * 1_000_001, None, "more than the 1,000,000 a words file may have"),
        ('{"class_names":' + "[" * 100_000 + "]" * 100_000 + "}", None, "nested too deeply"),
    ],
)
def test_bad_words_are_one_line_exit_2_and_nothing_written(tmp_path, files, words, flag, expected):
    path = tmp_path / "words.json"
    if words is not None:
        path.write_text(words, encoding="utf-8")
    extra = ["--words", str(path)] + (["--class-name", flag] if flag else [])
    result = run(*publish_args(tmp_path / "ws", files), *extra)
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "sprints" / "Sprint 4" / "prototypes" / "rf").exists()


def test_empty_and_truncated_files_are_refused(tmp_path, files):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(empty)
    assert run(*args).returncode == 2
    truncated = tmp_path / "rf.skops"
    truncated.write_bytes((files / "rf.skops").read_bytes()[:500])
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(truncated)
    result = run(*args)
    assert result.returncode == 2 and "skops" in result.stderr


def test_list_and_explain_on_a_missing_workspace_exit_2(tmp_path):
    assert run("list", "--workspace", str(tmp_path / "none")).returncode == 2
    result = run(
        "explain",
        "--workspace",
        str(tmp_path / "none"),
        "--sprint",
        "S",
        "--prototype",
        "p",
        "--row",
        "1",
    )
    assert result.returncode == 2 and result.stderr.startswith("error:")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda text: text[:40], "Unterminated string"),
        # a hand-edited or forged file: before, a RecursionError traceback and exit 1
        (lambda text: "[" * 100_000, "its values are nested too deep to read"),
        (lambda text: "[1, 2]", "it holds a JSON list, not an object"),
    ],
    ids=["truncated", "nested", "a list"],
)
def test_a_damaged_prototype_json_is_one_line_naming_it_and_exit_2(tmp_path, files, damage, why):
    workspace = tmp_path / "ws"
    assert run(*publish_args(workspace, files)).returncode == 0
    (meta,) = workspace.glob("sprints/*/prototypes/*/prototype.json")
    meta.write_text(damage(meta.read_text()))
    result = run("list", "--workspace", str(workspace))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "prototype.json is damaged" in result.stderr
    assert why in result.stderr


def test_a_workspace_file_too_large_to_be_one_is_refused_unread(tmp_path, monkeypatch):
    from model import atomic_files

    path = tmp_path / "prototype.json"
    with open(path, "wb") as file:
        file.truncate(atomic_files.MAX_METADATA_BYTES + 1)  # sparse: nothing is written
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: pytest.fail("read"))
    with pytest.raises(atomic_files.WorkspaceError, match="is damaged \\(67,108,865 bytes"):
        atomic_files.read_json(path)


@pytest.mark.parametrize("verb", ["demo", "publish", "list", "explain"])
def test_every_verb_has_help(verb):
    result = run(verb, "--help")
    assert result.returncode == 0 and "--workspace" in result.stdout


def test_deck_size_precomputes_a_deck_and_explain_computes_any_other_row(tmp_path, files):
    ws = tmp_path / "ws"
    published = run(*publish_args(ws, files, "--deck-size", "50"))
    assert published.returncode == 0, published.stderr
    assert "SHAP values were computed for 50 of 200 rows" in published.stdout
    proto = model.open_workspace(ws).prototype("Sprint 4", "rf")
    assert proto.precomputed().sum() == 50
    row = proto.precomputed().index[~proto.precomputed()][0]
    explained = run(
        "explain", "--workspace", str(ws), "--sprint", "Sprint 4", "--prototype", "rf",
        "--row", row,
    )  # fmt: skip
    assert explained.returncode == 0, explained.stderr
    result = json.loads(explained.stdout)
    assert result["precomputed"] is False and row in proto.on_demand_rows()
    assert result["base_value"] + sum(result["contributions"].values()) == pytest.approx(
        proto.predictions().loc[row, "p:1"], abs=1e-6
    )
    everything = run(*publish_args(ws, files, "--deck-size", "all"))
    assert everything.returncode == 0 and "for all 200 rows" in everything.stdout


@pytest.mark.parametrize("size", ["0", "-1", "2.5", "many", ""])
def test_a_bad_deck_size_is_one_line_and_exit_2(tmp_path, files, size):
    result = run(*publish_args(tmp_path / "ws", files, "--deck-size", size))
    assert result.returncode == 2
    assert result.stderr.startswith("error: argument --deck-size: must be a whole number")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ws").exists()


def test_a_damaged_parquet_file_of_a_prototype_is_one_line_and_exit_2(tmp_path, files):
    workspace = tmp_path / "ws"
    assert run(*publish_args(workspace, files)).returncode == 0
    (predictions,) = workspace.glob("sprints/*/prototypes/*/predictions.parquet")
    predictions.write_bytes(predictions.read_bytes()[:100])
    result = run("explain", "--workspace", str(workspace), "--sprint", "Sprint 4",
                 "--prototype", "rf", "--row", "1001")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
    assert "predictions.parquet" in result.stderr


def test_a_model_file_holding_no_model_is_one_line_and_exit_2(tmp_path, files):
    from collections import OrderedDict

    not_a_model = tmp_path / "settings.skops"
    sio.dump(OrderedDict(threshold=200), not_a_model)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(not_a_model)
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "error: OrderedDict has no predict method: publish a fitted model\n"
    assert not (tmp_path / "ws" / "sprints").exists()


def test_a_skops_file_with_an_untrusted_type_is_one_line_naming_it(tmp_path, files, monkeypatch):
    import importlib

    (tmp_path / "vendor_model.py").write_text(
        "class Opaque:\n    def predict(self, X):\n        return [0] * len(X)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    opaque = importlib.import_module("vendor_model").Opaque
    untrusted = tmp_path / "opaque.skops"
    sio.dump(opaque(), untrusted)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(untrusted)
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
    assert "vendor_model.Opaque" in result.stderr
    assert not (tmp_path / "ws" / "sprints").exists()


def test_publishing_onto_a_really_full_disk_is_one_line_and_leaves_nothing(tmp_path, files):
    """A 1 MB tmpfs (mounted in a private namespace with ``unshare -m``), nearly filled."""
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("unshare -m is not allowed: cannot mount a small file system")
        pytest.skip("unshare -m is not allowed here: cannot mount a small file system")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    script = (
        'mount -t tmpfs -o size=1m tmpfs "$1" || exit 97; head -c 1000000 /dev/zero > "$1/filler"; '
        'shift; "$@"; code=$?; find "$0/ws" -name "*.parquet" -o -name "model.skops" '
        '-o -name ".staging-*" >&2; exit $code'
    )
    args = publish_args(mount / "ws", files)
    command = ["unshare", "-m", "sh", "-c", script, str(mount), str(mount),
               sys.executable, "-m", "model", *args]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode != 97, result.stderr
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1, lines  # the error line, and no file of the prototype found
    assert lines[0].startswith("error:") and "No space left on device" in lines[0]


# --- row ids: text exactly as written --------------------------------------------------------


def _demo_with_ids(files, ids) -> pd.DataFrame:
    demo = pd.read_csv(files / "demo.csv").head(len(ids))
    demo["UDI"] = ids
    return demo


NA_LIKE = ["00001", "1", "NA", "null", "N/A", "None", "nan", "#N/A"]


def test_csv_row_ids_are_read_as_text_exactly_as_written(tmp_path, files):
    path = tmp_path / "ids.csv"
    rows = _demo_with_ids(files, NA_LIKE + [f"{i:05d}" for i in range(2, 60)])
    rows.to_csv(path, index=False)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(path)
    result = run(*args)
    assert result.returncode == 0, result.stderr
    predictions = model.open_workspace(tmp_path / "ws").prototype("Sprint 4", "rf").predictions()
    assert set(NA_LIKE) <= set(predictions.index) and len(predictions) == len(rows)
    assert "00002" in predictions.index and "2" not in predictions.index


def test_parquet_integer_ids_become_their_decimal_text(tmp_path, files):
    path = tmp_path / "ids.parquet"
    rows = _demo_with_ids(files, list(range(1000, 1060)))
    rows["UDI"] = rows["UDI"].astype("int64")
    rows.to_parquet(path, index=False)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(path)
    result = run(*args)
    assert result.returncode == 0, result.stderr
    predictions = model.open_workspace(tmp_path / "ws").prototype("Sprint 4", "rf").predictions()
    assert list(predictions.index[:3]) == ["1000", "1001", "1002"]


def test_parquet_text_ids_keep_leading_zeros_and_na_like_text(tmp_path, files):
    from model.cli import read_data_file

    path = tmp_path / "ids.parquet"
    _demo_with_ids(files, ["007", "NA", "null", ""]).to_parquet(path, index=False)
    with pytest.raises(ValueError, match="row 4 has no id"):
        read_data_file(path, TARGET, "UDI")
    _demo_with_ids(files, ["007", "NA", "null", "0"]).to_parquet(path, index=False)
    X, _ = read_data_file(path, TARGET, "UDI")
    assert list(X.index) == ["007", "NA", "null", "0"]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1", "", "3"], "row 2 has no id; give every row an id"),
        (["1", "  ", "3"], "row 2 has no id"),
        (["1", "NA", "NA"], "id 'NA' is in rows 2 and 3; give every row its own id"),
        (["1", "x" * 201, "3"], "the id in row 2 is 201 characters, more than 200; shorten it"),
    ],
    ids=["empty", "blank", "duplicate-na", "too-long"],
)
def test_a_bad_row_id_is_one_line_and_exit_2(tmp_path, files, ids, expected):
    path = tmp_path / "ids.csv"
    _demo_with_ids(files, ids).to_csv(path, index=False)
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "demo.csv"))] = str(path)
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "id column 'UDI'" in result.stderr and not (tmp_path / "ws" / "sprints").exists()


def test_missing_values_in_feature_columns_are_still_missing(tmp_path, files):
    from model.cli import read_data_file

    path = tmp_path / "ids.csv"
    rows = _demo_with_ids(files, ["NA", "null"])
    rows["Torque [Nm]"] = ["NA", ""]
    rows.to_csv(path, index=False)
    X, _ = read_data_file(path, TARGET, "UDI")
    assert list(X.index) == ["NA", "null"] and X["Torque [Nm]"].isna().all()


# --- the gradient-boosting libraries' own model files ---------------------------------------


@pytest.fixture(scope="module")
def native_files(tmp_path_factory):
    """XGBoost, LightGBM and CatBoost classifiers in their own formats, fitted on the demo's
    numeric columns, and those rows as CSV."""
    import catboost
    import lightgbm
    import xgboost

    folder = tmp_path_factory.mktemp("native")
    # XGBoost refuses "[" in feature names: "Torque (Nm)" instead of "Torque [Nm]".
    names = {c: c.replace("[", "(").replace("]", ")") for c in FEATURES[1:]}
    data = load_demo_data().iloc[:1200].rename(columns=names)
    numeric = list(names.values())
    train = data.iloc[:1000]
    X, y = train[numeric], train[TARGET]
    models = {
        "xgb.json": xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y),
        "xgb.ubj": xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y),
        "lgbm.txt": lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y),
        "cat.cbm": catboost.CatBoostClassifier(iterations=20, verbose=0).fit(X, y),
    }
    for name, fitted in models.items():
        target = fitted.booster_ if name.endswith(".txt") else fitted
        target.save_model(str(folder / name))
    data.iloc[1000:][numeric + [TARGET]].rename_axis("UDI").reset_index().to_csv(
        folder / "numeric.csv", index=False
    )
    return folder, models


@pytest.mark.parametrize("name", ["xgb.json", "xgb.ubj", "lgbm.txt", "cat.cbm"])
def test_publish_accepts_the_libraries_own_model_files(tmp_path, files, native_files, name):
    import numpy as np

    folder, models = native_files
    args = publish_args(tmp_path / "ws", files)
    args[args.index(str(files / "rf.skops"))] = str(folder / name)
    args[args.index(str(files / "demo.csv"))] = str(folder / "numeric.csv")
    result = run(*args)
    assert result.returncode == 0, result.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("Sprint 4", "rf")
    rows = pd.read_csv(folder / "numeric.csv", dtype={"UDI": str}).set_index("UDI")
    X = rows.drop(columns=TARGET)
    expected = models[name].predict_proba(X)[:, 1]
    np.testing.assert_allclose(proto.predictions()["p:1"], expected, atol=1e-6)
    loaded = proto.estimator()
    np.testing.assert_allclose(loaded.predict_proba(X)[:, 1], expected, atol=1e-6)


def test_a_model_file_needing_a_missing_library_is_one_line_and_exit_2(tmp_path, native_files):
    folder, _ = native_files
    script = (
        "import sys; sys.modules['lightgbm'] = None; from model.cli import main; "
        f"sys.exit(main(['publish', '--workspace', {str(tmp_path / 'ws')!r}, '--sprint', 'S', "
        f"'--name', 'm', '--model', {str(folder / 'lgbm.txt')!r}, '--data', "
        f"{str(folder / 'numeric.csv')!r}, '--target', {TARGET!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "error: lgbm.txt (a lightgbm model) needs lightgbm, which is not installed: "
        "run pip install -r requirements-extras.txt\n"
    )
    assert not (tmp_path / "ws").exists()


def test_the_cases_are_named_by_noun_or_by_the_words_file(tmp_path, files):
    """A words file with "case_noun" stopped publish with a TypeError before 10b4205 reached
    publish; --noun names them too, and the flag wins over the file."""
    words = tmp_path / "words.json"
    words.write_text(json.dumps({"case_noun": "machines on the line"}))
    workspace = tmp_path / "ws"
    result = run(*publish_args(workspace, files, "--words", str(words)))
    assert result.returncode == 0, result.stderr
    proto = model.open_workspace(workspace).prototype("Sprint 4", "rf")
    assert proto.meta["case_noun"] == "machines on the line"
    result = run(*publish_args(workspace, files, "--words", str(words), "--noun", "mills"))
    assert result.returncode == 0, result.stderr
    assert model.open_workspace(workspace).prototype("Sprint 4", "rf").meta["case_noun"] == "mills"


def test_publish_prints_the_headline_metric_first_and_says_where_label_metrics_are_taken(
    tmp_path, files
):
    """A hospital team read "Accuracy 0.906" first and "Recall 0.011" with no word that the
    recall was at 50%, where the pages flag from the cheapest cut-off."""
    result = run(*publish_args(tmp_path / "ws", files))
    assert result.returncode == 0, result.stderr
    metrics = [line.strip() for line in result.stdout.splitlines()[2:]]
    assert metrics[0].startswith("PR AUC") and "from 50%" not in metrics[0]
    recall = next(line for line in metrics if line.startswith("Recall"))
    assert recall.endswith("(at the model's own class, from 50%)")
