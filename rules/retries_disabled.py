from __future__ import annotations

from ailint.rule import Invalid, Valid
from ailint.sdk.analysis import NetworkCalls
from ailint.sdk.catalog import Needles, document
from ailint.sdk.effective import DISABLED, every, related, retries
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


@document("llm", "retries")
class RetriesDisabled(SdkRule):
    """
    ## What it does
    Flags an LLM call whose retries are explicitly switched off (`max_retries=0`,
    `num_retries=0`, botocore `Config(retries={"total_max_attempts": 1})`, google-genai
    `HttpRetryOptions(attempts=1)`), on the call, the client or `with_options(...)`, when nothing
    else retries it or falls back (no retry decorator or loop, no `with_retry`, no fallback).

    `ChatGoogleGenerativeAI(max_retries=0)` is not flagged: there 0 means "use the default".

    ## Why is this bad?
    Turning the SDK's retries off is sometimes right, when the application retries on its own
    terms or hands over to another model. Without either, a single rate limit or dropped
    connection becomes a user-facing error.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI(timeout=20, max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    from openai import OpenAI
    from tenacity import retry, stop_after_attempt, wait_random_exponential

    client = OpenAI(timeout=20, max_retries=0)

    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(max=10))
    def reply(messages):
        return client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Options
    None.

    ## References
    {references}
    """

    code = "AIL202"
    name = "retries-disabled"
    severity = Severity.WARNING
    needles = Needles("llm")
    requires_sdk_import = "llm"

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI(max_retries=2)\nclient.chat.completions.create(model='m', messages=[])\n"),
        Valid("import backoff\nimport openai\nclient = openai.OpenAI(max_retries=0)\n\n"
              "@backoff.on_exception(backoff.expo, openai.RateLimitError, max_tries=4)\ndef ask():\n"
              "    return client.chat.completions.create(model='m', messages=[])\n"),
        Valid("from langchain_google_genai import ChatGoogleGenerativeAI\n"
              "llm = ChatGoogleGenerativeAI(model='gemini-2.0-flash', max_retries=0)\nllm.invoke('hi')\n"),
        Valid("import litellm\nlitellm.completion(model='gpt-4o', messages=[], num_retries=0, fallbacks=['claude'])\n"),
        # google-genai reads attempts=0 as its default (5 attempts)
        Valid("from google import genai\nfrom google.genai import types\n"
              "client = genai.Client(http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=0)))\n"
              "client.models.generate_content(model='gemini-2.5-flash', contents='hi')\n"),
        # a retry decorator or a tenacity Retrying object kept in a variable retries as well
        Valid("from openai import OpenAI\nfrom tenacity import retry, stop_after_attempt\n"
              "client = OpenAI(max_retries=0)\nllm_retry = retry(stop=stop_after_attempt(4))\n\n@llm_retry\n"
              "def ask():\n    return client.chat.completions.create(model='m', messages=[])\n"),
        Valid("from openai import OpenAI\nfrom tenacity import Retrying, stop_after_attempt\n"
              "client = OpenAI(max_retries=0)\nretryer = Retrying(stop=stop_after_attempt(3))\n\ndef ask():\n"
              "    for attempt in retryer:\n        with attempt:\n"
              "            return client.chat.completions.create(model='m', messages=[])\n"),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\nclient = OpenAI(max_retries=0)\nclient.chat.completions.create(model='m', messages=[])\n",
                lines=[3], message="max_retries=0"),
        Invalid("from anthropic import Anthropic\nclient = Anthropic()\n"
                "client.with_options(max_retries=0).messages.create(model='m', max_tokens=5, messages=[])\n", lines=[3]),
        Invalid("import boto3\nfrom botocore.config import Config\n"
                "brt = boto3.client('bedrock-runtime', config=Config(retries={'total_max_attempts': 1}))\n"
                "brt.converse(modelId='m', messages=[])\n", lines=[4]),
        Invalid("import litellm\nlitellm.completion(model='gpt-4o', messages=[], num_retries=0)\n", lines=[2]),
        Invalid("from google import genai\nclient = genai.Client(http_options={'retry_options': {'attempts': 1}})\n"
                "client.models.generate_content(model='gemini-2.5-flash', contents='hi')\n", lines=[3]),
        # a decorator in a variable that is not a retry, and a loop over a plain list, retry nothing
        Invalid("from openai import OpenAI\nimport functools\nclient = OpenAI(max_retries=0)\n"
                "cached = functools.lru_cache(maxsize=8)\nmodels = ['m']\n\n@cached\ndef ask():\n"
                "    for model in models:\n        return client.chat.completions.create(model=model, messages=[])\n",
                lines=[10]),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            if call.spec.kind != "llm":
                continue
            results = retries(call, analysis)
            if every(results, lambda r: r.state == DISABLED and not r.handled_by):
                setting = f"{results[0].setting}={self.file.module.code_for_node(results[0].node)}"
                self.report(call.node, f"retries are switched off ({setting}) and nothing else retries this call "
                                       f"or falls back: one rate limit or dropped connection fails the request; "
                                       f"max_retries=0 is fine only with your own retry or a fallback",
                            related=related(call))
