"""How a run uses memory: Python's cyclic collector tuned for a linter, and the memory of a
large file's syntax tree handed back to the system once the file is done.

A run allocates millions of objects that live as long as one file's check (libcst nodes, the
analysis of a module) beside objects that live for the whole run (the project scan and index).
With Python's default thresholds (700, 10, 10) the collector runs every 700 allocations and
keeps walking the long-lived objects; on the benchmark corpus that was about a tenth of a
cold run's CPU time. `tune_collector` makes young collections rarer (every 100,000
allocations), and `ailint.pool` freezes what the forked workers inherit (`gc.freeze`), so no
collection walks it again.

glibc keeps the memory freed by a large syntax tree (a 240 KB module's tree takes 60 MB) for
the process to reuse rather than returning it, so each worker stayed at the size of the
largest file it had parsed; `release_freed_memory` returns it (`malloc_trim`), after files
of `LARGE_FILE` bytes or more. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import gc
from typing import Callable, List, Optional

# (young, middle, old): a young collection every 100,000 allocations, a middle one every second
# young one, an old one every tenth middle one. Measured on the benchmark corpus (BENCHMARKS.md).
COLLECTOR_THRESHOLDS = (100_000, 2, 10)
LARGE_FILE = 64 * 1024

_TRIM: List[Optional[Callable[[int], int]]] = []  # [malloc_trim or None], looked up on first use


def tune_collector() -> None:
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def release_freed_memory() -> None:
    """Return the memory the allocator holds free to the system (glibc's malloc_trim)."""
    if not _TRIM:
        _TRIM.append(_malloc_trim())
    trim = _TRIM[0]
    if trim is not None:
        trim(0)


def _malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        import ctypes

        return getattr(ctypes.CDLL(None), "malloc_trim", None)  # the symbols already loaded: libc's
    except (ImportError, OSError, AttributeError):
        return None
