"""Progress of a long computation, with the time left in words.

Explaining a deck with the model-agnostic explainers can take hours for a slow model: an SVC
with 12 features took 1.7 s a row exact (a 5,000-row deck: 2.4 h), a k-nearest-neighbours
model 4.5 s. Publishing reports how far it is and about how long is left, so that whoever
publishes can stop and choose a smaller deck instead of waiting blind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["REPORT_EVERY_SECONDS", "duration_words", "late_printer", "time_left_reporter"]

#: A report at most this often (the computations call back far more often).
REPORT_EVERY_SECONDS = 5.0


def duration_words(seconds: float) -> str:
    """``seconds`` rounded as a person says it: "under a minute", "12 min", "2 h 20 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def time_left_reporter(
    report: Callable[[str, float], None],
    clock: Callable[[], float] = time.monotonic,
    every: float | None = None,
) -> Callable[[float], None]:
    """A callback taking the share of the work done (0 to 1) that calls ``report(words,
    share)`` at most every ``every`` seconds (default ``REPORT_EVERY_SECONDS``), ``words``
    being "40% done, about 12 min left" (the time left extrapolated from the time taken so
    far). Safe to call from several threads."""
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
        left = duration_words((now - start) * (1 - share) / share)
        about = "" if left.startswith("under") else "about "
        report(f"{share:.0%} done, {about}{left} left", share)

    return on_share


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
