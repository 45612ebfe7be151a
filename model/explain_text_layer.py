"""A linear model on a column transformer of text and other columns: the word game's
coalitions from the model's own arithmetic, without a pass through the pipeline (see
``model.explain_text``, which uses ``text_layer`` where it reproduces the model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.explain_text import _Game, _Words

__all__ = ["row_weights", "text_layer", "word_table"]


def text_layer(estimator, task: str, game: _Game):
    """The word game's ``FirstLayer`` for a ``Pipeline`` of a ``ColumnTransformer`` and a
    logistic or linear regression whose text columns are read by a ``TfidfVectorizer`` or
    ``CountVectorizer`` of single words and whose other columns by column-wise transformers;
    None for any other model.

    Such a model's logit (or value) is its intercept plus, per other column, that column's
    share, plus per text column ``sum_w coef_w * u_w / norm(u)``, where ``u_w`` is word ``w``'s
    weight in the text (its count, or ``1 + log`` of it, times its idf) and ``norm`` the
    vectorizer's (l2, l1 or none). A word removed from the text takes its ``u_w`` out of both
    sums, so a coalition's value needs two running sums per text column and no pass through
    the vectorizer: hundreds of times faster. It is the model's own arithmetic, and
    ``estimate_shapley`` uses it only where it reproduces the model's outputs (within 1e-9).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.pipeline import Pipeline

    from model.estimate import FirstLayer, linear_layer
    from model.explain_columns import source_columns

    if not (isinstance(estimator, Pipeline) and len(estimator.steps) == 2):
        return None
    ct, final = estimator[0], estimator[-1]
    linear = linear_layer(final, task)
    if not isinstance(ct, ColumnTransformer) or linear is None:
        return None
    weights, head = linear
    inputs = [str(c) for c in getattr(ct, "feature_names_in_", [])]
    texts = list(game.batch[0].pieces)
    others = list(game.others)
    if sorted(inputs) != sorted([*others, *texts]):
        return None
    width = weights.shape[1]
    tables, parts = [], []  # per text column, per other transformer
    for name, transformer, _ in ct.transformers_:
        if transformer == "drop" or name not in ct.output_indices_:
            continue
        out = ct.output_indices_[name]
        if out.stop == out.start:
            continue
        columns = [inputs[i] for i in ct._transformer_to_input_indices[name]]
        if type(transformer) in (TfidfVectorizer, CountVectorizer):
            table = word_table(transformer, columns, texts, weights[out])
            if table is None:
                return None
            tables.append(table)
            continue
        sources = source_columns(transformer, columns)
        if sources is None or not set(columns) <= set(others):
            return None
        parts.append((transformer, columns, [others.index(s) for s in sources], weights[out]))
    if sorted(t["column"] for t in tables) != sorted(texts):
        return None
    m, n_words = len(others), len(game.batch[0].words)
    size = width + len(tables) * (width + 1)

    def embed(array: np.ndarray) -> np.ndarray:
        shares = np.zeros((len(array), m + n_words, size))
        if m:
            frame = game.codec.decode(array[:, :m])
            for column in texts:
                frame[column] = ""
            for transformer, columns, players, part in parts:
                Z = transformer.transform(frame[columns])
                Z = np.asarray(Z.toarray() if hasattr(Z, "toarray") else Z, dtype=float)
                np.add.at(shares[:, :, :width], (slice(None), players), Z[:, :, None] * part)
        slots = array[:, m:].astype(int)
        owners = slots.max(axis=1, initial=0) - 1
        for t, table in enumerate(tables):
            start = width + t * (width + 1)
            for i, r in enumerate(owners):
                if r < 0:
                    continue
                u, weighted = row_weights(table, game.batch[r])
                kept = slots[i] > 0
                shares[i, m:, start : start + width] = weighted * kept[:, None]
                shares[i, m:, start + width] = u * kept
        return shares

    def text_head(sums: np.ndarray) -> np.ndarray:
        logit = sums[:, :width].copy()
        for t, table in enumerate(tables):
            start = width + t * (width + 1)
            norm = table["norm"](sums[:, start + width])
            with np.errstate(divide="ignore", invalid="ignore"):
                logit += np.where(
                    norm[:, None] > 0, sums[:, start : start + width] / norm[:, None], 0.0
                )
        return np.asarray(head(logit), dtype=float)

    return FirstLayer(embed=embed, head=text_head)


def word_table(vectorizer, columns, texts, weights) -> dict | None:
    """What a text column's vectorizer does to a word, if it reads single words of one of
    ``texts`` with no custom analysis: vocabulary, idf, tf and norm."""
    if len(columns) != 1 or columns[0] not in texts:
        return None
    if (
        vectorizer.analyzer != "word"
        or tuple(vectorizer.ngram_range) != (1, 1)
        or vectorizer.tokenizer is not None
        or vectorizer.preprocessor is not None
        or vectorizer.strip_accents is not None
    ):
        return None
    idf = getattr(vectorizer, "idf_", None) if getattr(vectorizer, "use_idf", False) else None
    norm = getattr(vectorizer, "norm", None)
    if norm not in ("l2", "l1", None):
        return None
    return {
        "column": columns[0],
        "vocabulary": vectorizer.vocabulary_,
        "idf": idf,
        "binary": bool(vectorizer.binary),
        "sublinear": bool(getattr(vectorizer, "sublinear_tf", False)),
        "norm_name": norm,
        # ``norm(sum of u**2)`` for l2, ``norm(sum of |u|)`` for l1, 1 for none.
        "norm": {"l2": np.sqrt, "l1": lambda s: s, None: np.ones_like}[norm],
        "weights": weights,
        "cache": {},
    }


def row_weights(table: dict, words: _Words) -> tuple[np.ndarray, np.ndarray]:
    """Per word player of a row: what it adds to the norm's sum (``u**2`` for l2, ``u`` for
    l1) and to the weighted sum (``u * coef``, a row per output); zero for other columns'
    words and words outside the vocabulary."""
    key = id(words)
    if key in table["cache"]:
        return table["cache"][key]
    column = table["column"]
    counts = np.zeros(len(words.words))
    for k, text in words.pieces.get(column, []):
        if text is not None:
            counts[k] += 1
    u = np.zeros(len(words.words))
    weighted = np.zeros((len(words.words), table["weights"].shape[1]))
    for k, (owner, word) in enumerate(words.words):
        index = table["vocabulary"].get(word)
        if owner != column or index is None or counts[k] == 0:
            continue
        tf = 1.0 if table["binary"] else counts[k]
        if table["sublinear"]:
            tf = 1.0 + np.log(tf)
        u[k] = tf * (table["idf"][index] if table["idf"] is not None else 1.0)
        weighted[k] = u[k] * table["weights"][index]
    norm_part = np.square(u) if table["norm_name"] == "l2" else u
    table["cache"][key] = (norm_part, weighted)
    return norm_part, weighted
