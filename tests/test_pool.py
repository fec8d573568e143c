"""`ailint.pool.map_in_processes`: results in input order; workers only when they pay."""

from __future__ import annotations

import os

import pytest

from ailint.pool import PARALLEL_BYTES, PARALLEL_THRESHOLD, can_fork, map_in_processes


def _pid_and_square(item: int):
    return os.getpid(), item * item


@pytest.mark.skipif(not can_fork(), reason="needs fork")
@pytest.mark.parametrize("count, size, in_workers", [
    (3, 0, False),  # a few small files: not worth starting workers
    (3, PARALLEL_BYTES, True),  # a few large files are
    (1, 10 * PARALLEL_BYTES, False),  # one file cannot be shared
    (PARALLEL_THRESHOLD, 0, True),  # many files are
])
def test_workers_only_when_they_pay(count, size, in_workers):
    results = map_in_processes(_pid_and_square, list(range(count)), jobs=2, size=size)
    assert [square for _, square in results] == [i * i for i in range(count)]
    assert any(pid != os.getpid() for pid, _ in results) == in_workers
