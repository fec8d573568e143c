"""The SDK catalog as data: every SDK the issue lists is there, units and traps are encoded,
and every encoded default is cited in the References of the rule that relies on it."""

from __future__ import annotations

import pytest

from ailint.sdk import catalog as cat
from ailint.sdk.custom import CatalogEntryError, parse_entry
from ailint.testing import check_source
from ailint_rules.http_call_without_timeout import HttpCallWithoutTimeout
from ailint_rules.llm_call_without_output_cap import LlmCallWithoutOutputCap
from ailint_rules.llm_call_without_retry_or_fallback import LlmCallWithoutRetryOrFallback
from ailint_rules.llm_call_without_timeout import LlmCallWithoutTimeout

SPECS = list(cat.BUILTIN.clients.values()) + list(cat.BUILTIN.functions.values())

REQUIRED = [
    "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
    "openai.chat.completions.create", "anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock",
    "anthropic.AnthropicVertex", "google.genai.Client", "google.generativeai.GenerativeModel",
    "vertexai.generative_models.GenerativeModel", "cohere.Client", "cohere.ClientV2", "mistralai.Mistral",
    "mistralai.client.Mistral", "groq.Groq", "together.Together", "litellm.completion", "litellm.acompletion",
    "litellm.embedding", "litellm.Router", "langchain_openai.ChatOpenAI", "langchain_openai.AzureChatOpenAI",
    "langchain_anthropic.ChatAnthropic", "langchain_google_genai.ChatGoogleGenerativeAI",
    "langchain_google_vertexai.ChatVertexAI", "langchain_aws.ChatBedrock", "langchain_aws.ChatBedrockConverse",
    "langchain_ollama.ChatOllama", "llama_index.llms.openai.OpenAI", "llama_index.llms.anthropic.Anthropic",
    "huggingface_hub.InferenceClient", "ollama.Client", "ollama.AsyncClient", "ollama.chat",
    "boto3.client.bedrock-runtime", "httpx.Client", "httpx.get", "requests.get", "requests.Session",
    "aiohttp.ClientSession",
]


@pytest.mark.parametrize("qualname", REQUIRED)
def test_the_issue_s_sdks_are_catalogued(qualname):
    assert qualname in cat.BUILTIN.clients or qualname in cat.BUILTIN.functions


def test_selectors_cover_boto3_and_init_chat_model():
    assert "boto3.client" in cat.BUILTIN.selectors
    assert "langchain.chat_models.init_chat_model" in cat.BUILTIN.selectors


@pytest.mark.parametrize("rule,kind,topic", [
    (LlmCallWithoutTimeout, "llm", "timeout"), (HttpCallWithoutTimeout, "http", "timeout"),
    (LlmCallWithoutRetryOrFallback, "llm", "retries"), (LlmCallWithoutOutputCap, "llm", "caps"),
])
def test_every_encoded_default_is_cited_in_the_rule_references(rule, kind, topic):
    references = rule.__doc__.split("## References", 1)[1]
    for spec in SPECS:
        if spec.kind != kind:
            continue
        assert spec.references, f"{spec.qualname} cites nothing"
        if topic == "caps" and not cat._caps_of(spec):
            continue
        for url in spec.references:
            assert url in references, f"{rule.code} References lack {url} ({spec.qualname})"
        fact = spec.default_phrase() if topic == "timeout" else spec.retry_phrase()
        if topic != "caps":
            assert fact.replace(spec.qualname, "").strip(" ;,") in references, (spec.qualname, fact)


