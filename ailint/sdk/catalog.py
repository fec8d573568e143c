"""What ailint knows about AI SDK and HTTP clients, as data: one place a reader can scan.

For each client: the qualified names that build it, the calls on it that reach the network,
where its timeout is configured, in which unit, and what applies when nothing is set.
Module-level functions (`requests.get`, `openai.chat.completions.create`) are listed the same
way. Every default is cited (see docs/sdk-research.md for the full notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

OPENAI_REF = "https://github.com/openai/openai-python/blob/main/src/openai/_constants.py"
ANTHROPIC_REF = "https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/_constants.py"
REQUESTS_REF = "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts"
HTTPX_REF = "https://www.python-httpx.org/advanced/timeouts/"


@dataclass(frozen=True)
class ClientSpec:
    """A client class. `calls` are attribute paths on an instance that hit the network."""

    qualname: str
    sdk: str
    kind: str  # "llm" or "http"
    calls: Tuple[str, ...]
    timeout_keywords: Tuple[str, ...] = ("timeout",)
    call_timeout_keywords: Tuple[str, ...] = ("timeout",)
    default_timeout: Optional[float] = None  # seconds; None: waits forever
    unit: str = "s"
    http_client_keyword: Optional[str] = None  # an httpx client whose timeout counts
    reference: str = ""

    def default_phrase(self) -> str:
        if self.default_timeout is None:
            return f"{self.qualname} has no timeout by default and can wait forever"
        return f"{self.qualname} defaults to a {self.default_timeout:g} s timeout"


@dataclass(frozen=True)
class FunctionSpec:
    """A module-level function that hits the network."""

    qualname: str
    sdk: str
    kind: str
    timeout_keywords: Tuple[str, ...] = ("timeout",)
    default_timeout: Optional[float] = None
    # A module attribute that sets the timeout for these functions (openai.timeout = 30).
    module_timeout_attribute: Optional[str] = None
    reference: str = ""

    def default_phrase(self) -> str:
        if self.default_timeout is None:
            return f"{self.qualname} has no timeout by default and can wait forever"
        return f"{self.qualname} defaults to a {self.default_timeout:g} s timeout"


_OPENAI_CALLS = (
    "chat.completions.create", "chat.completions.parse", "chat.completions.stream", "completions.create",
    "responses.create", "responses.parse", "responses.stream", "embeddings.create", "images.generate",
    "images.edit", "images.create_variation", "audio.transcriptions.create", "audio.translations.create",
    "audio.speech.create", "moderations.create", "beta.chat.completions.parse", "beta.chat.completions.stream",
)
_ANTHROPIC_CALLS = ("messages.create", "messages.stream", "messages.count_tokens", "completions.create",
                    "beta.messages.create", "beta.messages.stream")
_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send")
_REQUESTS_SESSION_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def _openai(qualname: str) -> ClientSpec:
    return ClientSpec(qualname, "openai", "llm", _OPENAI_CALLS, default_timeout=600.0,
                      http_client_keyword="http_client", reference=OPENAI_REF)


def _anthropic(qualname: str) -> ClientSpec:
    return ClientSpec(qualname, "anthropic", "llm", _ANTHROPIC_CALLS, default_timeout=600.0,
                      http_client_keyword="http_client", reference=ANTHROPIC_REF)


CLIENTS: Tuple[ClientSpec, ...] = (
    _openai("openai.OpenAI"), _openai("openai.AsyncOpenAI"), _openai("openai.AzureOpenAI"),
    _openai("openai.AsyncAzureOpenAI"), _openai("openai.Client"), _openai("openai.AsyncClient"),
    _anthropic("anthropic.Anthropic"), _anthropic("anthropic.AsyncAnthropic"),
    _anthropic("anthropic.AnthropicBedrock"), _anthropic("anthropic.AsyncAnthropicBedrock"),
    _anthropic("anthropic.AnthropicVertex"), _anthropic("anthropic.AsyncAnthropicVertex"),
    _anthropic("anthropic.Client"), _anthropic("anthropic.AsyncClient"),
    ClientSpec("requests.Session", "requests", "http", _REQUESTS_SESSION_METHODS, timeout_keywords=(),
               default_timeout=None, reference=REQUESTS_REF),
    ClientSpec("requests.sessions.Session", "requests", "http", _REQUESTS_SESSION_METHODS, timeout_keywords=(),
               default_timeout=None, reference=REQUESTS_REF),
    ClientSpec("httpx.Client", "httpx", "http", _HTTP_METHODS, default_timeout=5.0, reference=HTTPX_REF),
    ClientSpec("httpx.AsyncClient", "httpx", "http", _HTTP_METHODS, default_timeout=5.0, reference=HTTPX_REF),
)

FUNCTIONS: Tuple[FunctionSpec, ...] = tuple(
    [FunctionSpec(f"openai.{call}", "openai", "llm", default_timeout=600.0, module_timeout_attribute="openai.timeout",
                  reference=OPENAI_REF) for call in _OPENAI_CALLS]
    + [FunctionSpec(f"requests.{method}", "requests", "http", default_timeout=None, reference=REQUESTS_REF)
       for method in _REQUESTS_SESSION_METHODS]
    + [FunctionSpec(f"requests.api.{method}", "requests", "http", default_timeout=None, reference=REQUESTS_REF)
       for method in _REQUESTS_SESSION_METHODS]
    + [FunctionSpec(f"httpx.{method}", "httpx", "http", default_timeout=5.0, reference=HTTPX_REF)
       for method in _HTTP_METHODS if method != "send"]
)

CLIENTS_BY_NAME: Dict[str, ClientSpec] = {spec.qualname: spec for spec in CLIENTS}
FUNCTIONS_BY_NAME: Dict[str, FunctionSpec] = {spec.qualname: spec for spec in FUNCTIONS}

# Top-level packages whose import makes a file worth parsing for these rules.
LLM_PACKAGES = tuple(sorted({spec.sdk for spec in CLIENTS + FUNCTIONS if spec.kind == "llm"}))
HTTP_PACKAGES = tuple(sorted({spec.sdk for spec in CLIENTS + FUNCTIONS if spec.kind == "http"}))
