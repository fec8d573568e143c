"""`ailint.positions.Positions` gives libcst's own positions, one top-level statement at a time."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from ailint.positions import Positions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SHAPES = {
    "header and footer comments": "#!/usr/bin/env python\n# header\n\nimport os\n\nx = 1\n# footer\n",
    "no trailing newline": "import os\nclient = OpenAI(\n    timeout=3)",
    "CRLF": "import os\r\n\r\nclass A:\r\n    def f(self):\r\n        return call(\r\n            1)\r\n",
    "CR only": "import os\rx = f(1)\ry = g(\r  2)\r",
    "decorators and blank lines": "\n\n@decorator\n\n@other(1)\ndef f():\n    '''doc\n    string'''\n    return 1\n",
    "semicolons and continuation": "a = 1; b = f(a)\nc = \\\n    g(b)\nif a: h(c); i()\n",
    "multi-line strings": 's = """\nline\n"""\nt = f("""\n""", x)\n',
    "only comments": "# nothing\n# here\n",
    "empty": "",
    "nested": "class A:\n    class B:\n        def f(self):\n            x = [\n                call(a,\n                     b),\n            ]\n",
}


def _all_nodes(module: cst.Module):
    stack = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _assert_same(source: str) -> int:
    module = cst.parse_module(source)
    expected = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    count = 0
    for node in _all_nodes(module):
        assert positions.range(node) == expected[node], (type(node).__name__, source)
        count += 1
    return count


def _assert_same_a_few_at_a_time(source: str, sample: int = 30) -> int:
    """Nodes asked for in small groups, each group its own pass (which stops after its last
    node): scattered over the module, the later ones first."""
    module = cst.parse_module(source)
    expected = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(_all_nodes(module))
    step = max(1, len(nodes) // sample)
    chosen = nodes[::step][::-1]
    positions = Positions(module)
    for start in range(0, len(chosen), 3):
        group = chosen[start:start + 3]
        positions.prepare(group)
        for node in group:
            assert positions.range(node) == expected[node], (type(node).__name__, source)
    return len(chosen)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_node_of_awkward_shapes(shape):
    assert _assert_same(SHAPES[shape]) >= 1
    assert _assert_same_a_few_at_a_time(SHAPES[shape], sample=1000) >= 1


def _on_the_fixture_files(check) -> int:
    """`check(source)` on the first 80 fixture files; the number of nodes it checked."""
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py"))[:80]:
        try:
            checked += check(path.read_text(encoding="utf-8"))
        except cst.ParserSyntaxError:
            continue  # fixtures with deliberate syntax errors
    return checked


def test_passes_that_stop_after_the_nodes_asked_for():
    assert _on_the_fixture_files(_assert_same_a_few_at_a_time) > 1_000


def test_every_node_of_the_fixture_files():
    assert _on_the_fixture_files(_assert_same) > 10_000


def test_a_call_is_placed_from_its_called_name():
    module = cst.parse_module("import x\n\nresult = x.client.chat(\n    prompt)\n")
    call = module.body[1].body[0].value
    span = Positions(module).span(call)
    assert (span.line, span.column, span.end_line, span.end_column) == (3, 19, 4, 12)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
def test_random_programs():
    hypothesis = pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(hypothesmith.from_node())
    def check(source):
        _assert_same(source)
        _assert_same_a_few_at_a_time(source)

    check()

