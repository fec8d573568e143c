from __future__ import annotations

import math
import re
from typing import List, Optional, Set

import libcst as cst

from ailint.dataflow import LlmNeedles, Flow, access_key, final_name
from ailint.rule import Invalid, Option, Valid
from ailint.types import Severity
from ailint.walk import walk

from ailint_rules.support.flows import FlowRule

_CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"
_CALL = "client.chat.completions.create(model='m', messages=messages)"
_CAP_WORDS = re.compile(r"max|limit|budget|deadline|cap|remaining|steps|turns|iteration|attempt|retries|round|depth",
                        re.I)
_WAITS = frozenset({"input", "receive", "receive_text", "receive_json", "receive_bytes", "recv", "sleep", "wait",
                    "get_message", "read_message", "accept"})
_EXECUTORS = frozenset({"AgentExecutor", "initialize_agent", "from_agent_and_tools", "create_agent_executor"})


class AgentLoopWithoutCap(FlowRule):
    """
    ## What it does
    Flags an agent loop with no iteration cap: a `while True:` / `while not done:` /
    `while pending:` loop that calls an LLM (directly, or through a same-module helper one
    level deep) with no counter compared to a maximum, neither in the loop condition
    (`while step < MAX_STEPS`) nor in an `if` that leaves the loop (`if step >= max_steps: break`;
    `raise`/`return` count too; a `len()` or deadline comparison counts as a cap). `for` loops
    (`for _ in range(n)`) are bounded and never flagged. Loops that wait for outside input every
    turn (`input()`, `websocket.receive_text()`, a queue's `get()`, `sleep`) are interactive or
    workers, not agent loops, and are not flagged.

    Also flagged: LangGraph `recursion_limit` above `max-recursion-limit` (in a `config` dict
    or `with_config(recursion_limit=...)`), and LangChain `AgentExecutor`/`initialize_agent`
    with `max_iterations=None` (or above `max-iterations`).

    ## Why is this bad?
    A model decides when an agent loop ends. A confused model, a tool that keeps failing, or
    a prompt injection can keep it going: every turn costs tokens and time, and the request
    never finishes. A hard cap turns a runaway into a bounded, reportable failure.

    ## Example
    ```python
    while True:
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        if not reply.choices[0].message.tool_calls:
            break
        messages += run_tools(reply)
    ```

    ## Use instead
    ```python
    for step in range(MAX_STEPS):
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        if not reply.choices[0].message.tool_calls:
            break
        messages += run_tools(reply)
    else:
        raise AgentError(f"no answer after {MAX_STEPS} steps")
    ```

    ## Options
    - `max-recursion-limit` (int, default `100`): a LangGraph `recursion_limit` above it is flagged
      (LangGraph's default is 25).
    - `max-iterations` (int, default `100`): an `AgentExecutor(max_iterations=...)` above it is
      flagged (LangChain's default is 15).

    ## References
    - OWASP Top 10 for LLM Applications, LLM10 Unbounded Consumption:
      https://genai.owasp.org/llmrisk/llm102025-unbounded-consumption/
    - LangGraph recursion limit: https://langchain-ai.github.io/langgraph/how-tos/recursion-limit/
    - LangChain AgentExecutor `max_iterations`:
      https://python.langchain.com/api_reference/langchain/agents/langchain.agents.agent.AgentExecutor.html
    """

    code = "AIL603"
    name = "agent-loop-without-cap"
    severity = Severity.WARNING
    needles = LlmNeedles(b"recursion_limit", b"max_iterations")
    requires_sdk_import = "llm"  # reports on LLM calls only
    unconditional_needles = (b"recursion_limit", b"max_iterations")  # LangGraph / AgentExecutor settings
    options = {
        "max-recursion-limit": Option(100, "a LangGraph recursion_limit above this is flagged"),
        "max-iterations": Option(100, "an AgentExecutor max_iterations above this is flagged"),
    }

    VALID = [
        Valid(_CLIENT + f"def run(messages):\n    for step in range(10):\n        reply = {_CALL}\n"
              "        if reply.choices[0].finish_reason == 'stop':\n            return reply\n"),
        Valid(_CLIENT + f"MAX_STEPS = 8\n\ndef run(messages):\n    steps = 0\n    while True:\n        steps += 1\n"
              f"        if steps > MAX_STEPS:\n            raise RuntimeError('agent did not finish')\n"
              f"        reply = {_CALL}\n        if reply.choices[0].finish_reason == 'stop':\n            return reply\n"),
        Valid(_CLIENT + f"def chat():\n    messages = []\n    while True:\n        line = input('> ')\n"
              f"        messages.append({{'role': 'user', 'content': line[:2000]}})\n        print({_CALL})\n"),
        Valid("graph = None\nresult = graph.invoke({'messages': []}, config={'recursion_limit': 50})\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + f"def run(messages):\n    done = False\n    while not done:\n        reply = {_CALL}\n"
                "        done = reply.choices[0].finish_reason == 'stop'\n    return reply\n",
                lines=[7], message="example.py:6"),
        Invalid("from langgraph.prebuilt import create_react_agent\nagent = create_react_agent(model, tools)\n"
                "agent.invoke({'messages': msgs}, config={'recursion_limit': 10_000})\n", lines=[3],
                message="10000"),
        Invalid("from langchain.agents import AgentExecutor\nexecutor = AgentExecutor(agent=agent, tools=tools, "
                "max_iterations=None)\n", lines=[2], message="max_iterations=None"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        name = final_name(node.func)
        for arg in node.args:
            if arg.keyword is None:
                if isinstance(arg.value, cst.Dict):
                    self._config_dict(node, arg.value)
                continue
            keyword = arg.keyword.value
            if keyword == "config" and isinstance(arg.value, cst.Dict):
                self._config_dict(node, arg.value)
            elif keyword == "recursion_limit":
                self._recursion_limit(node, arg.value)
            elif keyword == "max_iterations" and name in _EXECUTORS:
                value = _number(arg.value)
                if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                    self.report(node, f"{name}(max_iterations=None) lets the agent loop run forever; "
                                      f"keep a cap (LangChain's default is 15)")
                elif value is not None and value > self.settings["max-iterations"]:
                    self.report(node, f"{name}(max_iterations={_show(value)}) is effectively no cap; keep it at or "
                                      f"below {self.settings['max-iterations']}")

    def _config_dict(self, call: cst.Call, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) \
                    and element.key.evaluated_value == "recursion_limit":
                self._recursion_limit(call, element.value)

    def _recursion_limit(self, call: cst.Call, value_node: cst.BaseExpression) -> None:
        value = _number(value_node)
        if value is not None and value > self.settings["max-recursion-limit"]:
            self.report(call, f"recursion_limit={_show(value)} lets the graph loop almost forever; keep it at or below "
                              f"{self.settings['max-recursion-limit']} (LangGraph's default is 25)")

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        if not flow.index.whiles or not flow.llm_calls:
            return
        llm_functions = {id(flow.function_of(call.node)) for call in flow.llm_calls}
        for loop, function in flow.index.whiles:
            if not _open_ended(loop.test):
                continue
            inside = [site for site in function.calls if any(l is loop for l in site.loops)]
            hit = None
            for site in inside:
                if id(site.node) in flow.llm_by_node:
                    hit = (site.node, flow.llm_by_node[id(site.node)].label)
                    break
                callee = flow.local_callee(site.node, function)
                if callee is not None and callee is not function and id(callee) in llm_functions:
                    hit = (site.node, f"{final_name(site.node.func)}() (which calls the model)")
                    break
            if hit is None or _waits(inside) or _has_cap(loop):
                continue
            node, label = hit
            self.report(node, f"the `while` loop at {{related}} calls {label} with no iteration cap; count the "
                              f"turns and stop at a maximum (for step in range(MAX_STEPS): ...)",
                        related=[(loop, "loop without a cap")])


def _number(node: cst.BaseExpression) -> Optional[float]:
    if isinstance(node, cst.Integer):
        return float(int(node.value.replace("_", ""), 0))
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.BinaryOperation):
        left, right = _number(node.left), _number(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.operator, cst.Power):
            return math.inf if right > 400 else left ** right
        if isinstance(node.operator, cst.Multiply):
            return left * right
        if isinstance(node.operator, cst.Add):
            return left + right
        return None
    text = access_key(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    if text in ("sys.maxsize", "math.inf", "float('inf')", "numpy.inf", "np.inf"):
        return math.inf
    if isinstance(node, cst.Call) and final_name(node.func) == "float" and node.args and \
            isinstance(node.args[0].value, cst.SimpleString) and "inf" in node.args[0].value.evaluated_value.lower():
        return math.inf
    return None


def _show(value: float) -> str:
    return "infinity" if value == math.inf else str(int(value))


def _open_ended(test: cst.BaseExpression) -> bool:
    """`while True`, `while 1`, `while not done`, `while pending`, `while self.running()` ...:
    a loop the model (not a counter) ends."""
    if _mentions_cap(test):
        return False
    if isinstance(test, cst.Comparison):
        return all(isinstance(c.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot, cst.In, cst.NotIn))
                   for c in test.comparisons)
    return isinstance(test, (cst.Name, cst.Attribute, cst.UnaryOperation, cst.Integer, cst.Call, cst.BooleanOperation))


def _mentions_cap(test: cst.BaseExpression) -> bool:
    """An ordering comparison (`<`, `<=`, `>`, `>=`) anywhere in a condition."""
    found = []

    class _Find(cst.CSTVisitor):
        def visit_ComparisonTarget(self, node: cst.ComparisonTarget) -> None:
            if isinstance(node.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)):
                found.append(node)

    walk(test, _Find())
    return bool(found)


