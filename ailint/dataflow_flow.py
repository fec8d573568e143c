"""The interpreter: follows values through one function's statements, in order.

Each function is interpreted once, forward, with an environment from names (and dotted
access paths: `req.text`, `self.history`) to `Value`s. Branches are joined, loops run to a
fixed point (two passes suffice for a set of taints this small; a third is run when the
second added something), `try` handlers start from what the body may have set, and paths
that end in `return`/`raise`/`break`/`continue` leave the join (a `len()` check that raises
therefore bounds the value after it). The value of every call argument and receiver is
recorded, so a rule asks `flow.value(argument)` after the fact.

Across functions of the same module, one level deep: a call to a module function or a
`self.` method is replaced by the callee's summary (what its return value carries, in terms
of its parameters), and a sink inside a function is connected to the arguments its callers
in the module pass (`Flow.resolve`). Calls to anything else pass their arguments' taints
through, except bound helpers (they bound), LLM calls (their result is model output) and a
short list of functions that return no text (`len`, `int`, `isinstance`, logging, ...).
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from ailint.dataflow_index import CallSite, FunctionInfo, ModuleIndex, access_key, final_name
from ailint.dataflow_llm import LLMCall, http_call_nodes, llm_calls
from ailint.dataflow_model import DOWNLOAD, EMPTY, INPUT, PARAM, Source, Taint, Value
from ailint import dataflow_sources as builtin
from ailint.imports import dotted_name

Recogniser = Callable[[cst.BaseExpression, "SourceContext"], Iterable[Source]]

NO_TEXT_FUNCTIONS = frozenset({"len", "bool", "int", "float", "isinstance", "issubclass", "hash", "id", "type",
                               "callable", "hasattr", "ord", "round", "abs", "print", "range", "sum", "any", "all",
                               "setattr", "delattr", "getattr_static", "sleep", "time", "monotonic", "perf_counter",
                               "uuid4", "uuid1", "now", "utcnow", "count", "startswith", "endswith", "isdigit",
                               "isalpha", "isnumeric", "isspace", "find", "rfind", "index", "is_file", "exists",
                               "is_dir", "keys", "add_task", "put", "write", "close", "flush", "commit", "sha256",
                               "md5", "hexdigest", "debug", "info", "warning", "warn", "error", "exception",
                               "critical", "log", "append", "extend", "insert", "update", "set", "incr"})
# Escapes that make a value inert for its sink: the result carries none of the input.
NEUTRALISERS = frozenset({"shlex.quote", "pipes.quote", "sqlalchemy.bindparam", "sqlalchemy.sql.bindparam",
                          "psycopg2.sql.Literal", "psycopg2.sql.Identifier", "psycopg.sql.Literal",
                          "psycopg.sql.Identifier"})
MUTATORS = frozenset({"append", "extend", "insert", "appendleft", "extendleft", "add", "update", "setdefault"})
FORMATTERS = frozenset({"format", "join", "format_map", "substitute", "safe_substitute", "render"})


class SourceContext:
    """What a source recogniser is handed besides the expression."""

    def __init__(self, flow: "Flow", function: FunctionInfo, request_names: Iterable[str] = ()) -> None:
        self.flow = flow
        self.function = function
        self.imports = flow.imports
        self.index = flow.index
        self.llm_calls = flow.llm_by_node
        self.http_calls = flow.http_nodes
        self.request_names = frozenset(request_names)
        self.loops: List[cst.CSTNode] = []  # the loops being interpreted around the expression


class _State:
    __slots__ = ("env",)

    def __init__(self, env: Optional[Dict[str, Value]] = None) -> None:
        self.env: Dict[str, Value] = dict(env or {})

    def copy(self) -> "_State":
        return _State(self.env)

    def join(self, other: Optional["_State"]) -> "_State":
        if other is None:
            return self
        merged = dict(self.env)
        for key, value in other.env.items():
            merged[key] = merged[key] | value if key in merged else value
        return _State(merged)

    def same_as(self, other: "_State") -> bool:
        return self.env.keys() == other.env.keys() and all(v.same_as(other.env[k]) for k, v in self.env.items())


def _join(states: Sequence[Optional[_State]]) -> Optional[_State]:
    result = None
    for state in states:
        if state is not None:
            result = state.copy() if result is None else result.join(state)
    return result


class _Interpreter:
    def __init__(self, flow: "Flow", function: FunctionInfo, depth: int) -> None:
        self.flow = flow
        self.function = function
        self.depth = depth  # 0: summaries of callees are used; 1: calls stay opaque
        self.values: Dict[int, Value] = {}
        self.returns: Value = EMPTY
        self.exit: Optional[_State] = None
        self._loop_exits: List[Tuple[List[_State], List[_State]]] = []
        self._param_values: Dict[str, Value] = {}
        request_names = []
        if not function.is_module:
            for param in function.params():
                ann = param.annotation.annotation if param.annotation is not None else None
                if ann is not None and final_name(ann if not isinstance(ann, cst.Subscript) else ann.value) in (
                        "Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "WebSocket"):
                    request_names.append(param.name.value)
        self.ctx = SourceContext(flow, function, request_names)

    # -- entry -----------------------------------------------------------------------------
    def run(self) -> "_Interpreter":
        state = _State()
        function = self.function
        if function.is_module:
            body = function.node.body
        else:
            kind = builtin.handler_kind(function, self.flow.imports)
            if kind is not None:
                for param, source, bounded in builtin.parameter_sources(function, kind, self.flow.index.classes):
                    if source is not None:
                        state.env[param.name.value] = Value.of(self.flow.stable(source), bounded)
            else:
                for position, param in enumerate(function.params()):
                    name = param.name.value
                    if position == 0 and function.class_node is not None and name in ("self", "cls"):
                        continue
                    source = self.flow.stable(Source(PARAM, name, param, index=position))
                    state.env[name] = Value.of(source)
            body = function.node.body.body if isinstance(function.node.body, cst.IndentedBlock) else \
                [cst.SimpleStatementLine(body=function.node.body.body)]
        self.exit = self.block(body, state)
        return self

    # -- statements --------------------------------------------------------------------------
    def block(self, statements: Sequence[cst.BaseStatement], state: Optional[_State]) -> Optional[_State]:
        for statement in statements:
            if state is None:
                return None
            state = self.statement(statement, state)
        return state

    def suite(self, suite: cst.BaseSuite, state: _State) -> Optional[_State]:
        if isinstance(suite, cst.IndentedBlock):
            return self.block(suite.body, state)
        return self.block([cst.SimpleStatementLine(body=suite.body)], state)

    def statement(self, node: cst.BaseStatement, state: _State) -> Optional[_State]:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                state = self.small(small, state)
                if state is None:
                    return None
            return state
        if isinstance(node, cst.If):
            return self.if_(node, state)
        if isinstance(node, (cst.For, cst.While)):
            return self.loop(node, state)
        if isinstance(node, (cst.Try, getattr(cst, "TryStar", cst.Try))):
            return self.try_(node, state)
        if isinstance(node, cst.With):
            for item in node.items:
                value = self.ev(item.item, state)
                if item.asname is not None:
                    self.assign(item.asname.name, value, state, node)
            return self.suite(node.body, state)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return state
        if isinstance(node, getattr(cst, "Match", ())):
            subject = self.ev(node.subject, state)
            outs = []
            for case in node.cases:
                branch = state.copy()
                if isinstance(case.pattern, cst.MatchAs) and case.pattern.name is not None:
                    branch.env[case.pattern.name.value] = subject
                outs.append(self.suite(case.body, branch))
            return _join(outs + [state])
        return state

    def small(self, node: cst.BaseSmallStatement, state: _State) -> Optional[_State]:
        if isinstance(node, cst.Expr):
            self.ev(node.value, state)
        elif isinstance(node, cst.Assign):
            value = self.ev(node.value, state)
            for target in node.targets:
                self.assign(target.target, value, state, node)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.ev(node.value, state), state, node)
        elif isinstance(node, cst.AugAssign):
            value = self.ev(node.value, state) | self.ev(node.target, state)
            if isinstance(node.operator, (cst.AddAssign, cst.ModuloAssign)):
                value = value.formatted()
            self.assign(node.target, value, state, node, weak=False)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.returns = self.returns | self.ev(node.value, state)
            return None
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self.ev(node.exc, state)
            return None
        elif isinstance(node, cst.Break):
            if self._loop_exits:
                self._loop_exits[-1][0].append(state)
            return None
        elif isinstance(node, cst.Continue):
            if self._loop_exits:
                self._loop_exits[-1][1].append(state)
            return None
        elif isinstance(node, cst.Assert):
            self.ev(node.test, state)
            self.narrow(node.test, state, True)
        return state

    def if_(self, node: cst.If, state: _State) -> Optional[_State]:
        self.ev(node.test, state)
        then_state = state.copy()
        self.narrow(node.test, then_state, True)
        then_out = self.suite(node.body, then_state)
        else_state = state.copy()
        self.narrow(node.test, else_state, False)
        if node.orelse is None:
            else_out = else_state
        elif isinstance(node.orelse, cst.If):
            else_out = self.if_(node.orelse, else_state)
        else:
            else_out = self.suite(node.orelse.body, else_state)
        return _join([then_out, else_out])

    def loop(self, node, state: _State) -> Optional[_State]:
        head = state.copy()
        if isinstance(node, cst.For):
            element = self.ev(node.iter, state)
        self.ctx.loops.append(node)
        out = head
        breaks: List[_State] = []
        for _ in range(3):
            exits: Tuple[List[_State], List[_State]] = ([], [])
            self._loop_exits.append(exits)
            body_state = head.copy()
            if isinstance(node, cst.For):
                self.assign(node.target, element, body_state, node)
            else:
                self.ev(node.test, body_state)
                self.narrow(node.test, body_state, True)
            end = self.suite(node.body, body_state)
            self._loop_exits.pop()
            breaks = exits[0]
            new_head = _join([head, end] + exits[1])
            if new_head is None or new_head.same_as(head):
                break
            head = new_head
        self.ctx.loops.pop()
        out = head.copy()
        if isinstance(node, cst.While):
            self.narrow(node.test, out, False)
            if _always_true(node.test):
                out = None  # only a break leaves `while True`
        if node.orelse is not None and out is not None:
            out = self.suite(node.orelse.body, out)
        return _join([out] + breaks)

    def try_(self, node, state: _State) -> Optional[_State]:
        body_out = self.suite(node.body, state.copy())
        start = state.join(body_out) if body_out is not None else state.copy()
        outs = []
        for handler in node.handlers:
            handler_state = start.copy()
            if handler.name is not None:
                handler_state.env[handler.name.name.value] = EMPTY
            outs.append(self.suite(handler.body, handler_state))
        if node.orelse is not None and body_out is not None:
            body_out = self.suite(node.orelse.body, body_out)
        result = _join([body_out] + outs)
        if node.finalbody is not None:
            final = self.suite(node.finalbody.body, (result or start).copy())
            result = final if result is not None else None
        return result

    # -- narrowing by length checks --------------------------------------------------------------
    def narrow(self, test: cst.BaseExpression, state: _State, truth: bool) -> None:
        """Bound what a `len()` comparison caps on the branch where the cap holds."""
        for expr in _length_capped(test, truth):
            key = access_key(expr)
            if key is not None:
                state.env[key] = self.ev(expr, state, record=False).bounded()

    # -- assignment --------------------------------------------------------------------------------
    def assign(self, target: cst.BaseExpression, value: Value, state: _State, node: cst.CSTNode,
               weak: bool = False) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.assign(element.value, value, state, node, weak=True)
            return
        if isinstance(target, cst.StarredElement):
            self.assign(target.value, value, state, node, weak)
            return
        if isinstance(target, cst.Subscript):
            key = access_key(target.value)
            self.ev(target.value, state)
            for element in target.slice:
                if isinstance(element.slice, cst.Index):
                    self.ev(element.slice.value, state)
            if key is not None and value:
                state.env[key] = self._current(key, target.value, state) | value
            return
        key = access_key(target)
        if key is None:
            return
        if value:
            value = value.step(node, f"`{key}`")
        if weak and key in state.env:
            value = state.env[key] | value
        state.env[key] = value
        for other in [k for k in state.env if k.startswith(key + ".")]:
            del state.env[other]

    def _current(self, key: str, expr: cst.BaseExpression, state: _State) -> Value:
        if key in state.env:
            return state.env[key]
        return self.ev(expr, state, record=False)

    # -- expressions ---------------------------------------------------------------------------------
    def ev(self, expr: cst.BaseExpression, state: _State, record: bool = True) -> Value:
        found = self.flow.sources_at(expr, self.ctx)
        if isinstance(expr, cst.Call):
            value = self.call(expr, state, record)
            return Value([t for s in found for t in Value.of(s)]) if found else value
        if found:
            if isinstance(expr, cst.Attribute):
                self.ev(expr.value, state, record)
            return Value([t for s in found for t in Value.of(s)])
        if isinstance(expr, cst.Name):
            if expr.value in state.env:
                return state.env[expr.value]
            if not self.function.is_module:
                return self.flow.global_value(expr.value)
            return EMPTY
        if isinstance(expr, cst.Attribute):
            key = dotted_name(expr)
            if key is not None and key in state.env:
                return state.env[key]
            base = self.ev(expr.value, state, record)
            return self.flow.attribute(base, expr.attr.value) if base else EMPTY
        if isinstance(expr, cst.Subscript):
            base = self.ev(expr.value, state, record)
            bounded = False
            for element in expr.slice:
                inner = element.slice
                if isinstance(inner, cst.Slice):
                    for part in (inner.lower, inner.upper, inner.step):
                        if part is not None:
                            self.ev(part, state, record)
                    bounded = self._bounding_slice(inner, state)
                elif isinstance(inner, cst.Index):
                    self.ev(inner.value, state, record)
            return base.bounded() if bounded and base else base
        if isinstance(expr, (cst.FormattedString,)):
            value = EMPTY
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    value = value | self.ev(part.expression, state, record)
            return value.formatted()
        if isinstance(expr, cst.ConcatenatedString):
            return self.ev(expr.left, state, record) | self.ev(expr.right, state, record)
        if isinstance(expr, cst.BinaryOperation):
            value = self.ev(expr.left, state, record) | self.ev(expr.right, state, record)
            if isinstance(expr.operator, (cst.Add, cst.Modulo)):
                value = value.formatted()
            return value
        if isinstance(expr, cst.BooleanOperation):
            return self.ev(expr.left, state, record) | self.ev(expr.right, state, record)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            value = EMPTY
            for element in expr.elements:
                value = value | self.ev(element.value, state, record)
            return value
        if isinstance(expr, cst.Dict):
            value = EMPTY
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    self.ev(element.key, state, record)
                    value = value | self.ev(element.value, state, record)
                else:
                    value = value | self.ev(element.value, state, record)
            return value
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(expr, state, record)
        if isinstance(expr, cst.IfExp):
            self.ev(expr.test, state, record)
            return self.ev(expr.body, state, record) | self.ev(expr.orelse, state, record)
        if isinstance(expr, cst.Await):
            return self.ev(expr.expression, state, record)
        if isinstance(expr, cst.NamedExpr):
            value = self.ev(expr.value, state, record)
            self.assign(expr.target, value, state, expr)
            return value
        if isinstance(expr, (cst.Comparison, cst.UnaryOperation)):
            for child in expr.children:
                if isinstance(child, cst.BaseExpression):
                    self.ev(child, state, record)
            if isinstance(expr, cst.Comparison):
                for target in expr.comparisons:
                    self.ev(target.comparator, state, record)
            return EMPTY
        if isinstance(expr, (cst.StarredElement,)):
            return self.ev(expr.value, state, record)
        if isinstance(expr, cst.Yield) and isinstance(expr.value, cst.BaseExpression):
            self.ev(expr.value, state, record)
        return EMPTY

    def comprehension(self, expr, state: _State, record: bool) -> Value:
        inner = state.copy()
        clause = expr.for_in
        while clause is not None:
            self.assign(clause.target, self.ev(clause.iter, inner, record), inner, clause, weak=True)
            for condition in clause.ifs:
                self.ev(condition.test, inner, record)
            clause = clause.inner_for_in
        if isinstance(expr, cst.DictComp):
            return self.ev(expr.key, inner, record) | self.ev(expr.value, inner, record)
        return self.ev(expr.elt, inner, record)

    def _bounding_slice(self, node: cst.Slice, state: _State) -> bool:
        """`x[:N]`, `x[a:N]`, `x[-N:]` with N not itself unbounded input."""
        if node.upper is not None:
            return not self.ev(node.upper, state, record=False).unbounded(INPUT)
        lower = node.lower
        return isinstance(lower, cst.UnaryOperation) and isinstance(lower.operator, cst.Minus)

    # -- calls -----------------------------------------------------------------------------------------
    def call(self, node: cst.Call, state: _State, record: bool) -> Value:
        func = node.func
        receiver = EMPTY
        if isinstance(func, cst.Attribute):
            receiver = self.ev(func.value, state, record)
            if record:
                self._record(func.value, receiver)
            own = self.flow.sources_at(func, self.ctx)  # request.get_json(), request.json()
            if own:
                receiver = Value([t for s in own for t in Value.of(s)])
        elif not isinstance(func, cst.Name):
            receiver = self.ev(func, state, record)
        args: List[Tuple[cst.Arg, Value]] = []
        for arg in node.args:
            value = self.ev(arg.value, state, record)
            args.append((arg, value))
            if record:
                self._record(arg.value, value)
        name = final_name(func)
        qualified = self.flow.imports.qualify(func) or ""
        everything = receiver
        for _, value in args:
            everything = everything | value
        # effects on the receiver: lists that grow
        if isinstance(func, cst.Attribute) and name in MUTATORS:
            key = access_key(func.value)
            if key is not None:
                added = EMPTY
                for _, value in args:
                    added = added | value
                if added:
                    state.env[key] = self._current(key, func.value, state) | added.step(node, f"`{key}`")
            return EMPTY
        if qualified in builtin.DOWNLOAD_TO_ARGUMENT and len(node.args) >= 2:
            key = access_key(node.args[1].value)
            if key is not None:
                label = builtin.DOWNLOAD_FUNCTIONS.get(qualified, "a download")
                state.env[key] = Value.of(self.flow.stable(Source(DOWNLOAD, f"file downloaded by {label}", node,
                                                                  origin="download")))
        if id(node) in self.flow.llm_by_node:
            return EMPTY  # the model's output is a source of its own (see sources)
        if builtin.is_bound_helper(node, qualified, self.flow.bound_helpers):
            return everything.bounded()
        if name in NO_TEXT_FUNCTIONS or qualified in NEUTRALISERS \
                or qualified.split(".")[0] in ("logging", "hashlib", "uuid", "time", "math"):
            return EMPTY
        callee = self.flow.local_callee(node, self.function)
        if callee is not None and self.depth == 0 and callee is not self.function:
            return self.substitute(node, callee, args)
        if name in FORMATTERS and everything:
            return everything.formatted()
        if name in ("get", "pop") and isinstance(func, cst.Attribute) and args:
            # mapping.get(key, default): the value comes from the mapping, not from the key
            out = receiver
            for _, value in args[1:]:
                out = out | value
            return out
        return everything

    def substitute(self, node: cst.Call, callee: FunctionInfo, args: List[Tuple[cst.Arg, Value]]) -> Value:
        summary = self.flow.summary(callee)
        if not summary:
            return EMPTY
        bound = bind_arguments(callee, node, [value for _, value in args])
        out: List[Taint] = []
        note = f"through `{callee.name}()`"
        for taint in summary:
            if taint.source.kind == PARAM:
                for passed in bound.get(taint.source.label, EMPTY):
                    out.append(Taint(passed.source, passed.bounded or taint.bounded, passed.formatted or taint.formatted,
                                     passed.steps, passed.model).with_step(node, note))
            else:
                out.append(taint.with_step(node, note))
        return Value(out)

    def _record(self, expr: cst.BaseExpression, value: Value) -> None:
        previous = self.values.get(id(expr))
        self.values[id(expr)] = value if previous is None else previous | value


def _always_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (isinstance(test, cst.Integer) and test.value != "0")


def _length_capped(test: cst.BaseExpression, truth: bool) -> List[cst.BaseExpression]:
    """Expressions whose length `test` caps when it evaluates to `truth`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _length_capped(test.expression, not truth)
    if isinstance(test, cst.BooleanOperation):
        both = isinstance(test.operator, cst.And) == truth  # and/True, or/False: each side holds
        if both:
            return _length_capped(test.left, truth) + _length_capped(test.right, truth)
        return []
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return []
    left, op, right = test.left, test.comparisons[0].operator, test.comparisons[0].comparator
    measured_left = _measured(left)
    measured_right = _measured(right)
    if measured_left is not None:
        caps_when_true = isinstance(op, (cst.LessThan, cst.LessThanEqual))
        caps_when_false = isinstance(op, (cst.GreaterThan, cst.GreaterThanEqual))
        expr = measured_left
    elif measured_right is not None:
        caps_when_true = isinstance(op, (cst.GreaterThan, cst.GreaterThanEqual))
        caps_when_false = isinstance(op, (cst.LessThan, cst.LessThanEqual))
        expr = measured_right
    else:
        return []
    return [expr] if (caps_when_true if truth else caps_when_false) else []


