"""The built-in sources and bounds of the dataflow core.

Sources of untrusted input: parameters of web route handlers (FastAPI, Flask, Starlette,
aiohttp-style `@x.get/post/...` decorators) and of tools (`@tool`, `@function_tool`,
`@mcp.tool()`, `BaseTool._run`); `request.json/form/args/values/data/files/POST/GET/body/
query_params/get_json()`; `input()`; `sys.argv` and `parse_args()`; reads of files whose
path is not a constant; HTTP responses; websocket messages; OpenAI function-call arguments;
retrieved documents (`similarity_search`, `retriever.invoke`, `doc.page_content`).
Model output: the result of a generative LLM call. Downloads: `hf_hub_download`,
`snapshot_download`, `urlretrieve`, `download_url_to_file`, ...

Bounds: slices with an upper bound (or a negative start), `textwrap.shorten`, helpers whose
name contains a bound word (truncate, trim, clip, shorten, limit_tokens, ...), `min()`,
a `len()` check that rejects or truncates, pydantic `max_length` on the model field read.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from ailint.dataflow_index import FunctionInfo, final_name, receiver_name
from ailint.dataflow_model import DOWNLOAD, INPUT, MODEL_OUTPUT, Source
from ailint.imports import dotted_name
from ailint.walk import walk

DEFAULT_BOUND_HELPERS = ["truncate", "trim", "clip", "shorten", "limit_tokens", "cap_length", "fit_to_context",
                         "fit_tokens", "clamp", "take_last", "window", "summarize", "summarise"]

ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "options",
                           "head", "view", "add_api_route"})
TOOL_DECORATORS = frozenset({"tool", "function_tool"})
REQUEST_ATTRS = {
    "json": "request body", "get_json": "request body", "body": "request body", "data": "request body",
    "get_data": "request body", "form": "request form", "POST": "request form", "files": "uploaded file",
    "FILES": "uploaded file", "args": "query string", "GET": "query string", "query_params": "query string",
    "values": "request values", "stream": "request body", "text": "request body", "content": "request body",
}
REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request", "quart.request"})
RETRIEVAL_METHODS = frozenset({
    "similarity_search", "similarity_search_with_score", "similarity_search_with_relevance_scores",
    "similarity_search_by_vector", "max_marginal_relevance_search", "asimilarity_search",
    "asimilarity_search_with_score", "asimilarity_search_with_relevance_scores", "amax_marginal_relevance_search",
    "get_relevant_documents", "aget_relevant_documents", "hybrid_search",
})
DOWNLOAD_FUNCTIONS = {
    "huggingface_hub.hf_hub_download": "hf_hub_download()", "huggingface_hub.snapshot_download": "snapshot_download()",
    "huggingface_hub.cached_download": "cached_download()", "huggingface_hub.file_download.hf_hub_download":
    "hf_hub_download()", "urllib.request.urlretrieve": "urlretrieve()", "torch.hub.download_url_to_file":
    "download_url_to_file()", "wget.download": "wget.download()", "gdown.download": "gdown.download()",
    "modelscope.snapshot_download": "snapshot_download()",
}
# Functions that write the download to their second argument's path.
DOWNLOAD_TO_ARGUMENT = frozenset({"urllib.request.urlretrieve", "torch.hub.download_url_to_file"})
NON_TEXT_TYPES = frozenset({"int", "float", "bool", "complex", "UUID", "UUID4", "UUID1", "date", "datetime", "time",
                            "timedelta", "Decimal", "PositiveInt", "NonNegativeInt", "PositiveFloat",
                            "NonNegativeFloat", "conint", "confloat", "condecimal", "StrictInt", "StrictFloat",
                            "StrictBool", "Literal", "EmailStr", "HttpUrl", "AnyUrl", "IPvAnyAddress", "None"})
NOT_INPUT_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "WebSocket", "BackgroundTasks",
                             "Response", "Session", "AsyncSession", "HTTPConnection", "SecurityScopes",
                             "HTTPAuthorizationCredentials", "Settings", "Depends", "Security", "Header", "Cookie",
                             "RunnableConfig", "CallbackManagerForToolRun", "AsyncCallbackManagerForToolRun",
                             "ToolRuntime", "InjectedState", "InjectedToolArg", "Context", "Connection"})
_WRAPPERS = frozenset({"Optional", "List", "list", "Sequence", "Iterable", "Set", "set", "Tuple", "tuple", "Union",
                       "Annotated", "Required", "NotRequired"})
_BOUND_CONSTRUCTORS = frozenset({"Field", "constr", "conlist", "StringConstraints", "Query", "Body", "Form", "Path",
                                 "Len", "MaxLen", "conbytes", "File"})
_LENGTH_KEYWORDS = frozenset({"max_length", "max_items", "max_len"})


def _has_length_cap(node: cst.CSTNode) -> bool:
    """A call like `Field(max_length=...)`, `constr(max_length=...)`, `MaxLen(..)` anywhere in `node`."""
    if isinstance(node, cst.Call):
        name = final_name(node.func)
        if name in ("MaxLen", "Len") and len(node.args) >= (1 if name == "MaxLen" else 2):
            return True
        if name in _BOUND_CONSTRUCTORS and any(a.keyword is not None and a.keyword.value in _LENGTH_KEYWORDS
                                               for a in node.args):
            return True
    if isinstance(node, cst.Subscript):
        return any(_has_length_cap(element.slice.value) for element in node.slice
                   if isinstance(element.slice, cst.Index))
    return False


def _has_dependency(node: Optional[cst.CSTNode]) -> bool:
    """`Depends(...)`, `Security(...)`, `Header(...)`, `Cookie(...)` as a default or inside Annotated."""
    if node is None:
        return False
    if isinstance(node, cst.Call):
        return final_name(node.func) in ("Depends", "Security", "Header", "Cookie")
    if isinstance(node, cst.Subscript):
        return any(_has_dependency(element.slice.value) for element in node.slice if isinstance(element.slice, cst.Index))
    return False


def annotation_verdict(annotation: Optional[cst.BaseExpression], classes: Dict[str, cst.ClassDef]):
    """What an annotation says about the text it holds: "bounded", "drop" (not text),
    ("model", ClassName) for a pydantic model of this module, or None (plain unbounded text)."""
    if annotation is None:
        return None
    if _has_length_cap(annotation):
        return "bounded"
    if isinstance(annotation, cst.SimpleString):  # "ChatRequest" forward reference
        text = annotation.evaluated_value
        return ("model", text) if text in classes else None
    if isinstance(annotation, cst.Subscript):
        head = final_name(annotation.value)
        if head in NON_TEXT_TYPES:
            return "drop"
        if head in _WRAPPERS:
            verdicts = [annotation_verdict(e.slice.value, classes) for e in annotation.slice if isinstance(e.slice, cst.Index)]
            if head == "Annotated":
                verdicts = verdicts[:1]
            verdicts = [v for v in verdicts if not (head in ("Optional", "Union") and v == "drop" and False)]
            if verdicts and all(v == "drop" for v in verdicts):
                return "drop"
            for verdict in verdicts:
                if isinstance(verdict, tuple):
                    return verdict
            return None
        return None
    if isinstance(annotation, cst.BinaryOperation):  # int | None
        left, right = annotation_verdict(annotation.left, classes), annotation_verdict(annotation.right, classes)
        if left == "drop" and right == "drop":
            return "drop"
        return left if isinstance(left, tuple) else right if isinstance(right, tuple) else None
    name = final_name(annotation) if isinstance(annotation, (cst.Name, cst.Attribute)) else ""
    if name in NON_TEXT_TYPES or name in NOT_INPUT_TYPES:
        return "drop"
    if name in classes:
        cls = classes[name]
        if any(final_name(base.value) in ("Enum", "IntEnum", "StrEnum") for base in cls.bases):
            return "drop"
        return ("model", name)
    return None


def field_verdict(class_node: cst.ClassDef, attr: str, classes: Dict[str, cst.ClassDef]):
    """The verdict of field `attr` of a pydantic model class (see `annotation_verdict`);
    a `@field_validator("attr")` that checks `len()` or slices counts as a bound."""
    body = class_node.body.body if isinstance(class_node.body, cst.IndentedBlock) else ()
    verdict = "unknown"
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == attr:
                    if small.value is not None and _has_length_cap(small.value):
                        return "bounded"
                    verdict = annotation_verdict(small.annotation.annotation, classes)
        elif isinstance(statement, cst.FunctionDef) and _validates(statement, attr):
            return "bounded"
    if verdict == "unknown":
        for base in class_node.bases:  # inherited fields
            parent = classes.get(final_name(base.value))
            if parent is not None and parent is not class_node:
                return field_verdict(parent, attr, classes)
        return None
    return verdict


def _validates(function: cst.FunctionDef, attr: str) -> bool:
    for decorator in function.decorators:
        d = decorator.decorator
        if isinstance(d, cst.Call) and final_name(d.func) in ("field_validator", "validator"):
            named = any(isinstance(a.value, cst.SimpleString) and a.value.evaluated_value in (attr, "*") for a in d.args)
            if named and _checks_length(function.body):
                return True
    return False


def _checks_length(body: cst.CSTNode) -> bool:
    """A `len(...)` call or a slice somewhere in `body` (libcst.matchers costs ~1 s to import)."""
    found = []

    class _Find(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "len":
                found.append(node)

        def visit_Slice(self, node: cst.Slice) -> None:
            found.append(node)

    walk(body, _Find())
    return bool(found)


def model_fully_bounded(class_node: cst.ClassDef, classes: Dict[str, cst.ClassDef], depth: int = 0) -> bool:
    """Every field of the model is bounded or not text (so the whole body is bounded)."""
    body = class_node.body.body if isinstance(class_node.body, cst.IndentedBlock) else ()
    fields = [small.target.value for statement in body if isinstance(statement, cst.SimpleStatementLine)
              for small in statement.body if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)]
    if not fields or depth > 3:
        return False
    for name in fields:
        verdict = field_verdict(class_node, name, classes)
        if verdict in ("bounded", "drop"):
            continue
        if isinstance(verdict, tuple) and verdict[1] in classes and model_fully_bounded(classes[verdict[1]], classes, depth + 1):
            continue
        return False
    return True


# -- handlers and their parameters -----------------------------------------------------------------
def handler_kind(function: FunctionInfo, imports) -> Optional[str]:
    """"request" for a web route handler, "tool" for an LLM tool, else None."""
    if function.is_module:
        return None
    for decorator in function.decorators:
        target = decorator.func if isinstance(decorator, cst.Call) else decorator
        name = final_name(target)
        if isinstance(decorator, cst.Call) and isinstance(target, cst.Attribute) and name in ROUTE_METHODS:
            return "request"
        if name in TOOL_DECORATORS:
            qualified = imports.qualify(target) or ""
            if isinstance(target, cst.Attribute) or qualified.startswith(("langchain", "agents", "openai", "mcp",
                                                                          "llama_index", "crewai", "smolagents",
                                                                          "pydantic_ai", "strands")) or name == "function_tool":
                return "tool"
    if function.class_node is not None and function.name in ("_run", "_arun") and any(
            final_name(base.value).endswith("Tool") for base in function.class_node.bases):
        return "tool"
    return None


def parameter_sources(function: FunctionInfo, kind: str, classes: Dict[str, cst.ClassDef]
                      ) -> List[Tuple[cst.Param, Optional[Source], bool]]:
    """(param, source or None, bounded) for each parameter of a handler or tool."""
    out = []
    for position, param in enumerate(function.params()):
        name = param.name.value
        if position == 0 and function.class_node is not None and name in ("self", "cls"):
            out.append((param, None, False))
            continue
        annotation = param.annotation.annotation if param.annotation is not None else None
        if _has_dependency(param.default) or _has_dependency(annotation) or name in ("self", "cls", "run_manager",
                                                                                     "config", "callbacks"):
            out.append((param, None, False))
            continue
        verdict = annotation_verdict(annotation, classes)
        if verdict == "drop":
            out.append((param, None, False))
            continue
        bounded = verdict == "bounded" or (param.default is not None and _has_length_cap(param.default))
        model = verdict[1] if isinstance(verdict, tuple) else None
        if model is not None and model_fully_bounded(classes[model], classes):
            bounded = True
        if kind == "request":
            label = f"request body (parameter `{name}`)" if model else f"request parameter `{name}`"
            if annotation is not None and final_name(annotation if not isinstance(annotation, cst.Subscript)
                                                     else annotation.value) == "UploadFile":
                label = f"uploaded file (parameter `{name}`)"
            source = Source(INPUT, label, param, model=model, origin="request")
        else:
            source = Source(INPUT, f"tool input `{name}`", param, model=model, origin="tool")
        out.append((param, source, bounded))
    return out


# -- expressions -----------------------------------------------------------------------------------
def _constant_path(node: cst.BaseExpression) -> bool:
    """A path built only from literals, `__file__`, UPPER_CASE constants and Path operations."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.FormattedString):
        return all(_constant_path(part.expression) for part in node.parts if isinstance(part, cst.FormattedStringExpression))
    if isinstance(node, cst.Name):
        return node.value == "__file__" or node.value.isupper() or node.value.lstrip("_").isupper()
    if isinstance(node, cst.Attribute):
        return _constant_path(node.value) or node.attr.value.isupper()
    if isinstance(node, cst.BinaryOperation):
        return _constant_path(node.left) and _constant_path(node.right)
    if isinstance(node, cst.Call):
        name = final_name(node.func)
        if name in ("Path", "PurePath", "join", "resolve", "joinpath", "dirname", "abspath", "with_suffix", "expanduser",
                    "with_name", "files", "parent", "absolute"):
            parts = [a.value for a in node.args]
            if isinstance(node.func, cst.Attribute) and name not in ("join", "dirname", "abspath"):
                parts.append(node.func.value)
            return all(_constant_path(p) for p in parts)
        return False
    return False


