"""Free-text columns explained by their words: a real TfidfVectorizer + LogisticRegression."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import model
from model.bakeoff import segment_table
from model.config import TEXT_CONTRIBUTIONS_FILE
from model.estimate import DEFAULT_MAX_PERMUTATIONS
from model.explain import ExplanationError
from model.explain_columns import FrameCodec
from model.explain_exact import exact_shapley
from model.explain_text import (
    OTHER_WORDS,
    TEXT_EXPLAINER,
    _Game,
    _row_words,
    _tokenizer,
    explain_if_text,
    explain_text,
    text_columns,
    word_contributions,
)
from model.review import explain_own_case, feature_percentiles, input_schema, what_if
from model.workspace import WorkspaceError

GOOD = ["great", "excellent", "reliable", "fast", "smooth", "quiet", "sturdy"]
BAD = ["broken", "slow", "noisy", "leaking", "cracked", "faulty", "late"]
FILLER = ["the", "pump", "was", "checked", "on", "site", "by", "our", "team", "and", "it"]
SPRINT = "Sprint 7"


def notes_frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    notes, hours, labels = [], [], []
    for i in range(n):
        label = i % 2
        words = [
            *rng.choice(FILLER, 5),
            *rng.choice(GOOD if label else BAD, 2),
            *rng.choice(GOOD + BAD, 1),
        ]
        rng.shuffle(words)
        notes.append(" ".join(words).capitalize() + ".")
        hours.append(float(rng.normal(label, 1.0)))
        labels.append(label)
    index = pd.Index([f"n{i}" for i in range(n)], name="row_id")
    X = pd.DataFrame({"note": notes, "hours": hours}, index=index)
    return X, pd.Series(labels, index=index, name="ok")


@pytest.fixture(scope="module")
def fitted():
    X, y = notes_frame(160)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(), "note"), ("num", StandardScaler(), ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    return pipeline, X, y


@pytest.fixture(scope="module")
def published(tmp_path_factory, fitted):
    pipeline, X, y = fitted
    ws = model.open_workspace(tmp_path_factory.mktemp("ws"))
    demo, truth = X.iloc[:40], y.iloc[:40]
    proto = ws.publish(SPRINT, "tfidf", pipeline, demo, truth, deck_size=12)
    return ws, proto


def test_the_vectorized_column_is_free_text_and_the_numeric_one_is_not(fitted):
    pipeline, X, _ = fitted
    assert text_columns(pipeline, X) == ["note"]


def test_a_column_of_long_distinct_values_is_free_text_without_a_vectorizer(fitted):
    _, X, _ = fitted
    frame = X.assign(kind=np.where(np.arange(len(X)) % 2, "pump", "valve"))
    assert text_columns(LogisticRegression(), frame) == ["note"]


def test_word_contributions_add_up_to_the_column_and_the_output(fitted):
    pipeline, X, _ = fitted
    background = X.sample(50, random_state=0)
    explanation = explain_text(pipeline, X.iloc[:6], background, "binary", top_words=3)
    outputs = pipeline.predict_proba(X.iloc[:6])[:, 1]
    base = explanation.base_values[0]
    assert np.allclose(base + explanation.values[:, :, 0].sum(axis=1), outputs, atol=1e-9)
    assert explanation.explainer == TEXT_EXPLAINER
    words = explanation.words
    assert set(words["word"]) >= {OTHER_WORDS}
    for r, row_id in enumerate(X.index[:6]):
        mine = words[words["row_id"] == row_id]
        assert len(mine) <= 4
        assert mine["contribution"].sum() == pytest.approx(explanation.values[r, 0, 0], abs=1e-12)
    # Without any word the text is empty, and the base is the model's mean over it.
    empty = background.assign(note="")
    assert base == pytest.approx(pipeline.predict_proba(empty)[:, 1].mean(), abs=1e-12)
    assert 0 < explanation.estimate_error <= explanation.target_error == 0.01


def test_the_estimate_is_within_its_stated_error_of_the_exact_values(fitted):
    pipeline, X, _ = fitted
    background = X.sample(20, random_state=1)
    rows = X.iloc[:3]
    explanation = explain_text(pipeline, rows, background, "binary", top_words=50)
    codec = FrameCodec(pd.concat([rows[["hours"]], background[["hours"]]]))
    tokenizers = {"note": _tokenizer(pipeline, X, "note")}
    encoded_background = codec.encode(background[["hours"]])
    for r in range(len(rows)):
        words = _row_words(rows.iloc[r], ["note"], tokenizers)
        game = _Game(pipeline, "binary", codec, ["hours"], list(X.columns), [words])
        encoded, bg = game.encode(rows.iloc[[r]]), game.background(encoded_background)
        # Every word kept: the row's own text; none kept: the empty text.
        assert game.frame(encoded)["note"].iloc[0] == rows["note"].iloc[r]
        assert game.frame(bg)["note"].eq("").all()
        exact, _ = exact_shapley(game.predict, encoded, bg)
        mine = explanation.words[explanation.words["row_id"] == rows.index[r]].set_index("word")
        for k, (_, word) in enumerate(words.words):
            assert (
                abs(mine.loc[word, "contribution"] - exact[0, 1 + k, 0])
                <= mine.loc[word, "error"] + 1e-12
            )
        hours_error = explanation.errors[r, 1, 0]
        assert abs(explanation.values[r, 1, 0] - exact[0, 0, 0]) <= hours_error + 1e-12


def test_a_row_alone_gets_the_values_it_got_with_others(fitted):
    pipeline, X, _ = fitted
    background = X.sample(50, random_state=0)
    together = explain_text(pipeline, X.iloc[:8], background, "binary")
    alone = explain_text(pipeline, X.iloc[[5]], background, "binary")
    assert np.array_equal(alone.values[0], together.values[5])


def test_only_a_model_reading_free_text_is_explained_by_its_words(fitted):
    pipeline, X, y = fitted
    explanation = explain_if_text(pipeline, X.iloc[:4], X.iloc[100:150], "binary", 2)
    assert explanation.explainer == TEXT_EXPLAINER
    assert explanation.max_additivity_error <= 1e-9
    assert list(explanation.words["row_id"].unique()) == list(X.index[:4])
    numbers = LogisticRegression().fit(X[["hours"]], y)
    assert (
        explain_if_text(numbers, X[["hours"]].iloc[:4], X[["hours"]].iloc[100:150], "binary")
        is None
    )
    with pytest.raises(ExplanationError, match="no longer reads a free-text column"):
        explain_if_text(
            numbers, X[["hours"]].iloc[:4], X[["hours"]].iloc[100:150], "binary", 2, TEXT_EXPLAINER
        )


def test_publish_records_the_text_column_and_the_deck_rows_words(published):
    ws, proto = published
    meta = proto.meta
    assert meta["text_columns"] == ["note"]
    assert "note" not in meta["categorical"]
    assert meta["explainer"] == TEXT_EXPLAINER
    assert meta["max_additivity_error"] <= 1e-9
    assert 0 < meta["estimate_error"] <= meta["estimate"]["target_error"] == 0.01
    assert meta["estimate"]["rows"] == 12
    stored = pd.read_parquet(proto.path / TEXT_CONTRIBUTIONS_FILE)
    shap = proto.shap_values()
    assert set(stored["row_id"]) == set(shap.index.astype(str))
    for row_id in shap.index[:4]:
        words = word_contributions(proto, row_id)
        assert words["contribution"].sum() == pytest.approx(shap.loc[row_id, "note"], abs=1e-12)
    importance = meta["global_importance"]
    assert set(importance) == {"note", "hours"}


def test_a_row_outside_the_deck_is_explained_on_demand_with_its_words(published):
    ws, proto = published
    outside = proto.predictions().index[~proto.predictions()["precomputed"]][0]
    explained = ws.explain(SPRINT, "tfidf", outside)
    total = explained["base_value"] + sum(explained["contributions"].values())
    assert total == pytest.approx(explained["output"], abs=1e-9)
    assert explained["explainer"] == TEXT_EXPLAINER
    words = word_contributions(proto, outside)
    assert words["contribution"].sum() == pytest.approx(
        explained["contributions"]["note"], abs=1e-12
    )


def test_the_own_case_takes_typed_text(published):
    _, proto = published
    schema = {field["name"]: field for field in input_schema(proto)}
    assert schema["note"]["kind"] == "text"
    assert schema["note"]["categories"] is None
    typed = "Broken and noisy, leaking all over the site"
    case = explain_own_case(proto, {"note": typed, "hours": 0.5})
    total = case["base_value"] + sum(case["contributions"].values())
    assert total == pytest.approx(case["output"], abs=1e-9)
    words = {w["word"]: w["contribution"] for w in case["words"]}
    assert {"broken", "noisy", "leaking"} <= set(words)
    assert words["broken"] < 0
    assert sum(words.values()) == pytest.approx(case["contributions"]["note"], abs=1e-12)
    with pytest.raises(ValueError, match="note must be a text"):
        explain_own_case(proto, {"note": 3, "hours": 0.5})
    with pytest.raises(ValueError, match="free text"):
        what_if(proto, {"note": typed, "hours": 0.5}, "note")


def test_percentiles_and_segments_skip_the_text_column(published):
    ws, proto = published
    row_id = str(proto.features().index[0])
    assert set(feature_percentiles(proto.features(), row_id)) == {"hours"}
    with pytest.raises(WorkspaceError, match="'note' is free text"):
        segment_table(ws, SPRINT, None, "note")
    assert len(segment_table(ws, SPRINT, None, "hours")) == 4


def test_the_cli_publishes_a_text_model_from_a_skops_file(tmp_path, fitted):
    pipeline, X, y = fitted
    sio.dump(pipeline, tmp_path / "tfidf.skops")
    X.iloc[:30].assign(ok=y.iloc[:30]).to_csv(tmp_path / "demo.csv")
    args = ["publish", "--workspace", str(tmp_path / "ws"), "--sprint", SPRINT, "--name", "t"]
    args += ["--model", str(tmp_path / "tfidf.skops"), "--data", str(tmp_path / "demo.csv")]
    args += ["--target", "ok", "--id-column", "row_id", "--deck-size", "10"]
    done = subprocess.run(
        [sys.executable, "-m", "model", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype(SPRINT, "t")
    assert proto.meta["text_columns"] == ["note"]
    assert (proto.path / TEXT_CONTRIBUTIONS_FILE).is_file()
    # explain gives the words too: a deck row's as stored, another's computed
    for row_id in (proto.predictions().index[proto.predictions()["precomputed"]][0], "n29"):
        explained = subprocess.run(
            [sys.executable, "-m", "model", "explain", "--workspace", str(tmp_path / "ws"),
             "--sprint", SPRINT, "--prototype", "t", "--row", str(row_id)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert explained.returncode == 0, explained.stderr
        words = pd.DataFrame(json.loads(explained.stdout)["words"])
        expected = word_contributions(proto, str(row_id))
        assert words["word"].tolist() == expected["word"].tolist()
        assert words["contribution"].to_numpy() == pytest.approx(expected["contribution"])


def test_a_model_without_text_records_none(tmp_path):
    X, y = notes_frame(60)
    X = X.assign(kind=np.where(np.arange(60) % 3, "pump", "valve"))[["kind", "hours"]]
    prep = ColumnTransformer([("cat", OneHotEncoder(), ["kind"])], remainder="passthrough")
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    proto = model.open_workspace(tmp_path).publish(SPRINT, "plain", pipeline, X, y)
    assert not proto.meta.get("text_columns")
    assert not (proto.path / TEXT_CONTRIBUTIONS_FILE).exists()
    assert word_contributions(proto, "n0").empty


def test_word_counts_into_a_linear_regression_are_exact():
    X, _ = notes_frame(80)
    target = X["note"].str.count("great") * 3.0 - X["note"].str.count("broken") + X["hours"]
    prep = ColumnTransformer(
        [("text", CountVectorizer(), "note"), ("num", "passthrough", ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LinearRegression())]).fit(X, target)
    background = X.iloc[40:80]
    explanation = explain_text(pipeline, X.iloc[:5], background, "regression", top_words=50)
    assert explanation.estimate_error == 0
    coef = dict(zip(prep.get_feature_names_out(), pipeline[-1].coef_, strict=True))
    for r, row_id in enumerate(X.index[:5]):
        words = explanation.words[explanation.words["row_id"] == row_id].set_index("word")
        tokens = re.findall(r"(?u)\b\w\w+\b", X["note"].iloc[r].lower())
        for word in set(tokens):
            expected = coef[f"text__{word}"] * tokens.count(word)
            assert words.loc[word, "contribution"] == pytest.approx(expected, abs=1e-9)
        spread = X["hours"].iloc[r] - background["hours"].mean()
        assert explanation.values[r, 1, 0] == pytest.approx(coef["num__hours"] * spread, abs=1e-9)


# -- a linear model on a column transformer: coalitions from the model's own arithmetic ---------


def _game_of(pipeline, X, rows, background):
    from model.explain_text import _text_layer

    others = [c for c in X.columns if c != "note"]
    codec = FrameCodec(pd.concat([X[others], background[others]]))
    tokenizers = {"note": _tokenizer(pipeline, X, "note")}
    batch = [_row_words(rows.iloc[r], ["note"], tokenizers) for r in range(len(rows))]
    game = _Game(pipeline, "binary", codec, others, list(X.columns), batch)
    return game, _text_layer(pipeline, "binary", game), codec.encode(background[others])


@pytest.mark.parametrize(
    "vectorizer",
    [
        TfidfVectorizer(),
        TfidfVectorizer(sublinear_tf=True, norm="l1", stop_words=["the", "on"]),
        TfidfVectorizer(use_idf=False, binary=True, min_df=3),
        CountVectorizer(),
    ],
)
def test_the_word_layer_gives_the_models_value_of_every_coalition(vectorizer):
    X, y = notes_frame(160)
    X = X.assign(kind=np.where(np.arange(160) % 3, "pump", "valve"))
    prep = ColumnTransformer(
        [
            ("text", vectorizer, "note"),
            ("num", StandardScaler(), ["hours"]),
            ("cat", OneHotEncoder(), ["kind"]),
        ]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    # Rows whose words are all different: one game per row.
    rows = X.iloc[[0]]
    background = X.iloc[100:120]
    game, layer, encoded_background = _game_of(pipeline, X, rows, background)
    assert layer is not None
    encoded, bg = game.encode(rows), game.background(encoded_background)
    rng = np.random.default_rng(0)
    picked = bg[rng.integers(len(bg), size=200)]
    coalitions = np.where(rng.random((200, encoded.shape[1])) < 0.5, encoded[0], picked)
    ours = layer.head(layer.embed(coalitions).sum(axis=1))
    np.testing.assert_allclose(ours, game.predict(coalitions), atol=1e-12)


def test_bigrams_or_a_custom_analyzer_get_no_word_layer_and_are_still_explained():
    X, y = notes_frame(120)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(ngram_range=(1, 2)), "note"), ("num", "passthrough", ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    background = X.iloc[60:90]
    _, layer, _ = _game_of(pipeline, X, X.iloc[[0]], background)
    assert layer is None  # removing a word makes new bigrams: not a sum over words
    explanation = explain_text(pipeline, X.iloc[:2], background, "binary")
    outputs = pipeline.predict_proba(X.iloc[:2])[:, 1]
    total = explanation.base_values[0] + explanation.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, outputs, atol=1e-9)


def test_the_word_layer_gives_the_values_calling_the_model_gives(fitted, monkeypatch):
    import model.explain_text as explain_text_module

    pipeline, X, _ = fitted
    background = X.sample(30, random_state=2)
    rows = X.iloc[:4]
    fast = explain_text(pipeline, rows, background, "binary", target_error=0.03)
    monkeypatch.setattr(explain_text_module, "_text_layer", lambda *args: None)
    # The same budget as the layer's: rows that reach it stop at the same round.
    monkeypatch.setattr(explain_text_module, "MAX_ROUNDS", -(-DEFAULT_MAX_PERMUTATIONS // 30))
    slow = explain_text(pipeline, rows, background, "binary", target_error=0.03)
    np.testing.assert_allclose(fast.values, slow.values, atol=1e-9)
    np.testing.assert_allclose(fast.errors, slow.errors, atol=1e-9)


def test_top_words_agree_with_a_high_budget_reference(fitted):
    pipeline, X, _ = fitted
    background = X.sample(50, random_state=0)
    rows = X.iloc[60:100]
    ours = explain_text(pipeline, rows, background, "binary", top_words=50)
    again = explain_text(pipeline, rows, background, "binary", top_words=50)
    pd.testing.assert_frame_equal(ours.words, again.words)  # seeded
    reference = explain_text(
        pipeline, rows, background, "binary", top_words=50, seed=99, target_error=0.004
    )
    assert ours.converged == len(rows) and ours.estimate_error <= 0.01

    def words(explanation):
        table = explanation.words[explanation.words["word"] != OTHER_WORDS]
        return table.set_index(["row_id", "word"])["contribution"]

    mine, theirs = words(ours), words(reference)
    assert np.max(np.abs(mine - theirs.loc[mine.index])) <= 0.01
    top = mine.abs().groupby(level="row_id").idxmax()
    top_reference = theirs.abs().groupby(level="row_id").idxmax()
    assert (top == top_reference.loc[top.index]).mean() >= 0.95
