"""Progress of a long computation, with the time left in words.

Explaining a deck with the model-agnostic explainers can take hours for a slow model: an SVC
with 12 features took 1.7 s a row exact (a 5,000-row deck: 2.4 h), a k-nearest-neighbours
model 4.5 s. Publishing reports how far it is and about how long is left, so that whoever
publishes can stop and choose a smaller deck instead of waiting blind.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable

__all__ = [
    "LONG_SECONDS",
    "QUICK_DECK_SECONDS",
    "REPORT_EVERY_SECONDS",
    "SlowPublishWarning",
    "deck_size_warning",
    "deck_warner",
    "duration_words",
    "late_printer",
    "time_left_reporter",
]

#: A report at most this often (the computations call back far more often).
REPORT_EVERY_SECONDS = 5.0
#: A deck forecast to take longer than this to explain warns once (``deck_warner``), naming
#: the ``deck_size`` that would take about ``QUICK_DECK_SECONDS``.
LONG_SECONDS = 600.0
QUICK_DECK_SECONDS = 300.0


def duration_words(seconds: float) -> str:
    """``seconds`` rounded as a person says it: "under a minute", "12 min", "2 h 20 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _about(seconds: float) -> str:
    """ "about 12 min", or "under a minute"."""
    words = duration_words(seconds)
    return words if words.startswith("under") else f"about {words}"


def time_left_reporter(
    report: Callable[[str, float], None],
    clock: Callable[[], float] = time.monotonic,
    every: float | None = None,
    on_left: Callable[[float, float], None] | None = None,
) -> Callable[[float], None]:
    """A callback taking the share of the work done (0 to 1) that calls ``report(words,
    share)`` at most every ``every`` seconds (default ``REPORT_EVERY_SECONDS``), ``words``
    being "40% done, about 12 min left" (the time left extrapolated from the time taken so
    far), and then ``on_left(seconds taken, seconds left)`` if given. Safe to call from
    several threads."""
    every = REPORT_EVERY_SECONDS if every is None else every
    start = clock()
    last = [start]
    lock = threading.Lock()

    def on_share(share: float) -> None:
        now = clock()
        with lock:
            if share <= 0 or share >= 1 or now - last[0] < every:
                return
            last[0] = now
        taken = now - start
        seconds_left = taken * (1 - share) / share
        report(f"{share:.0%} done, {_about(seconds_left)} left", share)
        if on_left is not None:
            on_left(taken, seconds_left)

    return on_share


class SlowPublishWarning(UserWarning):
    """Explaining a publish's deck will take long; the message says how to shorten it."""


def _unloadable_words(reason: str) -> str:
    """Why every row is explained now and what would let a publish explain fewer: for a model
    that cannot be loaded back (``reason``, from :func:`model.persistence.unloadable_reason`)."""
    from model.persistence import LOADABLE_MODELS

    return (
        f"the saved model cannot be loaded back to explain a row later: {reason}. To explain "
        f"fewer rows now and the others when someone selects them, publish {LOADABLE_MODELS}, "
        "or apply your own function to the data before the pipeline (dates turned into "
        "numbers, for example)"
    )


def deck_size_warning(deck_size: int | None, n_rows: int, explained: int, reason: str) -> None:
    """A ``SlowPublishWarning`` when ``deck_size`` asked for fewer rows than the ``explained``
    ones (of ``n_rows``) a model that cannot be loaded back needs now (``reason``, from
    :func:`model.persistence.unloadable_reason`); nothing when it asked for as many."""
    if deck_size is None or deck_size >= explained:
        return
    rows = (
        f"all {n_rows:,} rows" if explained >= n_rows else f"{explained:,} of the {n_rows:,} rows"
    )
    warnings.warn(
        f"deck_size={deck_size} (--deck-size {deck_size}) is not used: {rows} are explained "
        f"now, because {_unloadable_words(reason)}",
        SlowPublishWarning,
        stacklevel=3,
    )


def deck_warner(
    n_rows: int, long: float | None = None, unloadable: str | None = None
) -> Callable[[float, float], None]:
    """An ``on_left`` for explaining a deck of ``n_rows``: once, when more than ``long``
    seconds (default ``LONG_SECONDS``) are left, a ``SlowPublishWarning`` (notebooks show
    warnings; a progress callback they may not have) saying how long and which ``deck_size``
    would take about ``QUICK_DECK_SECONDS``, the other rows being explained when selected.
    For a model that cannot be loaded back (``unloadable``: why, from
    :func:`model.persistence.unloadable_reason`) no smaller ``deck_size`` helps: the warning
    says why every row is explained now and what would let it publish a smaller deck."""
    long = LONG_SECONDS if long is None else long
    warned = threading.Event()

    def on_left(taken: float, left: float) -> None:
        if left <= long or warned.is_set():
            return
        warned.set()
        per_row = (taken + left) / max(n_rows, 1)
        quick = max(1, int(QUICK_DECK_SECONDS / per_row))
        slow = (
            f"explaining the {n_rows:,} rows of the demo deck will take "
            f"{_about(taken + left)} ({per_row:.2g} s a row)"
        )
        if unloadable is not None:
            advice = f"; they are all explained now, because {_unloadable_words(unloadable)}"
        else:
            advice = (
                f"; publish with deck_size={quick} (--deck-size {quick} on the command line) to "
                f"explain about {duration_words(QUICK_DECK_SECONDS)}'s worth now, and the other "
                "rows when someone selects them"
            )
        warnings.warn(slow + advice, SlowPublishWarning, stacklevel=2)

    return on_left


def late_printer(
    print_line: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    after: float | None = None,
) -> Callable[[float, str], None]:
    """A publishing ``progress`` callback for the command line: prints each step as
    ``" 45%  computing SHAP values …"``, but only from ``after`` seconds (default
    ``REPORT_EVERY_SECONDS``) on, so a quick publish, or one refused at once with a one-line
    error, prints nothing else."""
    after = REPORT_EVERY_SECONDS if after is None else after
    start = clock()

    def show(fraction: float, message: str) -> None:
        if clock() - start >= after:
            print_line(f"{fraction:4.0%}  {message}")

    return show
