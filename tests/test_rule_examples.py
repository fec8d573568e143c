"""Every registered rule's VALID/INVALID examples, collected through the same plugin path a
user's run takes (entry points -> pluggy -> registry), and every rule's documentation."""

from __future__ import annotations

import pytest

from ailint.docs import doc_sections
from ailint.plugins import load_registry
from ailint.rule import DOC_SECTIONS
from ailint.testing import assert_example, example_cases

REGISTRY, _ = load_registry()
CASES = example_cases(info.rule for info in REGISTRY)


@pytest.mark.parametrize("rule,example", [(r, e) for _, r, e in CASES], ids=[i for i, _, _ in CASES])
def test_example(rule, example):
    assert_example(rule, example, REGISTRY)


@pytest.mark.parametrize("info", list(REGISTRY), ids=lambda info: info.code)
def test_documentation_has_every_section(info):
    sections = doc_sections(info.rule.__doc__ or "")
    missing = [name for name in DOC_SECTIONS if not sections.get(name)]
    assert not missing, f"{info.code} documentation lacks {missing}"


def test_builtin_rules_come_from_the_ailint_distribution():
    assert {info.distribution for info in REGISTRY if info.code.startswith("AIL")} == {"ailint"}
    assert REGISTRY.get("AIL101") is not None and REGISTRY.get("http-call-without-timeout") is not None
