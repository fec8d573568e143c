from __future__ import annotations

from ailint.rule import Invalid, Option, Valid
from ailint.sdk.analysis import NetworkCall, NetworkCalls
from ailint.sdk.catalog import TENACITY_ISSUE, LC_RETRY_REF, Needles, document
from ailint.sdk.effective import MISSING, UNKNOWN_STATE, Retry, every, related, retries
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


@document("llm", "retries")
class LlmCallWithoutRetryOrFallback(SdkRule):
    """
    ## What it does
    Flags an LLM call with no explicit retry policy and no fallback. Any of these counts:

    - retries set on the client, the call or the module: `max_retries=`, `num_retries=`,
      `retry_config=`, botocore `Config(retries=...)`, google-genai
      `HttpOptions(retry_options=...)`, `litellm.num_retries = 3`;
    - LangChain `.with_retry(...)` (except on `stream`/`astream`, which it never retries);
    - a retry decorator that can fire on the enclosing function, or on a function of the same
      module that calls it: tenacity `@retry`, `backoff.on_exception`, `stamina.retry`
      (not on a generator or async generator function: the decorator only sees the generator
      being built, so it never retries);
    - a retry loop: the call in a `try` inside a `for`/`while` loop whose `except` does not
      just re-raise, or `for attempt in tenacity.Retrying(...)`;
    - a fallback: `.with_fallbacks([...])`, litellm `fallbacks=` or a `Router(fallbacks=...)`,
      or an `except` clause that calls another model or provider (or a `..._fallback`).

    ## Why is this bad?
    Providers fail routinely: rate limits (429), overload (529, 503), timeouts and dropped
    connections. A service that relies on whatever its SDK happens to do by default (two quiet
    retries in openai and anthropic; none at all in google-genai, ollama, huggingface_hub,
    mistralai and vertexai) has no failure policy anyone decided on, and no path to a second
    model when the first is down.

    ## Example
    ```python
    from google import genai

    client = genai.Client()
    reply = client.models.generate_content(model="gemini-2.0-flash", contents=prompt)
    ```

    ## Use instead
    ```python
    from google import genai
    from google.genai import types

    client = genai.Client(http_options=types.HttpOptions(
        timeout=30_000, retry_options=types.HttpRetryOptions(attempts=3)))
    reply = client.models.generate_content(model="gemini-2.0-flash", contents=prompt)
    ```

    ## Options
    - `strict` (bool, default `false`): also report calls whose retry settings ailint cannot
      see (unknown `**kwargs`).

    ## References
    {references}
    - tenacity `@retry` never retries a generator or async generator: https://github.com/jd/tenacity/issues/63
    - LangChain `with_retry` does not retry streams: https://github.com/langchain-ai/langchain/blob/master/libs/core/langchain_core/runnables/retry.py
    """

    code = "AIL201"
    name = "llm-call-without-retry-or-fallback"
    severity = Severity.WARNING
    needles = Needles("llm")
    requires_sdk_import = "llm"
    references = (TENACITY_ISSUE, LC_RETRY_REF)
    options = {"strict": Option(False, "also report calls whose retry settings ailint cannot see")}

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI(max_retries=3)\nclient.chat.completions.create(model='m', messages=[])\n"),
        Valid("from tenacity import retry, stop_after_attempt\nfrom openai import OpenAI\nclient = OpenAI()\n\n"
              "@retry(stop=stop_after_attempt(3))\ndef ask():\n"
              "    return client.chat.completions.create(model='m', messages=[])\n"),
        Valid("import litellm\nlitellm.completion(model='gpt-4o', messages=[], fallbacks=['claude-3-5-sonnet'])\n"),
        Valid("from langchain_openai import ChatOpenAI\nfrom langchain_anthropic import ChatAnthropic\n"
              "llm = ChatOpenAI(model='gpt-4o').with_fallbacks([ChatAnthropic(model='claude')])\nllm.invoke('hi')\n"),
        Valid("import time\nfrom openai import OpenAI\nclient = OpenAI()\n\ndef ask():\n    for attempt in range(3):\n"
              "        try:\n            return client.chat.completions.create(model='m', messages=[])\n"
              "        except Exception:\n            time.sleep(2 ** attempt)\n    raise RuntimeError('gave up')\n"),
        Valid("from openai import OpenAI\nfrom anthropic import Anthropic\nprimary = OpenAI()\nbackup = Anthropic(max_retries=2)\n\n"
              "def ask(q):\n    try:\n        return primary.chat.completions.create(model='m', messages=[])\n"
              "    except Exception:\n        return backup.messages.create(model='c', max_tokens=10, messages=[])\n"),
    ]
    INVALID = [
        Invalid("from google import genai\nclient = genai.Client()\n"
                "client.models.generate_content(model='gemini-2.0-flash', contents='hi')\n", lines=[3],
                message="does not retry"),
        Invalid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n",
                lines=[3], message="2 times"),
        Invalid("from tenacity import retry\nfrom openai import AsyncOpenAI\nclient = AsyncOpenAI()\n\n@retry\n"
                "async def stream_answer(q):\n"
                "    stream = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
                "    async for chunk in stream:\n        yield chunk\n", lines=[7], message="generator"),
        Invalid("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', timeout=30).with_retry()\n"
                "for chunk in llm.stream('hi'):\n    print(chunk)\n", lines=[3], message="with_retry"),
        Invalid("from openai import OpenAI\nclient = OpenAI()\n\ndef ask(q):\n    try:\n"
                "        return client.chat.completions.create(model='m', messages=[])\n    except Exception:\n"
                "        raise\n", lines=[6]),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            if call.spec.kind != "llm":
                continue
            results = retries(call, analysis)
            if every(results, lambda r: r.state == MISSING and not r.handled_by):
                self.report(call.node, self._message(call, results[0]), related=related(call))
            elif self.settings["strict"] and every(results, lambda r: r.state in (MISSING, UNKNOWN_STATE)
                                                     and not r.handled_by):
                self.report(call.node, "cannot tell whether this call has a retry policy (settings ailint cannot "
                                       "see, such as unknown **kwargs); make retries explicit", related=related(call))

    @staticmethod
    def _message(call: NetworkCall, retry: Retry) -> str:
        if retry.trap:
            return f"{retry.trap}; this call has no retry policy and no fallback that can fire"
        spec = call.client.spec if call.client is not None else call.spec
        knob = (spec.retries[0].path if getattr(spec, "retries", ()) else
                spec.call_retries[0].path if spec.call_retries else None)
        how = f"set {knob}= explicitly" if knob else "wrap the call in a retry (tenacity, backoff, stamina)"
        return f"no retry policy and no fallback: {spec.retry_phrase()}; {how} or add a fallback model"
