"""The read-only traversals (`ailint.walk.walk` for helper visitors, `_Dispatcher.walk` for the
rules) call a visitor's methods exactly when libcst's own `module.visit` would: same methods,
same nodes, same order, whichever methods the visitor defines (most define a few `visit_`
methods and no `leave_`, so the walks push no leave event for such nodes)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from ailint.engine import _Dispatcher
from ailint.walk import walk

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _recorder(methods, stop_at=None):
    """A CSTVisitor class recording the calls of `methods`; `visit_<stop_at>` returns False."""
    def make(name):
        def method(self, node, *rest):
            self.events.append((name, id(node)))
            if name == f"visit_{stop_at}":
                return False
            return None
        return method

    namespace = {name: make(name) for name in methods}
    cls = type("Recorder", (cst.CSTVisitor,), namespace)
    instance = cls()
    instance.events = []
    return instance


SUBSETS = [
    ("visit_Call",),
    ("leave_FunctionDef", "visit_Name"),
    ("visit_FunctionDef", "leave_FunctionDef", "visit_Assign", "leave_Call"),
    ("visit_Attribute", "leave_Attribute", "visit_Comment", "leave_SimpleWhitespace"),  # trivia visited
    ("visit_Call_func", "leave_Call_func", "visit_Call"),  # attribute visitors
]


def _sources():
    files = sorted(FIXTURES.rglob("*.py"))[:40]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            yield path.name, cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue


@pytest.mark.parametrize("methods", SUBSETS)
@pytest.mark.parametrize("stop_at", [None, "ClassDef"])
def test_the_helper_walk_calls_what_libcst_calls(methods, stop_at):
    compared = 0
    for name, module in _sources():
        expected = _recorder(methods, stop_at)
        module.visit(expected)
        found = _recorder(methods, stop_at)
        walk(module, found)
        assert found.events == expected.events, name
        compared += len(expected.events)
    assert compared, "nothing was recorded: the comparison would mean nothing"


class _Rule:
    def __init__(self, methods):
        self.events = []
        self.methods = methods

    def get_visitors(self):
        return {name: (lambda node, name=name: self.events.append((name, id(node)))) for name in self.methods}


@pytest.mark.parametrize("methods", [subset for subset in SUBSETS if all(name.count("_") == 1 for name in subset)])
def test_the_engine_walk_calls_what_libcst_calls(methods):
    compared = 0
    for name, module in _sources():
        expected, found = _Rule(methods), _Rule(methods)
        module.visit(_Dispatcher([expected], _raise))
        _Dispatcher([found], _raise).walk(module)
        assert found.events == expected.events, name
        compared += len(expected.events)
    assert compared


def _raise(rule, exc):
    raise exc
