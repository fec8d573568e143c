from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from ailint.dataflow import LlmNeedles, Flow, final_name
from ailint.dataflow_index import is_logging_call
from ailint.rule import Invalid, Valid
from ailint.types import Severity
from ailint.walk import walk

from ailint_rules.support.flows import FlowRule

_CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"
_CALL = "client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])"
# Exceptions that an LLM or HTTP call raises (or that catch them).
_API_ERRORS = frozenset({
    "Exception", "BaseException", "APIError", "APIConnectionError", "APITimeoutError", "APIStatusError",
    "RateLimitError", "InternalServerError", "BadRequestError", "AuthenticationError", "PermissionDeniedError",
    "NotFoundError", "ConflictError", "UnprocessableEntityError", "OpenAIError", "AnthropicError",
    "ServiceUnavailableError", "TimeoutError", "ConnectionError", "HTTPError", "HTTPStatusError", "RequestError",
    "RequestException", "Timeout", "ReadTimeout", "ClientError", "RetryError", "ContextWindowExceededError",
    "ContentPolicyViolationError", "OutputParserException", "LangChainException", "GoogleAPIError",
})
_API_PACKAGES = ("openai", "anthropic", "httpx", "requests", "litellm", "langchain", "langchain_core", "google",
                 "tenacity", "cohere", "mistralai", "groq", "botocore")
# Calls a handler may make and still swallow the error.
_TRIVIAL_CALLS = frozenset({"print", "str", "repr", "len", "format", "dict", "list", "tuple", "set", "int", "float",
                            "bool", "isinstance", "getattr", "type", "print_exc", "format_exc", "join", "strip",
                            "append"})


