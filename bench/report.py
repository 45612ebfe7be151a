"""Rows of the benchmark table, timing, the machine, and a memory sampler."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

__all__ = [
    "PeakRSS",
    "Row",
    "format_table",
    "machine",
    "median_seconds",
    "timed",
]

LIBRARIES = (
    "shap",
    "scikit-learn",
    "pandas",
    "numpy",
    "pyarrow",
    "joblib",
    "streamlit",
    "sqlite-utils",
)


@dataclass
class Row:
    """One line of the table: ours against a baseline measured in the same run.

    ``ratio`` is ``ours / baseline`` for times (lower is better) and for throughputs (higher
    is better); ``goal`` is ``("<=", 1.25)`` or ``(">=", 0.5)``, or None for figures given
    for information. With ``compare="difference"`` the goal bounds ``ours - baseline`` in the
    row's unit instead (``("<=", 0.0)``: no more than the baseline), for a baseline that may
    be zero, such as the milliseconds a spinner is shown on a rerun.
    """

    section: str
    name: str
    ours: float | None
    baseline: float | None
    unit: str
    goal: tuple[str, float] | None = None
    note: str = ""
    compare: str = "ratio"

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def difference(self) -> float | None:
        """``ours - baseline``, in the row's unit."""
        if self.ours is None or self.baseline is None:
            return None
        return self.ours - self.baseline

    @property
    def result(self) -> str:
        """``met``, ``missed by N%`` (how far the ratio is from the goal; ``missed by N ms``
        for a difference), or ``-``."""
        compared = self.difference if self.compare == "difference" else self.ratio
        if self.goal is None or compared is None:
            return "-"
        op, target = self.goal
        if (compared <= target) if op == "<=" else (compared >= target):
            return "met"
        if self.compare == "difference":
            return f"missed by {_number(abs(compared - target), self.unit)}"
        return f"missed by {abs(compared / target - 1):.0%}"

    def as_dict(self) -> dict:
        """The row with its ratio, difference and result, for ``--json``."""
        return {
            **asdict(self),
            "ratio": self.ratio,
            "difference": self.difference,
            "result": self.result,
        }


def timed(call: Callable[[], object]) -> float:
    """Seconds one call of ``call`` takes."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def median_seconds(call: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """The median of ``repeats`` timed calls, and every timing."""
    timings = [timed(call) for _ in range(max(1, repeats))]
    return statistics.median(timings), timings


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:,.1f} MB"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:,.0f} {unit}"


def _signed(value: float, unit: str) -> str:
    return ("+" if value >= 0 else "−") + _number(abs(value), unit)


def _compared(row: Row) -> str:
    """The ratio column: ``1.50×``, or ``+540.0 ms`` for a row compared by difference."""
    if row.compare == "difference":
        difference = row.difference
        return _signed(difference, row.unit) if difference is not None else "-"
    return f"{row.ratio:.2f}×" if row.ratio is not None else "-"


def _goal(row: Row) -> str:
    if row.goal is None:
        return "-"
    op, target = row.goal
    sign = "≤" if op == "<=" else "≥"
    if row.compare == "difference":
        return f"{sign} {_signed(target, row.unit)}"
    return f"{sign} {target:g}×"


def format_table(rows: list[Row]) -> str:
    """The rows as a Markdown table (also readable in a terminal)."""
    header = ["Section", "Measurement", "Ours", "Baseline", "Ratio", "Goal", "Result", "Notes"]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.section,
                row.name,
                _number(row.ours, row.unit),
                _number(row.baseline, row.unit),
                _compared(row),
                _goal(row),
                row.result,
                row.note,
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for number, line in enumerate(lines):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """Cores, CPU model, load average, Python and library versions."""
    import sqlite3

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "load average (1, 5, 15 min)": load,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        **versions,
    }


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = Path(f"/proc/{parent}/task").iterdir()
            children = [int(c) for task in tasks for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        found.extend(children)
        stack.extend(children)
    return found


class PeakRSS:
    """The peak resident memory of this process and its children (worker processes) while
    the ``with`` block runs, sampled every ``interval`` seconds from ``/proc`` (Linux).

    ``peak`` is the highest total seen, ``start`` the total when the block began.
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.start = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def total(self) -> int:
        pid = os.getpid()
        return sum(_rss_bytes(p) for p in [pid, *_descendants(pid)])

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.total())

    def __enter__(self) -> PeakRSS:
        self.start = self.peak = self.total()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.total())