def _retrieval_receiver(func: cst.BaseExpression) -> str:
    name = (dotted_name(func.value) or receiver_name(func)) if isinstance(func, cst.Attribute) else ""
    return name.lower()


def builtin_sources(expr: cst.BaseExpression, ctx) -> Sequence[Source]:
    """The sources an expression produces by itself (not through its operands)."""
    if isinstance(expr, cst.Call):
        return _call_sources(expr, ctx)
    if isinstance(expr, cst.Attribute):
        attr = expr.attr.value
        if attr in REQUEST_ATTRS:
            base = dotted_name(expr.value)
            qualified = ctx.imports.qualify(expr.value) or ""
            if base is not None and (base in REQUEST_NAMES or qualified in ("flask.request", "quart.request")
                                     or base in ctx.request_names):
                if attr in ("text", "content") and not (base in ctx.request_names or qualified):
                    return ()
                return (Source(INPUT, f"{REQUEST_ATTRS[attr]} (`{base}.{attr}`)", expr, origin="request"),)
            return ()
        if attr == "argv" and ctx.imports.qualify(expr) == "sys.argv":
            return (Source(INPUT, "command-line arguments (`sys.argv`)", expr, origin="cli"),)
        if attr == "page_content":
            return (Source(INPUT, "retrieved document (`page_content`)", expr, origin="retrieval"),)
        if attr == "arguments" and isinstance(expr.value, cst.Attribute) and expr.value.attr.value == "function":
            return (Source(INPUT, "tool input (function-call arguments)", expr, origin="tool"),
                    Source(MODEL_OUTPUT, "function-call arguments written by the model", expr, origin="llm"))
    return ()


