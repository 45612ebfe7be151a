"""What publishing says about the deck of a model that cannot be loaded back.

A pipeline with a ``FunctionTransformer`` of the user's own function (dates turned into days, as
issue 12 point 5 suggests) cannot be loaded from its file, so every row is explained at publish
whatever ``deck_size`` says. The trial's warning said "explaining the 800 rows … will take about
51 min (3.9 s a row); publish with deck_size=77 … and the other rows when someone selects them":
both halves false for that model, and ``deck_size=10`` was dropped without a word.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from model import cli, open_workspace, progress
from model.progress import SlowPublishWarning, deck_warner

REASON = "its function days is not one the app may load from a file"


def days(values):
    """The user's own function: not one the app may load back from a file."""
    return np.asarray(values, dtype=float) * 1.0


def _data(n: int = 60) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"f{i}" for i in range(8)])
    X.index = [f"r{i}" for i in range(n)]
    return X, (X["f0"] + X["f1"] > 0).astype(int)


def _own_function_pipeline():
    X, y = _data()
    return make_pipeline(FunctionTransformer(days), KNeighborsClassifier(5)).fit(X, y), X, y


def test_the_slow_warning_of_an_unloadable_model_offers_no_deck_size():
    on_left = deck_warner(800, long=600, unloadable=REASON)
    with pytest.warns(SlowPublishWarning) as caught:
        on_left(60.0, 3060.0)
    said = str(caught[0].message)
    assert said.startswith(
        "explaining the 800 rows of the demo deck will take about 52 min (3.9 s a row); they are "
        "all explained now, because the saved model cannot be loaded back to explain a row "
        f"later: {REASON}. To explain fewer rows now"
    )
    assert "FunctionTransformer with a NumPy function" in said
    assert "dates turned into numbers" in said
    assert "deck_size=" not in said and "\n" not in said


def test_a_deck_size_that_cannot_be_honoured_is_said_and_the_slow_warning_is_true(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(progress, "REPORT_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(progress, "LONG_SECONDS", 0.0)  # any time left is long here
    pipeline, X, y = _own_function_pipeline()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prototype = open_workspace(tmp_path / "ws").publish(
            "S1", "own function", pipeline, X, y, deck_size=10
        )
    assert int(prototype.predictions()["precomputed"].sum()) == 60
    said = [str(w.message) for w in caught if w.category is SlowPublishWarning]
    assert said[0].startswith(
        "deck_size=10 (--deck-size 10) is not used: all 60 rows are explained now, because the "
        f"saved model cannot be loaded back to explain a row later: {REASON}"
    )
    slow = [s for s in said if s.startswith("explaining the 60 rows")]
    assert slow and "they are all explained now" in slow[0]
    assert not any("publish with deck_size" in s for s in said), said
    monkeypatch.setattr(progress, "LONG_SECONDS", 1e9)  # a deck_size of every row: no word
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        open_workspace(tmp_path / "ws").publish("S1", "every row", pipeline, X, y, deck_size=60)
    assert not [w for w in caught if w.category is SlowPublishWarning]


def test_the_command_line_says_the_deck_size_is_not_used_in_one_line(tmp_path, capsys):
    pipeline, X, y = _own_function_pipeline()
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(pipeline))
    X.assign(label=y).rename_axis("id").reset_index().to_csv(tmp_path / "demo.csv", index=False)
    code = cli.main(
        [
            "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S1", "--name", "own",
            "--model", str(tmp_path / "model.pkl"), "--trust-pickle",
            "--data", str(tmp_path / "demo.csv"), "--target", "label", "--id-column", "id",
            "--deck-size", "10",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    notes = [line for line in err.splitlines() if "deck-size 10" in line]
    assert len(notes) == 1 and notes[0].startswith(
        "note: deck_size=10 (--deck-size 10) is not used: all 60 rows are explained now"
    )
