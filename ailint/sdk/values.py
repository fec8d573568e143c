"""Reading the meaning of literal settings: is this timeout disabled, or how many seconds?"""

from __future__ import annotations

from typing import Callable, Optional, Tuple

import libcst as cst

from ailint.imports import ImportTable

SET, DISABLED = "set", "disabled"

Resolve = Callable[[cst.BaseExpression], cst.BaseExpression]


def number(node: cst.BaseExpression) -> Optional[float]:
    """The value of an int or float literal (with an optional sign, `60 * 1000` products), else None."""
    sign = 1.0
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        sign, node = -1.0, node.expression
    if isinstance(node, cst.Integer):
        return sign * float(node.evaluated_value)
    if isinstance(node, cst.Float):
        return sign * float(node.evaluated_value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        left, right = number(node.left), number(node.right)
        if left is not None and right is not None:
            return sign * left * right
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_infinite(node: cst.BaseExpression, imports: ImportTable) -> bool:
    if imports.qualify(node) in ("math.inf", "numpy.inf", "np.inf"):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float" and node.args:
        value = node.args[0].value
        return isinstance(value, cst.SimpleString) and value.evaluated_value.strip().lower() in ("inf", "infinity", "+inf")
    return False


def _same(node: cst.BaseExpression) -> cst.BaseExpression:
    return node


def timeout_value(node: cst.BaseExpression, imports: ImportTable, resolve: Resolve = _same,
                  none_disables: bool = True) -> Tuple[str, Optional[float]]:
    """(state, seconds) of a timeout expression, in the expression's own unit.

    DISABLED for `None` (where None disables), infinity, `httpx.Timeout(None)`,
    `aiohttp.ClientTimeout()` with neither `total` nor `sock_read`, or a (connect, read) tuple
    whose read part is disabled; SET for anything else, including names whose value is unknown
    (precision first). Seconds are known for literal numbers and the timeout objects above.
    """
    node = resolve(node)
    if _is_none(node):
        return (DISABLED, None) if none_disables else ("default", None)
    if _is_infinite(node, imports):
        return DISABLED, None
    seconds = number(node)
    if seconds is not None:
        return SET, seconds
    if isinstance(node, cst.Tuple) and len(node.elements) == 2:
        return timeout_value(node.elements[1].value, imports, resolve)
    if isinstance(node, cst.Call):
        qualified = imports.qualify(node.func) or ""
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        if qualified == "httpx.Timeout":
            main = keywords.get("read", keywords.get("timeout", positional[0] if positional else None))
            if main is None:
                return SET, None
            return timeout_value(main, imports, resolve)
        if qualified == "aiohttp.ClientTimeout":
            if any(arg.star for arg in node.args):
                return SET, None
            states = [timeout_value(keywords[key], imports, resolve) for key in ("total", "sock_read") if key in keywords]
            states = [state for state in states if state[0] != DISABLED]
            if not states:
                return DISABLED, None
            return SET, min((s for _, s in states if s is not None), default=None)
    return SET, None


def timeout_state(node: cst.BaseExpression, imports: ImportTable) -> str:
    """DISABLED or SET (see `timeout_value`)."""
    return timeout_value(node, imports)[0]