def _call_sources(call: cst.Call, ctx) -> Sequence[Source]:
    llm = ctx.llm_calls.get(id(call))
    if llm is not None:
        return (Source(MODEL_OUTPUT, f"output of {llm.label}", call, origin="llm"),) if llm.generative else ()
    func = call.func
    name = final_name(func)
    qualified = ctx.imports.qualify(func) or ""
    if id(call) in ctx.http_calls:
        return (Source(INPUT, f"HTTP response of {qualified or name}()", call, origin="http"),)
    if qualified in DOWNLOAD_FUNCTIONS:
        return (Source(DOWNLOAD, f"file downloaded by {DOWNLOAD_FUNCTIONS[qualified]}", call, origin="download"),)
    if qualified.startswith("urllib.request.urlopen") or qualified in ("urllib.request.urlopen", "urllib2.urlopen"):
        return (Source(INPUT, "HTTP response of urlopen()", call, origin="http"),)
    if isinstance(func, cst.Name):
        if func.value == "input" and not qualified:
            return (Source(INPUT, "`input()`", call, origin="cli"),)
        if func.value == "open" and not qualified and not ctx.function.is_module and call.args \
                and not _constant_path(call.args[0].value) and not _writes(call):
            return (Source(INPUT, "file contents (`open()`)", call, origin="file"),)
        return ()
    if not isinstance(func, cst.Attribute):
        return ()
    if name in ("parse_args", "parse_known_args"):
        return (Source(INPUT, "command-line arguments (`parse_args()`)", call, origin="cli"),)
    if name in ("read_text", "read_bytes") and not ctx.function.is_module and not _constant_path(func.value):
        return (Source(INPUT, f"file contents (`{name}()`)", call, origin="file"),)
    if name in ("receive_text", "receive_json", "receive_bytes", "iter_text", "iter_json"):
        receiver = _retrieval_receiver(func)
        if "socket" in receiver or receiver in ("ws", "conn", "connection"):
            return (Source(INPUT, f"websocket message (`{name}()`)", call, origin="websocket"),)
    if name in RETRIEVAL_METHODS:
        return (Source(INPUT, f"retrieved documents (`{name}()`)", call, origin="retrieval"),)
    receiver = _retrieval_receiver(func)
    if name in ("invoke", "ainvoke", "batch", "abatch", "retrieve", "aretrieve") and "retriev" in receiver:
        return (Source(INPUT, f"retrieved documents (`{receiver}.{name}()`)", call, origin="retrieval"),)
    if name in ("query", "search") and any(word in receiver for word in ("collection", "index", "vectorstore",
                                                                           "vector_store", "vectordb", "vector_db")):
        return (Source(INPUT, f"retrieved documents (`{receiver}.{name}()`)", call, origin="retrieval"),)
    return ()


def _writes(call: cst.Call) -> bool:
    for position, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "mode") or (arg.keyword is None and position == 1):
            return isinstance(arg.value, cst.SimpleString) and any(c in arg.value.evaluated_value for c in "wax")
    return False


def is_bound_helper(call: cst.Call, qualified: str, helper_names: Iterable[str]) -> bool:
    """`textwrap.shorten(...)`, `min(...)`, or a call whose name contains a bound word."""
    if qualified == "textwrap.shorten":
        return True
    name = final_name(call.func).lower()
    if not name:
        return False
    if name == "min" and isinstance(call.func, cst.Name) and len(call.args) >= 2:
        return True
    return any(word.lower() in name for word in helper_names)