def _measured(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`x` for `len(x)`, `len(enc.encode(x))`, `count_tokens(x)`, `num_tokens(x)`."""
    if not isinstance(node, cst.Call) or not node.args:
        return None
    name = final_name(node.func)
    if name == "len" or "token" in name.lower():
        inner = node.args[0].value
        if isinstance(inner, cst.Call) and inner.args and final_name(inner.func) in ("encode", "tokenize", "split"):
            return inner.args[0].value if final_name(inner.func) != "split" else (
                inner.func.value if isinstance(inner.func, cst.Attribute) else None)
        return inner
    return None


def bind_arguments(function: FunctionInfo, call: cst.Call, values: Sequence[Value]) -> Dict[str, Value]:
    """{parameter name: value passed} for a call of `function` (self skipped for methods)."""
    params = [p for p in function.params()]
    node = function.node
    positional = list(node.params.posonly_params) + list(node.params.params)
    if function.class_node is not None and positional and positional[0].name.value in ("self", "cls") \
            and isinstance(call.func, cst.Attribute):
        positional = positional[1:]
    star = node.params.star_arg.name.value if isinstance(node.params.star_arg, cst.Param) else None
    kwargs = node.params.star_kwarg.name.value if node.params.star_kwarg is not None else None
    names = {p.name.value for p in params}
    bound: Dict[str, Value] = {}
    position = 0
    for arg, value in zip(call.args, values):
        if arg.star:
            for target in [p.name.value for p in positional] + [star, kwargs]:
                if target:
                    bound[target] = bound.get(target, EMPTY) | value
            continue
        if arg.keyword is not None:
            target = arg.keyword.value if arg.keyword.value in names else kwargs
        elif position < len(positional):
            target = positional[position].name.value
            position += 1
        else:
            target = star
        if target:
            bound[target] = bound.get(target, EMPTY) | value
    return bound


class Flow:
    """The dataflow of one file. Get it with `Flow.of(file)`; it is computed lazily (only the
    functions a rule asks about are interpreted) and shared by every rule of the run's file."""

    def __init__(self, file, bound_helpers: Sequence[str] = tuple(builtin.DEFAULT_BOUND_HELPERS),
                 sources: Sequence[Recogniser] = ()) -> None:
        self.file = file
        self.imports = file.imports
        self.index = index_of(file)
        self.bound_helpers = tuple(bound_helpers)
        self.recognisers: Tuple[Recogniser, ...] = (builtin.builtin_sources,) + tuple(sources)
        self.llm_calls: List[LLMCall] = llm_calls(file, self.index)
        self.llm_by_node: Dict[int, LLMCall] = {id(call.node): call for call in self.llm_calls}
        self.http_nodes = http_call_nodes(file)
        self._interpreters: Dict[Tuple[int, int], _Interpreter] = {}
        self._sources: Dict[Tuple[int, int], Tuple[Source, ...]] = {}
        self._stable: Dict[Tuple[str, int, str], Source] = {}
        self._globals: Optional[Dict[str, Value]] = None
        self._callers: Optional[Dict[int, List[CallSite]]] = None

    @classmethod
    def of(cls, file, bound_helpers: Sequence[str] = tuple(builtin.DEFAULT_BOUND_HELPERS),
           sources: Sequence[Recogniser] = ()) -> "Flow":
        """The flow of a `FileContext`, cached per file and per configuration."""
        cache = file.__dict__.setdefault("_analyses", {})
        key = (cls, tuple(bound_helpers), tuple(sources))
        if key not in cache:
            cache[key] = cls(file, bound_helpers, sources)
        return cache[key]

    # -- sources ---------------------------------------------------------------------------------
    def stable(self, source: Source) -> Source:
        """The same Source object for the same (kind, node, label), so loops reach a fixed point."""
        key = (source.kind, id(source.node), source.label)
        return self._stable.setdefault(key, source)

    def sources_at(self, expr: cst.BaseExpression, ctx: SourceContext) -> Tuple[Source, ...]:
        key = (id(expr), id(ctx.function))
        if key not in self._sources:
            found: List[Source] = []
            for recognise in self.recognisers:
                found.extend(self.stable(s) for s in recognise(expr, ctx) or ())
            if ctx.loops:  # recognisers that depend on the loop (local histories) are not cached
                return tuple(found)
            self._sources[key] = tuple(found)
        return self._sources[key]

    # -- functions -------------------------------------------------------------------------------
    def function_of(self, node: cst.CSTNode) -> FunctionInfo:
        """The function holding a call (the module for module-level code)."""
        site = self.index.call_sites.get(id(node))
        return site.function if site is not None else self.index.module_info

    def interpret(self, function: FunctionInfo, depth: int = 0) -> _Interpreter:
        key = (id(function), depth)
        if key not in self._interpreters:
            self._interpreters[key] = _Interpreter(self, function, depth)  # guards recursion
            self._interpreters[key].run()
        return self._interpreters[key]

    def summary(self, function: FunctionInfo) -> Value:
        """What `function` returns, in terms of its parameters (PARAM taints) and its own sources."""
        return self.interpret(function, depth=1).returns

    def global_value(self, name: str) -> Value:
        if self._globals is None:
            self._globals = {}
            interpreter = self.interpret(self.index.module_info)
            if interpreter.exit is not None:
                self._globals = interpreter.exit.env
        return self._globals.get(name, EMPTY)

    def attribute(self, base: Value, attr: str) -> Value:
        """The value of `base.attr`: the same taints, narrowed by pydantic field bounds."""
        classes = self.index.classes
        if all(taint.model is None for taint in base):
            return base
        out = []
        for taint in base:
            if taint.model is not None and taint.model in classes:
                verdict = builtin.field_verdict(classes[taint.model], attr, classes)
                if verdict == "drop":
                    continue
                if verdict == "bounded":
                    out.append(Taint(taint.source, True, taint.formatted, taint.steps, None))
                    continue
                model = verdict[1] if isinstance(verdict, tuple) else None
                out.append(Taint(taint.source, taint.bounded, taint.formatted, taint.steps, model))
            else:
                out.append(taint)
        return Value(out)

    def local_callee(self, call: cst.Call, function: FunctionInfo) -> Optional[FunctionInfo]:
        """The module function or same-class method a call reaches, if any."""
        func = call.func
        if isinstance(func, cst.Name):
            if func.value in self.imports.aliases:
                return None
            return self.index.module_functions.get(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            if function.class_node is not None:
                return self.index.methods.get((id(function.class_node), func.attr.value))
        return None

    def callers(self, function: FunctionInfo) -> List[CallSite]:
        """Calls of `function` in this module."""
        if self._callers is None:
            self._callers = {}
            for site in self.index.calls:
                callee = self.local_callee(site.node, site.function)
                if callee is not None:
                    self._callers.setdefault(id(callee), []).append(site)
        return self._callers.get(id(function), [])

    # -- the questions rules ask -------------------------------------------------------------------
    def value(self, expr: cst.BaseExpression, at: Optional[cst.CSTNode] = None) -> Value:
        """The value of a call's argument or receiver `expr` (at call `at`, or found from `expr`'s
        own call) in its function. PARAM taints stand for the function's parameters; use
        `resolve` to see what the callers pass."""
        function = self.function_of(at) if at is not None else self._function_of_expr(expr)
        interpreter = self.interpret(function)
        return interpreter.values.get(id(expr), EMPTY)

    def _function_of_expr(self, expr: cst.BaseExpression) -> FunctionInfo:
        for site in self.index.calls:
            node = site.node
            if any(arg.value is expr for arg in node.args) or (isinstance(node.func, cst.Attribute) and node.func.value is expr):
                return site.function
        return self.index.module_info

    def resolve(self, value: Value, function: FunctionInfo) -> Value:
        """Replace the PARAM taints of `value` by what callers in this module pass (one level)."""
        concrete = [t for t in value if t.source.kind != PARAM]
        params = [t for t in value if t.source.kind == PARAM]
        if not params or function.is_module:
            return Value(concrete)
        for site in self.callers(function):
            caller = self.interpret(site.function)
            passed = [caller.values.get(id(arg.value), EMPTY) for arg in site.node.args]
            bound = bind_arguments(function, site.node, passed)
            for taint in params:
                for incoming in bound.get(taint.source.label, EMPTY):
                    if incoming.source.kind == PARAM:
                        continue
                    merged = Taint(incoming.source, incoming.bounded or taint.bounded,
                                   incoming.formatted or taint.formatted, incoming.steps, incoming.model)
                    merged = merged.with_step(site.node, f"passed to `{function.name}()`")
                    for step in taint.steps:
                        merged = merged.with_step(step.node, step.note)
                    concrete.append(merged)
        return Value(concrete)

    def sources_reaching(self, expr: cst.BaseExpression, at: Optional[cst.CSTNode] = None) -> Value:
        """`value` then `resolve`: the concrete sources reaching a call argument, through callers."""
        function = self.function_of(at) if at is not None else self._function_of_expr(expr)
        return self.resolve(self.value(expr, at), function)


def index_of(file) -> ModuleIndex:
    """The module index of a `FileContext`, built once per file and shared."""
    cache = file.__dict__.setdefault("_analyses", {})
    if ModuleIndex not in cache:
        cache[ModuleIndex] = ModuleIndex.build(file.module, file.imports)
    return cache[ModuleIndex]
