"""Which files can hold an SDK call, decided from their import statements alone.

The SDK rules (AIL1xx, AIL2xx, AIL601) and the LLM dataflow rules (AIL3xx, AIL602-AIL604,
AIL701-AIL703) only report on calls that the catalog resolves or that the dataflow adapter
recognises, and both start from an import: `from openai import OpenAI`, `import requests`,
`from langchain_openai import ChatOpenAI`, or a client handed out by a project module
(`from app.llm import client`). A file without any such import cannot match, so the engine
skips its parse (`PythonRule.requires_sdk_import`); on an AI codebase that is most files.

The gate admits a file when one of its imported names (`ailint.import_scan`):

1. is, or lies on the way to, a catalogued qualified name (`openai`, `openai.OpenAI`,
   `requests.api.get`, `boto3.session.Session`, an in-house client declared in config);
2. is a LangChain or LangGraph name the dataflow adapter treats as a model or runnable
   (`ChatOpenAI`, `AgentExecutor`, `init_chat_model`, any `...Chain`), or a LangChain module
   whose attributes the file uses like one (`.Chat`, `Chain(`, `.from_llm(`);
3. resolves to a project module that may hand out clients: one that itself passes 1 or 2, or a
   package `__init__.py` re-exporting from one. For LLM clients the file must also hold an
   LLM call shape (`.chat.completions.create(`, `.invoke(`...); HTTP clients need no more.
   When the gate knows what those modules export (`ailint.sdk.exports`), `from app.http import
   helper` admits only if `helper` may stand for a client or a client factory; `from app import
   http` still admits (the module itself is bound), and so does `import app.util` (it binds
   `app`, through which `app.http.client` is read).

It errs towards admitting: an import inside a string counts, and so does a from-module
(`from google import protobuf` admits, for `google.genai`). `AILINT_NO_PREFILTER=1` turns the
gate (and the byte needles) off, to check a suspected miss; the test suite runs every fixture
both ways and requires the same findings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Set, Tuple

from ailint.import_scan import absolute, under_prefixes

if TYPE_CHECKING:
    from ailint.project_scan import ScannedFile

# The dataflow adapter's LangChain vocabulary (ailint.dataflow_llm): names that build models.
_ADAPTER_PACKAGES = ("langchain", "langgraph")
_ADAPTER_NAMES = frozenset({"LLMChain", "ConversationChain", "AgentExecutor", "create_react_agent",
                            "initialize_agent", "create_tool_calling_agent", "create_openai_tools_agent",
                            "RetrievalQA", "ConversationalRetrievalChain", "init_chat_model", "create_agent",
                            "OpenAI", "AzureOpenAI", "Ollama", "VertexAI", "BedrockLLM"})
_ADAPTER_USES = (b".Chat", b"Chain(", b".from_llm(", b".from_chain_type(", b".OpenAI(", b".AzureOpenAI(",
                 b".Ollama(", b".VertexAI(", b".BedrockLLM(", b"init_chat_model", b"create_react_agent",
                 b"AgentExecutor", b"create_agent", b"initialize_agent", b"RetrievalQA")


_ANY = None  # an export table's answer for a module whose names cannot be told apart
_METHOD_CALL = re.compile(rb"\.\s*([A-Za-z_]\w*)\s*\(")


class SdkGate:
    """Decides, from a file's imports, whether SDK rules can match in it (see module docs)."""

    def __init__(self, catalog, client_modules: Optional[Mapping[str, FrozenSet[str]]] = None,
                 call_needles: Sequence[bytes] = ()) -> None:
        qualnames: Set[str] = set(catalog.clients) | set(catalog.functions) | set(catalog.selectors)
        from ailint.sdk.catalog import SESSIONS

        qualnames.update(SESSIONS)
        self.kinds: Dict[str, Set[str]] = {}  # every prefix of a catalogued name -> the kinds under it
        for qualname in qualnames:
            spec = catalog.clients.get(qualname) or catalog.functions.get(qualname)
            kind = getattr(spec, "kind", "llm") or "llm"
            parts = qualname.split(".")
            for end in range(1, len(parts) + 1):
                self.kinds.setdefault(".".join(parts[:end]), set()).add(kind)
        self.qualnames = frozenset(qualnames)
        self.tops = frozenset(name.split(".")[0] for name in qualnames)
        self.client_modules: Dict[str, FrozenSet[str]] = dict(client_modules or {})
        # client module key -> the names it may hand out clients through (None: any), read with
        # `exports.get(key, default)` (`ailint.sdk.exports.ExportTable`); a key missing, or no
        # table at all (None), admits as if every name could
        self.exports: Optional[Mapping[str, Optional[FrozenSet[str]]]] = None
        self.exports_digest = ""  # a digest of the whole table
        self._prefixes: Optional[Dict[str, FrozenSet[str]]] = None  # see `kinds_under`
        self.call_needles = tuple(call_needles)
        self._by_method: Optional[Dict[bytes, list]] = None
        self._custom_call_needles: Optional[bool] = None
        self._sdk_kinds: Dict[Tuple[Tuple[str, ...], bool], FrozenSet[str]] = {}  # asked twice per file a run

    def knowing(self, client_modules: Mapping[str, FrozenSet[str]], call_needles: Sequence[bytes]) -> "SdkGate":
        """This gate, told the project's client modules (`client_modules`, found with its
        help) and the LLM call shapes; what it learnt of the files' imports is kept."""
        self.client_modules = dict(client_modules)
        self._prefixes = None
        self.call_needles = tuple(call_needles)
        self._by_method, self._custom_call_needles = None, None
        return self

    # -- 1 and 2: the file imports an SDK --------------------------------------------------
    def sdk_kinds(self, imports: Sequence[str], uses_adapter: bool = False) -> FrozenSet[str]:
        """The kinds ("llm", "http") of SDK the imports reach; empty when none.
        `uses_adapter`: the file holds a LangChain model use (`adapter_uses`)."""
        key = (tuple(imports), uses_adapter)
        found = self._sdk_kinds.get(key)
        if found is None:
            found = self._sdk_kinds[key] = frozenset(self._find_sdk_kinds(key[0], uses_adapter))
        return found

    def _find_sdk_kinds(self, imports: Sequence[str], uses_adapter: bool) -> Set[str]:
        found: Set[str] = set()
        tops = self.tops
        for name in imports:
            top = name.partition(".")[0]
            if top not in tops and not top.startswith(_ADAPTER_PACKAGES):
                continue  # relative, standard library, project: the common case, decided at once
            kinds = self.kinds.get(name)
            if kinds:
                found |= kinds
                continue
            parts = name.split(".")
            if any(".".join(parts[:end]) in self.qualnames for end in range(1, len(parts))):
                found |= self.kinds.get(parts[0], {"llm"})
                continue
            if parts[0].startswith(_ADAPTER_PACKAGES) and (uses_adapter or _adapter_name(parts[-1])):
                found.add("llm")
        return found

    # -- 3: the file imports a project module that hands out clients ------------------------
    def project_kinds(self, imports: Iterable[str], module: str, is_package: bool,
                      from_only: Sequence[str] = (), plain: Sequence[str] = ()) -> Set[str]:
        """The kinds of client the project modules a file imports may hand it. `from_only`: the
        imports that only name the module of a `from` import (`ScannedFile.from_only`); with an
        export table, such a module admits through the names taken from it. `plain`: the
        imports of `import` statements, which bind their top-level package (`import app.util`
        makes `app.llm.client` readable): every client module under it counts."""
        found: Set[str] = set()
        if not self.client_modules:
            return found
        exports, under = self.exports, self.kinds_under()
        for name in imports:
            if name in plain:
                found |= under.get(name.partition(".")[0], frozenset())
                continue
            target = absolute(name, module, is_package)
            if not target or target == module or (exports is not None and name in from_only):
                continue  # `from app.llm import x`: app.llm is not bound here; `x` decides
            owner, kinds = target, under.get(target)  # a module, or a package holding client modules
            if not kinds and "." in target:  # `from app.llm import client` gives "app.llm.client"
                owner, _, leaf = target.rpartition(".")
                kinds = self.client_modules.get(owner)
                if kinds and exports is not None:
                    exported = exports.get(owner, _ANY)
                    if exported is not None and leaf not in exported:
                        continue  # not a name the module can hand out a client through
            if kinds and owner != module:
                found |= kinds
        return found

    def kinds_under(self) -> Dict[str, FrozenSet[str]]:
        """Each client module key and every dotted prefix of one -> the kinds of the client
        modules at or under it."""
        if self._prefixes is None:
            prefixes = under_prefixes(self.client_modules.items())
            self._prefixes = {prefix: frozenset(kinds) for prefix, kinds in prefixes.items()}
        return self._prefixes

    def answer(self, imports: Sequence[str], data: bytes, module: str = "", is_package: bool = False,
               from_only: Sequence[str] = (), plain: Sequence[str] = ()) -> Dict[str, str]:
        """For each kind of SDK ("llm", "http") the file may call, why: "sdk" (it imports one)
        or "project" (it imports a project module handing out such clients; LLM clients also
        need an LLM call shape in the bytes). Empty: the file cannot hold an SDK call."""
        out = {kind: "sdk" for kind in self.sdk_kinds(imports, adapter_uses(data))}
        for kind in self.project_kinds(imports, module, is_package, from_only, plain) - out.keys():
            if kind != "llm" or self._calls_llm_method(data):
                out[kind] = "project"
        return out

    def admits_scanned(self, file: "ScannedFile", kind: Optional[str] = None) -> bool:
        """Whether `answer` can name `kind` (any kind when None), judged from the project scan
        alone (no read): exact when the catalog's LLM call shapes are the built-in ones
        (`ScannedFile.llm_call_shape`), else it errs towards True."""
        kinds = self.sdk_kinds(file.imports, file.adapter_uses)
        if kind is None and kinds or kind in kinds:
            return True
        kinds = self.project_kinds(file.imports, file.module, file.is_package, file.from_only, file.plain)
        if "http" in kinds and kind in (None, "http"):
            return True
        if "llm" not in kinds or kind not in (None, "llm"):
            return False
        if self._custom_call_needles is None:
            self._custom_call_needles = set(self.call_needles) != set(builtin_call_needles())
        return file.llm_call_shape or self._custom_call_needles

    def _calls_llm_method(self, data: bytes) -> bool:
        """Whether the bytes hold one of `call_needles` (`.chat.completions.create(`): the
        method names called in the file are read in one pass, and a needle is looked for
        only when its method is among them."""
        if self._by_method is None:
            self._by_method = _by_method(self.call_needles)
        return holds_call_shape(data, self._by_method)


