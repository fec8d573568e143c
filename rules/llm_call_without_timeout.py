from __future__ import annotations

from ailint.rule import Invalid, Option, Valid
from ailint.sdk.analysis import NetworkCall, NetworkCalls
from ailint.sdk.catalog import ANTHROPIC_REF, OPENAI_REF, Needles, document
from ailint.sdk.effective import DISABLED, MISSING, UNKNOWN_STATE, Timeout, every, related, timeouts
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


@document("llm", "timeout")
class LlmCallWithoutTimeout(SdkRule):
    """
    ## What it does
    Flags a call to an LLM provider that has no explicit, effective timeout: none on the call,
    none through `with_options(...)`, none on the client it was built from (wherever that SDK
    keeps it: `timeout=`, `timeout_ms=`, `http_options=HttpOptions(timeout=...)`,
    `config=Config(read_timeout=...)`, `client_kwargs={"timeout": ...}`, an
    `http_client=httpx.Client(timeout=...)`), none on the module (`openai.timeout = 30`,
    `litellm.request_timeout`), and no `asyncio.wait_for(...)` or `asyncio.timeout()` around it.
    A timeout that is explicitly disabled (`None`, infinity, `httpx.Timeout(None)`) counts as
    none, and the message says so.

    It knows the openai, anthropic, google-genai, google-generativeai, vertexai, cohere,
    mistralai, groq, together, litellm, LangChain chat model, LlamaIndex, huggingface_hub,
    ollama and boto3 bedrock-runtime clients, follows clients across modules of the project,
    through factories, `self.x` attributes, `**kwargs` dicts and `functools.partial`, and names
    the SDK default that applies. Clients it cannot follow are left alone.

    ## Why is this bad?
    SDK defaults are not a timeout policy. openai and anthropic wait up to 600 s for a reply
    (and retry timeouts twice), a litellm Router 6000 s, and google-genai, ollama,
    huggingface_hub and vertexai have no timeout at all. LangChain's `ChatOpenAI` and
    `ChatAnthropic` pass `timeout=None` to the SDK by default, which removes even the SDK's
    600 s limit. One stuck request holds a worker long after the user has gone.

    ## Example
    ```python
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o")
    answer = llm.invoke(prompt)
    ```

    ## Use instead
    ```python
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", timeout=30, max_retries=2)
    answer = llm.invoke(prompt)
    ```
    or per call: `client.with_options(timeout=5).embeddings.create(...)`; for google-genai
    `genai.Client(http_options=types.HttpOptions(timeout=30_000))` (milliseconds).

    ## Options
    - `strict` (bool, default `false`): also report calls ailint cannot decide (unknown
      `**kwargs`, settings built elsewhere, clients it cannot follow), as "cannot tell".

    ## References
    {references}
    - LangChain passes timeout=None by default: https://github.com/langchain-ai/langchain/issues/35597
    """

    code = "AIL101"
    name = "llm-call-without-timeout"
    severity = Severity.WARNING
    needles = Needles("llm")
    requires_sdk_import = "llm"
    references = (OPENAI_REF, ANTHROPIC_REF)
    options = {"strict": Option(False, "also report calls whose timeout ailint cannot decide")}

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
        Valid("from google import genai\nfrom google.genai import types\n"
              "client = genai.Client(http_options=types.HttpOptions(timeout=30_000))\n"
              "client.models.generate_content(model='gemini-2.0-flash', contents='hi')\n"),
        Valid("import boto3\nfrom botocore.config import Config\n"
              "brt = boto3.client('bedrock-runtime', config=Config(read_timeout=30))\n"
              "brt.converse(modelId='m', messages=[])\n"),
        Valid("import asyncio\nimport ollama\nclient = ollama.AsyncClient()\n\nasync def f():\n"
              "    return await asyncio.wait_for(client.chat(model='llama3', messages=[]), timeout=20)\n"),
        # wait_for of a stored coroutine, or of the async function making the call
        Valid("import asyncio\nfrom openai import AsyncOpenAI\nclient = AsyncOpenAI(timeout=None)\n\n"
              "async def ask():\n    coro = client.chat.completions.create(model='m', messages=[])\n"
              "    return await asyncio.wait_for(coro, timeout=30)\n\n"
              "async def _complete():\n    return await client.chat.completions.create(model='m', messages=[])\n\n"
              "async def ask_wrapped():\n    return await asyncio.wait_for(_complete(), timeout=30)\n"),
        Valid("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', timeout=30)\nllm.invoke('hi')\n"),
        Valid("import functools\nfrom openai import OpenAI\nclient = OpenAI()\n"
              "ask = functools.partial(client.chat.completions.create, model='m', timeout=20)\nask(messages=[])\n"),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n",
                lines=[3], message="600 s"),
        # the raw and streaming response views are the same call (LangChain's ChatOpenAI uses the first)
        Invalid("from openai import OpenAI\nclient = OpenAI()\n"
                "raw = client.chat.completions.with_raw_response.create(model='m', messages=[])\n"
                "client.with_streaming_response.responses.create(model='m', input='x')\n", lines=[3, 4]),
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
        Invalid("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\nllm.invoke('hi')\n",
                lines=[3], message="no timeout at all"),
        Invalid("from google import genai\nclient = genai.Client()\n"
                "client.models.generate_content(model='gemini-2.0-flash', contents='hi')\n", lines=[3],
                message="no timeout"),
        Invalid("import ollama\nollama.chat(model='llama3', messages=[])\n", lines=[2], message="cannot take one"),
        Invalid("import boto3\nbrt = boto3.client('bedrock-runtime')\nbrt.converse(modelId='m', messages=[])\n",
                lines=[3], message="60 s"),
        Invalid("from openai import OpenAI\n\ndef make(**kwargs):\n    client = OpenAI(**kwargs)\n"
                "    return client.chat.completions.create(model='m', messages=[])\n", lines=[5],
                options={"strict": True}, message="cannot tell"),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        strict = self.settings["strict"]
        for call in analysis.calls:
            if call.spec.kind != "llm":
                continue
            results = timeouts(call, analysis)
            if every(results, lambda t: t.state in (MISSING, DISABLED)):
                self.report(call.node, self._message(call, results[0]), related=related(call))
            elif strict and any(t.state == UNKNOWN_STATE for t in results) \
                    and all(t.state in (MISSING, DISABLED, UNKNOWN_STATE) for t in results):
                self.report(call.node, "cannot tell whether this call has a timeout (settings ailint cannot see, "
                                       "such as unknown **kwargs); make the timeout explicit", related=related(call))
        if strict:
            for node, method in analysis.unresolved:
                self.report(node, f"cannot tell which client makes this {method} call, so not whether it has a timeout")

    def _message(self, call: NetworkCall, timeout: Timeout) -> str:
        spec = call.spec
        if timeout.state == DISABLED:
            setting = _setting_text(timeout)
            if timeout.where == "call":
                return f"{setting} on this call disables the timeout, so the request can hang forever; set a number of seconds"
            if timeout.where == "module":
                return f"`{spec.module_timeout} = None` disables the timeout of module-level calls; set a number of seconds"
            if timeout.where == "guard":
                return "the timeout around this call is disabled"
            return (f"the client built at {{related}} sets {setting}, which disables the timeout; "
                    f"set a number of seconds there or on this call")
        phrase = spec.default_phrase()
        if not spec.timeout_configurable:
            return phrase
        if call.client is None:
            if getattr(spec, "module_timeout", None):
                return f"{phrase}; set timeout= on this call or `{spec.module_timeout} = ...`"
            if not spec.call_timeout:
                return phrase
            return f"{phrase}; set {spec.call_timeout[0].path}= on this call"
        where = call.client.spec.timeout[0].path if call.client.spec.timeout else "timeout"
        return f"{phrase}; set {where}= on the client built at {{related}} or on this call"


def _setting_text(timeout: Timeout) -> str:
    import libcst as cst

    name = timeout.knob.path if timeout.knob is not None else "timeout"
    if isinstance(timeout.node, cst.Name) and timeout.node.value == "None":
        return f"{name}=None"
    return f"{name}=<disabled>"
