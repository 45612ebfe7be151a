"""Publishing says how far a long explanation is and about how long is left
(``model.progress``), through the Python API's ``progress``, a warning a notebook shows, and on
the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsClassifier

from model import progress
from model.estimate import estimate_shapley
from model.explain_exact import exact_shapley
from model.progress import (
    SlowPublishWarning,
    deck_warner,
    duration_words,
    late_printer,
    time_left_reporter,
)
from model.workspace import open_workspace


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(20, "under a minute"), (95, "2 min"), (3599, "1 h"), (8_400, "2 h 20 min")],
)
def test_durations_are_said_as_a_person_says_them(seconds, words):
    assert duration_words(seconds) == words


def test_the_time_left_is_extrapolated_and_reported_at_most_every_few_seconds():
    clock, said = FakeClock(), []
    on_share = time_left_reporter(lambda words, share: said.append((words, share)), clock, 5)
    clock.now += 2
    on_share(0.01)  # too soon after the start
    clock.now += 58  # a minute for 20%: four more to go
    on_share(0.2)
    clock.now += 1
    on_share(0.21)  # too soon after the last report
    clock.now += 5
    on_share(0.9)
    assert said == [("20% done, about 4 min left", 0.2), ("90% done, under a minute left", 0.9)]


def test_a_long_deck_warns_once_with_a_deck_size_that_takes_about_five_minutes():
    on_left = deck_warner(5_000, long=600)
    on_left(60, 500)  # 9 min left: no warning
    with pytest.warns(SlowPublishWarning) as caught:
        on_left(120, 8_280)  # 2 h 20 min in all: 1.68 s a row
        on_left(240, 8_160)  # once
    assert len(caught) == 1
    assert str(caught[0].message) == (
        "explaining the 5,000 rows of the demo deck will take about 2 h 20 min (1.7 s a row); "
        "publish with deck_size=178 (--deck-size 178 on the command line) to explain about "
        "5 min's worth now, and the other rows when someone selects them"
    )


def test_the_command_line_prints_steps_only_once_a_publish_takes_a_while():
    clock, lines = FakeClock(), []
    show = late_printer(lines.append, clock, after=5)
    show(0.1, "predicting")  # a quick publish, or one refused at once, prints nothing
    clock.now += 6
    show(0.47, "computing SHAP values for 30 rows: 31% done, under a minute left")
    assert lines == [" 47%  computing SHAP values for 30 rows: 31% done, under a minute left"]


def _quadratic(array: np.ndarray) -> np.ndarray:
    return (array[:, :1] * array[:, 1:2] + array[:, 2:3] ** 2).astype(float)


@pytest.mark.parametrize("explainer", ["exact", "estimate"])
def test_the_explainers_report_their_share_of_the_work_as_they_go(explainer):
    rows = np.random.default_rng(0).normal(size=(1_200, 7))
    background = np.random.default_rng(1).normal(size=(50, 7))  # the estimate: 4 chunks
    shares: list[float] = []
    if explainer == "exact":
        exact_shapley(_quadratic, rows, background, max_batch_rows=20_000, progress=shares.append)
    else:
        estimate_shapley(
            _quadratic, rows, background, seed=0, target_error=0.05, progress=shares.append
        )
    assert len(shares) >= 3
    assert all(0 < share <= 1 for share in shares)
    assert max(shares) == 1


def test_a_slow_publish_reports_the_time_left_through_its_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "REPORT_EVERY_SECONDS", 0.0)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(260, 8)), columns=[f"r{i}" for i in range(8)])
    y = (X["r0"] + X["r1"] > 0).astype(int)
    knn = KNeighborsClassifier(15).fit(X.iloc[:200], y.iloc[:200])
    monkeypatch.setattr(progress, "LONG_SECONDS", 0.0)  # any time left is long here
    steps: list[tuple[float, str]] = []
    with pytest.warns(SlowPublishWarning, match=r"publish with deck_size=\d"):
        open_workspace(tmp_path / "ws").publish(
            "S1", "knn", knn, X.iloc[200:], y.iloc[200:], progress=lambda f, m: steps.append((f, m))
        )
    during = [(f, m) for f, m in steps if "% done" in m]
    assert during, steps
    assert all(m.startswith("computing SHAP values for 60 rows: ") for _, m in during)
    assert all(m.endswith(" left") for _, m in during)
    fractions = [f for f, _ in during]
    assert fractions == sorted(fractions) and fractions[0] > 0.3 and fractions[-1] <= 0.85


def test_the_command_line_says_a_slow_publish_warning_in_one_line(capsys):
    import warnings

    from model import cli

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("default", category=SlowPublishWarning)
        warnings.showwarning = cli._note
        deck_warner(100, long=1)(10, 60)
    assert capsys.readouterr().err.startswith(
        "note: explaining the 100 rows of the demo deck will take about 1 min"
    )
