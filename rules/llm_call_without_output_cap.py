from __future__ import annotations

from ailint.rule import Invalid, Option, Valid
from ailint.sdk.analysis import NetworkCalls
from ailint.sdk.catalog import Needles, document
from ailint.sdk.effective import MISSING, UNKNOWN_STATE, every, output_caps, related
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


@document("llm", "caps")
class LlmCallWithoutOutputCap(SdkRule):
    """
    ## What it does
    Flags an LLM generation call that does not cap the length of its output, where the API
    accepts a cap, and names the parameter that API takes: `max_completion_tokens` or
    `max_tokens` for OpenAI-style chat completions (either is accepted), `max_output_tokens`
    for OpenAI Responses and google-genai (`config=GenerateContentConfig(max_output_tokens=)`
    or a dict), `generation_config={"max_output_tokens": ...}` for google-generativeai and
    vertexai, `options={"num_predict": ...}` for ollama, `inferenceConfig={"maxTokens": ...}`
    for Bedrock `converse`, `max_new_tokens` for huggingface `text_generation`, and the
    constructor's `max_tokens` for LangChain and LlamaIndex models (or `.bind(max_tokens=)`).

    Calls that take no cap (embeddings, moderation, images, token counting) and calls whose cap
    is always present (anthropic's required `max_tokens`, ChatAnthropic's default) are never
    flagged, nor are Bedrock `invoke_model` calls, whose cap lives in a model-specific body.

    ## Why is this bad?
    Without a cap the model may write up to its maximum output length (thousands of tokens):
    cost and latency per request are unbounded, a runaway or prompt-injected generation bills
    in full, and responses can exceed what the caller can display or store.

    ## Example
    ```python
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    reply = client.chat.completions.create(model="gpt-4o", messages=messages, max_completion_tokens=800)
    ```

    ## Options
    - `strict` (bool, default `false`): also report calls whose arguments ailint cannot see
      (unknown `**kwargs`).

    ## References
    {references}
    - OpenAI `max_tokens` is deprecated in favour of `max_completion_tokens`: https://github.com/openai/openai-python/blob/main/src/openai/resources/chat/completions/completions.py
    - anthropic `max_tokens` is required: https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/resources/messages/messages.py
    """

    code = "AIL601"
    name = "llm-call-without-output-cap"
    severity = Severity.WARNING
    needles = Needles("llm")
    requires_sdk_import = "llm"
    options = {"strict": Option(False, "also report calls whose arguments ailint cannot see")}

    VALID = [
        Valid("from openai import OpenAI\nclient = OpenAI()\n"
              "client.chat.completions.create(model='m', messages=[], max_completion_tokens=500)\n"),
        Valid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[], max_tokens=500)\n"),
        Valid("from openai import OpenAI\nclient = OpenAI()\nclient.embeddings.create(model='m', input='x')\n"),
        Valid("from anthropic import Anthropic\nclient = Anthropic()\nclient.messages.create(model='m', max_tokens=5, messages=[])\n"),
        Valid("import ollama\nollama.chat(model='llama3', messages=[], options={'num_predict': 256})\n"),
        Valid("import boto3\nbrt = boto3.client('bedrock-runtime')\n"
              "brt.converse(modelId='m', messages=[], inferenceConfig={'maxTokens': 512})\n"),
        Valid("from google import genai\nfrom google.genai import types\nclient = genai.Client()\n"
              "cfg = types.GenerateContentConfig(max_output_tokens=400)\n"
              "client.models.generate_content(model='gemini-2.0-flash', contents='hi', config=cfg)\n"),
        Valid("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', max_tokens=300)\nllm.invoke('hi')\n"),
        Valid("from openai import OpenAI\nclient = OpenAI()\n\ndef ask(**kw):\n"
              "    return client.chat.completions.create(model='m', messages=[], **kw)\n"),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n",
                lines=[3], message="max_completion_tokens"),
        Invalid("from openai import OpenAI\nclient = OpenAI()\nclient.responses.create(model='m', input='x')\n",
                lines=[3], message="max_output_tokens"),
        Invalid("import ollama\nollama.generate(model='llama3', prompt='hi')\n", lines=[2], message="num_predict"),
        Invalid("import boto3\nbrt = boto3.client('bedrock-runtime')\nbrt.converse(modelId='m', messages=[])\n",
                lines=[3], message="maxTokens"),
        Invalid("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\nllm.invoke('hi')\n", lines=[3]),
        Invalid("from google import genai\nclient = genai.Client()\n"
                "client.models.generate_content(model='gemini-2.0-flash', contents='hi', config={'temperature': 0})\n",
                lines=[3], message="max_output_tokens"),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            if call.spec.kind != "llm":
                continue
            caps = output_caps(call, analysis)
            if every(caps, lambda c: c.state == MISSING):
                parameters = " or ".join(f"{p}=" if "." not in p else _nested(p) for p in caps[0].parameters[:2])
                what = call.method if call.client is None else f"{call.client.spec.qualname}.{call.method}"
                self.report(call.node, f"{what} has no output-token cap, so the reply can run to the model's maximum "
                                       f"length; set {parameters}", related=related(call))
            elif self.settings["strict"] and every(caps, lambda c: c.state in (MISSING, UNKNOWN_STATE)):
                self.report(call.node, "cannot tell whether this call caps its output (arguments ailint cannot see); "
                                       "pass the cap explicitly", related=related(call))


def _nested(path: str) -> str:
    """"inferenceConfig.maxTokens" -> inferenceConfig={"maxTokens": ...}."""
    head, _, rest = path.partition(".")
    if head == "config":
        return f"config=GenerateContentConfig({rest}=...)"
    return f'{head}={{"{rest}": ...}}'
