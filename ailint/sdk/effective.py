"""What applies to one network call: its effective timeout, its retries and fallbacks, its
output cap. Rules read these answers and only decide what to say.

Each answer has a `state`: "set" (or "explicit"), "disabled", "missing" (the SDK default
applies) or "unknown" (a value ailint cannot see, such as unknown `**kwargs`: rules stay quiet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple, Union

import libcst as cst

from ailint.imports import dotted_name
from ailint.sdk import catalog as cat
from ailint.sdk.analysis import ClientBinding, Keywords, ModuleAnalysis, NetworkCall, NetworkCalls, literal_dict
from ailint.sdk.catalog import FunctionSpec, Knob
from ailint.sdk.scopes import EXCEPT, FUNCTION, LOOP, OTHER, TRY, UNKNOWN, WITH, Scope
from ailint.sdk.values import DISABLED, number, timeout_value

MISSING = "missing"
UNKNOWN_STATE = "unknown"


@dataclass
class Found:
    node: cst.BaseExpression
    analysis: Optional[ModuleAnalysis]
    scope: Optional[Scope]


def find(keywords: Keywords, path: str, analysis: Optional[ModuleAnalysis], scope: Optional[Scope]) -> Union[Found, str]:
    """Follow a keyword path (`config.http_options.timeout`) into nested settings objects
    and dicts. Returns Found, MISSING, or UNKNOWN_STATE when a level cannot be read."""
    head, _, rest = path.partition(".")
    if head not in keywords:
        return MISSING
    value = keywords[head]
    if not rest:
        return Found(value, analysis, scope)
    node, where = (analysis.value(value, scope) if analysis is not None and scope is not None else (value, scope))
    if node is UNKNOWN:
        return UNKNOWN_STATE
    inner, opaque = _settings(node, analysis, where)
    if inner is None:
        return UNKNOWN_STATE
    found = find(inner, rest, analysis, where)
    return UNKNOWN_STATE if found == MISSING and opaque else found


def _settings(node, analysis: Optional[ModuleAnalysis], scope) -> Tuple[Optional[Keywords], bool]:
    """The keys of a settings object: a dict literal, or a call to a class (`Config(...)`)."""
    known = literal_dict(node)
    if known is not None:
        return known, False
    if isinstance(node, cst.Call):
        name = dotted_name(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        if last[:1].isupper():
            if analysis is not None and scope is not None:
                return analysis.keywords_of(node, scope)
            return {a.keyword.value: a.value for a in node.args if a.keyword is not None}, any(a.star for a in node.args)
    return None, False


def _resolver(analysis: Optional[ModuleAnalysis], scope):
    def resolve(node):
        if analysis is None or scope is None:
            return node
        value, _ = analysis.value(node, scope)
        return node if value is UNKNOWN else value
    return resolve


# -- timeouts ------------------------------------------------------------------------------------
@dataclass
class Timeout:
    state: str  # "set", "disabled", "missing", "unknown"
    where: str = ""  # "call", "client", "options", "module", "guard", "http_client"
    node: Optional[cst.BaseExpression] = None
    seconds: Optional[float] = None  # converted to seconds when known
    knob: Optional[Knob] = None
    binding: Optional[ClientBinding] = None


def _timeout_from(found: Found, knob: Knob, calls: NetworkCalls, where: str, binding=None) -> Timeout:
    imports = found.analysis.imports if found.analysis is not None else calls.analysis.imports
    state, seconds = timeout_value(found.node, imports, _resolver(found.analysis, found.scope),
                                   none_disables=knob.none == "disables")
    if state == "default":
        return Timeout(MISSING, where, found.node, None, knob, binding)
    if seconds is not None and knob.unit == "ms":
        seconds = seconds / 1000.0
    return Timeout(state, where, found.node, seconds, knob, binding)


def timeouts(call: NetworkCall, calls: NetworkCalls) -> List[Timeout]:
    """The effective timeout for each client the call may use (one entry for functions)."""
    if call.client is None:
        return [_timeout(call, calls, None)]
    return [_timeout(call, calls, binding) for binding in call.clients or [call.client]]


def _timeout(call: NetworkCall, calls: NetworkCalls, binding: Optional[ClientBinding]) -> Timeout:
    analysis = calls.analysis
    guard = guard_timeout(call, calls)
    if guard is not None:
        return Timeout("set", "guard", guard)
    spec = call.spec
    for knob in spec.call_timeout:
        found = find(call.keywords, knob.path, analysis, call.scope)
        if isinstance(found, Found):
            result = _timeout_from(found, knob, calls, "call")
            if result.state != MISSING:
                return result
        elif found == UNKNOWN_STATE:
            return Timeout(UNKNOWN_STATE, "call")
    if spec.call_timeout and call.opaque:
        return Timeout(UNKNOWN_STATE, "call")
    if isinstance(spec, FunctionSpec):
        setting = calls.module_settings.get(spec.module_timeout or "")
        if setting is not None:
            return _timeout_from(Found(setting, None, None), Knob(spec.module_timeout or ""), calls, "module")
        return Timeout(MISSING)
    assert binding is not None
    if binding.opaque or any(k in binding.keywords for k in binding.spec.opaque_keywords) \
            or _custom_adapter_mounted(binding, calls):
        return Timeout(UNKNOWN_STATE, "client", binding=binding)
    where = "options" if binding.options_node is not None else "client"
    for knob in binding.spec.timeout:
        found = find(binding.keywords, knob.path, binding.module, binding.scope)
        if isinstance(found, Found):
            result = _timeout_from(found, knob, calls, where, binding)
            if result.state != MISSING:
                return result
        elif found == UNKNOWN_STATE:
            return Timeout(UNKNOWN_STATE, where, binding=binding)
    keyword = binding.spec.http_client_keyword
    if keyword and keyword in binding.keywords:
        http = _http_client_timeout(binding.keywords[keyword], binding, calls)
        if http is not None:
            return http
    return Timeout(MISSING, binding=binding)


_HTTPX_CLIENTS = ("httpx.Client", "httpx.AsyncClient", "openai.DefaultHttpxClient", "openai.DefaultAsyncHttpxClient",
                  "anthropic.DefaultHttpxClient", "anthropic.DefaultAsyncHttpxClient")


def _http_client_timeout(node, binding: ClientBinding, calls: NetworkCalls) -> Optional[Timeout]:
    """An `http_client=httpx.Client(timeout=...)` supplies the timeout (openai uses it when it
    is not httpx's default). Built inline without a timeout: None (the SDK default applies).
    Anything else (a name we cannot follow): unknown, so rules stay quiet."""
    analysis = binding.module or calls.analysis
    value, scope = analysis.value(node, binding.scope) if binding.scope is not None else (node, None)
    if isinstance(value, cst.Call) and analysis.qualify(value.func) in _HTTPX_CLIENTS:
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value == "timeout":
                return _timeout_from(Found(arg.value, analysis, scope), Knob("timeout"), calls, "http_client", binding)
        if any(arg.star for arg in value.args):
            return Timeout(UNKNOWN_STATE, "http_client", binding=binding)
        if binding.spec.sdk == "cohere":  # cohere drops its 300 s default for httpx's own 5 s
            return Timeout("set", "http_client", value, 5.0, binding=binding)
        return None
    return Timeout(UNKNOWN_STATE, "http_client", binding=binding)


_STOCK_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})


def _custom_adapter_mounted(binding: ClientBinding, calls: NetworkCalls) -> bool:
    """`session.mount("https://", TimeoutHTTPAdapter(timeout=10))` on this requests session: a
    transport adapter of the project's own (not requests' stock HTTPAdapter, which sets no
    timeout) can supply a default timeout that ailint cannot see."""
    if binding.spec.sdk != "requests" or binding.node is None or calls.analysis is None:
        return False
    if calls.custom_adapters is None:  # the sessions given such an adapter, found once per file
        calls.custom_adapters = _sessions_with_custom_adapters(calls.analysis)
    return id(binding.node) in calls.custom_adapters


def _sessions_with_custom_adapters(analysis: ModuleAnalysis) -> FrozenSet[int]:
    found = set()
    for node, scope, _stack in analysis.table.calls:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "mount" and len(node.args) >= 2):
            continue
        adapter, _ = analysis.value(node.args[1].value, scope)
        if isinstance(adapter, cst.Call) and analysis.qualify(adapter.func) in _STOCK_ADAPTERS:
            continue
        found.update(id(session.node) for session in analysis.clients(func.value, scope) or ())
    return frozenset(found)


def guard_timeout(call: NetworkCall, calls: NetworkCalls) -> Optional[cst.BaseExpression]:
    """`await asyncio.wait_for(call, 30)` (also of a name holding the call's coroutine, or of a
    call of the async function holding it) or `async with asyncio.timeout(30):` around the call."""
    guarded = calls.guards.get(id(call.node)) if hasattr(calls, "guards") else None
    if guarded is not None:
        return guarded
    function = call.function
    if function is not None and id(function) in getattr(calls, "function_guards", {}):
        return calls.function_guards[id(function)]  # the coroutine function is awaited under wait_for
    analysis = calls.analysis
    for kind, node in call.stack:
        if kind == WITH:
            for item in node.items:
                if isinstance(item.item, cst.Call) and analysis.qualify(item.item.func) in cat.TIMEOUT_SCOPES:
                    args = item.item.args
                    if args and not (isinstance(args[0].value, cst.Name) and args[0].value.value == "None"):
                        return args[0].value
    return None


# -- retries and fallbacks -----------------------------------------------------------------------
@dataclass
class Retry:
    state: str  # "explicit", "disabled", "missing", "unknown"
    handled_by: str = ""  # a retry or fallback mechanism around the call, described
    trap: str = ""  # a retry that looks like one but never fires
    node: Optional[cst.BaseExpression] = None
    binding: Optional[ClientBinding] = None
    setting: str = ""  # "max_retries", the keyword path that set it


def retries(call: NetworkCall, calls: NetworkCalls) -> List[Retry]:
    if call.client is None:
        return [_retry(call, calls, None)]
    return [_retry(call, calls, binding) for binding in call.clients or [call.client]]


def _retry(call: NetworkCall, calls: NetworkCalls, binding: Optional[ClientBinding]) -> Retry:
    handled, trap = _mechanism(call, calls, binding)
    state, node, setting = _retry_setting(call, calls, binding)
    return Retry(state, handled, trap, node, binding, setting)


def _retry_setting(call: NetworkCall, calls: NetworkCalls, binding) -> Tuple[str, Optional[cst.BaseExpression], str]:
    spec = call.spec
    places = [(knob, call.keywords, calls.analysis, call.scope) for knob in spec.call_retries]
    if binding is not None:
        places += [(knob, binding.keywords, binding.module, binding.scope) for knob in binding.spec.retries]
    for knob, keywords, analysis, scope in places:
        found = find(keywords, knob.path, analysis, scope)
        if isinstance(found, Found):
            state = _retry_state(found, knob)
            if state != MISSING:
                return state, found.node, knob.path
        elif found == UNKNOWN_STATE:
            return UNKNOWN_STATE, None, knob.path
    if spec.call_retries and call.opaque:
        return UNKNOWN_STATE, None, ""
    if binding is not None and (binding.opaque or any(k in binding.keywords for k in binding.spec.opaque_keywords)):
        return UNKNOWN_STATE, None, ""
    if isinstance(spec, FunctionSpec) and spec.module_retries in calls.module_settings:
        found = Found(calls.module_settings[spec.module_retries], None, None)
        return _retry_state(found, Knob(spec.module_retries, "retries")), found.node, spec.module_retries
    return MISSING, None, ""


def _retry_state(found: Found, knob: Knob) -> str:
    node = found.node
    if found.analysis is not None and found.scope is not None:
        value, _ = found.analysis.value(node, found.scope)
        node = node if value is UNKNOWN else value
    if isinstance(node, cst.Name) and node.value == "None":
        return MISSING
    count = number(node)
    if knob.unit == "policy":
        # botocore: {"total_max_attempts": n} counts the first call, legacy {"max_attempts": n}
        # counts retries; google-genai: HttpRetryOptions(attempts=n) or {"attempts": n} counts the
        # first call, and 0 means its default (`stop_after_attempt(options.attempts or 5)`).
        inner = literal_dict(node)
        attempts, total, genai = None, False, False
        if inner is not None and "attempts" in inner:
            attempts, total, genai = inner["attempts"], True, True
        elif inner is not None:
            attempts = inner.get("total_max_attempts") or inner.get("max_attempts")
            total = "total_max_attempts" in inner
        elif isinstance(node, cst.Call):
            attempts = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "attempts"), None)
            total = genai = True
        count = number(attempts) if attempts is not None else None
        if count is None or (genai and count == 0):
            return "explicit"
        return DISABLED if count <= (1 if total else 0) else "explicit"
    if count is None:
        return "explicit"
    if knob.unit == "attempts":
        return DISABLED if count <= 1 else "explicit"
    if knob.unit == "retries-0-default":
        return MISSING if count == 0 else "explicit"
    return DISABLED if count <= 0 else "explicit"


def is_streaming(call: NetworkCall) -> bool:
    if "stream" in call.method.rsplit(".", 1)[-1]:
        return True
    value = call.keywords.get("stream")
    return isinstance(value, cst.Name) and value.value == "True"


def _mechanism(call: NetworkCall, calls: NetworkCalls, binding: Optional[ClientBinding]) -> Tuple[str, str]:
    """(what retries or falls back around the call, a retry that cannot fire)."""
    spec = call.spec
    trap = ""
    if spec.qualname in cat.RETRYING_FUNCTIONS:
        return f"{spec.qualname} retries", ""
    for keyword in spec.call_fallbacks:
        if keyword in call.keywords:
            return f"{keyword}=", ""
    if isinstance(spec, FunctionSpec) and spec.module_fallbacks in calls.module_settings:
        return spec.module_fallbacks or "", ""
    if binding is not None:
        for keyword in binding.spec.fallbacks:
            if keyword in binding.keywords:
                return f"{keyword}= on the client", ""
        if binding.fallback_node is not None:
            return "with_fallbacks", ""
        if binding.retry_node is not None:
            if is_streaming(call):
                trap = "with_retry() does not retry stream()/astream(): LangChain retries only invoke and batch"
            else:
                return "with_retry", ""
    found, function_trap = _around(call.stack, calls, call.scope)
    if found:
        return found, ""
    function = call.function
    if function is not None:
        found, caller_trap = _callers(function, call, calls)
        if found:
            return found, ""
        trap = trap or function_trap or caller_trap
    return "", trap or function_trap


def _around(stack, calls: NetworkCalls, scope=None) -> Tuple[str, str]:
    """A retry decorator on the enclosing function, a retry loop, or a fallback in an except
    clause, around a position described by its block stack (`scope`: the scope the position
    is in, to read what a retry loop's iterator name holds)."""
    analysis = calls.analysis
    trap = ""
    # Innermost function: retry decorators.
    function = None
    start = 0
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == FUNCTION:
            function, start = stack[index][1], index
            break
    if isinstance(function, cst.FunctionDef):
        decorated = _retry_decorator(function, analysis)
        if decorated:
            if id(function) in analysis.table.yields:
                trap = (f"@{decorated} on a generator function never retries: calling it only builds the "
                        f"generator, and errors raised while iterating escape")
            else:
                return f"@{decorated}", ""
    # Blocks inside that function: a try protecting the call, in a loop or with a fallback.
    inner = stack[start:]
    for index, (kind, node) in enumerate(inner):
        if kind == LOOP and isinstance(node, cst.For) \
                and _retry_factory(node.iter, scope, analysis) in cat.RETRY_ITERATORS:
            return "a tenacity retry loop", trap
        if kind != TRY:
            continue
        following = inner[index + 1][0] if index + 1 < len(inner) else None
        if following in (EXCEPT, OTHER):
            continue  # in a handler, else or finally of this try, not its body
        in_loop = any(k == LOOP for k, _ in inner[:index])
        handlers = [h for h in node.handlers]
        if in_loop and any(not _only_raises(h) for h in handlers):
            return "a retry loop (try/except inside a loop)", trap
        if any(_falls_back(h, calls) for h in handlers):
            return "a fallback in the except clause", trap
    return "", trap


def _callers(function: cst.FunctionDef, call: NetworkCall, calls: NetworkCalls) -> Tuple[str, str]:
    """One level up: the function holding the call is itself called (in this module) inside a
    retry-decorated function, a retry loop, or a try with a fallback."""
    name = function.name.value
    trap = ""
    for node, _scope, stack in calls.analysis.table.calls:
        func = node.func
        target = func.value if isinstance(func, cst.Name) else (
            func.attr.value if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls") else None)
        if target != name or any(kind == FUNCTION and n is function for kind, n in stack):
            continue
        found, found_trap = _around(stack, calls)
        if found:
            return found, ""
        trap = trap or found_trap
    return "", trap


def _retry_decorator(function: cst.FunctionDef, analysis: ModuleAnalysis) -> str:
    own = analysis.table.function_scopes.get(id(function))
    scope = own.parent if own is not None else None  # decorators are evaluated where the function is defined
    for decorator in function.decorators:
        node = decorator.decorator
        qualified = _retry_factory(node, scope, analysis)
        if qualified in cat.RETRY_DECORATORS:
            target = node.func if isinstance(node, cst.Call) else node
            return dotted_name(target) or qualified
    return ""


def _retry_factory(node: cst.BaseExpression, scope, analysis: ModuleAnalysis) -> str:
    """The qualified name of what builds `node` (a decorator, or a loop's iterator): the
    callee of a call (`@retry(stop=...)`, `Retrying(...)`), a name for itself (`@retry`), or
    what a name holds when it is assigned once (`llm_retry = retry(...)` then `@llm_retry`;
    `retryer = Retrying(...)` then `for attempt in retryer`)."""
    if isinstance(node, cst.Name) and scope is not None:
        value, _ = analysis.value(node, scope)
        if isinstance(value, (cst.Call, cst.Attribute, cst.Name)) and value is not node:
            node = value
    if isinstance(node, cst.Call):
        node = node.func
    return analysis.qualify(node) or ""


def _only_raises(handler: cst.ExceptHandler) -> bool:
    body = handler.body.body
    statements = []
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            statements.extend(statement.body)
        else:
            return False
    return bool(statements) and all(isinstance(s, (cst.Raise, cst.Expr)) for s in statements) \
        and isinstance(statements[-1], cst.Raise)


def _falls_back(handler: cst.ExceptHandler, calls: NetworkCalls) -> bool:
    """The except clause calls another model: a resolved LLM call, or a function whose name
    says fallback."""
    for other in calls.calls:
        if other.spec.kind == "llm" and any(kind == EXCEPT and node is handler for kind, node in other.stack):
            return True
    module = calls.analysis.module
    for node, _scope, stack in calls.analysis.table.calls:
        if any(kind == EXCEPT and n is handler for kind, n in stack):
            text = module.code_for_node(node.func).lower()
            if "fallback" in text or "backup" in text:
                return True
    return False


# -- output caps ---------------------------------------------------------------------------------
@dataclass
class Cap:
    state: str  # "set", "missing", "unknown", "n/a" (the call takes no cap, or always has one)
    parameters: Tuple[str, ...] = ()
    binding: Optional[ClientBinding] = None


def output_caps(call: NetworkCall, calls: NetworkCalls) -> List[Cap]:
    if call.client is None:
        return [_cap(call, calls, None)]
    return [_cap(call, calls, binding) for binding in call.clients or [call.client]]


def _cap(call: NetworkCall, calls: NetworkCalls, binding: Optional[ClientBinding]) -> Cap:
    spec = call.spec
    if isinstance(spec, FunctionSpec):
        paths = spec.output_cap
        client_paths: Tuple[str, ...] = ()
    else:
        assert binding is not None
        paths = binding.spec.output_caps.get(call.method)
        client_paths = binding.spec.client_output_caps
    if paths is None:
        return Cap("n/a")
    parameters = tuple(paths) + tuple(client_paths)
    for path in paths:
        found = find(call.keywords, path, calls.analysis, call.scope)
        if isinstance(found, Found) and not _none(found):
            return Cap("set", parameters, binding)
        if found == UNKNOWN_STATE:
            return Cap(UNKNOWN_STATE, parameters, binding)
    if paths and call.opaque:
        return Cap(UNKNOWN_STATE, parameters, binding)
    if binding is not None:
        if binding.opaque or any(k in binding.keywords for k in binding.spec.opaque_keywords):
            return Cap(UNKNOWN_STATE, parameters, binding)
        for path in client_paths:
            found = find(binding.keywords, path, binding.module, binding.scope)
            if isinstance(found, Found) and not _none(found):
                return Cap("set", parameters, binding)
            if found == UNKNOWN_STATE:
                return Cap(UNKNOWN_STATE, parameters, binding)
    return Cap(MISSING, parameters, binding)


def _none(found: Found) -> bool:
    return isinstance(found.node, cst.Name) and found.node.value == "None"


# -- shared by the rules -------------------------------------------------------------------------
def every(items: list, predicate) -> bool:
    """True when every alternative client gives a finding (if/else clients: precision first)."""
    return bool(items) and all(predicate(item) for item in items)


def related(call: NetworkCall) -> list:
    return [(call.client.location(), "client built here")] if call.client is not None else []
