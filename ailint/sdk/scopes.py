"""Which values each name can hold, in one module: a flow-insensitive table of assignments.

One pass over a module records, per scope (module, class body, function, lambda), every value
assigned to each name (`x = ...`, `x: T = ...`, `with ... as x`, `global x` routing), which
names are parameters or otherwise unknowable, `self.x = ...` in any method of a class, the
functions each scope defines, the keys added to dicts (`kw["timeout"] = 5`) and the dicts that
escape (`kw.update(...)`, `f(kw)`), plus every call with the stack of blocks around it
(function, try body, except handler, loop, with). Nothing is resolved here: `analysis` does
that on demand, so a use may come before its definition in the file.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from ailint.imports import dotted_name

UNKNOWN = object()  # a value ailint cannot know: a parameter, a loop target, an except name


class Scope:
    def __init__(self, node, parent: Optional["Scope"], kind: str, class_node=None) -> None:
        self.node = node
        self.parent = parent
        self.kind = kind  # "module", "class", "function", "lambda"
        self.class_node = class_node  # the class a function scope is a method of
        self.values: Dict[str, List[Tuple[object, "Scope"]]] = {}
        self.globals: Set[str] = set()
        self.functions: Dict[str, cst.FunctionDef] = {}

    def add(self, name: str, value, where: "Scope") -> None:
        self.values.setdefault(name, []).append((value, where))

    def defining(self, name: str) -> Optional["Scope"]:
        """The scope a name read here resolves in (Python's rules, class bodies skipped)."""
        current: Optional[Scope] = self
        first = True
        while current is not None:
            if (first or current.kind != "class") and (name in current.values or name in current.functions):
                return current
            first = False
            current = current.parent
        return None

    @property
    def module(self) -> "Scope":
        current = self
        while current.parent is not None:
            current = current.parent
        return current


# Entries of the block stack kept for every call.
FUNCTION, TRY, EXCEPT, OTHER, LOOP, WITH = "function", "try", "except", "other", "loop", "with"


class ScopeTable(cst.CSTVisitor):
    """Collects assignments, functions, classes, dict mutations and calls (with their context)."""

    def __init__(self) -> None:
        super().__init__()
        self.module_scope = Scope(None, None, "module")
        self.scope = self.module_scope
        self.classes: List[cst.ClassDef] = []
        self.class_scopes: Dict[int, Scope] = {}
        self.class_defs: Dict[str, cst.ClassDef] = {}  # module-level class name -> node
        self.attributes: Dict[Tuple[int, str], List[Tuple[object, Scope]]] = {}
        self.function_scopes: Dict[int, Scope] = {}
        self.returns: Dict[int, List[Optional[cst.BaseExpression]]] = {}
        self.yields: Set[int] = set()
        self.dict_keys: Dict[Tuple[int, str], Dict[str, Tuple[cst.BaseExpression, Scope]]] = {}
        self.dict_escapes: List[Tuple[Scope, str]] = []
        self.dict_key_events: List[Tuple[Scope, str, Optional[str], cst.BaseExpression]] = []
        self.module_settings: List[Tuple[str, cst.BaseExpression, Scope]] = []  # "openai.timeout" = value
        self.calls: List[Tuple[cst.Call, Scope, Tuple[Tuple[str, object], ...]]] = []
        self.stack: List[Tuple[str, object]] = []

    # -- scopes and blocks -----------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.scope is self.module_scope:
            self.class_defs[node.name.value] = node
        self.scope.add(node.name.value, UNKNOWN, self.scope)
        self.classes.append(node)
        scope = Scope(node, self.scope, "class", node)
        self.class_scopes[id(node)] = scope
        self.scope = scope

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()
        self.scope = self.scope.parent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope.functions[node.name.value] = node
        class_node = self.classes[-1] if self.scope.kind == "class" else None
        scope = Scope(node, self.scope, "function", class_node)
        self.function_scopes[id(node)] = scope
        for param in _parameters(node.params):
            scope.add(param, UNKNOWN, scope)
        self.scope = scope
        self.stack.append((FUNCTION, node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope = self.scope.parent
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = Scope(node, self.scope, "lambda", self.scope.class_node)
        for param in _parameters(node.params):
            scope.add(param, UNKNOWN, scope)
        self.scope = scope
        self.stack.append((FUNCTION, node))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope = self.scope.parent
        self.stack.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self.stack.append((TRY, node))

    def leave_Try(self, original_node: cst.Try) -> None:
        self.stack.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.stack.append((EXCEPT, node))
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._assign_name(node.name.name.value, UNKNOWN)

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.stack.pop()

    def visit_Try_orelse(self, node: cst.Try) -> None:
        self.stack.append((OTHER, node))

    def leave_Try_orelse(self, node: cst.Try) -> None:
        self.stack.pop()

    def visit_Try_finalbody(self, node: cst.Try) -> None:
        self.stack.append((OTHER, node))

    def leave_Try_finalbody(self, node: cst.Try) -> None:
        self.stack.pop()

    def visit_For(self, node: cst.For) -> None:
        self._unknown_targets(node.target)

    def visit_For_body(self, node: cst.For) -> None:
        self.stack.append((LOOP, node))

    def leave_For_body(self, node: cst.For) -> None:
        self.stack.pop()

    def visit_While_body(self, node: cst.While) -> None:
        self.stack.append((LOOP, node))

    def leave_While_body(self, node: cst.While) -> None:
        self.stack.pop()

    def visit_With_body(self, node: cst.With) -> None:
        self.stack.append((WITH, node))

    def leave_With_body(self, node: cst.With) -> None:
        self.stack.pop()

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.globals.add(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._assign_name(item.name.value, UNKNOWN)

    # -- assignments -----------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._assign_name(node.target.value, UNKNOWN)
            self.dict_escapes.append((self.scope, node.target.value))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._unknown_targets(node.target)

    def visit_Return(self, node: cst.Return) -> None:
        function = self._function()
        if function is not None:
            self.returns.setdefault(id(function), []).append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        function = self._function()
        if function is not None:
            self.yields.add(id(function))

    def _function(self):
        for kind, node in reversed(self.stack):
            if kind == FUNCTION:
                return node if isinstance(node, cst.FunctionDef) else None
        return None

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._assign_name(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._unknown_targets(target)
        elif isinstance(target, cst.Subscript):
            base = target.value
            if isinstance(base, cst.Name):
                key = None
                if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                    index = target.slice[0].slice.value
                    if isinstance(index, cst.SimpleString):
                        key = index.evaluated_value
                self.dict_key_events.append((self.scope, base.value, key, value))
        elif isinstance(target, cst.Attribute):
            name = dotted_name(target)
            if name is None:
                return
            if name.startswith("self.") and name.count(".") == 1 and self.scope.class_node is not None:
                key = (id(self.scope.class_node), name[5:])
                self.attributes.setdefault(key, []).append((value, self.scope))
            else:
                self.module_settings.append((name, value, self.scope))

    def _assign_name(self, name: str, value) -> None:
        scope = self.scope
        if name in scope.globals:
            scope = scope.module
        scope.add(name, value, self.scope)
        if scope.kind == "class":
            self.attributes.setdefault((id(scope.node), name), []).append((value, self.scope))

    def _unknown_targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._assign_name(target.value, UNKNOWN)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._unknown_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._unknown_targets(target.value)

    # -- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope, tuple(self.stack)))
        func = node.func
        # A dict that escapes may gain keys we cannot see: kw.update(...), f(kw).
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MUTATORS:
            self.dict_escapes.append((self.scope, func.value.value))
        for arg in node.args:
            if not arg.star and isinstance(arg.value, cst.Name):
                self.dict_escapes.append((self.scope, arg.value.value))


_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__ior__"})


def _parameters(params: cst.Parameters) -> List[str]:
    names = [p.name.value for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names
