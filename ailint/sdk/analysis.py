"""Following clients from where they are built to where they are called.

`NetworkCalls.of(file)` reads a module once (see `ailint.sdk.scopes`) and returns every call
that reaches the network through a catalogued client or function, with the keywords that
configure it and the blocks around it. A client is followed through:

* names (module, function, enclosing functions, `global` lazy initialisation), `with ... as`,
  `self.x` set in any method or the class body (or a base class in the same file), properties;
* factory functions and methods that return a client (cached or not, defined before or after
  use), `with_options(...)` copies and chains, LangChain wrappers (`with_retry`,
  `with_fallbacks`, `bind`, `prompt | llm`), selectors such as `boto3.client("bedrock-runtime")`
  and `init_chat_model("openai:gpt-4o")`, chats built by a client (`client.chats.create()`);
* `functools.partial(client.chat.completions.create, timeout=30)`;
* clients and factories imported from another module of the project, through the project
  index built once per run (`ailint.sdk.project_index`);
* `**kwargs` whose keys are known statically (dict literal, `dict(...)`, subscript
  assignments), unless the dict escapes (`kw.update(...)`, passed to a function).

When a value cannot be known the call is marked `opaque` or the client is not resolved, and
rules stay quiet: precision first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple, Union

import libcst as cst

from ailint.import_scan import absolute
from ailint.imports import ImportTable, dotted_name
from ailint.sdk import catalog as cat
from ailint.sdk.catalog import ClientSpec, FunctionSpec
from ailint.sdk.scopes import FUNCTION, UNKNOWN, Scope, ScopeTable
from ailint.walk import walk

Keywords = Dict[str, cst.BaseExpression]
_DEPTH = 12


@dataclass
class ClientBinding:
    """A client and how it was built. `path`/`span` are set when it was built in another file."""

    spec: ClientSpec
    node: cst.Call  # where the client is built
    keywords: Keywords = field(default_factory=dict)
    opaque: bool = False  # **kwargs with unknown keys
    module: Optional["ModuleAnalysis"] = None  # the module it was built in (names in keywords resolve there)
    scope: Optional[Scope] = None
    retry_node: Optional[cst.Call] = None  # .with_retry(...)
    fallback_node: Optional[cst.Call] = None  # .with_fallbacks(...)
    options_node: Optional[cst.Call] = None  # .with_options(...) / .bind(...)
    path: Optional[str] = None
    span: Optional[object] = None

    def derive(self, **changes) -> "ClientBinding":
        values = dict(self.__dict__)
        values.update(changes)
        return ClientBinding(**values)

    def location(self):
        """For `related=`: the construction node here, or (path, Span) in another file."""
        if self.path is not None and self.span is not None:
            return (self.path, self.span)
        return self.node


@dataclass
class NetworkCall:
    node: cst.Call
    spec: Union[ClientSpec, FunctionSpec]
    client: Optional[ClientBinding]
    keywords: Keywords
    opaque: bool
    option_keywords: Keywords = field(default_factory=dict)  # from with_options(...) on the chain
    method: str = ""
    clients: List[ClientBinding] = field(default_factory=list)  # every client it may be (if/else)
    scope: Optional[Scope] = None
    stack: Tuple[Tuple[str, object], ...] = ()
    via_partial: Optional[cst.Call] = None

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        """The innermost function around the call."""
        for kind, node in reversed(self.stack):
            if kind == FUNCTION:
                return node if isinstance(node, cst.FunctionDef) else None
        return None


def literal_dict(node: cst.BaseExpression) -> Optional[Keywords]:
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


_literal_dict = literal_dict  # the first version's name


class ModuleAnalysis:
    """Resolution over one module's scope table; shared by the file's rules and, for modules
    other files import from, by the project index."""

    def __init__(self, module: cst.Module, imports: ImportTable, catalog: "cat.Catalog", project=None,
                 name: str = "", path: Optional[str] = None, is_package: bool = False) -> None:
        self.module = module
        self.imports = imports
        self.catalog = catalog
        self.project = project
        self.name = name  # dotted module name ("app.llm"), for relative imports
        self.path = path  # set for modules read by the project index
        self.is_package = is_package or is_package_path(path)  # an __init__ (relative imports start there)
        self.table = ScopeTable()
        walk(module, self.table)
        self._dicts: Dict[Tuple[int, str], Optional[Keywords]] = {}
        self._escaped = {(id(scope.defining(name) or scope.module), name) for scope, name in self.table.dict_escapes}
        self._resolving: set = set()
        self._llm_paths: Optional[set] = None
        self.call_names = {call.rsplit(".", 1)[-1] for spec in catalog.clients.values() for call in spec.calls}
        self.call_names.update(m.rsplit(".", 1)[-1] for spec in catalog.clients.values() for m in spec.builds)

    # -- names -----------------------------------------------------------------------------
    def qualify(self, node: cst.BaseExpression) -> Optional[str]:
        name = self.imports.qualify(node)
        if name and name.startswith(".") and self.name:
            return absolute(name, self.name, self.is_package)
        return name

    def values_of(self, name: str, scope: Scope) -> Optional[List[Tuple[object, Scope]]]:
        defining = scope.defining(name)
        if defining is None:
            return None
        values = list(defining.values.get(name, []))
        if name in defining.functions:
            values.append((UNKNOWN, defining))
        return values

    def value(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Tuple[object, Scope]:
        """The single expression a name stands for (its only assignment), else the node itself;
        UNKNOWN for parameters and names assigned more than once."""
        while isinstance(node, cst.Name) and depth < _DEPTH:
            values = self.values_of(node.value, scope)
            if values is None:
                return node, scope
            values = [(v, s) for v, s in values if not _is_none(v)] or values
            if len(values) != 1 or values[0][0] is UNKNOWN:
                return UNKNOWN, scope
            node, scope = values[0]
            depth += 1
        return node, scope

    def keywords_of(self, call: cst.Call, scope: Scope) -> Tuple[Keywords, bool]:
        """Keyword arguments of a call, with `**name` expanded when its keys are known."""
        keywords: Keywords = {}
        opaque = False
        for arg in call.args:
            if arg.keyword is not None:
                keywords[arg.keyword.value] = arg.value
            elif arg.star == "**":
                known = self.dict_keys(arg.value, scope)
                if known is None:
                    opaque = True
                else:
                    keywords.update(known)
        return keywords, opaque

    def dict_keys(self, node: cst.BaseExpression, scope: Scope) -> Optional[Keywords]:
        known = literal_dict(node)
        if known is not None:
            return known
        if not isinstance(node, cst.Name):
            return None
        defining = scope.defining(node.value)
        if defining is None:
            return None
        key = (id(defining), node.value)
        if key in self._dicts:
            return self._dicts[key]
        self._dicts[key] = None  # cycles
        values = [v for v, _ in defining.values.get(node.value, [])]
        result: Optional[Keywords] = None
        if len(values) == 1 and values[0] is not UNKNOWN and key not in self._escaped:
            result = literal_dict(values[0])
            if result is not None:
                result = dict(result)
                for event_scope, name, dict_key, value in self.table.dict_key_events:
                    if name != node.value or event_scope.defining(name) is not defining:
                        continue
                    if dict_key is None:
                        result = None
                        break
                    result[dict_key] = value
        self._dicts[key] = result
        return result

    # -- clients ---------------------------------------------------------------------------
    def clients(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[List[ClientBinding]]:
        """The clients an expression may evaluate to, or None when not statically known."""
        if depth > _DEPTH:
            return None
        key = (id(node), id(scope))
        if key in self._resolving:
            return None
        self._resolving.add(key)
        try:
            return self._clients(node, scope, depth + 1)
        finally:
            self._resolving.discard(key)

    def _clients(self, node, scope: Scope, depth: int) -> Optional[List[ClientBinding]]:
        if isinstance(node, cst.Await):
            return self.clients(node.expression, scope, depth)
        if isinstance(node, cst.Name):
            return self._name_clients(node.value, scope, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_clients(node, scope, depth)
        if isinstance(node, cst.IfExp):
            return _both(self.clients(node.body, scope, depth), self.clients(node.orelse, scope, depth))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            left, right = self.clients(node.left, scope, depth), self.clients(node.right, scope, depth)
            return left if right is None else (right if left is None else None)
        if isinstance(node, cst.Call):
            return self._call_clients(node, scope, depth)
        return None

    def _name_clients(self, name: str, scope: Scope, depth: int) -> Optional[List[ClientBinding]]:
        values = self.values_of(name, scope)
        if values is None:
            qualified = self.imports.qualify_name(name)
            if qualified and qualified.startswith(".") and self.name:
                qualified = absolute(qualified, self.name, self.is_package)
            return self._project_clients(qualified)
        out: List[ClientBinding] = []
        for value, where in values:
            if _is_none(value):
                continue
            if value is UNKNOWN:
                return None
            found = self.clients(value, where, depth)
            if found is None:
                return None
            out.extend(found)
        return out or None

    def _attribute_clients(self, node: cst.Attribute, scope: Scope, depth: int) -> Optional[List[ClientBinding]]:
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and "." not in rest:
            function = scope
            while function is not None and function.kind not in ("function",):
                function = function.parent
            class_node = function.class_node if function is not None else None
            if class_node is None:
                return None
            return self._member_clients(class_node, rest, depth)
        if scope.defining(head) is None:
            return self._project_clients(self.qualify(node))
        return None

    def _member_clients(self, class_node: cst.ClassDef, attr: str, depth: int,
                        seen: Tuple[int, ...] = ()) -> Optional[List[ClientBinding]]:
        if id(class_node) in seen:
            return None
        values = self.table.attributes.get((id(class_node), attr))
        class_scope = self.table.class_scopes.get(id(class_node))
        if values:
            out: List[ClientBinding] = []
            for value, where in values:
                if _is_none(value):
                    continue
                if value is UNKNOWN:
                    return None
                found = self.clients(value, where, depth)
                if found is None:
                    return None
                out.extend(found)
            return out or None
        if class_scope is not None and attr in class_scope.functions:
            function = class_scope.functions[attr]
            if any(_decorator_name(d) in ("property", "functools.cached_property", "cached_property")
                   for d in function.decorators):
                return self._factory_clients(function, depth)
            return None
        for base in class_node.bases:
            if isinstance(base.value, cst.Name) and base.value.value in self.table.class_defs:
                found = self._member_clients(self.table.class_defs[base.value.value], attr, depth,
                                             seen + (id(class_node),))
                if found is not None:
                    return found
        return None

    def _call_clients(self, node: cst.Call, scope: Scope, depth: int) -> Optional[List[ClientBinding]]:
        func = node.func
        qualified = self.qualify(func)
        if qualified:
            spec = self.catalog.clients.get(qualified)
            if spec is not None and "." in qualified:
                return [self._bind(spec, node, scope)]
            selector = self.catalog.selectors.get(qualified)
            if selector is not None:
                chosen = self._select(selector, node, scope)
                return [self._bind(chosen, node, scope)] if chosen is not None else None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = func.value
            if method == "client":  # boto3 session.client("bedrock-runtime")
                session, session_scope = self.value(receiver, scope)
                if isinstance(session, cst.Call):
                    selector_name = cat.SESSIONS.get(self.qualify(session.func) or "")
                    if selector_name:
                        chosen = self._select(self.catalog.selectors[selector_name], node, scope)
                        return [self._bind(chosen, node, scope)] if chosen is not None else None
            if method in ("with_options", "copy", cat.RUNNABLE_BIND, cat.RUNNABLE_RETRY, cat.RUNNABLE_FALLBACKS) \
                    or method in cat.RUNNABLE_SAME:
                inner = self.clients(receiver, scope, depth)
                if inner is None:
                    return None
                return [self._wrap(binding, method, node, scope) for binding in inner]
            built = self._built(func, scope, depth, node)
            if built is not None:
                return built
        return self._factory_call(node, scope, depth)

    def _wrap(self, binding: ClientBinding, method: str, node: cst.Call, scope: Scope) -> ClientBinding:
        if method == cat.RUNNABLE_RETRY:
            return binding.derive(retry_node=node)
        if method == cat.RUNNABLE_FALLBACKS:
            return binding.derive(fallback_node=node)
        if method in cat.RUNNABLE_SAME:
            return binding
        keywords, opaque = self.keywords_of(node, scope)
        return binding.derive(keywords={**binding.keywords, **keywords}, opaque=binding.opaque or opaque,
                              options_node=node)

    def _built(self, func: cst.Attribute, scope: Scope, depth: int, node: cst.Call) -> Optional[List[ClientBinding]]:
        """`client.chats.create(...)` and `model.start_chat()`: objects a client builds."""
        path = [func.attr.value]
        base = func.value
        while True:
            found = None
            method = ".".join(reversed(path))
            if any(method in spec.builds for spec in self.catalog.clients.values()):
                found = self.clients(base, scope, depth)
            if found:
                out = []
                for binding in found:
                    target = binding.spec.builds.get(method)
                    if target is None or target not in self.catalog.clients:
                        return None
                    keywords, opaque = self.keywords_of(node, scope)
                    out.append(binding.derive(spec=self.catalog.clients[target],
                                              keywords={**binding.keywords, **keywords},
                                              opaque=binding.opaque or opaque))
                return out
            if not isinstance(base, cst.Attribute):
                return None
            path.append(base.attr.value)
            base = base.value

    def _factory_call(self, node: cst.Call, scope: Scope, depth: int) -> Optional[List[ClientBinding]]:
        func = node.func
        if isinstance(func, cst.Name):
            defining = scope.defining(func.value)
            if defining is None:
                qualified = self.qualify(func)
                return self._project_clients(qualified, call=True)
            if func.value in defining.functions and not defining.values.get(func.value):
                return self._factory_clients(defining.functions[func.value], depth)
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            function = scope
            while function is not None and function.kind != "function":
                function = function.parent
            class_node = function.class_node if function is not None else None
            class_scope = self.table.class_scopes.get(id(class_node)) if class_node is not None else None
            if class_scope is not None and func.attr.value in class_scope.functions:
                return self._factory_clients(class_scope.functions[func.attr.value], depth)
            return None
        if isinstance(func, cst.Attribute):
            name = dotted_name(func)
            if name and scope.defining(name.split(".")[0]) is None:
                return self._project_clients(self.qualify(func), call=True)
        return None

    def _factory_clients(self, function: cst.FunctionDef, depth: int) -> Optional[List[ClientBinding]]:
        if id(function) in self.table.yields:
            return None
        if any(_decorator_name(d).endswith("contextmanager") for d in function.decorators):
            return None
        returns = self.table.returns.get(id(function))
        scope = self.table.function_scopes.get(id(function))
        if not returns or scope is None:
            return None
        out: List[ClientBinding] = []
        for value in returns:
            if value is None or _is_none(value):
                continue
            found = self.clients(value, scope, depth)
            if found is None:
                return None
            out.extend(found)
        return out or None

    def _project_clients(self, qualified: Optional[str], call: bool = False) -> Optional[List[ClientBinding]]:
        if not qualified or self.project is None:
            return None
        return self.project.clients(qualified, call=call)

    def _bind(self, spec: ClientSpec, node: cst.Call, scope: Scope) -> ClientBinding:
        keywords, opaque = self.keywords_of(node, scope)
        return ClientBinding(spec, node, keywords, opaque, module=self, scope=scope)

    def _select(self, selector: "cat.Selector", node: cst.Call, scope: Scope) -> Optional[ClientSpec]:
        keywords, _ = self.keywords_of(node, scope)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        argument = keywords.get(selector.argument, positional[0] if positional else None)
        if argument is None:
            return None
        argument, _ = self.value(argument, scope)
        text = argument.evaluated_value if isinstance(argument, cst.SimpleString) else None
        if not isinstance(text, str):
            return None
        if selector.provider_keyword is None:
            qualname = selector.choices.get(text)
        else:
            provider_node = keywords.get(selector.provider_keyword)
            provider = None
            if provider_node is not None:
                provider_node, _ = self.value(provider_node, scope)
                if not isinstance(provider_node, cst.SimpleString):
                    return None
                provider = provider_node.evaluated_value
            elif ":" in text:
                provider = text.split(":", 1)[0]
            else:
                provider = next((p for prefix, p in selector.prefixes.items() if text.startswith(prefix)), None)
            qualname = selector.choices.get(provider or "")
        return self.catalog.clients.get(qualname or "")

    # -- calls -----------------------------------------------------------------------------
    def resolve_call(self, node: cst.Call, scope: Scope, stack) -> Optional[NetworkCall]:
        func = node.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            return None
        qualified = self.qualify(func)
        local_head = (dotted_name(func) or "").split(".")[0]
        if qualified is not None and qualified in self.catalog.functions and scope.defining(local_head) is None:
            keywords, opaque = self.keywords_of(node, scope)
            return NetworkCall(node, self.catalog.functions[qualified], None, keywords, opaque, method=qualified,
                               scope=scope, stack=stack)
        partial = self._partial(func, scope)
        if partial is not None:
            return self._partial_call(node, partial, scope, stack)
        if not isinstance(func, cst.Attribute) or func.attr.value not in self.call_names:
            return None
        return self._method_call(node, func, scope, stack)

    def _method_call(self, node: cst.Call, func: cst.Attribute, scope: Scope, stack,
                     extra: Optional[Keywords] = None) -> Optional[NetworkCall]:
        path: List[str] = []
        base: cst.BaseExpression = func
        option_keywords: Keywords = {}
        while isinstance(base, cst.Attribute):
            path.append(base.attr.value)
            base = base.value
            if isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute) and base.func.attr.value == "with_options":
                keywords, _ = self.keywords_of(base, scope)
                option_keywords.update(keywords)
            method = ".".join(part for part in reversed(path) if part not in cat.RESPONSE_VIEWS)
            if not any(method in spec.calls for spec in self.catalog.clients.values()):
                continue
            bindings = self.clients(base, scope)
            if not bindings:
                continue
            bindings = [b for b in bindings if method in b.spec.calls]
            if not bindings or len({b.spec.kind for b in bindings}) != 1:
                return None
            keywords, opaque = self.keywords_of(node, scope)
            if extra:
                keywords = {**extra, **keywords}
            return NetworkCall(node, bindings[0].spec, bindings[0], keywords, opaque, option_keywords, method,
                               bindings, scope, stack)
        return None

    def _partial(self, func: cst.BaseExpression, scope: Scope) -> Optional[Tuple[cst.Call, Scope]]:
        """`ask = functools.partial(client.chat.completions.create, ...)`: the partial() call."""
        if not isinstance(func, cst.Name):
            return None
        value, where = self.value(func, scope)
        if isinstance(value, cst.Call) and self.qualify(value.func) == "functools.partial" and value.args \
                and value.args[0].keyword is None and not value.args[0].star:
            return value, where
        return None

    def _partial_call(self, node: cst.Call, partial: Tuple[cst.Call, Scope], scope: Scope, stack) -> Optional[NetworkCall]:
        partial_call, where = partial
        target = partial_call.args[0].value
        bound, bound_opaque = self.keywords_of(partial_call, where)
        keywords, opaque = self.keywords_of(node, scope)
        merged = {**bound, **keywords}
        qualified = self.qualify(target)
        if qualified in self.catalog.functions:
            return NetworkCall(node, self.catalog.functions[qualified], None, merged, opaque or bound_opaque,
                               method=qualified, scope=scope, stack=stack, via_partial=partial_call)
        if isinstance(target, cst.Attribute):
            found = self._method_call(node, target, where, stack, extra=bound)
            if found is not None:
                found.keywords = merged
                found.opaque = found.opaque or bound_opaque or opaque
                found.scope, found.via_partial = scope, partial_call
            return found
        return None

    def unresolved_method(self, node: cst.Call) -> Optional[str]:
        """For strict mode: a call whose name is a catalogued multi-part LLM call
        (`x.chat.completions.create`) on a receiver ailint could not resolve."""
        name = dotted_name(node.func)
        if not name or "." not in name:
            return None
        if self._llm_paths is None:
            self._llm_paths = {call for spec in self.catalog.clients.values() if spec.kind == "llm"
                               for call in spec.calls if "." in call}
        parts = [part for part in name.split(".") if part not in cat.RESPONSE_VIEWS]
        for start in range(1, len(parts) - 1):
            candidate = ".".join(parts[start:])
            if candidate in self._llm_paths:
                return candidate
        return None

    # -- module-level settings (openai.timeout = 30) ------------------------------------------
    def module_settings(self) -> Dict[str, cst.BaseExpression]:
        out: Dict[str, cst.BaseExpression] = {}
        for name, value, scope in self.table.module_settings:
            head = name.split(".")[0]
            if scope.defining(head) is not None:
                continue
            qualified = self.imports.qualify_name(name)
            if qualified is not None:
                out[qualified] = value
        return out


def is_package_path(path: Optional[str]) -> bool:
    return bool(path) and str(path).endswith(("__init__.py", "__init__.pyi"))


def _is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _both(a, b):
    if a is None or b is None:
        return None
    return a + b


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    return dotted_name(node) or ""


@dataclass
class NetworkCalls:
    calls: List[NetworkCall]
    module_settings: Dict[str, cst.BaseExpression]
    analysis: Optional[ModuleAnalysis] = None
    unresolved: List[Tuple[cst.Call, str]] = field(default_factory=list)
    guards: Dict[int, cst.BaseExpression] = field(default_factory=dict)  # id(call) -> asyncio.wait_for timeout
    # id(async function of this module) -> the asyncio.wait_for timeout its coroutine runs under
    function_guards: Dict[int, cst.BaseExpression] = field(default_factory=dict)
    custom_adapters: Optional[FrozenSet[int]] = None  # id(requests session) with its own adapter (effective.py)

    @classmethod
    def of(cls, file) -> "NetworkCalls":
        """The network calls of a `FileContext`, computed once per file and shared by rules."""
        cache = file.__dict__.setdefault("_analyses", {})
        if cls not in cache:
            cache[cls] = cls._collect(file)
        return cache[cls]

    @classmethod
    def _collect(cls, file) -> "NetworkCalls":
        project = getattr(file, "project", None)
        catalog = getattr(project, "catalog", None) or cat.active_catalog()
        name = module_name(file.path)
        is_package = is_package_path(file.path)
        analysis = ModuleAnalysis(file.module, file.imports, catalog, project if hasattr(project, "clients") else None,
                                  name=name, is_package=is_package)
        calls: List[NetworkCall] = []
        unresolved: List[Tuple[cst.Call, str]] = []
        guards: Dict[int, cst.BaseExpression] = {}
        function_guards: Dict[int, cst.BaseExpression] = {}
        for node, scope, stack in analysis.table.calls:
            if node.args and analysis.qualify(node.func) in cat.TIMEOUT_WRAPPERS:
                guarded = node.args[0].value
                guarded = guarded.expression if isinstance(guarded, cst.Await) else guarded
                if isinstance(guarded, cst.Name):  # coro = client.chat.completions.create(...); wait_for(coro, 30)
                    value, _ = analysis.value(guarded, scope)
                    guarded = value if isinstance(value, cst.Call) else guarded
                limit = next((a.value for a in node.args[1:] if a.keyword is None or a.keyword.value == "timeout"), None)
                if isinstance(guarded, cst.Call) and limit is not None and not _is_none(limit):
                    guards[id(guarded)] = limit
                    function = _local_function(guarded.func, scope)
                    if function is not None and function.asynchronous is not None:
                        function_guards[id(function)] = limit  # wait_for(ask(q), 30): what ask awaits runs under it
            resolved = analysis.resolve_call(node, scope, stack)
            if resolved is not None:
                calls.append(resolved)
            else:
                method = analysis.unresolved_method(node)
                if method:
                    unresolved.append((node, method))
        settings = project.module_settings_for(name, file.imports, is_package) \
            if hasattr(project, "module_settings_for") else {}
        settings.update(analysis.module_settings())
        return cls(calls, settings, analysis, unresolved, guards, function_guards)


def _local_function(func: cst.BaseExpression, scope: Scope) -> Optional[cst.FunctionDef]:
    """The function of this module a call's name stands for (`ask` in `ask(q)`), or None."""
    if not isinstance(func, cst.Name):
        return None
    defining = scope.defining(func.value)
    if defining is None or defining.values.get(func.value):
        return None  # not a function here, or a name also assigned
    return defining.functions.get(func.value)


def module_name(path: str) -> str:
    """"src/app/llm.py" -> "app.llm" (a leading src/ is dropped; __init__ names the package)."""
    parts = path.replace("\\", "/").split("/")
    if parts and parts[-1].endswith((".py", ".pyi")):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    return ".".join(parts)
