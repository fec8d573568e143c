"""Reading the meaning of literal settings: is this timeout disabled, or a number?"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ailint.imports import ImportTable

SET, DISABLED = "set", "disabled"


def number(node: cst.BaseExpression) -> Optional[float]:
    """The value of an int or float literal (with an optional sign), else None."""
    sign = 1.0
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        sign, node = -1.0, node.expression
    if isinstance(node, cst.Integer):
        return sign * float(node.evaluated_value)
    if isinstance(node, cst.Float):
        return sign * float(node.evaluated_value)
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_infinite(node: cst.BaseExpression, imports: ImportTable) -> bool:
    if imports.qualify(node) in ("math.inf", "numpy.inf"):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float" and node.args:
        value = node.args[0].value
        return isinstance(value, cst.SimpleString) and value.evaluated_value.strip().lower() in ("inf", "infinity", "+inf")
    return False


def timeout_state(node: cst.BaseExpression, imports: ImportTable) -> str:
    """DISABLED for `None`, infinity, `httpx.Timeout(None)`, `aiohttp.ClientTimeout()` with no
    total, or a (connect, read) tuple whose read part is disabled; SET for anything else,
    including names whose value is unknown (precision first)."""
    if _is_none(node) or _is_infinite(node, imports):
        return DISABLED
    if isinstance(node, cst.Tuple) and len(node.elements) == 2:
        return timeout_state(node.elements[1].value, imports)
    if isinstance(node, cst.Call):
        qualified = imports.qualify(node.func) or ""
        if qualified in ("httpx.Timeout",):
            positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
            keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
            if positional and _is_none(positional[0].value) and "read" not in keywords:
                return DISABLED
            if "read" in keywords and _is_none(keywords["read"]):
                return DISABLED
    return SET
