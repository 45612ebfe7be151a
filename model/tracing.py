"""A lock around tracemalloc, for the peak memory publishing measures.

On Python before 3.12.9 / 3.13.2, ``tracemalloc.stop()`` races with ``PyTraceMalloc_Track``
called from a thread that does not hold the GIL (CPython gh-128679), which pyarrow's threads
do when they build numpy arrays: reading a Parquet file in one thread while another publishes
crashed the process. Publishing traces its one ``predict`` call under this lock, and the
workspace reads its Parquet files under it, so the two never overlap within a process.
"""

from __future__ import annotations

import threading

__all__ = ["TRACEMALLOC_LOCK"]

#: Held while tracemalloc traces, and while pyarrow builds pandas objects from a file.
TRACEMALLOC_LOCK = threading.Lock()