def _waits(sites) -> bool:
    for site in sites:
        func = site.node.func
        name = final_name(func)
        if name in _WAITS and not (name == "wait" and not isinstance(func, cst.Attribute)):
            return True
        if name == "get" and isinstance(func, cst.Attribute) and not any(a.keyword is None for a in site.node.args):
            return True  # queue.get(): a dict's get always takes a key
    return False


class _CapFinder(cst.CSTVisitor):
    """In a loop body: counters (`n += 1`) and exits guarded by an ordering comparison."""

    def __init__(self) -> None:
        super().__init__()
        self.counters: Set[str] = set()
        self.guards: List[cst.BaseExpression] = []
        self.depth = 0

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        key = access_key(node.target)
        if key and isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            self.counters.add(key)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, (cst.Add, cst.Subtract)):
            for target in node.targets:
                key = access_key(target.target)
                if key:
                    self.counters.add(key)

    def visit_If(self, node: cst.If) -> None:
        if _exits(node.body):
            self.guards.append(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.guards.append(node.test)


def _exits(suite: cst.BaseSuite) -> bool:
    found = []

    class _Exit(cst.CSTVisitor):
        def visit_Break(self, node) -> None:
            found.append(node)

        def visit_Return(self, node) -> None:
            found.append(node)

        def visit_Raise(self, node) -> None:
            found.append(node)

        def visit_FunctionDef(self, node) -> bool:
            return False

    walk(suite, _Exit())
    return bool(found)


def _has_cap(loop: cst.While) -> bool:
    finder = _CapFinder()
    walk(loop.body, finder)
    for guard in finder.guards:
        for comparison in _ordering_comparisons(guard):
            names = _names_in(comparison)
            if names & finder.counters or any(_CAP_WORDS.search(n) for n in names) or "len" in names:
                return True
    return False


def _ordering_comparisons(test: cst.BaseExpression) -> List[cst.Comparison]:
    out: List[cst.Comparison] = []

    class _Find(cst.CSTVisitor):
        def visit_Comparison(self, node: cst.Comparison) -> None:
            if any(isinstance(c.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))
                   for c in node.comparisons):
                out.append(node)

    walk(test, _Find())
    return out


def _names_in(node: cst.CSTNode) -> Set[str]:
    names: Set[str] = set()

    class _Find(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            names.add(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> None:
            key = access_key(n)
            if key:
                names.add(key)

    walk(node, _Find())
    return names
