from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst

from ailint.dataflow import HISTORY, LlmNeedles, Flow, FunctionInfo, ModuleIndex, Source, access_key, final_name
from ailint.dataflow import index_of
from ailint.dataflow_index import Append
from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, report_flow

_CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"
_SETUP = frozenset({"__init__", "__post_init__", "setup", "reset", "clear", "new_session", "start"})
_WINDOW_WORDS = ("trim", "truncat", "window", "summar", "compress", "prune", "clip", "shorten", "limit", "last")
_ALIAS_METHODS = frozenset({"setdefault", "get", "__getitem__"})


class UnboundedChatHistory(FlowRule):
    """
    ## What it does
    Flags a conversation history that grows every turn and reaches an LLM call with no trim or
    window: a list appended to (`append`, `extend`, `insert`, `+= [...]`) in a handler or
    method that keeps it between calls (an attribute on `self`, a module-level list or dict of
    sessions, or an alias of one: `history = SESSIONS.setdefault(user, [])`), or a local list
    appended inside a `while` loop that calls the model. The history must reach the prompt of
    an LLM call (directly, or through `[system] + history`, `[*history, msg]`, a helper).

    Not flagged when anything in the module windows it: a slice on the way to the call
    (`history[-20:]`), a slice or helper assignment back (`self.history = self.history[-20:]`,
    `history = trim_messages(history, ...)`, `history[:] = ...`), `del history[...]`,
    `history.pop(...)`, `.popleft()`, `.clear()`, a `len(history)` check,
    `collections.deque(maxlen=N)`, or a bound helper (`trim`, `truncate`, `window`,
    `summarize`, ... in its name). Emptying the list in a reset method does not count: it
    still grows without limit between resets.

    ## Why is this bad?
    Each turn resends the whole conversation, so cost and latency grow with every message,
    and a long enough conversation exceeds the context window: the call starts failing for
    that user, typically hours into a session. Old turns also keep any injected instructions
    alive forever.

    ## Example
    ```python
    class Chat:
        def __init__(self):
            self.history = []

        def ask(self, text):
            self.history.append({"role": "user", "content": text})
            reply = client.chat.completions.create(model="gpt-4o", messages=self.history)
            self.history.append({"role": "assistant", "content": reply.choices[0].message.content})
    ```

    ## Use instead
    ```python
    messages = [SYSTEM] + self.history[-MAX_TURNS:]
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```
    or keep `self.history = deque(maxlen=MAX_TURNS)`, or summarise old turns.

    ## Options
    None.

    ## References
    - OWASP Top 10 for LLM Applications, LLM10 Unbounded Consumption:
      https://genai.owasp.org/llmrisk/llm102025-unbounded-consumption/
    - LangChain, trimming messages: https://python.langchain.com/docs/how_to/trim_messages/
    - OpenAI, conversation state: https://platform.openai.com/docs/guides/conversation-state
    """

    code = "AIL604"
    name = "unbounded-chat-history"
    severity = Severity.WARNING
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI()\n\ndef chat(a, b):\n    b = a\n    a = b\n"
              "    a.append({'role': 'user', 'content': 'hi'})\n"
              "    return client.chat.completions.create(model='m', messages=a)\n"),  # an alias cycle
        Valid(_CLIENT + "class Chat:\n    def __init__(self):\n        self.history = []\n\n    def ask(self, text):\n"
              "        self.history.append({'role': 'user', 'content': text[:2000]})\n"
              "        return client.chat.completions.create(model='m', messages=self.history[-20:])\n"),
        Valid(_CLIENT + "from collections import deque\n\nclass Chat:\n    def __init__(self):\n"
              "        self.history = deque(maxlen=20)\n\n    def ask(self, text):\n"
              "        self.history.append({'role': 'user', 'content': text[:2000]})\n"
              "        return client.chat.completions.create(model='m', messages=list(self.history))\n"),
        Valid(_CLIENT + "HISTORY = []\n\ndef ask(text):\n    HISTORY.append({'role': 'user', 'content': text[:2000]})\n"
              "    if len(HISTORY) > 40:\n        del HISTORY[:2]\n"
              "    return client.chat.completions.create(model='m', messages=HISTORY)\n"),
        Valid(_CLIENT + "def answer(questions):\n    messages = []\n    for q in questions:\n"
              "        messages.append({'role': 'user', 'content': q[:100]})\n"
              "    return client.chat.completions.create(model='m', messages=messages)\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + "class Chat:\n    def __init__(self):\n        self.history = []\n\n    def ask(self, text):\n"
                "        self.history.append({'role': 'user', 'content': text[:2000]})\n"
                "        return client.chat.completions.create(model='m', messages=self.history)\n",
                lines=[10], message="`self.history` (example.py:9)"),
        Invalid(_CLIENT + "SESSIONS = {}\n\ndef ask(user, text):\n    history = SESSIONS.setdefault(user, [])\n"
                "    history.append({'role': 'user', 'content': text[:2000]})\n"
                "    reply = client.chat.completions.create(model='m', messages=[{'role': 'system', 'content': 'Be brief'}]"
                " + history)\n    history.append({'role': 'assistant', 'content': reply.choices[0].message.content})\n"
                "    return reply\n", lines=[9]),
        Invalid(_CLIENT + "def repl():\n    messages = [{'role': 'system', 'content': 'You are helpful'}]\n"
                "    while True:\n        line = input('> ')[:1000]\n        messages.append({'role': 'user', 'content': line})\n"
                "        reply = client.chat.completions.create(model='m', messages=messages)\n"
                "        messages.append(reply.choices[0].message)\n", lines=[9]),
    ]

    def end_file(self) -> None:
        index = index_of(self.file)
        if not index.appends:
            return
        candidates = self._candidates(index)
        if not candidates:
            return
        persistent: Dict[Tuple[Optional[int], str], Append] = {}
        local: Dict[Tuple[int, str], Tuple[Append, cst.While]] = {}
        for kind, key, function, append, loop in candidates:
            if kind == "persistent":
                persistent.setdefault((id(function) if function is not None else None, key), append)
            else:
                local.setdefault((id(function), key), (append, loop))

        def recognise(expr, ctx):
            if not isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)):
                return ()
            key = access_key(expr)
            if key is None:
                return ()
            append = persistent.get((None, key)) or persistent.get((id(ctx.function), key))
            if append is not None:
                return (Source(HISTORY, f"conversation history `{append.key}`", append.node, origin="history"),)
            found = local.get((id(ctx.function), key))
            if found is not None and any(l is found[1] for l in ctx.loops):
                return (Source(HISTORY, f"conversation history `{key}`", found[0].node, origin="history"),)
            return ()

        flow = Flow.of(self.file, sources=(recognise,))
        for call in flow.llm_calls:
            if not call.generative:
                continue
            for argument, expr in call.prompt_arguments():
                taints = flow.sources_reaching(expr, call.node).unbounded(HISTORY)
                if taints:
                    report_flow(self, call.node, taints[0], f"the {argument} of {call.label}",
                                "keep a window (history[-N:], deque(maxlen=N)) or summarise old turns",
                                tail=" and grows every turn with no trim or window")
                    break

    # -- which appended lists are conversation histories that persist --------------------------------
    def _candidates(self, index: ModuleIndex):
        out = []
        for append in index.appends:
            function = append.function
            key = append.key
            if function.is_module and not any(isinstance(l, cst.While) for l in append.loops):
                continue
            if function.name in _SETUP:
                continue
            container = self._persistent_container(index, key, function)
            if container is not None:
                if self._windowed(index, container) or self._windowed(index, key, function):
                    continue
                scope = None if container == key else function
                out.append(("persistent", key, scope, append, None))
                continue
            loops = [l for l in append.loops if isinstance(l, cst.While)]
            if loops and "." not in key and not self._windowed(index, key, function):
                out.append(("local", key, function, append, loops[0]))
        return out

    def _persistent_container(self, index: ModuleIndex, key: str, function: FunctionInfo,
                              seen: Optional[frozenset] = None) -> Optional[str]:
        """The key of the long-lived container `key` is (or aliases), else None. `seen` stops
        alias cycles (`a = b` ... `b = a`)."""
        seen = (seen or frozenset()) | {key}
        base = key.split(".")[0].split("[")[0]
        if key.startswith("self.") or key.startswith("cls."):
            return key
        if not function.is_module and base in index.module_names and not self._assigned_in(index, base, function):
            return key
        if "." not in key and "[" not in key:  # a local alias: history = SESSIONS.setdefault(user, [])
            for value, where in index.assignments.get(key, ()):
                if where is not function:
                    continue
                source = value
                if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) \
                        and source.func.attr.value in _ALIAS_METHODS:
                    source = source.func.value
                    container = access_key(source)
                    if container is not None:
                        container += "[]"
                else:
                    container = access_key(source) if isinstance(source, (cst.Subscript, cst.Attribute, cst.Name)) else None
                if container is not None and container not in seen:
                    outer = self._persistent_container(index, container, function, seen)
                    if outer is not None:
                        return outer
        return None

    @staticmethod
    def _assigned_in(index: ModuleIndex, name: str, function: FunctionInfo) -> bool:
        if name in index.global_decls.get(id(function), ()):
            return False
        return any(where is function for _, where in index.assignments.get(name, ()))

    def _windowed(self, index: ModuleIndex, key: str, function: Optional[FunctionInfo] = None) -> bool:
        """Anything in the module that trims, windows or caps the list."""
        bare = key[:-2] if key.endswith("[]") else key
        if key in index.trims or bare in index.trims or (bare + "[]") in index.trims:
            return True
        for candidate in {key, bare}:
            for value, where in index.assignments.get(candidate, ()):
                if function is not None and where is not function and "." not in candidate:
                    continue
                if _windowing_value(value, candidate):
                    return True
        return False


def _windowing_value(value: cst.BaseExpression, key: str) -> bool:
    """`deque(maxlen=...)`, a slice of the list, or a trimming/summarising helper call."""
    if isinstance(value, cst.Call):
        name = final_name(value.func)
        if name == "deque" and any(a.keyword is not None and a.keyword.value == "maxlen" for a in value.args):
            return True
        if any(word in name.lower() for word in _WINDOW_WORDS):
            return True
        return any(access_key(a.value) == key for a in value.args)  # history = helper(history)
    if isinstance(value, cst.Subscript):
        return any(isinstance(s.slice, cst.Slice) for s in value.slice)
    if isinstance(value, cst.BinaryOperation):
        return _windowing_value(value.left, key) or _windowing_value(value.right, key)
    return False
