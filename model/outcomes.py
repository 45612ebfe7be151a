"""Outcomes in counts: what a prototype's decisions did on the demo rows, said in words.

A manager does not read "recall 0.74"; they read "caught 50 of 68 failures; 7 false alarms
among the 1,932 machines with no failure". This module counts those outcomes from a
prototype's predictions at a decision threshold (binary), per class (multiclass) or as the
typical error in the target's unit (regression), builds the sentences from class names
(``{"1": "Failure", "0": "No failure"}``; a label without a name is shown as itself) and a
noun for the cases ("machines"), and lays out the confusion matrix in counts with words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.costs import format_number
from model.labels import PROBABILITY_PREFIX, label_strings
from model.metrics import BINARY, MULTICLASS, REGRESSION

__all__ = [
    "capital",
    "class_in_sentence",
    "plural",
    "singular",
    "ACTUAL_PREFIX",
    "PREDICTED_PREFIX",
    "BinaryOutcome",
    "ClassOutcome",
    "MulticlassOutcome",
    "RegressionOutcome",
    "binary_outcome",
    "class_name",
    "binary_cells",
    "confusion_table",
    "decided_labels",
    "multiclass_outcome",
    "outcome",
    "outcome_sentence",
    "outcome_sentences",
    "prototype_outcome",
    "regression_outcome",
]


@dataclass(frozen=True)
class BinaryOutcome:
    """Counts of a binary decision: positives caught and missed, false alarms.

    ``threshold`` is the probability of the positive class from which a case is flagged
    (``None``: the model's own predicted labels).
    """

    positive: str
    negative: str
    threshold: float | None
    caught: int
    positives: int
    false_alarms: int
    negatives: int

    @property
    def missed(self) -> int:
        return self.positives - self.caught

    @property
    def flagged(self) -> int:
        return self.caught + self.false_alarms

    @property
    def correctly_cleared(self) -> int:
        return self.negatives - self.false_alarms

    @property
    def n(self) -> int:
        return self.positives + self.negatives


@dataclass(frozen=True)
class ClassOutcome:
    """One class of a multiclass decision: how many cases of it there were, how many were
    recognised, what the others were taken for, and how many cases of other classes were
    wrongly given this one."""

    label: str
    actual: int
    recognised: int
    mistaken_for: dict[str, int]
    wrongly_called: int


@dataclass(frozen=True)
class MulticlassOutcome:
    classes: tuple[ClassOutcome, ...]
    n: int
    correct: int


@dataclass(frozen=True)
class RegressionOutcome:
    """The typical error of a regression: median and 90th percentile of the absolute error,
    and the mean error (positive: predictions too high on average)."""

    n: int
    median_abs_error: float
    p90_abs_error: float
    mean_error: float


def class_name(label: object, class_names: Mapping | None = None) -> str:
    """The name users know ``label`` by: ``class_names[label]`` (keys as labels or their
    strings), else the label itself."""
    text = str(label_strings([label])[0]) if not isinstance(label, str) else label
    if class_names:
        for key, name in class_names.items():
            if str(label_strings([key])[0]) == text and str(name).strip():
                return str(name).strip()
    return text


def decided_labels(
    predictions: pd.DataFrame, positive_class: str, threshold: float | None
) -> np.ndarray:
    """The label decided for each row: ``predicted`` as published, or, with ``threshold``,
    the positive class where its probability is at least ``threshold`` (binary)."""
    if threshold is None:
        return label_strings(predictions["predicted"].to_numpy())
    column = PROBABILITY_PREFIX + str(positive_class)
    if column not in predictions.columns:
        raise ValueError(f"the predictions have no {column!r} column for a threshold")
    others = [
        c[len(PROBABILITY_PREFIX) :]
        for c in predictions.columns
        if c.startswith(PROBABILITY_PREFIX) and c != column
    ]
    negative = others[0] if others else "0"
    flagged = predictions[column].to_numpy(dtype=float) >= threshold
    return np.where(flagged, str(positive_class), negative).astype(object)


def binary_outcome(
    actual, decided, positive_class: str, negative_class: str, threshold: float | None = None
) -> BinaryOutcome:
    """Counts of ``decided`` labels against ``actual`` ones for a binary task."""
    truth = label_strings(np.asarray(actual)) == str(positive_class)
    flagged = label_strings(np.asarray(decided)) == str(positive_class)
    return BinaryOutcome(
        positive=str(positive_class),
        negative=str(negative_class),
        threshold=threshold,
        caught=int(np.sum(truth & flagged)),
        positives=int(np.sum(truth)),
        false_alarms=int(np.sum(~truth & flagged)),
        negatives=int(np.sum(~truth)),
    )


def multiclass_outcome(actual, decided, classes: list[str]) -> MulticlassOutcome:
    """Per class: cases, recognised, mistaken for which other class, wrongly called it."""
    truth, guess = label_strings(np.asarray(actual)), label_strings(np.asarray(decided))
    per_class = []
    for label in classes:
        is_label = truth == label
        mistaken = pd.Series(guess[is_label & (guess != label)]).value_counts()
        per_class.append(
            ClassOutcome(
                label=label,
                actual=int(is_label.sum()),
                recognised=int(np.sum(is_label & (guess == label))),
                mistaken_for={str(k): int(v) for k, v in mistaken.items()},
                wrongly_called=int(np.sum(~is_label & (guess == label))),
            )
        )
    return MulticlassOutcome(tuple(per_class), len(truth), int(np.sum(truth == guess)))


def regression_outcome(actual, predicted) -> RegressionOutcome:
    """The typical size of the errors of ``predicted`` against ``actual``."""
    error = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    if not len(error):
        raise ValueError("no rows to measure the errors on")
    absolute = np.abs(error)
    return RegressionOutcome(
        n=len(error),
        median_abs_error=float(np.median(absolute)),
        p90_abs_error=float(np.percentile(absolute, 90)),
        mean_error=float(np.mean(error)),
    )


def outcome(
    predictions: pd.DataFrame,
    task: str,
    classes: list[str] | None = None,
    positive_class: str | None = None,
    threshold: float | None = None,
) -> BinaryOutcome | MulticlassOutcome | RegressionOutcome:
    """The outcome of a predictions frame (``Prototype.predictions()``) with its ``actual``
    column, at ``threshold`` for a binary task (``None``: the published labels)."""
    if "actual" not in predictions.columns:
        raise ValueError("these predictions were published without labels: no outcome to count")
    actual = predictions["actual"].to_numpy()
    if task == REGRESSION:
        return regression_outcome(actual, predictions["predicted"].to_numpy())
    classes = [str(c) for c in (classes or [])] or sorted(
        set(label_strings(actual)) | set(label_strings(predictions["predicted"].to_numpy()))
    )
    if task == BINARY:
        positive = str(positive_class) if positive_class is not None else classes[-1]
        negative = next((c for c in classes if c != positive), "0")
        decided = decided_labels(predictions, positive, threshold)
        return binary_outcome(actual, decided, positive, negative, threshold)
    if task == MULTICLASS:
        return multiclass_outcome(actual, predictions["predicted"].to_numpy(), classes)
    raise ValueError(f"unknown task {task!r}; use binary, multiclass or regression")


def prototype_outcome(proto, threshold: float | None = None):
    """:func:`outcome` of a published prototype (``model.workspace.Prototype``)."""
    meta = proto.meta
    return outcome(
        proto.predictions(), proto.task, meta.get("classes"), meta.get("positive_class"), threshold
    )


# -- words --------------------------------------------------------------------------------------
#: Words after which a noun phrase's head noun has ended ("rows in the demo set").
_PREPOSITIONS = frozenset({"in", "of", "from", "on", "with", "at", "for", "by"})


def capital(text: str) -> str:
    """``text`` with its first letter upper case and the rest as written: a sentence that
    starts with a class name keeps "Billing" and "OSF" (``str.capitalize`` wrote "billing")."""
    return text[:1].upper() + text[1:]


#: Plurals the endings below get wrong ("series" is one series, "people" one person).
_IRREGULAR = {
    "people": "person",
    "children": "child",
    "series": "series",
    "species": "species",
    "analyses": "analysis",
    "diagnoses": "diagnosis",
    "men": "man",
    "women": "woman",
}


def singular(noun: str) -> str:
    """One of ``noun``: ``machines`` → ``machine``, ``rows in the demo set`` → ``row in the
    demo set``, ``boxes`` → ``box``, ``policies`` → ``policy``, ``patients`` → ``patient``,
    ``people`` → ``person``."""
    return _singular(noun)


def _singular(noun: str) -> str:
    words = noun.split(" ")
    head = next((i - 1 for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words) - 1)
    word = words[head]
    if word.casefold() in _IRREGULAR:
        one = _IRREGULAR[word.casefold()]
        words[head] = one.capitalize() if word[:1].isupper() else one
    elif word.endswith("ies") and len(word) > 3:
        words[head] = word[:-3] + "y"
    elif word.endswith(("ches", "shes", "xes", "sses")):
        words[head] = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        words[head] = word[:-1]
    return " ".join(words)


def _lower(name: str) -> str:
    """``Failure`` → ``failure``, but ``OSF`` and ``iPhone`` stay as they are."""
    return name[0].lower() + name[1:] if name[1:] == name[1:].lower() else name


#: One-word class names with these endings read as adjectives ("healthy machines"); other
#: one-word names as nouns ("failures"). Anything longer is quoted after the noun.
_ADJECTIVE_ENDINGS = ("al", "ive", "ous", "ful", "less", "ed", "able", "ible", "y")


#: One-word class names that name a decision to take, not a thing: made plural or given an
#: article they read "Caught 27 of 32 investigates", "a missed investigate".
_DECISION_VERBS = frozenset({
    "accept", "act", "admit", "alert", "allow", "approve", "audit", "block", "buy", "cancel",
    "check", "contact", "decline", "defer", "deny", "discharge", "escalate", "fail", "flag",
    "hold", "ignore", "inspect", "intervene", "investigate", "keep", "leave", "monitor",
    "pass", "pay", "proceed", "refer", "refund", "reject", "remove", "renew", "repair",
    "replace", "retain", "review", "sell", "skip", "stay", "stop", "treat", "wait",
})  # fmt: skip
#: Endings of verbs ("Investigate", "Prioritize", "Notify"); a noun with one ("Climate") is
#: quoted too, which reads well where "27 investigates" does not.
_VERB_ENDINGS = ("ate", "ize", "ise", "ify")


def _reads_as_verb(name: str) -> bool:
    """A one-word name that is no singular noun: one ending in a single s ("Churns",
    "Stays", "Passes": made plural it read "70 churnses") or a decision to take
    ("Investigate", "Approve": "27 investigates caught"), so it is quoted after the noun
    instead ("27 of 32 claims labelled “Investigate”")."""
    word = name.lower()
    return (
        (word.endswith("s") and not word.endswith("ss"))
        or word in _DECISION_VERBS
        or word.endswith(_VERB_ENDINGS)
    )


def class_in_sentence(name: str) -> str:
    """A class's name inside a sentence, by the rule the outcome sentences follow: one word
    that reads as a noun or an adjective in lower case ("the chance of failure", "a missed
    failure"; ``OSF`` as written), words that read as a noun phrase in lower case ("a missed
    machine failure"), anything else quoted as written ("the chance of
    “Readmitted within 30 days”", "a missed “Churns”"), not "a missed readmitted within 30
    days"."""
    name = " ".join(str(name).split())
    if name.isalpha() and not _reads_as_verb(name):
        return _lower(name)
    if _noun_phrase(name):  # "a missed machine failure", "the chance of tool wear failure"
        return " ".join(_lower(word) for word in name.split(" "))
    return f"“{name}”"


def _noun_phrase(name: str) -> bool:
    """Words of letters that read as a noun phrase: not led by a negation ("No failure") or
    by a word that reads as a verb or participle ("Readmitted soon", "Churns monthly",
    "Leaving")."""
    words = name.split(" ")
    first = words[0].lower()
    return (
        len(words) > 1
        and all(word.isalpha() for word in words)
        and first not in ("no", "not", "non")
        and not first.endswith(("ed", "ing"))
        and not _reads_as_verb(words[0])
    )


def _cases_of(label: str, name: str, noun: str, count: int) -> str:
    """``68 failures``, ``1,932 healthy machines``, ``1,932 machines with no failure``,
    ``5 machines labelled 1``, ``3 machines labelled “Tool wear failure”``."""
    nouns = _singular(noun) if count == 1 else noun
    if name == label:
        return f"{count:,} {nouns} labelled {label}"
    if name.isalpha() and not _reads_as_verb(name):
        word = _lower(name)
        if word.lower().endswith(_ADJECTIVE_ENDINGS):
            return f"{count:,} {word} {nouns}"
        return f"{count:,} {word if count == 1 else plural(word)}"
    if name.lower().startswith("no "):
        return f"{count:,} {nouns} with {_lower(name)}"
    return f"{count:,} {nouns} labelled “{name}”"


def plural(word: str) -> str:
    """An English noun in the plural: "failure" → "failures", "box" → "boxes"."""
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _share(part: int, whole: int) -> str:
    return f" ({part / whole:.0%})" if whole else ""


def _binary_sentence(result: BinaryOutcome, class_names, noun: str) -> str:
    positive = class_name(result.positive, class_names)
    negative = class_name(result.negative, class_names)
    alarms = f"{result.false_alarms:,} false alarm{'' if result.false_alarms == 1 else 's'}"
    among = _cases_of(result.negative, negative, noun, result.negatives)
    if result.positives == 0:
        none = _cases_of(result.positive, positive, noun, 0).removeprefix("0 ")
        return f"No {none} among these {result.n:,} {noun} to catch; {alarms}."
    caught = _cases_of(result.positive, positive, noun, result.positives)
    return (
        f"Caught {result.caught:,} of {caught}{_share(result.caught, result.positives)}; "
        f"{alarms} among the {among}."
    )


def _class_sentence(result: ClassOutcome, class_names, noun: str) -> str:
    name = class_name(result.label, class_names)
    if result.actual == 0:
        text = f"{name}: none among these {noun}"
    else:
        text = (
            f"{name}: {result.recognised:,} of {result.actual:,} recognised"
            f"{_share(result.recognised, result.actual)}"
        )
        if result.mistaken_for:
            other, count = max(result.mistaken_for.items(), key=lambda item: item[1])
            text += f", most often taken for {class_name(other, class_names)} ({count:,})"
    wrongly = result.wrongly_called
    if wrongly == 0:
        return f"{text}; no other {_singular(noun)} was called {name}."
    others = _singular(noun) if wrongly == 1 else noun
    return f"{text}; {wrongly:,} other {others} wrongly called {name}."


def _recognised_share(result: ClassOutcome) -> float:
    """The share of a class's cases recognised; a class with no cases sorts last."""
    return result.recognised / result.actual if result.actual else 2.0


def _others_sentence(others: list[ClassOutcome]) -> str:
    """The classes not listed one by one, in one sentence: how much of each was recognised."""
    shares = [c.recognised / c.actual for c in others if c.actual]
    count = f"The other {len(others):,} classes" if len(others) > 1 else "The other class"
    if not shares:
        return f"{count}: none among these cases."
    low, high = min(shares), max(shares)
    if f"{low:.0%}" == f"{high:.0%}":
        return f"{count}: {low:.0%} recognised."
    return f"{count}: {low:.0%} to {high:.0%} recognised."


def outcome_sentences(
    result: BinaryOutcome | MulticlassOutcome | RegressionOutcome,
    class_names: Mapping | None = None,
    noun: str = "cases",
    unit: str | None = None,
    most_classes: int | None = None,
) -> list[str]:
    """The outcome in plain sentences.

    ``class_names`` maps labels to the names users know (default: the label); ``noun`` is
    what a row is, in the plural ("machines"); ``unit`` the target's unit for regression.
    Binary: one sentence ("Caught 50 of 68 failures (74%); 7 false alarms among the 1,932
    machines with no failure."). Multiclass: how many were right, then one sentence per
    class; with more than ``most_classes`` classes, one per class for the ``most_classes - 1``
    recognised least (a slide's room), then one for the others ("The other 7 classes: 73% to
    89% recognised."). Regression: to within how much half and 9 in 10 of the rows are
    predicted (the median and 90th-percentile error) in the target's unit, not called
    "typical": the typical size of an error is the RMSE the Overview charts.
    """
    if isinstance(result, BinaryOutcome):
        return [_binary_sentence(result, class_names, noun)]
    if isinstance(result, MulticlassOutcome):
        overall = (
            f"Right on {result.correct:,} of {result.n:,} {noun}{_share(result.correct, result.n)}."
        )
        classes = list(result.classes)
        if most_classes is None or len(classes) <= most_classes:
            return [overall, *(_class_sentence(c, class_names, noun) for c in classes)]
        weakest = sorted(classes, key=_recognised_share)[: max(most_classes - 1, 0)]
        rest = [c for c in classes if c not in weakest]
        return [
            overall,
            *(_class_sentence(c, class_names, noun) for c in classes if c in weakest),
            _others_sentence(rest),
        ]
    if isinstance(result, RegressionOutcome):
        units = f" {unit}" if unit else ""
        bias = ""
        typical = result.median_abs_error
        if typical > 0 and abs(result.mean_error) > typical / 2:
            side = "high" if result.mean_error > 0 else "low"
            off = format_number(abs(result.mean_error))
            bias = f" On average the predictions are {off}{units} too {side}."
        median, p90 = format_number(typical), format_number(result.p90_abs_error)
        return [
            f"Half the {noun} are predicted to within {median}{units}, "
            f"9 in 10 to within {p90}{units}.{bias}"
        ]
    raise TypeError(f"not an outcome: {type(result).__name__}")


def outcome_sentence(
    result: BinaryOutcome | MulticlassOutcome | RegressionOutcome,
    class_names: Mapping | None = None,
    noun: str = "cases",
    unit: str | None = None,
) -> str:
    """:func:`outcome_sentences` as one paragraph."""
    return " ".join(outcome_sentences(result, class_names, noun, unit))


#: How ``confusion_table`` heads its rows and columns: "Actually Failure", "Predicted Failure".
ACTUAL_PREFIX, PREDICTED_PREFIX = "Actually ", "Predicted "


def confusion_table(
    actual, decided, classes: list[str], class_names: Mapping | None = None
) -> pd.DataFrame:
    """The confusion matrix in counts, rows ``Actually <name>`` and columns ``Predicted
    <name>``, in ``classes`` order (labels not among them are left out)."""
    truth, guess = label_strings(np.asarray(actual)), label_strings(np.asarray(decided))
    classes = [str(c) for c in classes]
    names = [class_name(c, class_names) for c in classes]
    k = len(classes)
    # int64: pandas keeps codes of fewer than 128 classes in int8, where row * k + column
    # overflows from 12 classes on (11 * 12 + 11 = 143) and bincount is given negative cells.
    rows = pd.Categorical(truth, categories=classes).codes.astype(np.int64)
    columns = pd.Categorical(guess, categories=classes).codes.astype(np.int64)
    known = (rows >= 0) & (columns >= 0)
    cells = np.bincount(rows[known] * k + columns[known], minlength=k * k)
    counts = cells.reshape(k, k).astype(int)
    return pd.DataFrame(
        counts,
        index=pd.Index([ACTUAL_PREFIX + n for n in names], name="Actual"),
        columns=pd.Index([PREDICTED_PREFIX + n for n in names], name="Predicted"),
    )


def binary_cells(
    result: BinaryOutcome, class_names: Mapping | None = None, noun: str = "cases"
) -> pd.DataFrame:
    """The four cells of a binary confusion matrix in words, for a table or a hover: columns
    ``actual``, ``decided`` (class names), ``count`` and ``words`` ("failures caught",
    "failures missed", "false alarms", "machines with no failure left alone")."""
    positive = class_name(result.positive, class_names)
    negative = class_name(result.negative, class_names)

    def cases(label: str, name: str) -> str:
        return _cases_of(label, name, noun, 2).removeprefix("2 ")

    positives = cases(result.positive, positive)
    cells = [
        (positive, positive, result.caught, f"{positives} caught"),
        (positive, negative, result.missed, f"{positives} missed"),
        (negative, positive, result.false_alarms, "false alarms"),
        (negative, negative, result.correctly_cleared,
         f"{cases(result.negative, negative)} left alone"),
    ]  # fmt: skip
    return pd.DataFrame(cells, columns=["actual", "decided", "count", "words"])
