"""`ailint.memory`: the collector's thresholds for a run, and the memory of a large syntax tree
handed back to the system once it is freed (glibc keeps it otherwise)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest

from ailint import memory
from ailint.pool import map_in_processes


def test_a_check_run_tunes_the_collector():
    before = gc.get_threshold()
    try:
        memory.tune_collector()
        assert gc.get_threshold() == memory.COLLECTOR_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_the_pool_unfreezes_what_it_froze_for_its_workers():
    assert gc.get_freeze_count() == 0
    assert map_in_processes(abs, list(range(-20, 0)), jobs=2) == list(range(20, 0, -1))
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._malloc_trim() is None,
                    reason="malloc_trim is glibc's")
def test_the_memory_of_a_freed_syntax_tree_goes_back_to_the_system():
    # a fresh interpreter: the heap holds nothing but the tree
    script = textwrap.dedent("""
        import gc, libcst
        from ailint.memory import release_freed_memory

        def rss():
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

        source = "".join(f"def f{n}(a, b=({n}, 'x')):\\n    return a.b(c=[b, {n}])\\n" for n in range(2000))
        start = rss()
        tree = libcst.parse_module(source)
        grown = rss() - start
        del tree
        gc.collect()
        freed = rss()
        release_freed_memory()
        print(grown, freed - rss())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    grown, returned = map(int, out.stdout.split())
    assert grown > 20_000, out.stdout  # KB: the tree is worth measuring
    assert returned > grown // 2, out.stdout
