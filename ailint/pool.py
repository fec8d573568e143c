"""Running a function over many items on every core, results in input order.

Workers are forked, so they inherit everything the parent built before the call (rules, the
catalog, the project index) without pickling it; items go out in chunks so that a few large
files do not leave one core idle at the end. Where fork is unavailable, or the work is too
small to pay for the workers, the items are processed in this process.
"""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, forking workers costs more than it saves...
PARALLEL_THRESHOLD = 12
# ...unless they are this many bytes of source to parse: libcst takes about 0.1 s for 50 KB,
# and starting two workers about 0.03 s.
PARALLEL_BYTES = 48 * 1024

_FUNCTION: Optional[Callable] = None


def _call(item):
    assert _FUNCTION is not None
    return _FUNCTION(item)


def map_in_processes(function: Callable[[T], R], items: Sequence[T], jobs: Optional[int] = None,
                     progress: Optional[Callable[[int, int], None]] = None, size: int = 0) -> List[R]:
    """[function(item) for item in items], on `jobs` processes (default: every core).
    `progress(done, total)`, when given, is called as items complete. `size`: the bytes the
    items will parse, when known (a few large files are worth the workers)."""
    global _FUNCTION
    jobs = jobs or os.cpu_count() or 1
    few = len(items) < PARALLEL_THRESHOLD and (len(items) < 2 or size < PARALLEL_BYTES)
    if jobs <= 1 or few or not can_fork():
        results: List[R] = []
        for item in items:
            results.append(function(item))
            if progress is not None:
                progress(len(results), len(items))
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _FUNCTION = function  # inherited by the forked workers
    import gc

    from ailint.memory import release_freed_memory

    # What the workers inherit stays alive to the end: frozen, the collector of every process
    # stops walking it (and the workers stop writing to the pages it sits on).
    gc.freeze()
    release_freed_memory()  # freed memory, once inherited, would count in every worker's size
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(items) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            results = []
            for result in pool.map(_call, items, chunksize=chunk):
                results.append(result)
                if progress is not None:
                    progress(len(results), len(items))
            return results
    finally:
        _FUNCTION = None
        gc.unfreeze()


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
