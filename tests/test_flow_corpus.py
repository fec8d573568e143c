"""The dataflow rules (issue #6) on a hand-written corpus, through the real command line.

`fixtures/flow_corpus/<CODE>/` holds realistic flagged cases and clean look-alikes for each
rule; `manifest.json` lists every case with the lines that must be flagged (also marked
`# expect: CODE` in the file). One run of `ailint check` over the whole corpus; a finding of
rule X counts only in X's folder. Precision and recall are computed per rule and must be at
least 0.90 and 0.85.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

from cli_helpers import run_ailint

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "flow_corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
RULES = sorted({case["rule"] for case in MANIFEST["cases"]})
MIN_PRECISION, MIN_RECALL = 0.90, 0.85


def _expected() -> Set[Tuple[str, int, str]]:
    return {(case["file"], line, case["rule"]) for case in MANIFEST["cases"] for line in case["lines"]}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "flow_corpus"
    shutil.copytree(CORPUS, root)
    (root / "ailint.toml").write_text("", encoding="utf-8")
    started = time.perf_counter()
    proc = run_ailint(["check", ".", "--select", ",".join(RULES), "--no-cache", "--format", "json"], root)
    elapsed = time.perf_counter() - started
    assert proc.returncode in (0, 1), f"exit {proc.returncode}\n{proc.stderr}"
    report = json.loads(proc.stdout)
    found = {(f["path"], f["line"], f["code"]) for f in report["findings"] if f["path"].split("/")[0] == f["code"]}
    return found, report, elapsed


def test_manifest_matches_the_files():
    listed = {case["file"] for case in MANIFEST["cases"]}
    on_disk = {str(path.relative_to(CORPUS)).replace("\\", "/") for path in CORPUS.glob("AIL*/*.py")}
    assert listed == on_disk
    for case in MANIFEST["cases"]:
        text = (CORPUS / case["file"]).read_text(encoding="utf-8").splitlines()
        marked = [i + 1 for i, line in enumerate(text) if f"# expect: {case['rule']}" in line]
        assert marked == case["lines"], case["file"]
        assert (case["expect"] == "flagged") == bool(case["lines"]), case["file"]
    assert len(MANIFEST["cases"]) >= 80
    clean = sum(case["expect"] == "clean" for case in MANIFEST["cases"])
    assert 0.4 <= clean / len(MANIFEST["cases"]) <= 0.6


def test_precision_and_recall_per_rule(corpus_run):
    found, report, elapsed = corpus_run
    expected = _expected()
    rows, failures = [], []
    for rule in RULES:
        want = {item for item in expected if item[2] == rule}
        got = {item for item in found if item[2] == rule}
        tp, fp, fn = len(want & got), len(got - want), len(want - got)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        cases = sum(1 for case in MANIFEST["cases"] if case["rule"] == rule)
        rows.append(f"| {rule} | {cases} | {tp} | {fp} | {fn} | {precision:.2f} | {recall:.2f} |")
        if precision < MIN_PRECISION or recall < MIN_RECALL:
            failures.append(f"{rule}: false positives {sorted(got - want)}, missed {sorted(want - got)}")
    table = "\n".join(["| rule | cases | TP | FP | FN | precision | recall |", "|---|---|---|---|---|---|---|"] + rows)
    print(f"\n{table}\ncorpus run: {len(MANIFEST['cases'])} files in {elapsed:.2f} s "
          f"({report['summary']['files_checked']} checked)")
    assert not failures, "\n".join(failures)


def test_every_finding_names_its_source_line_and_has_a_related_location(corpus_run):
    _, report, _ = corpus_run
    flow_rules = {"AIL602", "AIL604", "AIL701", "AIL702", "AIL703"}
    for finding in report["findings"]:
        if finding["code"] in flow_rules:
            assert finding["related"], finding
            first = finding["related"][0]
            assert f"({first['path']}:{first['line']})" in finding["message"], finding["message"]
