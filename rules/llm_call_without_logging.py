from __future__ import annotations

from typing import Dict, Optional

from ailint.dataflow import LlmNeedles, Flow, FunctionInfo
from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule

_CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"
_CALL = "client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])"


class LlmCallWithoutLogging(FlowRule):
    """
    ## What it does
    Flags an LLM call in a function that neither logs nor is traced, judged with its callers in
    the same module: the call is fine when its function, a same-module helper it calls, or
    every same-module caller of it (one level) logs or traces.

    Logging: the `logging` module and logger objects (`logger`, `log`, `self.logger`,
    `logging.getLogger(...)`, `structlog.get_logger()`, loguru's `logger`, `logfire.info`).
    `print` does not count. Tracing: langfuse `@observe`, langsmith `@traceable`, weave
    `@weave.op`, logfire `@logfire.instrument` and `logfire.span`, OpenTelemetry
    `tracer.start_as_current_span` (as a `with` or a decorator), mlflow `@mlflow.trace`, and
    LangChain calls given `callbacks=` (or `config={"callbacks": ...}`). Module-wide
    instrumentation anywhere in the module covers all of it: `OpenAIInstrumentor().instrument()`
    (and any `*Instrumentor().instrument()`), `logfire.instrument_openai()`, langfuse's drop-in
    `from langfuse.openai import openai`, `wrap_openai(...)`, `weave.init()`, `openlit.init()`,
    `Traceloop.init()`, `mlflow.openai.autolog()`.

    ## Why is this bad?
    LLM calls fail in ways a stack trace never shows: slow answers, refusals, truncated
    output, cost spikes, a provider outage that a fallback quietly hides. Without a log line
    or a trace per call (model, latency, tokens, outcome) nobody can tell why an answer was
    wrong or what it cost, and an incident cannot be investigated after the fact.

    ## Known problems
    Instrumentation set up in another module (an app factory calling
    `logfire.instrument_openai()` at startup) is not seen; suppress the rule for such files
    with `# ailint: ignore-file[AIL301] traced in app/main.py`.

    ## Example
    ```python
    def answer(q):
        return client.chat.completions.create(model="gpt-4o", messages=[...])
    ```

    ## Use instead
    ```python
    log = logging.getLogger(__name__)

    def answer(q):
        reply = client.chat.completions.create(model="gpt-4o", messages=[...])
        log.info("answer model=%s tokens=%s", reply.model, reply.usage.total_tokens)
        return reply
    ```
    or decorate it with `@observe()` (langfuse), `@traceable` (langsmith), `@weave.op`, or
    instrument the SDK once: `OpenAIInstrumentor().instrument()`.

    ## Options
    None.

    ## References
    - OpenTelemetry semantic conventions for generative AI:
      https://opentelemetry.io/docs/specs/semconv/gen-ai/
    - Langfuse decorators: https://langfuse.com/docs/sdk/python/decorators
    - LangSmith tracing: https://docs.smith.langchain.com/observability
    - Logfire OpenAI integration: https://logfire.pydantic.dev/docs/integrations/llms/openai/
    """

    code = "AIL301"
    name = "llm-call-without-logging"
    severity = Severity.WARNING
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only

    VALID = [
        Valid(_CLIENT + "import logging\nlog = logging.getLogger(__name__)\n\ndef answer(q):\n"
              f"    reply = {_CALL}\n    log.info('tokens=%s', reply.usage.total_tokens)\n    return reply\n"),
        Valid(_CLIENT + f"from langfuse import observe\n\n@observe()\ndef answer(q):\n    return {_CALL}\n"),
        Valid(_CLIENT + f"from langsmith import traceable\n\n@traceable\ndef answer(q):\n    return {_CALL}\n"),
        Valid(_CLIENT + "from opentelemetry import trace\ntracer = trace.get_tracer(__name__)\n\ndef answer(q):\n"
              f"    with tracer.start_as_current_span('answer'):\n        return {_CALL}\n"),
        Valid(_CLIENT + "import logfire\nlogfire.configure()\nlogfire.instrument_openai(client)\n\n"
              f"def answer(q):\n    return {_CALL}\n"),
        Valid(_CLIENT + "import structlog\nlogger = structlog.get_logger()\n\n"
              f"def draft(q):\n    return {_CALL}\n\ndef answer(q):\n    logger.info('answering')\n    return draft(q)\n"),
        Valid(_CLIENT + f"import weave\n\n@weave.op()\ndef answer(q):\n    return {_CALL}\n"),
        Valid(f"from langfuse.openai import OpenAI\nclient = OpenAI()\n\ndef answer(q):\n    return {_CALL}\n"),
        # a prompt template's invoke only formats messages: no model is called
        Valid("from langchain_core.prompts import ChatPromptTemplate\n\ndef render(q):\n"
              "    prompt = ChatPromptTemplate([('user', '{q}')])\n    return prompt.invoke({'q': q})\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + f"def answer(q):\n    reply = {_CALL}\n    print(reply)\n    return reply\n",
                lines=[5], message="`answer`"),
        Invalid(_CLIENT + "import logging\nlog = logging.getLogger(__name__)\n\n"
                f"def draft(q):\n    return {_CALL}\n\ndef quiet(q):\n    return draft(q)\n\n"
                "def loud(q):\n    log.info('q')\n    return draft(q)\n", lines=[8], message="quiet"),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        index = flow.index
        if not flow.llm_calls or index.instrumented:
            return
        memo: Dict[int, bool] = {}
        for call in flow.llm_calls:
            function = flow.function_of(call.node)
            if self._covered(flow, function, memo):
                continue
            quiet = [site.function.name for site in flow.callers(function)
                     if not self._observes(flow, site.function, memo)]
            where = "module-level code" if function.is_module else f"`{function.name}`"
            callers = f" nor do its callers ({', '.join(f'`{n}`' for n in sorted(set(quiet)))})" if quiet else ""
            related = [(call.client, "client built here")] if call.client is not None else []
            self.report(call.node, f"{call.label} is called in {where}, which neither logs nor is traced{callers}; "
                                   f"log the outcome (model, latency, tokens) or trace it (@observe, @traceable, a span)",
                        related=related)

    def _observes(self, flow: Flow, function: FunctionInfo, memo: Dict[int, bool]) -> bool:
        """The function itself, an enclosing function, or a same-module helper it calls logs or traces."""
        key = id(function)
        if key not in memo:
            memo[key] = False
            current: Optional[FunctionInfo] = function
            while current is not None:
                if current.logs or current.traced:
                    memo[key] = True
                    break
                current = current.parent
            if not memo[key]:
                for site in function.calls:
                    callee = flow.local_callee(site.node, function)
                    if callee is not None and callee is not function and (callee.logs or callee.traced):
                        memo[key] = True
                        break
        return memo[key]

    def _covered(self, flow: Flow, function: FunctionInfo, memo: Dict[int, bool]) -> bool:
        if self._observes(flow, function, memo):
            return True
        callers = flow.callers(function)
        return bool(callers) and all(self._observes(flow, site.function, memo) for site in callers)