def test_units_and_traps_are_encoded():
    assert cat.BUILTIN.clients["google.genai.Client"].timeout[0].unit == "ms"
    assert cat.BUILTIN.clients["mistralai.Mistral"].timeout[0].unit == "ms"
    assert cat.BUILTIN.clients["google.genai.Client"].default_timeout is None
    assert cat.BUILTIN.clients["ollama.Client"].default_timeout is None
    for name in ("langchain_openai.ChatOpenAI", "langchain_anthropic.ChatAnthropic"):
        assert "no timeout at all" in cat.BUILTIN.clients[name].default_phrase()
    assert cat.BUILTIN.clients["litellm.Router"].default_timeout == 6000
    assert cat.BUILTIN.clients["aiohttp.ClientSession"].timeout[0].none == "default"
    # anthropic's max_tokens is required: no cap check; embeddings take none
    assert not cat.BUILTIN.clients["anthropic.Anthropic"].output_caps
    assert "embeddings.create" not in cat.BUILTIN.clients["openai.OpenAI"].output_caps
    assert set(cat.BUILTIN.clients["openai.OpenAI"].output_caps["chat.completions.create"]) == {
        "max_tokens", "max_completion_tokens"}


def test_needles_find_sdk_files_and_clients_imported_from_elsewhere():
    llm = cat.BUILTIN.needles("llm")
    assert b"openai" in llm and b"boto3" in llm and b".chat.completions.create(" in llm
    assert b".get(" not in llm and b"list(" not in llm


def test_catalog_entries_are_validated():
    spec = parse_entry("acme.Gateway", {"kind": "http", "calls": ["send"], "timeout-keywords": ["timeout_ms"],
                                        "timeout-unit": "ms"}, "where")
    assert spec.kind == "http" and spec.timeout[0].unit == "ms" and spec.call_timeout[0].path == "timeout_ms"
    with pytest.raises(CatalogEntryError, match="did you mean 'default-timeout'"):
        parse_entry("acme.Gateway", {"kind": "llm", "calls": ["x"], "default_timout": 5}, "where")
    with pytest.raises(CatalogEntryError, match="qualified name"):
        parse_entry("Gateway", {"kind": "llm"}, "where")
    with pytest.raises(CatalogEntryError, match="positive number"):
        parse_entry("acme.Gateway", {"kind": "llm", "calls": ["x"], "default-timeout": -1}, "where")


# Resolution details that need no project: each both ways.
CHAT = "chat.completions.create(model='m', messages=[], max_tokens=5)"


@pytest.mark.parametrize("code,lines", [
    (f"from openai import OpenAI\nclient = OpenAI()\nkw = {{}}\nkw.update(timeout=5)\nclient.{CHAT[:-1]}, **kw)\n", []),
    (f"from openai import OpenAI\nclient = OpenAI()\nkw = {{'timeout': 5}}\nclient.{CHAT[:-1]}, **kw)\n", []),
    (f"from openai import OpenAI\nclient = OpenAI()\nkw = {{'user': 'u'}}\nclient.{CHAT[:-1]}, **kw)\n", [4]),
    (f"from openai import OpenAI\n\nclass Bot:\n    client = OpenAI()\n\n    def ask(self):\n        return self.client.{CHAT}\n", [7]),
    (f"from openai import OpenAI\n\nclass Bot:\n    client = OpenAI(timeout=9)\n\n    def ask(self):\n        return self.client.{CHAT}\n", []),
    (f"import functools\nfrom openai import OpenAI\nc = OpenAI()\nf = functools.partial(c.chat.completions.create, timeout=3)\nf(model='m', messages=[])\n", []),
    (f"import functools\nfrom openai import OpenAI\nc = OpenAI()\nf = functools.partial(c.chat.completions.create)\nf(model='m', messages=[])\n", [5]),
    ("import asyncio\nfrom openai import AsyncOpenAI\nc = AsyncOpenAI()\n\nasync def f():\n"
     "    return await asyncio.wait_for(c.embeddings.create(model='m', input='x'), 10)\n", []),
    ("import asyncio\nfrom openai import AsyncOpenAI\nc = AsyncOpenAI()\n\nasync def f():\n"
     "    return await asyncio.wait_for(c.embeddings.create(model='m', input='x'), None)\n", [6]),
])
def test_resolution_cases(code, lines):
    assert sorted(f.line for f in check_source(LlmCallWithoutTimeout, code)) == lines
