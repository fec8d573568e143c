"""The benchmark script: its smoke mode (what CI runs) and the way it judges targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import benchmark  # noqa: E402


def test_smoke_runs_cold_and_warm_and_the_warm_run_reads_every_file_from_the_cache():
    proc = subprocess.run([sys.executable, str(SCRIPTS / "benchmark.py"), "--smoke", "--smoke-files", "60"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| ailint --version |" in proc.stdout and "| ailint warm |" in proc.stdout
    # the warm run's verbose summary: every file from the cache, none parsed
    assert re.search(r"\b([\d,]+) files checked, 0 parsed fully, \1 from the cache", proc.stdout), proc.stdout


@pytest.mark.parametrize("summary,counts", [
    ("80 files checked, 0 parsed fully, 80 from the cache",
     {"files checked": 80, "parsed fully": 0, "from the cache": 80}),
    ("8,013 files checked, 6 parsed fully, 8,007 from the cache",
     {"files checked": 8013, "parsed fully": 6, "from the cache": 8007}),
    ("Found 3 findings", None),
])
def test_the_smoke_run_reads_the_verbose_summary(summary, counts):
    assert benchmark._run_counts(summary) == counts


def _row(name, *walls, rss=100):
    return benchmark.Row(name, name, [benchmark.Sample(w, rss * 1024, rss * 1024, 0) for w in walls], 1000)


def test_targets_are_judged_on_medians():
    rows = [_row("ailint cold", 1.0, 9.0, 1.2), _row("ailint warm", 0.1, 0.1, 0.5),
            _row("ailint 5 changed files", 0.3, 0.4, 0.2), _row("bandit", 10.0, 10.0, 10.0),
            _row("semgrep", 2.0, 2.0, 2.0, rss=500)]
    verdicts = {name: met for name, met, _ in benchmark.targets(rows)}
    assert verdicts["ailint cold <= 0.15 x bandit"] is True  # median 1.2 s, not the 9 s outlier
    assert verdicts["ailint cold <= 0.5 x semgrep"] is False
    assert verdicts["ailint warm <= 0.1 x cold"] is True
    assert verdicts["ailint on 5 changed files < 0.5 s"] is True
    assert verdicts["ailint cold peak memory < 400 MB"] is True
    assert "ailint --version < 0.5 s" not in verdicts  # not measured: not judged
    startup = benchmark.Row("ailint --version", "ailint --version", [benchmark.Sample(w, 1, 1, 0) for w in (0.1, 0.7, 0.2)], None)
    assert dict((name, met) for name, met, _ in benchmark.targets(rows + [startup]))["ailint --version < 0.5 s"] is True
    assert "| ailint --version | `ailint --version` | 0.20 s | - |" in benchmark.table([startup])
    table = benchmark.table(rows)
    assert "| ailint cold | `ailint cold` | 1.20 s | 833 |" in table


def test_memory_is_judged_on_the_tree_pss_when_there_is_one():
    def row(name, rss, pss):
        return benchmark.Row(name, name, [benchmark.Sample(1.0, 150 * 1024, rss * 1024, 0, pss)], 1000)

    shared = row("ailint cold", 420, 330 * 1024)  # workers sharing their parent's pages
    unknown = row("ailint warm", 420, None)  # a kernel without smaps_rollup: the RSS sum
    verdicts = {name: (met, detail) for name, met, detail in benchmark.targets([shared, unknown])}
    assert verdicts["ailint cold peak memory < 400 MB"] == (
        True, "tree PSS 330 MB, tree RSS 420 MB, largest process 150 MB")
    assert verdicts["ailint warm peak memory < 400 MB"] == (False, "tree RSS 420 MB, largest process 150 MB")
    assert "| 420 MB | 330 MB | 1 |" in benchmark.table([shared])


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="Linux /proc")
def test_a_forked_child_counts_in_the_tree_rss_in_full_and_in_the_tree_pss_in_part():
    script = ("import os, time\nx = bytearray(96 << 20)\n"  # written once: resident in the parent
              "if os.fork() == 0:\n    time.sleep(1.0)\n    os._exit(0)\ntime.sleep(1.0)\nos.wait()\n")
    sample = benchmark.measure([sys.executable, "-c", script], Path.cwd())
    measured = (sample.tree_rss_kb, sample.tree_pss_kb, sample.max_rss_kb)
    assert sample.tree_rss_kb > 180 << 10, measured  # the 96 MB counted in both processes
    assert sample.tree_pss_kb is not None and 90 << 10 < sample.tree_pss_kb < 150 << 10, measured


def test_the_corpus_is_pinned():
    for name, version, filename, sha256 in benchmark.CORPUS:
        assert version in filename and len(sha256) == 64
        assert filename.endswith("py3-none-any.whl")  # pure Python: the same files on every machine


def test_semgrep_rules_are_local():
    text = (SCRIPTS / "bench_semgrep_rules.yml").read_text()
    yaml = pytest.importorskip("yaml")
    rules = yaml.safe_load(text)["rules"]
    assert {rule["id"] for rule in rules} >= {"requests-call-without-timeout", "llm-client-without-timeout"}
