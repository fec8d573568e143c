"""Which calls reach an LLM, for the dataflow rules.

The SDK catalog (`ailint.sdk.analysis.NetworkCalls`) is the source of truth: every call it
resolves with `spec.kind == "llm"` counts. This adapter adds, only where the catalog has no
entry for the same call, a few frameworks the dataflow rules need to see: LangChain chat
models and runnables built from them (`ChatOpenAI(...).invoke`, `prompt | llm`, agents),
and litellm's functions. When the catalog learns these, its answer wins (deduplicated by node).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from ailint.dataflow_index import ModuleIndex, final_name
from ailint.imports import dotted_name

try:  # the catalog's package list, when present; the adapter's own names otherwise
    from ailint.sdk.catalog import LLM_PACKAGES as _CATALOG_PACKAGES
except ImportError:  # pragma: no cover - depends on the catalog's version
    _CATALOG_PACKAGES = ("openai", "anthropic")

_EXTRA_NEEDLES = {b"openai", b"anthropic", b"langchain", b"langgraph", b"litellm"}
# Bytes whose presence makes a file worth parsing for the LLM dataflow rules.
LLM_NEEDLES: Tuple[bytes, ...] = tuple(sorted({p.split(".")[0].encode() for p in _CATALOG_PACKAGES} | _EXTRA_NEEDLES))


class LlmNeedles:
    """A rule's `needles`: the run's catalog needles for LLM calls (in-house clients declared in
    config count too), the adapter's packages, and `extra` bytes of the rule's own."""

    def __init__(self, *extra: bytes) -> None:
        self.extra = extra
        self._cache: Tuple[int, Tuple[bytes, ...]] = (0, ())

    def __get__(self, instance, owner) -> Tuple[bytes, ...]:
        try:
            from ailint.sdk.catalog import active_catalog

            catalog = active_catalog()
        except Exception:  # noqa: BLE001 - an older catalog: the static list applies
            catalog = None
        if self._cache[0] != id(catalog) or not self._cache[1]:
            found = set(LLM_NEEDLES) | set(self.extra)
            if catalog is not None:
                found |= set(catalog.needles("llm"))
            self._cache = (id(catalog), tuple(sorted(found)))
        return self._cache[1]

# Arguments that carry the prompt of a generative call.
PROMPT_KEYWORDS = frozenset({"messages", "prompt", "input", "system", "instructions", "contents", "content",
                             "query", "question", "inputs", "text", "message", "user_prompt", "chat_history"})
# Calls that do not generate text: no prompt to bound, no output to trust.
NON_GENERATIVE = ("embed", "moderat", "count_tokens", "tokeniz", "audio", "speech", "transcri", "translation",
                  "image", "rerank", "files.", "batches.", "models.list", "models.retrieve", "models.delete",
                  "fine_tun", "vector_stores", "uploads")

_RUNNABLE_METHODS = frozenset({"invoke", "ainvoke", "stream", "astream", "batch", "abatch", "predict", "apredict",
                               "generate", "agenerate", "run", "arun", "call", "acall", "predict_messages",
                               "astream_events"})
_WRAPPER_METHODS = frozenset({"with_structured_output", "bind_tools", "bind", "with_retry", "with_fallbacks",
                              "with_config", "configurable_fields", "with_types"})
_LANGCHAIN_RUNNABLES = frozenset({"LLMChain", "ConversationChain", "AgentExecutor", "create_react_agent",
                                  "initialize_agent", "create_tool_calling_agent", "create_openai_tools_agent",
                                  "RetrievalQA", "ConversationalRetrievalChain", "init_chat_model", "create_agent"})
_LLM_FUNCTIONS = frozenset({"litellm.completion", "litellm.acompletion", "litellm.text_completion",
                            "ollama.chat", "ollama.generate"})


# LangChain names that start with "Chat" but are not chat models: prompts, messages, histories,
# results. Chat models are named Chat<Provider> (ChatOpenAI, ChatAnthropic, ChatOllama ...).
_NOT_MODEL_WORDS = ("Prompt", "Message", "History", "Generation", "Result", "Session", "Value", "Template",
                    "Loader", "Chunk", "Memory")


def is_chat_model_name(name: str) -> bool:
    """`ChatOpenAI`, `ChatVertexAI`: yes; `ChatPromptTemplate`, `ChatMessage`: no."""
    return name.startswith("Chat") and not any(word in name for word in _NOT_MODEL_WORDS)


@dataclass
class LLMCall:
    """A call that reaches an LLM. `label` names it in messages ("openai.chat.completions.create");
    `client` is where its client was built, when known: a node of this module, or a
    (path, Span) pair in another module of the project (usable as a `related=` location)."""

    node: cst.Call
    label: str
    method: str
    client: Any = None
    from_catalog: bool = True

    @property
    def generative(self) -> bool:
        lowered = self.label.lower()
        return not any(part in lowered for part in NON_GENERATIVE)

    def prompt_arguments(self) -> List[Tuple[str, cst.BaseExpression]]:
        """(argument name, expression) for every argument that carries the prompt."""
        out = []
        for position, arg in enumerate(self.node.args):
            if arg.keyword is None and arg.star == "":
                out.append(("prompt" if position == 0 else f"argument {position + 1}", arg.value))
            elif arg.keyword is not None and arg.keyword.value in PROMPT_KEYWORDS:
                out.append((arg.keyword.value, arg.value))
        return out


def _label_of(network_call) -> str:
    """"openai.chat.completions.create", "ChatOpenAI.invoke", "litellm.completion"."""
    spec = network_call.spec
    method = getattr(network_call, "method", "") or ""
    qualname = getattr(spec, "qualname", "") or getattr(spec, "sdk", "")
    module, _, last = qualname.rpartition(".")
    if not method:
        return qualname
    if method.startswith(qualname.split(".")[0] + "."):
        return method  # a module-level function: its qualified name
    if module.startswith("langchain") or last.startswith("Chat"):
        return f"{last}.{method}"
    return f"{module if last[:1].isupper() and module else qualname}.{method}"


def llm_calls(file, index: ModuleIndex) -> List[LLMCall]:
    """Every LLM call of the file: the catalog's, then the adapter's for calls it does not know."""
    from ailint.sdk.analysis import NetworkCalls

    found: Dict[int, LLMCall] = {}
    for call in NetworkCalls.of(file).calls:
        if getattr(call.spec, "kind", "") != "llm":
            continue
        # where the client was built: a node of this module, or (path, Span) in another one
        client = call.client.location() if call.client is not None else None
        found[id(call.node)] = LLMCall(call.node, _label_of(call), getattr(call, "method", "") or "", client)
    adapter = _Adapter(file.imports, index)
    for site in index.calls:
        if id(site.node) not in found:
            extra = adapter.recognise(site.node)
            if extra is not None:
                found[id(site.node)] = extra
    return [found[id(site.node)] for site in index.calls if id(site.node) in found]


def http_call_nodes(file) -> Set[int]:
    """ids of the calls the catalog resolves as plain HTTP requests."""
    from ailint.sdk.analysis import NetworkCalls

    return {id(call.node) for call in NetworkCalls.of(file).calls if getattr(call.spec, "kind", "") == "http"}


class _Adapter:
    def __init__(self, imports, index: ModuleIndex) -> None:
        self.imports = imports
        self.index = index
        self._memo: Dict[str, Optional[cst.CSTNode]] = {}

    def _model_construction(self, node: cst.BaseExpression, depth: int = 0) -> Optional[cst.CSTNode]:
        """The construction node when `node` evaluates to a LangChain model or runnable built on one."""
        if depth > 4:
            return None
        if isinstance(node, cst.Await):
            return self._model_construction(node.expression, depth + 1)
        if isinstance(node, cst.Call):
            qualified = self.imports.qualify(node.func) or ""
            last = qualified.rsplit(".", 1)[-1]
            if qualified.startswith("langchain") or qualified.startswith("langgraph"):
                if is_chat_model_name(last) or last in _LANGCHAIN_RUNNABLES or last in ("OpenAI", "AzureOpenAI", "Ollama",
                                                                                         "VertexAI", "BedrockLLM"):
                    return node
                if last.endswith("Chain") and isinstance(node.func, cst.Attribute):
                    return node
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in _WRAPPER_METHODS | {"from_llm",
                                                                                                    "from_chain_type"}:
                if node.func.attr.value in ("from_llm", "from_chain_type") and qualified.startswith("langchain"):
                    return node
                return self._model_construction(node.func.value, depth + 1)
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
                return None  # a LangGraph graph: an agent, handled by the loop rule, not a model
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self._model_construction(node.left, depth + 1) or self._model_construction(node.right, depth + 1)
        key = dotted_name(node)
        if key is None:
            return None
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None
        for value, _ in self.index.assignments.get(key, ()):
            built = self._model_construction(value, depth + 1)
            if built is not None:
                self._memo[key] = built
                break
        return self._memo[key]

    def recognise(self, call: cst.Call) -> Optional[LLMCall]:
        func = call.func
        qualified = self.imports.qualify(func) or ""
        if qualified in _LLM_FUNCTIONS:
            return LLMCall(call, qualified, qualified.split(".", 1)[1], None, False)
        if isinstance(func, cst.Attribute) and func.attr.value in _RUNNABLE_METHODS:
            built = self._model_construction(func.value)
            if built is not None:
                name = final_name(built.func) if isinstance(built, cst.Call) else "model"
                return LLMCall(call, f"{name}.{func.attr.value}", func.attr.value, built, False)
        return None