def holds_call_shape(data: bytes, by_method: Mapping[bytes, Sequence[bytes]]) -> bool:
    """Whether the bytes hold one of the call needles grouped by their method name, spaces
    and line breaks inside the chain aside (`client.chat.completions\\n    .create (`)."""
    wanted = set(_METHOD_CALL.findall(data)) & by_method.keys()
    if not wanted:
        return False
    if any(needle in data for method in wanted for needle in by_method[method]):
        return True
    compact = data.translate(None, b" \t\r\n\\")
    return any(needle in compact for method in wanted for needle in by_method[method])


def _by_method(needles: Iterable[bytes]) -> Dict[bytes, list]:
    """Call needles grouped by the method they call (`.chat.completions.create(` under `create`)."""
    out: Dict[bytes, list] = {}
    for needle in needles:
        out.setdefault(needle[1:-1].rsplit(b".", 1)[-1], []).append(needle)
    return out


_BUILTIN: Dict[bytes, list] = {}


def builtin_call_needles() -> Tuple[bytes, ...]:
    from ailint.sdk.catalog import BUILTIN

    return BUILTIN.call_needles("llm")


def holds_builtin_llm_call_shape(data: bytes) -> bool:
    """`holds_call_shape` with the built-in catalog's LLM call needles (for the project scan)."""
    if not _BUILTIN:
        _BUILTIN.update(_by_method(builtin_call_needles()))
    return holds_call_shape(data, _BUILTIN)


