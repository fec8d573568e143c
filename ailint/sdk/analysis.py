"""Following clients from where they are built to where they are called, within one module.

`NetworkCalls.of(file)` walks a module once and returns every call that reaches the network
through a catalogued client or function, with the keywords that configure it:

* clients bound to names, `self.x` attributes (set in any method of the class), `with ... as`
  targets, and `functools.partial`-free factory functions that return a client (cached or not);
* `client.with_options(...)` chains, on the client or on the call;
* `**kwargs` whose keys are known statically (a dict literal, `dict(...)`, or subscript
  assignments in the same function).

When a keyword may be hidden in an unknown `**kwargs`, the call is marked `opaque` and rules
should stay quiet: precision first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import libcst as cst

from ailint.imports import ImportTable, dotted_name
from ailint.sdk.catalog import CLIENTS_BY_NAME, FUNCTIONS_BY_NAME, ClientSpec, FunctionSpec

Keywords = Dict[str, cst.BaseExpression]


@dataclass
class ClientBinding:
    spec: ClientSpec
    node: cst.Call  # where the client is built
    keywords: Keywords = field(default_factory=dict)
    opaque: bool = False  # **kwargs with unknown keys


@dataclass
class NetworkCall:
    node: cst.Call
    spec: Union[ClientSpec, FunctionSpec]
    client: Optional[ClientBinding]
    keywords: Keywords
    opaque: bool
    option_keywords: Keywords = field(default_factory=dict)  # from with_options(...) on the chain
    method: str = ""


def call_keywords(call: cst.Call, dicts: Dict[str, Optional[Keywords]]) -> Tuple[Keywords, bool]:
    """Keyword arguments of a call, with `**name` expanded when its keys are known."""
    keywords: Keywords = {}
    opaque = False
    for arg in call.args:
        if arg.keyword is not None:
            keywords[arg.keyword.value] = arg.value
        elif arg.star == "**":
            known = _literal_dict(arg.value)
            if known is None and isinstance(arg.value, cst.Name):
                known = dicts.get(arg.value.value)
            if known is None:
                opaque = True
            else:
                keywords.update(known)
    return keywords, opaque


def _literal_dict(node: cst.BaseExpression) -> Optional[Keywords]:
    """Keys of `{"timeout": 5}` or `dict(timeout=5)`; None when not static."""
    if isinstance(node, cst.Dict):
        out: Keywords = {}
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                out[element.key.evaluated_value] = element.value
            else:
                return None
        return out
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        out = {}
        for arg in node.args:
            if arg.keyword is None:
                return None
            out[arg.keyword.value] = arg.value
        return out
    return None


class _Scope:
    def __init__(self, node, parent: Optional["_Scope"], class_node=None) -> None:
        self.node = node
        self.parent = parent
        self.class_node = class_node
        self.names: Dict[str, ClientBinding] = {}
        self.dicts: Dict[str, Optional[Keywords]] = {}


class _Collector(cst.CSTVisitor):
    def __init__(self, imports: ImportTable) -> None:
        super().__init__()
        self.imports = imports
        self.module_scope = _Scope(None, None)
        self.scope = self.module_scope
        self.classes: List[cst.ClassDef] = []
        self.attributes: Dict[Tuple[int, str], ClientBinding] = {}  # (class id, attr) -> client
        self.factories: Dict[str, ClientBinding] = {}  # function name -> client it returns
        self.module_settings: Dict[str, cst.BaseExpression] = {}  # "openai.timeout" -> value
        self.calls: List[Tuple[cst.Call, _Scope]] = []

    # -- scopes ----------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope = _Scope(node, self.scope, self.classes[-1] if self.classes else None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope = self.scope.parent

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scope = _Scope(node, self.scope, self.scope.class_node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope = self.scope.parent

    # -- bindings --------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_Return(self, node: cst.Return) -> None:
        function = self.scope.node
        if isinstance(function, cst.FunctionDef) and node.value is not None:
            binding = self.construction(node.value, self.scope)
            if binding is not None:
                self.factories.setdefault(function.name.value, binding)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self._subscript_assign(target, value)
            return
        binding = self.construction(value, self.scope)
        if isinstance(target, cst.Name):
            if binding is not None:
                self.scope.names[target.value] = binding
            known = _literal_dict(value)
            if known is not None or target.value in self.scope.dicts:
                self.scope.dicts[target.value] = known
            return
        name = dotted_name(target)
        if name is None:
            return
        if name.startswith("self.") and name.count(".") == 1 and self.scope.class_node is not None:
            if binding is not None:
                self.attributes[(id(self.scope.class_node), name)] = binding
            return
        qualified = self.imports.qualify_name(name)
        if qualified is not None:
            self.module_settings[qualified] = value

    def _subscript_assign(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        name = target.value.value
        known = self.scope.dicts.get(name)
        if known is None:
            return
        if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            key = target.slice[0].slice.value
            if isinstance(key, cst.SimpleString):
                known[key.evaluated_value] = value
                return
        self.scope.dicts[name] = None  # a computed key: no longer known

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))

    # -- resolution ------------------------------------------------------------------------
    def lookup(self, name: str, scope: _Scope) -> Optional[ClientBinding]:
        current: Optional[_Scope] = scope
        while current is not None:
            if name in current.names:
                return current.names[name]
            current = current.parent
        return None

    def dicts_in(self, scope: _Scope) -> Dict[str, Optional[Keywords]]:
        merged: Dict[str, Optional[Keywords]] = {}
        chain = []
        current: Optional[_Scope] = scope
        while current is not None:
            chain.append(current)
            current = current.parent
        for item in reversed(chain):
            merged.update(item.dicts)
        return merged

    def construction(self, node: cst.BaseExpression, scope: _Scope) -> Optional[ClientBinding]:
        """The client an expression evaluates to, when it is statically known."""
        if isinstance(node, cst.Await):
            return self.construction(node.expression, scope)
        if isinstance(node, cst.Name):
            return self.lookup(node.value, scope)
        if isinstance(node, cst.Attribute):
            name = dotted_name(node)
            if name and name.startswith("self.") and scope.class_node is not None:
                return self.attributes.get((id(scope.class_node), name))
            return None
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        qualified = self.imports.qualify(func)
        spec = CLIENTS_BY_NAME.get(qualified or "")
        if spec is not None:
            keywords, opaque = call_keywords(node, self.dicts_in(scope))
            return ClientBinding(spec, node, keywords, opaque)
        if isinstance(func, cst.Attribute) and func.attr.value == "with_options":
            inner = self.construction(func.value, scope)
            if inner is not None:
                keywords, opaque = call_keywords(node, self.dicts_in(scope))
                return ClientBinding(inner.spec, inner.node, {**inner.keywords, **keywords}, inner.opaque or opaque)
            return None
        factory = func.value if isinstance(func, cst.Name) else (
            func.attr.value if isinstance(func, cst.Attribute) and dotted_name(func.value) == "self" else None)
        if factory is not None:
            return self.factories.get(factory)
        return None

    def resolve_call(self, node: cst.Call, scope: _Scope) -> Optional[NetworkCall]:
        func = node.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            return None
        qualified = self.imports.qualify(func)
        if qualified is not None and qualified in FUNCTIONS_BY_NAME:
            keywords, opaque = call_keywords(node, self.dicts_in(scope))
            spec = FUNCTIONS_BY_NAME[qualified]
            return NetworkCall(node, spec, None, keywords, opaque, method=qualified)
        # Walk down the attribute chain to the receiver: client.chat.completions.create
        path: List[str] = []
        base: cst.BaseExpression = func
        option_keywords: Keywords = {}
        while isinstance(base, cst.Attribute):
            path.append(base.attr.value)
            base = base.value
            if isinstance(base, cst.Attribute) and dotted_name(base) and dotted_name(base).startswith("self.") \
                    and dotted_name(base).count(".") == 1:
                break
            if isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute) and base.func.attr.value == "with_options":
                keywords, _ = call_keywords(base, self.dicts_in(scope))
                option_keywords.update(keywords)
                base = base.func.value
        method = ".".join(reversed(path))
        binding = self.construction(base, scope)
        if binding is None or method not in binding.spec.calls:
            return None
        keywords, opaque = call_keywords(node, self.dicts_in(scope))
        return NetworkCall(node, binding.spec, binding, keywords, opaque, option_keywords, method)


@dataclass
class NetworkCalls:
    calls: List[NetworkCall]
    module_settings: Dict[str, cst.BaseExpression]

    @classmethod
    def of(cls, file) -> "NetworkCalls":
        """The network calls of a `FileContext`, computed once per file and shared by rules."""
        cache = file.__dict__.setdefault("_analyses", {})
        if cls not in cache:
            cache[cls] = cls._collect(file.module, file.imports)
        return cache[cls]

    @classmethod
    def _collect(cls, module: cst.Module, imports: ImportTable) -> "NetworkCalls":
        collector = _Collector(imports)
        module.visit(collector)
        calls = []
        for node, scope in collector.calls:
            resolved = collector.resolve_call(node, scope)
            if resolved is not None:
                calls.append(resolved)
        return cls(calls, collector.module_settings)
