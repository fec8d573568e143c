"""One walk over a module: its functions, every call with the loops and `try` blocks around it,
the classes (for pydantic field bounds), which functions log or trace, and which lists are
appended to (for conversation histories). Everything else in the dataflow core reads this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union

import libcst as cst

from ailint.imports import ImportTable, dotted_name
from ailint.walk import walk

# -- logging and tracing, as names --------------------------------------------------------------
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
                         "msg", "trace", "success", "notice", "bind"})
_LOGGER_NAME = re.compile(r"(^|_)(log|logger|logging|_log|_logger|structlog|loguru)$|logger$|^log$", re.I)
TRACING_PACKAGES = ("langfuse", "langsmith", "weave", "logfire", "opentelemetry", "mlflow", "agentops",
                    "traceloop", "openlit", "openinference", "phoenix", "ddtrace", "helicone", "braintrust",
                    "arize", "lunary", "promptlayer", "laminar", "lmnr", "literalai", "honeyhive")
TRACING_DECORATORS = frozenset({"observe", "traceable", "start_as_current_span", "trace", "instrument", "op",
                                "workflow", "task", "agent", "tool", "span", "traced", "track"})
SPAN_METHODS = frozenset({"start_as_current_span", "start_span", "start_as_current_observation", "span",
                          "start_as_current_generation", "start_generation", "trace", "generation"})
INSTRUMENT_CALLS = frozenset({"instrument", "instrument_openai", "instrument_anthropic", "instrument_httpx",
                              "instrument_pydantic_ai", "instrument_litellm", "autolog", "wrap_openai",
                              "wrap_anthropic", "patch", "init"})


@dataclass(eq=False)
class FunctionInfo:
    """A function (or the module itself, `is_module`) as the dataflow core sees it."""

    node: Union[cst.FunctionDef, cst.Module]
    name: str
    class_node: Optional[cst.ClassDef] = None
    parent: Optional["FunctionInfo"] = None
    decorators: List[cst.BaseExpression] = field(default_factory=list)
    calls: List["CallSite"] = field(default_factory=list)
    logs: bool = False          # a logging call in its body
    traced: bool = False        # a tracing decorator, a span, or tracing callbacks
    local_calls: Set[str] = field(default_factory=set)  # "f" or "self.f"

    @property
    def is_module(self) -> bool:
        return isinstance(self.node, cst.Module)

    @property
    def is_method(self) -> bool:
        return self.class_node is not None and self.parent is None

    def params(self) -> List[cst.Param]:
        if self.is_module:
            return []
        p = self.node.params
        return list(p.posonly_params) + list(p.params) + ([p.star_arg] if isinstance(p.star_arg, cst.Param) else []) \
            + list(p.kwonly_params) + ([p.star_kwarg] if p.star_kwarg is not None else [])


@dataclass(eq=False)
class CallSite:
    """A call with its context: the function holding it, the loops around it (innermost last,
    within that function), the `try` blocks whose body holds it, `with suppress(...)` blocks."""

    node: cst.Call
    function: FunctionInfo
    loops: Tuple[cst.CSTNode, ...] = ()
    tries: Tuple[cst.Try, ...] = ()
    suppressors: Tuple[cst.With, ...] = ()


@dataclass(eq=False)
class Append:
    """`key.append(x)` (or extend/insert/+=): a list that grows."""

    key: str
    node: cst.CSTNode
    function: FunctionInfo
    loops: Tuple[cst.CSTNode, ...]


def access_key(node: cst.BaseExpression) -> Optional[str]:
    """A name for what an expression reads: `x`, `self.history`, `SESSIONS[]` (any subscript)."""
    if isinstance(node, cst.Subscript):
        inner = access_key(node.value)
        return inner + "[]" if inner and not inner.endswith("[]") else None
    return dotted_name(node)


def final_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Call):
        return final_name(func.func)
    return ""


def receiver_name(func: cst.BaseExpression) -> str:
    """`logger` for `self.logger.info`, `log` for `log.info`, '' otherwise."""
    if isinstance(func, cst.Attribute):
        base = func.value
        if isinstance(base, cst.Call):
            return final_name(base.func)
        if isinstance(base, cst.Attribute):
            return base.attr.value
        if isinstance(base, cst.Name):
            return base.value
    return ""


def is_logging_call(call: cst.Call, imports: ImportTable) -> bool:
    func = call.func
    qualified = imports.qualify(func) or ""
    root = qualified.split(".")[0]
    if root in ("logging", "structlog", "loguru", "logfire") and final_name(func) in LOG_METHODS | {"span"}:
        return True
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
        receiver = receiver_name(func)
        if receiver in ("getLogger", "get_logger"):
            return True
        return bool(receiver) and bool(_LOGGER_NAME.search(receiver))
    return False


def is_tracing_decorator(decorator: cst.BaseExpression, imports: ImportTable) -> bool:
    target = decorator.func if isinstance(decorator, cst.Call) else decorator
    qualified = imports.qualify(target) or dotted_name(target) or ""
    name = qualified.rsplit(".", 1)[-1]
    root = qualified.split(".")[0]
    if root in TRACING_PACKAGES:
        return True
    if name in ("observe", "traceable", "start_as_current_span", "instrument") and root not in ("functools",):
        return True
    dotted = dotted_name(target) or ""
    return dotted.split(".")[0] in ("tracer", "weave", "logfire", "mlflow") and name in TRACING_DECORATORS


def is_tracing_call(call: cst.Call, imports: ImportTable) -> bool:
    func = call.func
    name = final_name(func)
    qualified = imports.qualify(func) or ""
    if name in SPAN_METHODS and isinstance(func, cst.Attribute):
        receiver = receiver_name(func).lower()
        if "tracer" in receiver or receiver in ("logfire", "langfuse", "mlflow", "weave", "client", "trace") \
                or qualified.split(".")[0] in TRACING_PACKAGES or "langfuse" in receiver:
            return True
    if qualified.split(".")[0] in TRACING_PACKAGES and name in SPAN_METHODS | {"update_current_observation",
                                                                               "update_current_trace"}:
        return True
    for arg in call.args:  # LangChain callbacks=[CallbackHandler()] or config={"callbacks": [...]}
        if arg.keyword is not None and arg.keyword.value == "callbacks":
            return True
        if arg.keyword is not None and arg.keyword.value == "config" and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) \
                        and element.key.evaluated_value == "callbacks":
                    return True
    return False


def is_instrumentation_call(call: cst.Call, imports: ImportTable) -> bool:
    """Module-wide auto-instrumentation: `OpenAIInstrumentor().instrument()`,
    `logfire.instrument_openai()`, `wrap_openai(client)`, `weave.init()`, `openlit.init()`, ..."""
    func = call.func
    name = final_name(func)
    if name not in INSTRUMENT_CALLS:
        return False
    qualified = imports.qualify(func) or ""
    root = qualified.split(".")[0]
    if name == "instrument" and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
        return final_name(func.value.func).endswith("Instrumentor")
    if name in ("init", "patch", "autolog"):
        return root in TRACING_PACKAGES
    return root in TRACING_PACKAGES or name in ("wrap_openai", "wrap_anthropic")


_TRIM_METHODS = frozenset({"pop", "popleft", "clear", "remove"})


class ModuleIndex(cst.CSTVisitor):
    """Built by `ModuleIndex.build(module, imports)`: one walk, plain data afterwards."""

    def __init__(self, module: cst.Module, imports: ImportTable) -> None:
        super().__init__()
        self.imports = imports
        self.module_info = FunctionInfo(module, "<module>")
        self.functions: List[FunctionInfo] = [self.module_info]
        self.by_node: Dict[int, FunctionInfo] = {id(module): self.module_info}
        self.module_functions: Dict[str, FunctionInfo] = {}
        self.methods: Dict[Tuple[int, str], FunctionInfo] = {}
        self.classes: Dict[str, cst.ClassDef] = {}
        self.calls: List[CallSite] = []
        self.call_sites: Dict[int, CallSite] = {}
        self.appends: List[Append] = []
        self.trims: Set[str] = set()          # keys trimmed or windowed somewhere in the module
        self.assignments: Dict[str, List[Tuple[cst.BaseExpression, FunctionInfo]]] = {}
        self.module_names: Set[str] = set()   # names bound at module level
        self.global_decls: Dict[int, Set[str]] = {}
        self.instrumented = False
        self.whiles: List[Tuple[cst.While, FunctionInfo]] = []
        self._function = self.module_info
        self._scopes: List[cst.CSTNode] = []  # enclosing ClassDef / FunctionDef nodes
        self._loops: List[cst.CSTNode] = []
        self._tries: List[cst.Try] = []
        self._suppressors: List[cst.With] = []
        self._saved: List[tuple] = []

    @classmethod
    def build(cls, module: cst.Module, imports: ImportTable) -> "ModuleIndex":
        index = cls(module, imports)
        walk(module, index)
        return index

    # -- functions and classes -------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not self._scopes:
            self.classes[node.name.value] = node
        self._scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        is_method = bool(self._scopes) and isinstance(self._scopes[-1], cst.ClassDef)
        parent = None if self._function.is_module or is_method else self._function
        class_node = self._scopes[-1] if is_method else (parent.class_node if parent is not None else None)
        info = FunctionInfo(node, node.name.value, class_node, parent, [d.decorator for d in node.decorators])
        info.traced = any(is_tracing_decorator(d.decorator, self.imports) for d in node.decorators)
        self.functions.append(info)
        self.by_node[id(node)] = info
        if not self._scopes:
            self.module_functions.setdefault(node.name.value, info)
            self.module_names.add(node.name.value)
        elif is_method and len(self._scopes) == 1:
            self.methods.setdefault((id(class_node), node.name.value), info)
        self._scopes.append(node)
        self._saved.append((self._function, self._loops, self._tries, self._suppressors))
        self._function, self._loops, self._tries, self._suppressors = info, [], [], []

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._function, self._loops, self._tries, self._suppressors = self._saved.pop()

    def visit_Import(self, node: cst.Import) -> None:
        # `import langfuse.openai`: langfuse's traced drop-in for the openai module
        if any((dotted_name(alias.name) or "").startswith("langfuse.openai") for alias in node.names):
            self.instrumented = True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        if (module or "").startswith("langfuse.openai") or (module == "langfuse" and not isinstance(node.names, cst.ImportStar)
                                                             and any(dotted_name(a.name) == "openai" for a in node.names)):
            self.instrumented = True

    def visit_Global(self, node: cst.Global) -> None:
        self.global_decls.setdefault(id(self._function), set()).update(n.name.value for n in node.names)

    # -- loops, try, with ------------------------------------------------------------------
    def visit_While(self, node: cst.While) -> None:
        self.whiles.append((node, self._function))
        self._loops.append(node)

    def leave_While(self, original_node: cst.While) -> None:
        self._loops.pop()

    def visit_For_body(self, node: cst.For) -> None:
        self._loops.append(node)

    def leave_For_body(self, node: cst.For) -> None:
        self._loops.pop()

    def visit_Try_body(self, node: cst.Try) -> None:
        self._tries.append(node)

    def leave_Try_body(self, node: cst.Try) -> None:
        self._tries.pop()

    def visit_TryStar_body(self, node) -> None:
        self._tries.append(node)

    def leave_TryStar_body(self, node) -> None:
        self._tries.pop()

    def visit_With_body(self, node: cst.With) -> None:
        suppress = any(isinstance(item.item, cst.Call) and
                       (self.imports.qualify(item.item.func) or "") in ("contextlib.suppress",)
                       for item in node.items)
        self._suppressors.append(node if suppress else None)

    def leave_With_body(self, node: cst.With) -> None:
        self._suppressors.pop()

    # -- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        function = self._function
        site = CallSite(node, function, tuple(self._loops), tuple(self._tries),
                        tuple(s for s in self._suppressors if s is not None))
        self.calls.append(site)
        self.call_sites[id(node)] = site
        function.calls.append(site)
        func = node.func
        if isinstance(func, cst.Name):
            function.local_calls.add(func.value)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            function.local_calls.add("self." + func.attr.value)
        if is_logging_call(node, self.imports):
            function.logs = True
        elif is_tracing_call(node, self.imports):
            function.traced = True
        if is_instrumentation_call(node, self.imports):
            self.instrumented = True
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in ("append", "extend", "insert", "appendleft", "extendleft"):
                key = access_key(func.value)
                if key:
                    self.appends.append(Append(key, node, function, tuple(self._loops)))
            elif method in _TRIM_METHODS:
                key = access_key(func.value)
                if key:
                    self.trims.add(key)
        elif isinstance(func, cst.Name) and func.value == "len" and node.args:
            key = access_key(node.args[0].value)
            if key:  # a length check on a list suggests a window
                self.trims.add(key)

    # -- assignments (for history aliases and trims) ----------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        key = access_key(node.target)
        if key and isinstance(node.operator, cst.AddAssign) and isinstance(node.value, (cst.List, cst.Tuple)):
            self.appends.append(Append(key, node, self._function, tuple(self._loops)))

    def visit_Del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for element in targets:
            target = element.value if isinstance(element, cst.Element) else element
            if isinstance(target, cst.Subscript):
                key = access_key(target.value)
                if key:
                    self.trims.add(key)

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._assigned(element.value, value)
            return
        if isinstance(target, cst.Subscript):
            # `history[:] = history[-10:]` rewrites the list in place
            key = access_key(target.value)
            if key and any(isinstance(s.slice, cst.Slice) for s in target.slice):
                self.trims.add(key)
            return
        key = access_key(target)
        if key is None:
            return
        if self._function.is_module and isinstance(target, cst.Name) and not self._scopes:
            self.module_names.add(key)
        self.assignments.setdefault(key, []).append((value, self._function))


__all__ = ["Append", "CallSite", "FunctionInfo", "ModuleIndex", "access_key", "final_name", "is_logging_call",
           "is_tracing_call", "is_tracing_decorator", "is_instrumentation_call"]
