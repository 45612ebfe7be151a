"""Free-text columns explained by their words.

A free-text column (a column a ``TfidfVectorizer``, ``CountVectorizer`` or
``HashingVectorizer`` reads, or one of many distinct, long values) explained as one feature has
the whole text as its label and one number for it. Here each word of the text is a player of
its own:

- The players of a row are the model's other source columns and the distinct words of each
  text column (a word and all its occurrences; case folded where the vectorizer folds case).
- A coalition keeps the row's values of its columns and the background row's values of the
  others (an independent background, as ``model.explain`` uses), and keeps only its words in
  the text: a word outside the coalition is removed from the text (absent-token masking), with
  the characters between it and the word before it. With every word kept the text is the
  row's own; with none, it is empty.
- Shapley values of that game are estimated by ``model.estimate.estimate_shapley``: seeded,
  additive by construction (checked), with a stated 95% half-width per contribution (all of
  a row's at once), sampled until every half-width is within 0.01 in probability (1% of the
  range of the model's outputs over the background for a regression). A TF-IDF row is
  normalised and a probability is not linear, so such values are estimates. Where the model
  is additive in its words in the units shown (unigram counts into a linear regression)
  every ordering gives the same values: the spread, and the stated error, is zero and the
  values are exact.
- A pipeline of a ``ColumnTransformer`` (single-word ``TfidfVectorizer`` or ``CountVectorizer``
  on the text, column-wise transformers on the rest) and a logistic or linear regression has
  its coalitions' values computed from the model's own arithmetic
  (``model.explain_text_layer``): per text column, two running sums (the
  coefficient-weighted tf-idf weights of the words kept, and the norm's sum), then the norm,
  the intercept and the sigmoid. Checked against the model on the
  background and on mixtures before it is used; measured on 15-40-word notes, 0.03 s a row
  instead of 1.3 s, so the estimator's full budget applies (as for other models) and rows
  that reached the old 64-round cap with their error above 0.01 now converge.

A text column's contribution is the sum of its words' contributions, so the source-column
explanation stays additive: ``base + sum of contributions == output`` on every row, and the
global view sums the words back into the column. Per row, the ``TOP_WORDS`` largest words are
kept and the rest summed into ``OTHER_WORDS`` (``TextExplanation.words``), so storage stays
small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.config import SEED, TEXT_CONTRIBUTIONS_FILE
from model.explain import Explanation, FrameCodec, model_outputs
from model.explain_text_layer import text_layer as _text_layer
from model.explanation import of_positive_class
from model.labels import label_strings
from model.metrics import BINARY, MULTICLASS, REGRESSION

__all__ = [
    "OTHER_WORDS",
    "TEXT_EXPLAINER",
    "TEXT_CONTRIBUTIONS_FILE",
    "TextExplanation",
    "explain_if_text",
    "explain_text",
    "text_columns",
    "word_contributions",
]

#: The name publishing records for explanations of models with free-text columns.
TEXT_EXPLAINER = "sampled Shapley over words (word removal, independent background)"
#: The label of the words of a row not among its top ``TOP_WORDS``, summed.
OTHER_WORDS = "(other words)"
#: The player of a text that has no words (missing, or only punctuation).
NO_WORDS = "(text without words)"
#: Words kept per row, column and explained class; the others are summed.
TOP_WORDS = 10
#: Orderings sampled per background row at most, per row explained.
MAX_ROUNDS = 64
#: A column is taken for free text without a vectorizer when it has at least this many
#: distinct values, most of its values distinct, and this many words per value on average.
MIN_DISTINCT, MIN_DISTINCT_SHARE, MIN_WORDS = 20, 0.5, 4.0
#: Values looked at to tell free text from categories.
HEURISTIC_ROWS = 1_000
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"


@dataclass
class TextExplanation(Explanation):
    """An ``Explanation`` per source column whose text columns were explained word by word.

    ``words`` has one row per (row id, text column, explained class, word): ``row_id``,
    ``column``, ``explained_class`` (``""`` for regression), ``rank`` (0 = largest
    contribution in absolute value; ``OTHER_WORDS`` last), ``word``, ``contribution`` and
    ``error`` (its 95% half-width; for ``OTHER_WORDS`` the sum of the half-widths). A row's
    words of a column sum to ``values`` of that column. ``errors`` are the half-widths of
    ``values`` (a text column's: the sum of its words'); ``estimate_error`` is the largest
    half-width of any contribution estimated (a word's or another column's), ``target_error``
    the error sampled to, ``row_errors`` each row's largest half-width; ``converged`` and
    ``top_resolved`` count the rows that met the target and whose top player is told apart.
    """

    text_columns: list[str] = field(default_factory=list)
    words: pd.DataFrame | None = field(default=None, repr=False)
    errors: np.ndarray | None = field(default=None, repr=False)
    estimate_error: float | None = None
    target_error: float | None = None
    row_errors: np.ndarray | None = field(default=None, repr=False)
    converged: int = 0
    top_resolved: int = 0

    def methods_meta(self, row_ids) -> dict:
        """What a published prototype records of the explanation besides ``explainer``:
        ``estimate_error`` and ``estimate`` (seed, target, rows, rows converged and rows
        whose top player is told apart)."""
        return {
            "explainer_rows": {},
            "estimate_error": self.estimate_error,
            "estimate": {
                "seed": SEED,
                "target_error": self.target_error,
                "rows": len(self.values),
                "converged": self.converged,
                "top_resolved": self.top_resolved,
            },
        }


# ---------------------------------------------------------------------------------------------
# Which columns are free text


def text_columns(estimator, X: pd.DataFrame) -> list[str]:
    """The free-text columns of ``X`` for ``estimator``, in ``X``'s order.

    A column is free text when a text vectorizer of the model's ``ColumnTransformer`` reads it,
    or, in a model without one, when it is not numeric and has many distinct values of several
    words each (see ``MIN_DISTINCT``).
    """
    vectorized = _vectorized_columns(estimator, list(X.columns))
    if vectorized is not None:
        return [c for c in X.columns if c in vectorized]
    return [c for c in X.columns if _looks_like_text(X[c])]


def _vectorized_columns(estimator, columns: list[str]) -> dict[str, object] | None:
    """Column name to the text vectorizer that reads it, or None when the model has no
    ``ColumnTransformer`` to tell."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    found: dict[str, object] = {}
    transformers = []
    steps = estimator.steps if isinstance(estimator, Pipeline) else [(None, estimator)]
    for _, step in steps:
        if isinstance(step, ColumnTransformer) and hasattr(step, "transformers_"):
            transformers.append(step)
    if not transformers:
        return None
    for ct in transformers:
        for name, transformer, _ in ct.transformers_:
            vectorizer = _text_vectorizer(transformer)
            if vectorizer is None or name not in ct._transformer_to_input_indices:
                continue
            for index in ct._transformer_to_input_indices[name]:
                if index < len(columns):
                    found[columns[index]] = vectorizer
    return found


