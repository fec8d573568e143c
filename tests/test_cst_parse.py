"""`ailint.cst_parse.parse_module` builds libcst's tree, without libcst's re-validation."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_parsing_without_revalidation_builds_the_same_tree():
    from ailint.cst_parse import parse_module

    for path in sorted(FIXTURES.rglob("*.py"))[:80]:
        source = path.read_text(encoding="utf-8")
        try:
            expected = cst.parse_module(source)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse_module(source)
            continue
        module = parse_module(source)
        assert module.deep_equals(expected) and module.code == source, path
    with pytest.raises(cst.CSTValidationError):  # validation is back on for trees built by hand
        cst.Name("not a name")