def _adapter_name(leaf: str) -> bool:
    from ailint.dataflow_llm import is_chat_model_name

    return is_chat_model_name(leaf) or leaf.endswith("Chain") or leaf in _ADAPTER_NAMES


def adapter_uses(data: bytes) -> bool:
    """The bytes hold a use of a LangChain model through a module (`models.ChatX(`, `.from_llm(`)."""
    return any(use in data for use in _ADAPTER_USES)


def client_modules(gate: SdkGate, scanned: Mapping[str, "ScannedFile"]) -> Dict[str, FrozenSet[str]]:
    """Project modules that may hand out clients, with the SDK kinds they touch, from the
    project scan (`ailint.project_scan`): modules importing an SDK,
    and package `__init__.py` files re-exporting from those (to any depth). Keys are each
    module's dotted name and every dotted suffix of it, as the project index resolves them
    (`src/app/llm.py` answers to `app.llm` and `llm`); a suffix two modules share is kept with
    both modules' kinds, since admitting too much only costs a parse."""
    kinds: Dict[str, Set[str]] = {}
    packages = []
    for file in scanned.values():
        module = file.module
        if not module:
            continue
        sdk = gate.sdk_kinds(file.imports, file.adapter_uses)
        if sdk:
            kinds[module] = set(sdk)  # a copy: packages add the kinds they re-export below
        if file.is_package:
            packages.append((module, [absolute(name, module, True) for name in file.imports]))
    changed = True
    while changed:
        changed = False
        for module, targets in packages:
            reached: Set[str] = set()
            for target in targets:
                owner = target if target in kinds else target.rpartition(".")[0]
                if owner != module and owner in kinds:
                    reached |= kinds[owner]
            if reached - kinds.get(module, set()):
                kinds.setdefault(module, set()).update(reached)
                changed = True
    out: Dict[str, Set[str]] = {}
    for module, found in kinds.items():
        parts = module.split(".")
        for start in range(len(parts)):
            out.setdefault(".".join(parts[start:]), set()).update(found)
    return {name: frozenset(found) for name, found in out.items()}
