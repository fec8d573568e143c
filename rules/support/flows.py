"""Shared by the dataflow rules (AIL3xx, AIL6xx, AIL7xx): reporting a flow with its path."""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from ailint.dataflow import KIND_WORDS, Flow, Taint, explain, final_name, path_words
from ailint.imports import dotted_name
from ailint.rule import PythonRule


class FlowRule(PythonRule):
    """A Python rule whose table of visit methods is computed once per rule instance.

    libcst's `get_visitors()` runs `inspect.getmembers` over the whole visitor (~8 ms) and the
    engine asks for it on every file; the table never changes for an instance."""

    _visitor_table = None

    def get_visitors(self):
        if self._visitor_table is None:
            self._visitor_table = PythonRule.get_visitors(self)
        return self._visitor_table


def report_flow(rule, at: cst.CSTNode, taint: Taint, what: str, advice: str, extra_related=(), tail: str = "") -> None:
    """`{source} ({source line}) reaches {what}{ through a → b}{tail}; {advice}`, with the source
    and every step as related locations."""
    message = f"{taint.source.label} ({{related}}) reaches {what}{path_words(taint)}{tail}; {advice}"
    rule.report(at, message, related=explain(taint) + list(extra_related))


def first_reaching(flow: Flow, call: cst.Call, expr: cst.BaseExpression, kinds: Sequence[str],
                   formatted: bool = False, unbounded: bool = False) -> Optional[Taint]:
    """The first taint of `kinds` reaching `expr` (an argument of `call`)."""
    value = flow.sources_reaching(expr, call)
    for taint in value:
        if taint.kind not in kinds:
            continue
        if formatted and not taint.formatted:
            continue
        if unbounded and taint.bounded:
            continue
        return taint
    return None


def positional(call: cst.Call, index: int = 0, keyword: Optional[str] = None) -> Optional[cst.BaseExpression]:
    """The argument at `index` (or passed as `keyword`)."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg.value
            continue
        if arg.star:
            return None
        if position == index:
            return arg.value
        position += 1
    return None


def keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def is_true(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


def builtin_call(call: cst.Call, imports, names: Sequence[str]) -> Optional[str]:
    """The builtin's name when `call` calls one of `names` (not shadowed by an import)."""
    func = call.func
    if isinstance(func, cst.Name) and func.value in names and func.value not in imports.aliases:
        return func.value
    qualified = imports.qualify(func) or ""
    if qualified.startswith("builtins.") and qualified[9:] in names:
        return qualified[9:]
    return None


__all__ = ["FlowRule", "KIND_WORDS", "builtin_call", "dotted_name", "final_name", "first_reaching", "is_false", "is_true",
           "keyword", "positional", "report_flow"]
