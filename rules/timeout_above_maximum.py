from __future__ import annotations

from ailint.rule import Invalid, Option, Valid
from ailint.sdk.analysis import NetworkCalls
from ailint.sdk.catalog import Needles
from ailint.sdk.effective import every, related, timeouts
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


class _AnyNeedles:
    def __get__(self, instance, owner):
        return Needles("llm").__get__(instance, owner) + Needles("http").__get__(instance, owner)


class TimeoutAboveMaximum(SdkRule):
    """
    ## What it does
    Flags an LLM or HTTP call whose effective timeout is a known number of seconds above the
    policy maximum (`max-timeout`, 60 s by default). The timeout is read where it applies: on
    the call, through `with_options(...)`, on the client, in a `httpx.Timeout(...)`,
    `aiohttp.ClientTimeout(total=...)` or botocore `Config(read_timeout=...)`, or in a module
    constant the keyword names. Millisecond settings (google-genai `HttpOptions(timeout=)`,
    mistralai `timeout_ms=`) are converted first, so `timeout_ms=120_000` is 120 s.

    Calls with no explicit timeout are AIL101 / AIL102's business, not this rule's.

    ## Why is this bad?
    A timeout of ten minutes is a timeout in name only: a user-facing request that waits that
    long has already failed, while it holds a worker, a connection and (with SDK retries) may
    be attempted three times. Keep each call's timeout inside the service's latency budget.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI(timeout=600)
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI(timeout=30)
    batch_client = client.with_options(timeout=300)  # ailint: ignore[AIL104] nightly batch job
    ```

    ## Options
    - `max-timeout` (number of seconds, default `60`): the largest timeout allowed.

    ## References
    - google-genai `HttpOptions.timeout` is in milliseconds: https://github.com/googleapis/python-genai/blob/main/google/genai/types.py
    - mistralai `timeout_ms` is in milliseconds: https://github.com/mistralai/client-python/blob/main/src/mistralai/chat.py
    - botocore `read_timeout`, seconds: https://github.com/boto/botocore/blob/develop/botocore/config.py
    - aiohttp `ClientTimeout(total=...)`: https://github.com/aio-libs/aiohttp/blob/master/aiohttp/client.py
    - httpx timeouts: https://www.python-httpx.org/advanced/timeouts/
    """

    code = "AIL104"
    name = "timeout-above-maximum"
    severity = Severity.WARNING
    needles = _AnyNeedles()
    options = {"max-timeout": Option(60.0, "the largest timeout allowed, in seconds", type=(int, float))}

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI(timeout=30)\nclient.chat.completions.create(model='m', messages=[])\n"),
        Valid("from openai import OpenAI\nclient = OpenAI(timeout=600)\n"
              "client.chat.completions.create(model='m', messages=[], timeout=20)\n"),
        Valid("from mistralai import Mistral\nclient = Mistral(api_key='k', timeout_ms=30_000)\n"
              "client.chat.complete(model='m', messages=[])\n"),
        Valid("import requests\nrequests.get('https://x', timeout=(3, 120))\n", options={"max-timeout": 120}),
        Valid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n"),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\nclient = OpenAI(timeout=600)\n"
                "client.chat.completions.create(model='m', messages=[])\n", lines=[3], message="600 s"),
        Invalid("from mistralai import Mistral\nclient = Mistral(api_key='k', timeout_ms=120_000)\n"
                "client.chat.complete(model='m', messages=[])\n", lines=[3], message="120 s"),
        Invalid("import requests\nTIMEOUT = 300\nrequests.get('https://x', timeout=TIMEOUT)\n", lines=[3]),
        Invalid("import requests\nrequests.get('https://x', timeout=(3, 120))\n", lines=[2], options={"max-timeout": 90}),
        Invalid("import aiohttp\n\nasync def f(url):\n"
                "    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as s:\n"
                "        return await s.get(url)\n", lines=[5]),
    ]

    def end_file(self) -> None:
        limit = float(self.settings["max-timeout"])
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            results = timeouts(call, analysis)
            if every(results, lambda t: t.state == "set" and t.seconds is not None and t.seconds > limit):
                seconds = min(t.seconds for t in results)
                where = {"call": "on this call", "guard": "around this call", "module": "on the module"}.get(
                    results[0].where, "on the client built at {related}")
                self.report(call.node, f"the timeout {where} is {seconds:g} s, above the {limit:g} s maximum "
                                       f"(max-timeout); lower it to fit the latency budget", related=related(call))
