"""Helpers for testing rules with pytest, for ailint itself and for plugin authors.

A plugin's whole example suite, in one line of a test module::

    from ailint.testing import example_tests
    from acme_ailint.rules import NoGpt3

    test_examples = example_tests(NoGpt3)

Each VALID and INVALID example becomes one pytest case, run through the real engine (files
written to a temporary folder, the rule's example options applied, engine findings on).
`check_source` runs a rule on code of your own and returns the findings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from ailint.config import Config, rule_options
from ailint.engine import Engine
from ailint.files import SourceFile, file_kind
from ailint.registry import Registry
from ailint.rule import Invalid, ProjectRule, Valid
from ailint.selection import Selection
from ailint.types import FileKind, Finding


def check_files(rule: type, files: Mapping[str, str], options: Optional[Mapping[str, Any]] = None,
                registry: Optional[Registry] = None, distribution: str = "test") -> List[Finding]:
    """Run one rule (and the engine's own findings) over {path: text}; return all findings."""
    if registry is None:
        registry = Registry()
        registry.register(rule, distribution if not rule.code.startswith("AIL") else "ailint", "test")
    info = registry.get(rule.code)
    with tempfile.TemporaryDirectory(prefix="ailint-example-") as folder:
        root = Path(folder)
        for relpath, text in files.items():
            target = root / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        select = (rule.code,) + tuple(code for code in registry.codes() if code.startswith("AIL0"))
        config = Config(root=root, select=select, options=((rule.code, tuple((options or {}).items())),))
        selection = Selection(config, registry)
        # the project scan, index and SDK gate, as `ailint check` builds them
        from ailint.project_scan import scan_bytes
        from ailint.sdk.project_index import ProjectIndex

        scanned = {relpath: scan_bytes(relpath, (root / relpath).read_bytes(), len((root / relpath).read_bytes()))
                   for relpath in files if relpath.endswith(".py")}
        project, gate = ProjectIndex.from_scan(root, scanned)
        if not getattr(rule, "uses_project_index", False):
            project = None
        engine = Engine(selection, max_file_size=config.max_file_size, project=project, gate=gate, scanned=scanned)
        findings: List[Finding] = []
        sources = [SourceFile(root / relpath, relpath, file_kind(Path(relpath).name) or FileKind.TEXT)
                   for relpath in sorted(files)]
        facts = {}
        for source in sources:
            result = engine.check(source)
            findings.extend(result.findings)
            if result.facts:
                facts[source.relpath] = result.facts
        if issubclass(rule, ProjectRule):
            from ailint.context import ProjectContext, ProjectFile
            from ailint.engine import project_reports_to_findings

            instance = rule(rule_options(config, info))
            project = ProjectContext(root, [ProjectFile(s.path, s.relpath, s.kind) for s in sources],
                                     frozenset(s.relpath for s in sources), scanned=scanned, facts=facts)
            instance.check_project(project)
            findings.extend(project_reports_to_findings(selection, instance.take_reports(), project.checked, root))
    return findings


def check_source(rule: type, code: str, path: str = "example.py", **options: Any) -> List[Finding]:
    """The findings of `rule` alone on one file's code."""
    return [f for f in check_files(rule, {path: code}, options) if f.code == rule.code]


def _expected_lines(example: Invalid) -> Optional[List[str]]:
    if example.lines is None:
        return None
    return sorted(item if isinstance(item, str) else f"{example.path}:{item}" for item in example.lines)


def assert_example(rule: type, example: Valid, registry: Optional[Registry] = None) -> None:
    """Fail with a readable message when an example does not behave as declared."""
    every = check_files(rule, example.files(), example.options, registry)
    crashes = [f.message for f in every if f.code == "AIL002"]
    assert not crashes, f"{rule.code} crashed on this example: {crashes[0]}\n{_code(example)}"
    findings = [f for f in every if f.code == rule.code]
    shown = "\n".join(f"  {f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in findings) or "  (none)"
    if isinstance(example, Invalid):
        assert findings, f"{rule.code} should flag this INVALID example but reported nothing:\n{_code(example)}"
        expected = _expected_lines(example)
        if expected is not None:
            got = sorted(f"{f.path}:{f.line}" for f in findings)
            assert got == expected, f"{rule.code} reported at {got}, expected {expected}:\n{shown}\n{_code(example)}"
        if example.message:
            for finding in findings:
                assert example.message in finding.message, (
                    f"{rule.code} message lacks {example.message!r}: {finding.message}")
    else:
        assert not findings, f"{rule.code} flagged this VALID example:\n{shown}\n{_code(example)}"


def _code(example: Valid) -> str:
    return "\n".join(f"--- {path}\n{text}" for path, text in example.files().items())


def example_cases(rules: Iterable[type]) -> List[Tuple[str, type, Valid]]:
    """(test id, rule, example) for every example of every rule."""
    cases = []
    for rule in rules:
        for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID)):
            for index, example in enumerate(examples):
                cases.append((f"{rule.code}-{kind}-{index}", rule, example))
    return cases


def example_tests(*rules: type, registry: Optional[Registry] = None):
    """A pytest test function running every VALID/INVALID example of `rules`."""
    import pytest

    cases = example_cases(rules)

    @pytest.mark.parametrize("rule,example", [(rule, example) for _, rule, example in cases],
                             ids=[case_id for case_id, _, _ in cases])
    def test_rule_example(rule, example):
        assert_example(rule, example, registry)

    return test_rule_example


__all__ = ["assert_example", "check_files", "check_source", "example_cases", "example_tests"]