def _text_vectorizer(transformer):
    from sklearn.feature_extraction.text import (
        CountVectorizer,
        HashingVectorizer,
        TfidfVectorizer,
    )
    from sklearn.pipeline import Pipeline

    kinds = (CountVectorizer, HashingVectorizer, TfidfVectorizer)
    if isinstance(transformer, Pipeline):
        return next((s for _, s in transformer.steps if isinstance(s, kinds)), None)
    return transformer if isinstance(transformer, kinds) else None


def _looks_like_text(column: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    present = column.dropna().iloc[:HEURISTIC_ROWS]
    strings = present[[isinstance(v, str) for v in present]]
    if len(strings) < MIN_DISTINCT or len(strings) < 0.9 * len(present):
        return False
    distinct = strings.nunique()
    words = strings.str.split().str.len().mean()
    return (
        distinct >= MIN_DISTINCT
        and distinct >= MIN_DISTINCT_SHARE * len(strings)
        and (words >= MIN_WORDS)
    )


def _tokenizer(estimator, X: pd.DataFrame, column: str):
    """``(pattern, lowercase)`` that splits ``column`` into the words the model sees."""
    vectorizer = (_vectorized_columns(estimator, list(X.columns)) or {}).get(column)
    pattern, lowercase = DEFAULT_TOKEN_PATTERN, True
    if vectorizer is not None:
        if getattr(vectorizer, "analyzer", "word") == "word" and vectorizer.tokenizer is None:
            pattern = vectorizer.token_pattern or DEFAULT_TOKEN_PATTERN
        lowercase = bool(vectorizer.lowercase)
    return re.compile(pattern), lowercase


# ---------------------------------------------------------------------------------------------
# The word game of one row


@dataclass
class _Words:
    """The word players of one row: ``words[k]`` is ``(column, word)``; ``pieces[column]``
    lists ``(k, text)``: the text from the end of the word before up to the end of an
    occurrence of word ``k`` (the last piece also holds the text after the last word).
    ``(k, None)`` alone: the column's value has no words and is player ``k`` as a whole."""

    words: list[tuple[str, str]]
    pieces: dict[str, list[tuple[int, str | None]]]
    original: dict[str, object]


def _row_words(row: pd.Series, texts: list[str], tokenizers: dict) -> _Words:
    words: list[tuple[str, str]] = []
    pieces: dict[str, list[tuple[int, str | None]]] = {}
    for column in texts:
        value = row[column]
        pattern, lowercase = tokenizers[column]
        index: dict[str, int] = {}
        mine: list[tuple[int, str | None]] = []
        end = 0
        text = value if isinstance(value, str) else ""
        for match in pattern.finditer(text):
            word = match.group(0).lower() if lowercase else match.group(0)
            if word not in index:
                index[word] = len(words)
                words.append((column, word))
            mine.append((index[word], text[end : match.end()]))
            end = match.end()
        if mine:
            mine[-1] = (mine[-1][0], f"{mine[-1][1]}{text[end:]}")
        elif not (isinstance(value, str) and value == ""):
            # No words, yet not the empty text (missing, or punctuation): one player.
            mine.append((len(words), None))
            words.append((column, NO_WORDS))
        pieces[column] = mine
    return _Words(words, pieces, {column: row[column] for column in texts})


class _Game:
    """The word game of rows with the same number of players: the other columns, then the
    words. An encoded row holds the other columns' codes and, per word, ``i + 1`` (the row's
    position in the batch) where the word is kept and 0 where it is removed, so a coalition
    names its row; a coalition without words is the empty text whichever its row."""

    def __init__(self, estimator, task, codec, others, columns, batch: list[_Words]):
        self.estimator, self.task, self.codec = estimator, task, codec
        self.others, self.columns, self.batch = others, columns, batch

    def encode(self, rows: pd.DataFrame) -> np.ndarray:
        codes = self.codec.encode(rows[self.others]) if self.others else np.zeros((len(rows), 0))
        n_words = len(self.batch[0].words)
        slots = np.repeat(np.arange(1, len(rows) + 1, dtype=float)[:, None], n_words, axis=1)
        return np.hstack([codes, slots])

    def background(self, encoded_background: np.ndarray) -> np.ndarray:
        n_words = len(self.batch[0].words)
        return np.hstack([encoded_background, np.zeros((len(encoded_background), n_words))])

    def frame(self, array: np.ndarray) -> pd.DataFrame:
        m = len(self.others)
        frame = self.codec.decode(array[:, :m]) if m else pd.DataFrame(index=range(len(array)))
        slots = array[:, m:]
        owner = slots.max(axis=1, initial=0.0).astype(int) - 1
        for column in self.batch[0].pieces:
            values: list[object] = []
            for keep, r in zip(slots > 0, owner, strict=True):
                if r < 0:
                    values.append("")
                    continue
                pieces = self.batch[r].pieces[column]
                if pieces and pieces[0][1] is None:
                    values.append(self.batch[r].original[column] if keep[pieces[0][0]] else "")
                else:
                    values.append("".join(t for k, t in pieces if keep[k]))
            frame[column] = pd.Series(values, dtype=object, index=frame.index)
        return frame[self.columns]

    def predict(self, array: np.ndarray) -> np.ndarray:
        # Few words make few distinct coalitions: each is predicted once.
        unique, inverse = np.unique(array, axis=0, return_inverse=True)
        return model_outputs(self.estimator, self.frame(unique), self.task)[inverse.ravel()]


# ---------------------------------------------------------------------------------------------
# The explanation


def explain_text(
    estimator,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    n_classes: int = 0,
    *,
    texts: list[str] | None = None,
    classes: list[str] | None = None,
    top_words: int = TOP_WORDS,
    seed: int = SEED,
    target_error: float | None = None,
) -> TextExplanation:
    """Shapley values of ``estimator`` on ``X`` with each free-text column's words as players.

    ``texts`` are the free-text columns (default: ``text_columns(estimator, X)``); ``classes``
    name the explained outputs in ``words`` (default: the estimator's classes). Values are per
    source column, a text column's the sum of its words'; see the module docstring. Rows with
    the same number of players are estimated together, with the orderings a row explained
    alone gets: a row's values do not depend on the rows explained with it. ``seed`` and
    ``target_error`` (default: 0.01 in probability, see ``target_error_for``) are for
    references of other seeds and tighter targets; publishing uses the defaults. Raises
    ``ValueError`` if ``X`` has no free-text column, ``ArithmeticError`` if the model's outputs
    are not a function of its input (then the values could not be additive).
    """
    from model.estimate import DEFAULT_MAX_PERMUTATIONS, estimate_shapley, target_error_for

    texts = list(texts if texts is not None else text_columns(estimator, X))
    if not texts:
        raise ValueError("the data has no free-text column to explain word by word")
    columns = list(X.columns)
    others = [c for c in columns if c not in texts]
    codec = FrameCodec(pd.concat([X[others], background[others]])) if others else None
    encoded_background = (
        codec.encode(background[others]) if others else np.zeros((len(background), 0))
    )
    tokenizers = {c: _tokenizer(estimator, X, c) for c in texts}
    outputs = model_outputs(estimator, X, task)
    empty = background.copy()
    for column in texts:
        empty[column] = ""
    # The target holds a row to the same error whichever rows are explained with it.
    if target_error is None:
        target_error = target_error_for(task, model_outputs(estimator, background, task))
    target = target_error
    labels = _output_labels(estimator, task, outputs.shape[1], classes)
    n, c = outputs.shape
    values = np.zeros((n, len(columns), c))
    errors = np.zeros((n, len(columns), c))
    base = model_outputs(estimator, empty, task).mean(axis=0)
    words = [_row_words(X.iloc[r], texts, tokenizers) for r in range(n)]
    by_size: dict[int, list[int]] = {}
    for r, row_words in enumerate(words):
        by_size.setdefault(len(row_words.words), []).append(r)
    word_values: list[np.ndarray] = [np.zeros(0)] * n
    word_errors: list[np.ndarray] = [np.zeros(0)] * n
    stated, converged, resolved = 0.0, 0, 0
    row_half_widths = np.zeros(n)
    position = {name: j for j, name in enumerate(columns)}
    for positions in by_size.values():
        game = _Game(estimator, task, codec, others, columns, [words[r] for r in positions])
        bg = game.background(encoded_background)
        layer = _text_layer(estimator, task, game)
        estimate = estimate_shapley(
            game.predict,
            game.encode(X.iloc[positions]),
            bg,
            seed=seed,
            target_error=target,
            # A coalition costs a pass through the pipeline without the layer, a few sums
            # with it: then the budget is the estimator's own.
            max_permutations=MAX_ROUNDS * len(bg) if layer is None else DEFAULT_MAX_PERMUTATIONS,
            layer=layer,
            n_jobs=1 if layer is None else None,
        )
        stated = max(stated, estimate.stated_error)
        converged += int(estimate.converged.sum())
        resolved += int(estimate.top_resolved.sum())
        row_half_widths[positions] = estimate.row_errors
        for i, r in enumerate(positions):
            for j, name in enumerate(others):
                values[r, position[name]] = estimate.values[i, j]
                errors[r, position[name]] = estimate.errors[i, j]
            word_values[r] = estimate.values[i, len(others) :]
            word_errors[r] = estimate.errors[i, len(others) :]
    records: list[dict] = []
    for r in range(n):
        for column in texts:
            mine = [k for k, (owner, _) in enumerate(words[r].words) if owner == column]
            values[r, position[column]] = word_values[r][mine].sum(axis=0)
            errors[r, position[column]] = word_errors[r][mine].sum(axis=0)
            for k, label in enumerate(labels):
                records.extend(
                    _top_words(
                        str(X.index[r]),
                        column,
                        label,
                        [words[r].words[i][1] for i in mine],
                        word_values[r][mine, k],
                        word_errors[r][mine, k],
                        top_words,
                    )
                )
    gap = np.abs(base[None, :] + values.sum(axis=1) - outputs)
    row_errors = np.max(gap / np.maximum(1.0, np.abs(outputs)), axis=1) if n else np.zeros(0)
    return TextExplanation(
        values,
        base,
        outputs,
        columns,
        explainer=TEXT_EXPLAINER,
        max_additivity_error=float(row_errors.max()) if n else 0.0,
        unit="value" if task == REGRESSION else "probability",
        text_columns=texts,
        words=pd.DataFrame.from_records(records, columns=_WORD_COLUMNS),
        errors=errors,
        estimate_error=stated,
        target_error=target,
        row_errors=row_half_widths,
        converged=converged,
        top_resolved=resolved,
    )


_WORD_COLUMNS = ["row_id", "column", "explained_class", "rank", "word", "contribution", "error"]


def explain_if_text(
    estimator,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    n_classes: int = 0,
    explainer: str | None = None,
) -> TextExplanation | None:
    """``model.explain``'s way in: the word explanation of ``X`` if the model reads free text
    (``explainer`` None: publishing) or ``explainer`` is ``TEXT_EXPLAINER`` (a row explained
    after publishing); None otherwise. Raises ``ExplanationError`` when it cannot be given."""
    from model.explain import ExplanationError

    if explainer is not None and explainer != TEXT_EXPLAINER:
        return None
    # Told from the background: the same rows when publishing and when explaining a row later.
    texts = text_columns(estimator, background)
    if not texts:
        if explainer is None:
            return None
        raise ExplanationError("the model no longer reads a free-text column; publish it again")
    try:
        return explain_text(estimator, X, background, task, n_classes, texts=texts)
    except (ArithmeticError, ValueError) as error:
        raise ExplanationError(f"{TEXT_EXPLAINER}: {error}") from None


def _output_labels(estimator, task, n_outputs, classes) -> list[str]:
    if task == REGRESSION:
        return [""]
    names = list(label_strings(classes if classes is not None else estimator.classes_))
    return names[1:2] if task == BINARY else names[:n_outputs]


def _top_words(row_id, column, label, words, values, errors, top) -> list[dict]:
    order = np.argsort(-np.abs(values), kind="stable")
    kept, rest = order[:top], order[top:]
    picked = [(words[i], float(values[i]), float(errors[i])) for i in kept]
    if len(rest):
        picked.append((OTHER_WORDS, float(values[rest].sum()), float(errors[rest].sum())))
    return [
        {
            "row_id": row_id,
            "column": column,
            "explained_class": label,
            "rank": rank,
            "word": word,
            "contribution": contribution,
            "error": error,
        }
        for rank, (word, contribution, error) in enumerate(picked)
    ]


# ---------------------------------------------------------------------------------------------
# What pages read


def word_contributions(proto, row_id: str, explained_class: str | None = None) -> pd.DataFrame:
    """The words of row ``row_id`` of a published prototype with free-text columns, largest
    first: columns ``column``, ``word``, ``contribution``, ``error`` (95% half-width).

    Rows of the demo deck are read from the prototype's ``TEXT_CONTRIBUTIONS_FILE``; other
    rows are explained now, with the published background and seed (the same values a
    publish of every row would have given). ``explained_class`` defaults to the positive
    class of a binary model and the predicted class of a multiclass one. Empty for a
    prototype without free-text columns.
    """
    meta = proto.meta
    texts = list(meta.get("text_columns") or [])
    empty = pd.DataFrame(columns=["column", "word", "contribution", "error"])
    if not texts:
        return empty
    label = _explained_label(proto, row_id, explained_class)
    row_id = str(row_id)
    path = proto.path / TEXT_CONTRIBUTIONS_FILE
    words = None
    if path.is_file():
        stored = pd.read_parquet(path, filters=[("row_id", "==", row_id)])
        if len(stored):
            words = stored
    if words is None:
        features = proto.features()
        features.index = features.index.astype(str)
        if row_id not in features.index:
            raise ValueError(f"row {row_id!r} is not in the demo data; check the id")
        background = features.loc[[str(b) for b in meta["background_rows"]]]
        explained = explain_text(
            proto.estimator(),
            features.loc[[row_id]],
            background,
            proto.task,
            texts=texts,
            classes=meta.get("classes") or None,
        )
        classes = list(meta.get("classes") or [])
        words = of_positive_class(explained, proto.task, classes, meta.get("positive_class")).words
    chosen = words[words["explained_class"] == label].sort_values(["column", "rank"])
    return chosen[["column", "word", "contribution", "error"]].reset_index(drop=True)


def _explained_label(proto, row_id, explained_class) -> str:
    if proto.task == REGRESSION:
        return ""
    if explained_class is not None:
        return str(explained_class)
    if proto.task == MULTICLASS:
        return str(proto.prediction(str(row_id))["predicted"])
    return str(proto.meta["positive_class"])
