"""Precision and recall of the SDK rules on a realistic corpus (fixtures/sdk_corpus), through
the real command line. Run with `pytest -s` to see the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sdk_helpers import SDK_RULES, describe, expected_findings, found_findings, per_rule, run_check

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "sdk_corpus"
CASE = re.compile(r"c\d\d_.+_(flagged|clean)\.py$")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    report, elapsed = run_check(CORPUS, tmp_path_factory.mktemp("sdk-corpus"))
    return found_findings(report), expected_findings(CORPUS), elapsed, report


def test_the_corpus_is_large_and_half_clean():
    cases = [p for p in CORPUS.rglob("*.py") if CASE.search(p.name)]
    clean = [p for p in cases if p.name.endswith("_clean.py")]
    assert len(cases) >= 80, len(cases)
    assert 0.4 <= len(clean) / len(cases) <= 0.6, (len(clean), len(cases))
    expected = expected_findings(CORPUS)
    for path in cases:
        relpath = path.relative_to(CORPUS).as_posix()
        marked = any(t[0] == relpath for t in expected)
        assert marked == path.name.endswith("_flagged.py"), f"{relpath}: name and markers disagree"


def test_precision_and_recall_per_rule(measured):
    found, expected, elapsed, report = measured
    table = per_rule(expected, found)
    lines = [f"SDK corpus: {report['summary']['files_checked']} files, {len(expected)} expected findings, "
             f"CLI run {elapsed:.2f} s", f"{'rule':8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    failures = []
    for code in SDK_RULES:
        tp, fp, fn = table[code]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{code:8} {tp:4} {fp:4} {fn:4} {precision:10.3f} {recall:8.3f}")
        assert tp + fn >= 3, f"{code}: the corpus needs at least 3 expected findings to measure recall"
        if precision < 0.95 or recall < 0.90:
            failures.append(code)
    print("\n" + "\n".join(lines))
    assert not failures, (f"below target: {failures}\nfalse positives:\n{describe(found - expected)}\n"
                          f"false negatives:\n{describe(expected - found)}")


def test_only_the_sdk_rules_ran(measured):
    found, _, _, _ = measured
    assert {code for _, _, code in found} <= set(SDK_RULES)


def test_cross_module_findings_point_at_the_other_file(measured):
    _, _, _, report = measured
    by_place = {(f["path"], f["line"], f["code"]): f for f in report["findings"]}
    finding = by_place[("shop/c01_cross_module_client_flagged.py", 5, "AIL101")]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("shop/llm.py", 8)]
    assert "shop/llm.py:8" in finding["message"]
    session = by_place[("http/c89_cross_module_session_flagged.py", 5, "AIL102")]
    assert [(r["path"], r["line"]) for r in session["related"]] == [("http_pkg/sessions.py", 3)]


# The acceptance list: each resolution path tested both ways (flagged case, clean twin).
BOTH_WAYS = {
    "cross-module client": ("shop/c01_cross_module_client_flagged.py", "shop/c02_cross_module_client_clean.py"),
    "cross-module factory": ("shop/c04_relative_cached_factory_flagged.py", "shop/c03_relative_factory_clean.py"),
    "module alias": ("shop/c05_module_alias_flagged.py", "shop/c06_module_alias_clean.py"),
    "self.client": ("svc/c09_self_client_flagged.py", "svc/c10_self_client_clean.py"),
    "factory-built client": ("svc/c25_factory_after_use_flagged.py", "shop/c07_http_client_factory_clean.py"),
    "**kwargs": ("svc/c15_kwargs_dict_flagged.py", "svc/c14_kwargs_dict_clean.py"),
    "with_options": ("svc/c19_with_options_flagged.py", "svc/c18_with_options_clean.py"),
    "functools.partial": ("svc/c22_partial_flagged.py", "svc/c21_partial_clean.py"),
    "cross-module session": ("http/c89_cross_module_session_flagged.py", "http/c90_cross_module_session_clean.py"),
}


@pytest.mark.parametrize("what", sorted(BOTH_WAYS))
def test_each_resolution_path_both_ways(measured, what):
    found, _, _, _ = measured
    flagged, clean = BOTH_WAYS[what]
    assert any(t[0] == flagged and t[2] in ("AIL101", "AIL102") for t in found), f"{what}: {flagged} not flagged"
    assert not any(t[0] == clean for t in found), f"{what}: {clean} flagged"
