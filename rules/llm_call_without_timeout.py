from __future__ import annotations

from ailint.rule import Invalid, PythonRule, Valid
from ailint.sdk.analysis import NetworkCall, NetworkCalls
from ailint.sdk.catalog import ANTHROPIC_REF, OPENAI_REF, ClientSpec
from ailint.sdk.values import DISABLED, timeout_state
from ailint.types import Severity


class LlmCallWithoutTimeout(PythonRule):
    """
    ## What it does
    Flags a call to an LLM provider (the openai and anthropic Python SDKs, including their
    async, Azure, Bedrock and Vertex clients and openai's module-level client) that has no
    explicit, effective timeout: none on the call, none through `with_options(...)`, none on
    the client it was built from (`timeout=`, or `http_client=httpx.Client(timeout=...)`), and
    none on `openai.timeout` for module-level calls. A timeout of `None` counts as none.

    ## Why is this bad?
    SDK defaults are not a timeout policy. openai and anthropic wait up to 600 s (ten minutes)
    for a response by default, and retry twice, so one stuck request can hold a worker for
    half an hour while the user has long gone. `timeout=None` removes even that limit.
    A production service sets a timeout that matches its own latency budget.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    from openai import OpenAI

    client = OpenAI(timeout=20.0, max_retries=2)
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```
    or per call: `client.with_options(timeout=5).embeddings.create(...)`.

    ## Options
    None.

    ## References
    - openai `DEFAULT_TIMEOUT = httpx.Timeout(timeout=600, connect=5.0)`:
      https://github.com/openai/openai-python/blob/main/src/openai/_constants.py
    - anthropic `DEFAULT_TIMEOUT = httpx.Timeout(timeout=10 * 60, connect=5.0)`:
      https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/_constants.py
    - openai: a custom `http_client` with a non-default timeout supplies the client timeout:
      https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py
    - openai module client settings (`openai.timeout`):
      https://github.com/openai/openai-python/blob/main/src/openai/__init__.py
    """

    code = "AIL101"
    name = "llm-call-without-timeout"
    severity = Severity.WARNING
    needles = (b"openai", b"anthropic")
    references = (OPENAI_REF, ANTHROPIC_REF)

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI(timeout=20)\nclient.chat.completions.create(model='m', messages=[])\n"),
        Valid("import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model='m', messages=[], timeout=10)\n"),
        Valid("import anthropic as a\nc = a.Anthropic()\nc.with_options(timeout=5).messages.create(model='m', max_tokens=10, messages=[])\n"),
        Valid("import httpx\nfrom openai import OpenAI\nclient = OpenAI(http_client=httpx.Client(timeout=15))\n"
              "client.embeddings.create(model='m', input='x')\n"),
        Valid("import openai\nopenai.timeout = 30\nopenai.chat.completions.create(model='m', messages=[])\n"),
        Valid("from openai import OpenAI\nSETTINGS = {'timeout': 30}\nclient = OpenAI(**SETTINGS)\n"
              "client.responses.create(model='m', input='hi')\n"),
        Valid("from openai import OpenAI\n\ndef make(**kwargs):\n    client = OpenAI(**kwargs)\n"
              "    return client.chat.completions.create(model='m', messages=[])\n"),
        Valid("from anthropic import AsyncAnthropic\n\nclass Bot:\n    def __init__(self):\n"
              "        self.client = AsyncAnthropic(timeout=30.0)\n\n    async def ask(self, q):\n"
              "        return await self.client.messages.create(model='m', max_tokens=100, messages=[])\n"),
        Valid("class Client:\n    def chat(self):\n        pass\n\nclient = Client()\nclient.chat.completions.create()\n"),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n",
                lines=[3], message="600 s"),
        Invalid("import openai as oai\nclient = oai.AsyncOpenAI()\n\nasync def f():\n"
                "    return await client.responses.create(model='m', input='x')\n", lines=[5]),
        Invalid("from openai import OpenAI\nclient = OpenAI(timeout=None)\nclient.embeddings.create(model='m', input='x')\n",
                lines=[3], message="timeout=None"),
        Invalid("from openai import OpenAI\nclient = OpenAI(timeout=30)\n"
                "client.chat.completions.create(model='m', messages=[], timeout=None)\n", lines=[3], message="timeout=None"),
        Invalid("import openai\nopenai.chat.completions.create(model='m', messages=[])\n", lines=[2]),
        Invalid("from anthropic import Anthropic\n\nclass Bot:\n    def __init__(self):\n        self.client = Anthropic()\n\n"
                "    def ask(self, q):\n        return self.client.messages.create(model='m', max_tokens=10, messages=[])\n",
                lines=[8], message="example.py:5"),
        Invalid("from openai import AzureOpenAI\n\ndef get_client():\n    return AzureOpenAI(api_version='2024-06-01')\n\n"
                "def ask():\n    return get_client().chat.completions.create(model='m', messages=[])\n", lines=[7]),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            if call.spec.kind != "llm" or call.opaque:
                continue
            verdict = self._verdict(call, analysis)
            if verdict:
                related = [(call.client.node, "client built here")] if call.client is not None else []
                self.report(call.node, verdict, related=related)

    def _verdict(self, call: NetworkCall, analysis: NetworkCalls):
        """None when an effective timeout applies, else the message."""
        imports = self.file.imports
        for keywords in (call.keywords, call.option_keywords):
            if "timeout" in keywords:
                if timeout_state(keywords["timeout"], imports) == DISABLED:
                    return "timeout=None on this call disables the timeout, so the request can hang forever; set a number of seconds"
                return None
        spec = call.spec
        if call.client is None:
            setting = analysis.module_settings.get(getattr(spec, "module_timeout_attribute", None) or "")
            if setting is not None and timeout_state(setting, imports) != DISABLED:
                return None
            return f"{spec.default_phrase()}; set timeout= on this call or `{spec.module_timeout_attribute} = ...`"
        client = call.client
        if client.opaque:
            return None
        assert isinstance(spec, ClientSpec)
        for keyword in spec.timeout_keywords:
            if keyword in client.keywords:
                if timeout_state(client.keywords[keyword], imports) == DISABLED:
                    return (f"the client built at {{related}} sets timeout=None, which disables the timeout; "
                            f"set a number of seconds there or on this call")
                return None
        if spec.http_client_keyword and spec.http_client_keyword in client.keywords:
            http_client = client.keywords[spec.http_client_keyword]
            if not _http_client_without_timeout(http_client, imports):
                return None
        return f"{spec.default_phrase()}; set timeout= on the client built at {{related}} or on this call"


def _http_client_without_timeout(node, imports) -> bool:
    """True for `httpx.Client()` built inline without a timeout; unknown objects count as set."""
    import libcst as cst

    if isinstance(node, cst.Call) and imports.qualify(node.func) in ("httpx.Client", "httpx.AsyncClient",
                                                                       "openai.DefaultHttpxClient",
                                                                       "openai.DefaultAsyncHttpxClient",
                                                                       "anthropic.DefaultHttpxClient",
                                                                       "anthropic.DefaultAsyncHttpxClient"):
        return not any(arg.keyword is not None and arg.keyword.value == "timeout" for arg in node.args)
    return False
