"""How large a model file from outside may be: on disk, unpacked, and once its library's format
is read into memory.

One cap, ``MAX_UNPACKED_MB`` (``$SPRINT_REVIEW_MAX_MODEL_MB`` overrides it), holds for a skops
file's unpacked members and for a library's own model file alike. A file's size is taken from
the file system before a byte of it is read; JSON, UBJSON and LightGBM's model text are
estimated in memory before they are parsed, since their values take far more room as Python
objects than as bytes (measured: ``[{},{},…]`` takes 25 times its size as JSON, ``{}{}…`` 36
times as UBJSON, ``11 11 …`` 23 times as model text).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "MAX_UNPACKED_MB",
    "MAX_UNPACKED_MB_ENV_VAR",
    "MB",
    "ModelFileError",
    "TooLargeToRead",
    "check_file_size",
    "json_memory_bytes",
    "max_unpacked_bytes",
    "megabytes",
    "not_a_file_problem",
    "read_capped",
    "too_large",
]

#: Unpacked size a model file may reach, in MB; ``$SPRINT_REVIEW_MAX_MODEL_MB`` overrides it.
MAX_UNPACKED_MB = 512
MAX_UNPACKED_MB_ENV_VAR = "SPRINT_REVIEW_MAX_MODEL_MB"
MB = 1024 * 1024
#: Bytes one parsed value takes, at most, as a Python object with its slot in a list or dict
#: (an int below 2**30: 28 + 8; a float 24 + 8), and one container (a dict 64 + 8, a list
#: 56 + 8). Every value of a JSON file is preceded by a comma but the first of each container.
VALUE_BYTES = 36
CONTAINER_BYTES = 72
#: Bytes read at a time from a model file that grew after its size was taken.
READ_CHUNK_BYTES = 16 * MB


class ModelFileError(ValueError):
    """A model file cannot be read safely; the message says which and why."""


class TooLargeToRead(ValueError):  # noqa: N818 - says what happened, as ValueError's kin do
    """Reading a model's bytes would take more memory than the cap: ``str()`` says how much
    ("its values would take about 1,200 MB in memory")."""


def max_unpacked_bytes() -> int:
    """The unpacked size a model file may reach: ``MAX_UNPACKED_MB`` or the environment's."""
    raw = os.environ.get(MAX_UNPACKED_MB_ENV_VAR, "").strip()
    try:
        megabytes = float(raw) if raw else MAX_UNPACKED_MB
    except ValueError:
        megabytes = MAX_UNPACKED_MB
    return int((megabytes if megabytes > 0 else MAX_UNPACKED_MB) * MB)


def megabytes(size: int) -> str:
    """``size`` bytes in MB as a message says it: "1,536", or "0.5" below one MB."""
    return f"{size / MB:,.0f}" if size >= MB else f"{size / MB:.2g}"


def too_large(source: str, what: str, limit_bytes: int, remedy: str = "") -> ModelFileError:
    """The one-line error for ``source``, which ``what`` says is over ``limit_bytes``."""
    return ModelFileError(
        f"{source} was refused: {what}, more than the {megabytes(limit_bytes)} MB a model file "
        f"may unpack to; {remedy or 'save a smaller model'}, or if you made this file yourself "
        f"set {MAX_UNPACKED_MB_ENV_VAR} to a larger number of MB"
    )


def _size_problem(status: os.stat_result, source: str, limit: int) -> ModelFileError | None:
    if not stat.S_ISREG(status.st_mode):
        return ModelFileError(f"{source} is not a regular file; give the model file itself")
    if status.st_size > limit:
        return too_large(source, f"the file is {megabytes(status.st_size)} MB", limit)
    return None


def not_a_file_problem(path: str | Path, source: str) -> str | None:
    """The one line for a ``path`` given as an input file that is none: "… does not exist", or
    "… is not a regular file; give the file itself" for a folder, a FIFO or a link to a device
    (``/dev/zero``), which reading would never finish; ``None`` for a regular file."""
    try:
        status = os.stat(path)
    except OSError:
        return f"{source} does not exist"
    if not stat.S_ISREG(status.st_mode):
        return f"{source} is not a regular file; give the file itself"
    return None


def check_file_size(path: str | Path, source: str) -> None:
    """Refuse the file at ``path`` if it is over the cap, from its size on disk (``os.stat``,
    following a link as reading would), before a byte of it is read."""
    problem = _size_problem(os.stat(path), source, max_unpacked_bytes())
    if problem:
        raise problem


def read_capped(path: str | Path, source: str) -> bytes:
    """The bytes of the file at ``path``, refused if it is over the cap: by the open file's
    own size (``fstat``) before a byte is read, and by what was read if it grew since."""
    limit = max_unpacked_bytes()
    with open(path, "rb") as file:
        status = os.fstat(file.fileno())
        problem = _size_problem(status, source, limit)
        if problem:
            raise problem
        # read(n) sets n bytes aside first: ask for the file's size, not a raised cap's
        data = file.read(status.st_size + 1)
        while len(data) > status.st_size and len(data) <= limit:  # it grew since
            more = file.read(min(limit + 1 - len(data), READ_CHUNK_BYTES))
            if not more:
                break
            data += more
    if len(data) > limit:
        raise too_large(source, "the file grew past the cap while it was read", limit)
    return data


def json_memory_bytes(data: bytes) -> int:
    """About the most memory the JSON ``data`` can take once parsed (its text decoded, each
    value a Python object), from its commas and brackets alone: nothing is parsed."""
    containers = data.count(b"{") + data.count(b"[")
    values = data.count(b",") + 1
    return len(data) + VALUE_BYTES * values + CONTAINER_BYTES * containers
