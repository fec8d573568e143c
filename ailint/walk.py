"""A read-only traversal of a libcst tree that calls a `CSTVisitor`'s methods in libcst's order.

libcst's own `module.visit(visitor)` rebuilds every node it passes (a visitor is a transformer
underneath), which costs about as much as parsing the file again. `walk(module, visitor)`
only reads: it calls the same `visit_<Node>` / `leave_<Node>` methods, and the attribute
methods `visit_<Node>_<field>` / `leave_<Node>_<field>`, at the same moments libcst would;
a `visit_<Node>` returning False skips that node's children (its `leave_` still runs). It is
iterative, so deeply nested code cannot overflow the stack here.

Whitespace, comment and operator-token subtrees are not walked unless the visitor has a method
for one of those node types.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

# Per node type, the fields libcst visits, in its order (learned from
# `_visit_and_replace_children`, which visits fields in a fixed order). A few types visit a
# field only when it is set (an f-string's `format_spec`); for those, the order is learned per
# pattern of which such fields are None (`_OPTIONAL` holds the fields to look at).
_FIELD_ORDER: Dict[type, Tuple[str, ...]] = {}
_OPTIONAL: Dict[type, Tuple[str, ...]] = {}
_BY_PATTERN: Dict[Tuple[type, Tuple[bool, ...]], Tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields: List[str] = []

    def on_visit(self, node) -> bool:
        return False  # record the parent's fields only; never descend

    def on_visit_attribute(self, node, attribute: str) -> None:
        if attribute not in self.fields:
            self.fields.append(attribute)


def _learn_fields(node) -> Tuple[str, ...]:
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    return tuple(recorder.fields)


def fields_of(node) -> Tuple[str, ...]:
    kind = type(node)
    fields = _FIELD_ORDER.get(kind)
    if fields is not None:
        return fields
    optional = _OPTIONAL.get(kind)
    if optional is None:
        import dataclasses

        fields = _learn_fields(node)
        # fields left out while None may be visited on other nodes of this type
        optional = tuple(f.name for f in dataclasses.fields(node)
                         if f.name not in fields and getattr(node, f.name) is None)
        if not optional:
            _FIELD_ORDER[kind] = fields
            return fields
        _OPTIONAL[kind] = optional
    pattern = (kind, tuple(getattr(node, name) is None for name in optional))
    fields = _BY_PATTERN.get(pattern)
    if fields is None:
        fields = _BY_PATTERN[pattern] = _learn_fields(node)
    return fields


def _field_children(value) -> list:
    kind = type(value)
    if kind is tuple or kind is list:  # checked by type: isinstance on libcst's ABCs is slow
        return list(value)
    if value is not None and kind is not cst.MaybeSentinel:
        return [value]
    return []


def children(node) -> list:
    """The node's children, in the order libcst visits them."""
    out: list = []
    for name in fields_of(node):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(value)
        elif value is not None and kind is not cst.MaybeSentinel:
            out.append(value)
    return out


_TRIVIA: Optional[frozenset] = None
_TRIVIA_NAMES: frozenset = frozenset()


def trivia_types() -> frozenset:
    """Node types that hold nothing but more of the same: whitespace, comments, operators, brackets."""
    global _TRIVIA, _TRIVIA_NAMES
    if _TRIVIA is None:
        import inspect

        from libcst._nodes import op, whitespace

        found = {cls for module in (op, whitespace) for cls in vars(module).values()
                 if inspect.isclass(cls) and issubclass(cls, cst.CSTNode) and not inspect.isabstract(cls)}
        found.update((cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
                      cst.LeftCurlyBrace, cst.RightCurlyBrace))
        _TRIVIA = frozenset(found)
        _TRIVIA_NAMES = frozenset(cls.__name__ for cls in found)
    return _TRIVIA


def TRIVIA_NAMES() -> frozenset:  # noqa: N802 - a constant computed on first use
    trivia_types()
    return _TRIVIA_NAMES


_ENTER, _LEAVE, _FIELD_ENTER, _FIELD_LEAVE = range(4)
_Entry = Tuple[Optional[Callable], Optional[Callable], Dict[str, Tuple[Optional[Callable], Optional[Callable]]]]


class _Plan:
    """Which of a visitor class's methods apply to each node type (found once per class)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.entries: Dict[type, _Entry] = {}
        # libcst's CSTVisitor declares a no-op for every node and field: only overrides count
        base = cst.CSTVisitor
        names = [name for name in dir(cls) if name.startswith(("visit_", "leave_"))
                 and getattr(cls, name) is not getattr(base, name, None)]
        self.names = frozenset(names)
        self.attribute_types = {name.split("_")[1] for name in names if name.count("_") > 1}
        self.skip = frozenset() if any(name.split("_", 1)[1] in TRIVIA_NAMES() for name in names) else trivia_types()

    def entry(self, kind: type) -> _Entry:
        entry = self.entries.get(kind)
        if entry is None:
            name = kind.__name__
            cls = self.cls
            attributes: Dict[str, Tuple[Optional[Callable], Optional[Callable]]] = {}
            if name in self.attribute_types:
                prefix = f"visit_{name}_"
                for method in self.names:
                    if method.startswith(prefix):
                        field = method[len(prefix):]
                        attributes[field] = (getattr(cls, method), getattr(cls, f"leave_{name}_{field}", None))
                    elif method.startswith(f"leave_{name}_"):
                        field = method[len(f"leave_{name}_"):]
                        attributes.setdefault(field, (None, getattr(cls, method)))
            visit, leave = "visit_" + name, "leave_" + name
            entry = self.entries[kind] = (getattr(cls, visit) if visit in self.names else None,
                                          getattr(cls, leave) if leave in self.names else None, attributes)
        return entry


_PLANS: Dict[type, _Plan] = {}


def walk(module: cst.CSTNode, visitor: Any) -> None:
    """Run `visitor` (a `cst.CSTVisitor` with visit_/leave_ methods) over `module`, read-only."""
    cls = type(visitor)
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _Plan(cls)
    skip = plan.skip
    stack: List[Tuple[int, Any, Any]] = [(_ENTER, module, None)]
    pop, push = stack.pop, stack.append
    while stack:
        event, node, extra = pop()
        if event == _ENTER:
            visit, leave, attributes = plan.entry(type(node))
            if leave is not None:  # else there is nothing to do when leaving the node
                push((_LEAVE, node, leave))
            if visit is not None and visit(visitor, node) is False:
                continue
            if not attributes:
                found = children(node)
                for child in reversed(found):
                    if type(child) not in skip:
                        push((_ENTER, child, None))
                continue
            for field in reversed(fields_of(node)):
                pair = attributes.get(field)
                if pair is not None and pair[1] is not None:
                    push((_FIELD_LEAVE, node, pair[1]))
                for child in reversed(_field_children(getattr(node, field))):
                    if type(child) not in skip:
                        push((_ENTER, child, None))
                if pair is not None and pair[0] is not None:
                    push((_FIELD_ENTER, node, pair[0]))
        elif extra is not None:  # a leave_<Node>, visit_<Node>_<field> or leave_<Node>_<field>
            extra(visitor, node)