class SwallowedLlmError(FlowRule):
    """
    ## What it does
    Flags an LLM call whose errors an `except` swallows: the handler catches the errors an LLM
    call raises (`Exception`, a bare `except:`, `openai.APIError`, `RateLimitError`,
    `httpx.HTTPError`, `TimeoutError`, ...) and then only passes, continues, breaks, returns
    a default (`None`, `""`, `[]`, a literal message) or assigns one, without a log call and
    without raising. `with contextlib.suppress(Exception):` around the call counts too. A
    call is also covered through one same-module helper (`try: draft(q) except: pass` where
    `draft` calls the model).

    A handler that logs (`logger.exception/error/warning`, ...), re-raises (`raise`), raises
    another error (`raise HTTPException(502) from exc`), or does real work (a fallback call,
    `sentry_sdk.capture_exception`) is fine. Handlers of unrelated errors (`ValueError`,
    `KeyError`, `json.JSONDecodeError`) are not considered.

    ## Why is this bad?
    A swallowed provider error turns an outage, an expired key or a rate limit into silently
    empty answers: dashboards stay green, users get nothing, and nobody knows why. Errors that
    are handled must at least be logged so they can be counted and alerted on.

    ## Example
    ```python
    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    except Exception:
        return None
    ```

    ## Use instead
    ```python
    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    except openai.APIError:
        log.exception("chat completion failed")
        raise
    ```

    ## Options
    None.

    ## References
    - openai-python error handling: https://github.com/openai/openai-python#handling-errors
    - anthropic-sdk-python error handling: https://github.com/anthropics/anthropic-sdk-python#handling-errors
    - Google SRE book, monitoring distributed systems: https://sre.google/sre-book/monitoring-distributed-systems/
    """

    code = "AIL302"
    name = "swallowed-llm-error"
    severity = Severity.WARNING
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only

    VALID = [
        Valid(_CLIENT + f"import logging\nlog = logging.getLogger(__name__)\n\ndef answer(q):\n    try:\n"
              f"        return {_CALL}\n    except Exception:\n        log.exception('completion failed')\n        return None\n"),
        Valid(_CLIENT + f"def answer(q):\n    try:\n        return {_CALL}\n    except Exception:\n        raise\n"),
        Valid(_CLIENT + f"class UpstreamError(Exception):\n    pass\n\ndef answer(q):\n    try:\n        return {_CALL}\n"
              f"    except Exception as exc:\n        raise UpstreamError('model failed') from exc\n"),
        Valid(_CLIENT + f"import json\n\ndef answer(q):\n    reply = {_CALL}\n    try:\n"
              f"        return json.loads(reply.choices[0].message.content)\n    except json.JSONDecodeError:\n"
              f"        return None\n"),
        Valid(_CLIENT + f"import sentry_sdk\n\ndef answer(q):\n    try:\n        return {_CALL}\n"
              f"    except Exception as exc:\n        sentry_sdk.capture_exception(exc)\n        return None\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + f"def answer(q):\n    try:\n        return {_CALL}\n    except Exception:\n        return None\n",
                lines=[6], message="example.py:7"),
        Invalid(_CLIENT + f"import openai\n\ndef answer(q):\n    try:\n        reply = {_CALL}\n"
                f"    except openai.APIError:\n        pass\n", lines=[8], message="pass"),
        Invalid(_CLIENT + f"def draft(q):\n    return {_CALL}\n\ndef answers(qs):\n    out = []\n    for q in qs:\n"
                f"        try:\n            out.append(draft(q))\n        except:\n            continue\n    return out\n",
                lines=[11], message="draft()"),
        Invalid(_CLIENT + f"import contextlib\n\ndef warm(q):\n    with contextlib.suppress(Exception):\n        {_CALL}\n",
                lines=[8], message="suppress"),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        if not flow.llm_calls:
            return
        llm_functions = {id(flow.function_of(call.node)): call for call in flow.llm_calls}
        for site in flow.index.calls:
            call = flow.llm_by_node.get(id(site.node))
            through = ""
            if call is None:
                callee = flow.local_callee(site.node, site.function)
                if callee is None or id(callee) not in llm_functions or callee is site.function:
                    continue
                call = llm_functions[id(callee)]
                through = f"{final_name(site.node.func)}() (which calls {call.label})"
            verdict = self._swallowed(site)
            if verdict is None:
                continue
            where, how = verdict
            what = through or call.label
            self.report(site.node, f"errors from {what} are swallowed by the {how} at {{related}} with no log and no "
                                   f"re-raise; log them (logger.exception) or let them propagate",
                        related=[(where, "error swallowed here")])

    def _swallowed(self, site) -> Optional[Tuple[cst.CSTNode, str]]:
        """The handler (and how it swallows) of the innermost `try` that catches API errors."""
        for try_node in reversed(site.tries):
            catching = [h for h in try_node.handlers if self._catches_api_errors(h)]
            if not catching:
                continue
            for handler in catching:
                how = self._swallows(handler)
                if how is not None:
                    return handler, f"`except` ({how})"
            return None  # the innermost relevant handler logs or raises
        if site.suppressors:
            return site.suppressors[-1], "`with suppress(...)`"
        return None

    def _catches_api_errors(self, handler) -> bool:
        if handler.type is None:
            return True
        kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
        for element in kinds:
            node = element.value if isinstance(element, cst.Element) else element
            name = final_name(node)
            qualified = self.file.imports.qualify(node) or ""
            if name in _API_ERRORS or (qualified.split(".")[0] in _API_PACKAGES and name.endswith(("Error", "Exception"))):
                return True
        return False

    def _swallows(self, handler) -> Optional[str]:
        """How a handler swallows the error, or None when it logs, raises or does real work."""
        finder = _HandlerBody(self.file.imports)
        walk(handler.body, finder)
        if finder.raises or finder.logs or finder.works:
            return None
        body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else []
        first = body[0].body[0] if body and isinstance(body[0], cst.SimpleStatementLine) else None
        if isinstance(first, cst.Pass) or (isinstance(first, cst.Expr) and isinstance(first.value, cst.Ellipsis)):
            return "pass"
        if isinstance(first, cst.Continue):
            return "continue"
        if isinstance(first, cst.Break):
            return "break"
        if any(isinstance(s, cst.SimpleStatementLine) and any(isinstance(x, cst.Return) for x in s.body) for s in body):
            return "returns a default"
        return "falls through"


class _HandlerBody(cst.CSTVisitor):
    def __init__(self, imports) -> None:
        super().__init__()
        self.imports = imports
        self.raises = False
        self.logs = False
        self.works = False

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_Raise(self, node) -> None:
        self.raises = True

    def visit_Call(self, node: cst.Call) -> None:
        if is_logging_call(node, self.imports):
            self.logs = True
        elif final_name(node.func) not in _TRIVIAL_CALLS:
            self.works = True
