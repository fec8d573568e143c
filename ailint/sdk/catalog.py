"""What ailint knows about AI SDK and HTTP clients, as data: one place a reader can scan.

For each client class (`ClientSpec`) and module-level function (`FunctionSpec`):

* the qualified names users import, and the calls that reach the network;
* where the timeout is configured (`Knob`: a keyword path such as `timeout`,
  `http_options.timeout` or `config.read_timeout`, in seconds or milliseconds), on the
  constructor and on each call, and the default that applies when nothing is set;
* where retries are configured and their default; where fallbacks are declared;
* for each generation call, the keyword paths that cap the output length (a call missing from
  `output_caps` takes no cap, or a cap that is always present, like anthropic's `max_tokens`).

A keyword path walks into nested settings: `config.read_timeout` is the `read_timeout` keyword
of whatever `config=` is (`botocore.config.Config(...)` or a dict), and `options.num_predict`
the `"num_predict"` key of `options={...}`.

Every default is cited (`references`; docs/sdk-research.md has the full notes). Organisations
add their own clients through config (`[tool.ailint.clients."acme_llm.Client"]`) or the
`ailint_sdk_catalog` plugin hook; see `ailint.sdk.custom`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

# -- citations (docs/sdk-research.md) -------------------------------------------------------------
OPENAI_REF = "https://github.com/openai/openai-python/blob/main/src/openai/_constants.py"
OPENAI_CLIENT_REF = "https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py"
OPENAI_MODULE_REF = "https://github.com/openai/openai-python/blob/main/src/openai/__init__.py"
OPENAI_CHAT_REF = "https://github.com/openai/openai-python/blob/main/src/openai/resources/chat/completions/completions.py"
ANTHROPIC_REF = "https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/_constants.py"
ANTHROPIC_MESSAGES_REF = "https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/resources/messages/messages.py"
GENAI_TYPES_REF = "https://github.com/googleapis/python-genai/blob/main/google/genai/types.py"
GENAI_CLIENT_REF = "https://github.com/googleapis/python-genai/blob/main/google/genai/_api_client.py"
GENERATIVEAI_REF = ("https://github.com/google-gemini/deprecated-generative-ai-python/blob/main/"
                    "google/generativeai/types/helper_types.py")
GENERATIVEAI_GAPIC_REF = ("https://github.com/googleapis/google-cloud-python/blob/main/packages/google-ai-generativelanguage/"
                          "google/ai/generativelanguage_v1beta/services/generative_service/transports/base.py")
VERTEXAI_REF = "https://github.com/googleapis/python-aiplatform/blob/main/vertexai/generative_models/_generative_models.py"
VERTEXAI_GAPIC_REF = ("https://github.com/googleapis/python-aiplatform/blob/main/"
                      "google/cloud/aiplatform_v1/services/prediction_service/transports/base.py")
COHERE_REF = "https://github.com/cohere-ai/cohere-python/blob/main/src/cohere/base_client.py"
COHERE_OPTIONS_REF = "https://github.com/cohere-ai/cohere-python/blob/main/src/cohere/core/request_options.py"
MISTRAL_REF = "https://github.com/mistralai/client-python/blob/main/src/mistralai/chat.py"
MISTRAL_BASE_REF = "https://github.com/mistralai/client-python/blob/main/src/mistralai/basesdk.py"
GROQ_REF = "https://github.com/groq/groq-python/blob/main/src/groq/_constants.py"
TOGETHER_REF = "https://github.com/togethercomputer/together-python/blob/main/src/together/constants.py"
TOGETHER3_REF = "https://pypi.org/project/together/ (3.x wheel: together/_constants.py)"
LITELLM_REF = "https://github.com/BerriAI/litellm/blob/main/litellm/main.py"
LITELLM_ROUTER_REF = "https://github.com/BerriAI/litellm/blob/main/litellm/router.py"
LITELLM_CONSTANTS_REF = "https://github.com/BerriAI/litellm/blob/main/litellm/constants.py"
LC_OPENAI_REF = ("https://github.com/langchain-ai/langchain/blob/master/libs/partners/openai/"
                 "langchain_openai/chat_models/base.py")
LC_ANTHROPIC_REF = ("https://github.com/langchain-ai/langchain/blob/master/libs/partners/anthropic/"
                    "langchain_anthropic/chat_models.py")
LC_TIMEOUT_ISSUE = "https://github.com/langchain-ai/langchain/issues/35597"
LC_GENAI_REF = "https://github.com/langchain-ai/langchain-google/blob/main/libs/genai/langchain_google_genai/_common.py"
LC_VERTEX_REF = ("https://github.com/langchain-ai/langchain-google/blob/main/libs/vertexai/"
                 "langchain_google_vertexai/chat_models.py")
LC_AWS_REF = ("https://github.com/langchain-ai/langchain-aws/blob/main/libs/aws/langchain_aws/chat_models/"
              "bedrock_converse.py")
LC_OLLAMA_REF = ("https://github.com/langchain-ai/langchain/blob/master/libs/partners/ollama/"
                 "langchain_ollama/chat_models.py")
LC_INIT_REF = "https://github.com/langchain-ai/langchain/blob/master/libs/langchain/langchain/chat_models/base.py"
LC_RETRY_REF = "https://github.com/langchain-ai/langchain/blob/master/libs/core/langchain_core/runnables/retry.py"
LLAMA_OPENAI_REF = ("https://github.com/run-llama/llama_index/blob/main/llama-index-integrations/llms/"
                    "llama-index-llms-openai/llama_index/llms/openai/base.py")
LLAMA_ANTHROPIC_REF = ("https://github.com/run-llama/llama_index/blob/main/llama-index-integrations/llms/"
                       "llama-index-llms-anthropic/llama_index/llms/anthropic/base.py")
HF_REF = "https://github.com/huggingface/huggingface_hub/blob/main/src/huggingface_hub/inference/_client.py"
OLLAMA_REF = "https://github.com/ollama/ollama-python/blob/main/ollama/_client.py"
OLLAMA_TYPES_REF = "https://github.com/ollama/ollama-python/blob/main/ollama/_types.py"
BOTOCORE_REF = "https://github.com/boto/botocore/blob/develop/botocore/config.py"
BOTOCORE_ENDPOINT_REF = "https://github.com/boto/botocore/blob/develop/botocore/endpoint.py"
BEDROCK_CAP_REF = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InferenceConfiguration.html"
REQUESTS_REF = "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts"
HTTPX_REF = "https://www.python-httpx.org/advanced/timeouts/"
AIOHTTP_REF = "https://github.com/aio-libs/aiohttp/blob/master/aiohttp/client.py"
TENACITY_ISSUE = "https://github.com/jd/tenacity/issues/63"


@dataclass(frozen=True)
class Knob:
    """One place a setting lives.

    `path` is a keyword, or a dotted path into nested settings (`http_options.timeout`).
    For timeouts `unit` is "s" or "ms". For retries it says how to read a number: "retries"
    (0 disables), "attempts" (the first call counts: 1 disables), "retries-0-default" (0 means
    "use the default", as in ChatGoogleGenerativeAI), or "policy" (an object; present is enough).
    `none` is what an explicit `None` means: "disables" (the usual case) or "default".
    """

    path: str
    unit: str = "s"
    none: str = "disables"


def knobs(*paths: str, unit: str = "s", none: str = "disables") -> Tuple[Knob, ...]:
    return tuple(Knob(path, unit, none) for path in paths)


@dataclass(frozen=True)
class _Spec:
    """What client classes and module-level functions share."""

    qualname: str
    sdk: str
    kind: str  # "llm" or "http"
    call_timeout: Tuple[Knob, ...] = knobs("timeout")
    default_timeout: Optional[float] = None  # seconds; None: no timeout at all
    timeout_note: str = ""  # replaces the generated default phrase when set
    timeout_configurable: bool = True
    call_retries: Tuple[Knob, ...] = ()
    default_retries: int = 0
    retry_note: str = ""
    call_fallbacks: Tuple[str, ...] = ()
    references: Tuple[str, ...] = ()

    def default_phrase(self) -> str:
        """What applies when no timeout is set, for messages."""
        if self.timeout_note:
            return self.timeout_note
        if self.default_timeout is None:
            return f"{self.qualname} has no timeout by default and can wait forever"
        return f"{self.qualname} defaults to a {self.default_timeout:g} s timeout"

    def retry_phrase(self) -> str:
        if self.retry_note:
            return self.retry_note
        if self.default_retries:
            return f"{self.qualname} retries {self.default_retries} times by default, on its own terms"
        return f"{self.qualname} does not retry by default"


@dataclass(frozen=True)
class ClientSpec(_Spec):
    """A client class. `calls` are attribute paths on an instance that hit the network."""

    calls: Tuple[str, ...] = ()
    timeout: Tuple[Knob, ...] = knobs("timeout")  # on the constructor
    http_client_keyword: Optional[str] = None  # an httpx client whose own timeout counts
    retries: Tuple[Knob, ...] = ()  # on the constructor
    fallbacks: Tuple[str, ...] = ()  # constructor keywords declaring fallbacks
    output_caps: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)  # method -> call paths
    client_output_caps: Tuple[str, ...] = ()  # constructor paths capping every call
    opaque_keywords: Tuple[str, ...] = ()  # a ready-made inner client: its settings are unknown
    builds: Mapping[str, str] = field(default_factory=dict)  # method -> client it returns (chats)

    @property
    def timeout_keywords(self) -> Tuple[str, ...]:  # the simple, top-level ones
        return tuple(k.path for k in self.timeout if "." not in k.path)


@dataclass(frozen=True)
class FunctionSpec(_Spec):
    """A module-level function that hits the network."""

    module_timeout: Optional[str] = None  # "openai.timeout": a module attribute setting it
    module_retries: Optional[str] = None
    module_fallbacks: Optional[str] = None
    output_cap: Optional[Tuple[str, ...]] = None  # call paths; None: takes no cap

    @property
    def module_timeout_attribute(self) -> Optional[str]:
        return self.module_timeout


@dataclass(frozen=True)
class Selector:
    """A factory whose first argument (or `argument=`) picks the client:
    `boto3.client("bedrock-runtime")`, `init_chat_model("openai:gpt-4o")`."""

    qualname: str
    argument: str
    choices: Mapping[str, str]  # value -> client qualname
    provider_keyword: Optional[str] = None  # init_chat_model(model_provider="openai")
    prefixes: Mapping[str, str] = field(default_factory=dict)  # model-name prefix -> provider


Spec = Union[ClientSpec, FunctionSpec]

# -- the SDKs ------------------------------------------------------------------------------------
_STAINLESS_CHAT = ("max_completion_tokens", "max_tokens")
_OPENAI_CAPS = {
    "chat.completions.create": _STAINLESS_CHAT, "chat.completions.parse": _STAINLESS_CHAT,
    "chat.completions.stream": _STAINLESS_CHAT, "beta.chat.completions.parse": _STAINLESS_CHAT,
    "beta.chat.completions.stream": _STAINLESS_CHAT, "completions.create": ("max_tokens",),
    "responses.create": ("max_output_tokens",), "responses.parse": ("max_output_tokens",),
    "responses.stream": ("max_output_tokens",),
}
_OPENAI_CALLS = tuple(_OPENAI_CAPS) + (
    "embeddings.create", "images.generate", "images.edit", "images.create_variation",
    "audio.transcriptions.create", "audio.translations.create", "audio.speech.create", "moderations.create",
)
_ANTHROPIC_CALLS = ("messages.create", "messages.stream", "messages.parse", "messages.count_tokens",
                    "completions.create", "beta.messages.create", "beta.messages.stream", "beta.messages.parse")
_STAINLESS = dict(call_timeout=knobs("timeout"), timeout=knobs("timeout"), retries=knobs("max_retries", unit="retries"),
                  http_client_keyword="http_client", default_retries=2)


def _openai(qualname: str) -> ClientSpec:
    return ClientSpec(qualname, "openai", "llm", default_timeout=600.0, calls=_OPENAI_CALLS, output_caps=_OPENAI_CAPS,
                      references=(OPENAI_REF, OPENAI_CLIENT_REF, OPENAI_CHAT_REF), **_STAINLESS)


def _anthropic(qualname: str) -> ClientSpec:
    # messages.create/stream require max_tokens, so a missing cap cannot happen: no output_caps.
    return ClientSpec(qualname, "anthropic", "llm", default_timeout=600.0, calls=_ANTHROPIC_CALLS,
                      references=(ANTHROPIC_REF, ANTHROPIC_MESSAGES_REF), **_STAINLESS)


def _groq(qualname: str) -> ClientSpec:
    return ClientSpec(qualname, "groq", "llm", default_timeout=60.0,
                      calls=("chat.completions.create", "embeddings.create", "audio.transcriptions.create",
                             "audio.translations.create", "audio.speech.create"),
                      output_caps={"chat.completions.create": _STAINLESS_CHAT}, references=(GROQ_REF,), **_STAINLESS)


def _together(qualname: str) -> ClientSpec:
    return ClientSpec(qualname, "together", "llm", default_timeout=60.0,
                      timeout_note=f"{qualname} defaults to a 60 s timeout (600 s in together 1.x)",
                      retry_note=f"{qualname} retries 2 times by default (5 in together 1.x), on its own terms",
                      calls=("chat.completions.create", "completions.create", "embeddings.create", "images.generate",
                             "rerank.create"),
                      output_caps={"chat.completions.create": ("max_tokens",), "completions.create": ("max_tokens",)},
                      references=(TOGETHER_REF, TOGETHER3_REF), **_STAINLESS)


_GENAI_METHODS = ("generate_content", "generate_content_stream", "embed_content", "count_tokens", "generate_images",
                  "edit_image", "generate_videos")
_GENAI_CAPS = {f"{prefix}models.{m}": ("config.max_output_tokens",) for prefix in ("", "aio.")
               for m in ("generate_content", "generate_content_stream")}
_GENAI = dict(
    timeout=knobs("http_options.timeout", unit="ms"), call_timeout=knobs("config.http_options.timeout", unit="ms"),
    retries=knobs("http_options.retry_options", unit="policy"),
    call_retries=knobs("config.http_options.retry_options", unit="policy"),
    references=(GENAI_TYPES_REF, GENAI_CLIENT_REF),
)
_GENAI_CHAT_CAPS = {m: ("config.max_output_tokens",) for m in ("send_message", "send_message_stream")}

_GENERATIVEAI = dict(
    timeout=(), call_timeout=knobs("request_options.timeout"), default_timeout=600.0,
    call_retries=knobs("request_options.retry", unit="policy"),
    retry_note="google.generativeai retries only 503 errors by default",
    client_output_caps=("generation_config.max_output_tokens",),
    references=(GENERATIVEAI_REF, GENERATIVEAI_GAPIC_REF),
)
_GENERATIVEAI_CAP = ("generation_config.max_output_tokens",)

_VERTEX = dict(
    timeout=(), call_timeout=(), default_timeout=None, timeout_configurable=False,
    client_output_caps=("generation_config.max_output_tokens",), references=(VERTEXAI_REF, VERTEXAI_GAPIC_REF),
)


def _vertex_note(qualname: str) -> str:
    return (f"{qualname} has no timeout and offers no way to set one (and the module is deprecated); "
            f"move to google-genai with http_options=HttpOptions(timeout=...), or bound the call with asyncio.wait_for")


def _cohere(qualname: str) -> ClientSpec:
    return ClientSpec(
        qualname, "cohere", "llm", default_timeout=300.0, timeout=knobs("timeout"),
        call_timeout=knobs("request_options.timeout", "request_options.timeout_in_seconds"),
        http_client_keyword="httpx_client", retries=knobs("max_retries", unit="retries"),
        call_retries=knobs("request_options.max_retries", unit="retries"), default_retries=2,
        calls=("chat", "chat_stream", "generate", "generate_stream", "embed", "rerank", "classify"),
        output_caps={m: ("max_tokens",) for m in ("chat", "chat_stream", "generate", "generate_stream")},
        references=(COHERE_REF, COHERE_OPTIONS_REF),
    )


_MISTRAL_CALLS = ("chat.complete", "chat.stream", "chat.complete_async", "chat.stream_async", "embeddings.create",
                  "embeddings.create_async", "fim.complete", "fim.complete_async", "agents.complete",
                  "agents.complete_async")
_MISTRAL = dict(
    timeout=knobs("timeout_ms", unit="ms"), call_timeout=knobs("timeout_ms", unit="ms"),
    retries=knobs("retry_config", unit="policy"), call_retries=knobs("retries", unit="policy"),
    calls=_MISTRAL_CALLS, output_caps={m: ("max_tokens",) for m in _MISTRAL_CALLS if "embeddings" not in m},
    references=(MISTRAL_REF, MISTRAL_BASE_REF),
)

_LLAMA_CALLS = ("complete", "acomplete", "chat", "achat", "stream_complete", "astream_complete", "stream_chat",
                "astream_chat", "predict", "apredict", "stream", "astream", "structured_predict",
                "astructured_predict")

_LC_CALLS = ("invoke", "ainvoke", "stream", "astream", "batch", "abatch", "batch_as_completed",
             "abatch_as_completed", "astream_events", "generate", "agenerate")


def _langchain(qualname: str, sdk: str, *, timeout: Tuple[Knob, ...], default_timeout: Optional[float], note: str,
               retries: Tuple[Knob, ...], default_retries: int, caps: Tuple[str, ...], refs: Tuple[str, ...],
               **extra) -> ClientSpec:
    call_caps = tuple(c for c in caps if "." not in c)
    return ClientSpec(
        qualname, sdk, "llm", calls=_LC_CALLS, timeout=timeout, call_timeout=knobs("timeout"),
        default_timeout=default_timeout, timeout_note=note, retries=retries, default_retries=default_retries,
        client_output_caps=caps, output_caps={m: call_caps for m in _LC_CALLS} if caps else {},
        references=refs, **extra)


_LC_NO_TIMEOUT = ("{q} passes timeout=None to the {sdk} SDK by default, which disables the SDK's own 600 s "
                  "timeout: the call has no timeout at all")


def _lc_openai(qualname: str) -> ClientSpec:
    return _langchain(qualname, "langchain-openai", timeout=knobs("timeout", "request_timeout"), default_timeout=None,
                      note=_LC_NO_TIMEOUT.format(q=qualname, sdk="openai"), retries=knobs("max_retries", unit="retries"),
                      default_retries=2, caps=("max_tokens", "max_completion_tokens", "model_kwargs.max_tokens",
                                               "model_kwargs.max_completion_tokens"),
                      refs=(LC_OPENAI_REF, LC_TIMEOUT_ISSUE, OPENAI_REF), opaque_keywords=("client", "async_client"))


CLIENTS: Tuple[ClientSpec, ...] = (
    # openai
    _openai("openai.OpenAI"), _openai("openai.AsyncOpenAI"), _openai("openai.AzureOpenAI"),
    _openai("openai.AsyncAzureOpenAI"), _openai("openai.Client"), _openai("openai.AsyncClient"),
    # anthropic
    _anthropic("anthropic.Anthropic"), _anthropic("anthropic.AsyncAnthropic"),
    _anthropic("anthropic.AnthropicBedrock"), _anthropic("anthropic.AsyncAnthropicBedrock"),
    _anthropic("anthropic.AnthropicVertex"), _anthropic("anthropic.AsyncAnthropicVertex"),
    _anthropic("anthropic.Client"), _anthropic("anthropic.AsyncClient"),
    # google-genai: milliseconds, no default timeout, no default retries
    ClientSpec("google.genai.Client", "google-genai", "llm",
               calls=tuple(f"{p}models.{m}" for p in ("", "aio.") for m in _GENAI_METHODS),
               output_caps=_GENAI_CAPS, builds={"chats.create": "google.genai.chats.Chat",
                                                "aio.chats.create": "google.genai.chats.AsyncChat"}, **_GENAI),
    ClientSpec("google.genai.chats.Chat", "google-genai", "llm", calls=("send_message", "send_message_stream"),
               output_caps=_GENAI_CHAT_CAPS, client_output_caps=("config.max_output_tokens",), **_GENAI),
    ClientSpec("google.genai.chats.AsyncChat", "google-genai", "llm", calls=("send_message", "send_message_stream"),
               output_caps=_GENAI_CHAT_CAPS, client_output_caps=("config.max_output_tokens",), **_GENAI),
    # google-generativeai (deprecated): per-call request_options, seconds, GAPIC default 600 s
    ClientSpec("google.generativeai.GenerativeModel", "google-generativeai", "llm",
               calls=("generate_content", "generate_content_async", "count_tokens", "count_tokens_async"),
               output_caps={"generate_content": _GENERATIVEAI_CAP, "generate_content_async": _GENERATIVEAI_CAP},
               builds={"start_chat": "google.generativeai.ChatSession"}, **_GENERATIVEAI),
    ClientSpec("google.generativeai.ChatSession", "google-generativeai", "llm",
               calls=("send_message", "send_message_async"),
               output_caps={"send_message": _GENERATIVEAI_CAP, "send_message_async": _GENERATIVEAI_CAP},
               **_GENERATIVEAI),
    # vertexai.generative_models (deprecated): no timeout, not configurable; no retries
    *(ClientSpec(f"{module}.GenerativeModel", "vertexai", "llm", timeout_note=_vertex_note(f"{module}.GenerativeModel"),
                 calls=("generate_content", "generate_content_async", "count_tokens", "count_tokens_async"),
                 output_caps={"generate_content": _GENERATIVEAI_CAP, "generate_content_async": _GENERATIVEAI_CAP},
                 builds={"start_chat": "vertexai.generative_models.ChatSession"}, **_VERTEX)
      for module in ("vertexai.generative_models", "vertexai.preview.generative_models")),
    ClientSpec("vertexai.generative_models.ChatSession", "vertexai", "llm",
               timeout_note=_vertex_note("vertexai.generative_models.ChatSession"),
               calls=("send_message", "send_message_async"),
               output_caps={"send_message": _GENERATIVEAI_CAP, "send_message_async": _GENERATIVEAI_CAP}, **_VERTEX),
    # cohere
    _cohere("cohere.Client"), _cohere("cohere.AsyncClient"), _cohere("cohere.ClientV2"), _cohere("cohere.AsyncClientV2"),
    # mistralai: milliseconds; 3.x (mistralai.client) defaults chat to 300 000 ms, 1.x has none
    ClientSpec("mistralai.client.Mistral", "mistralai", "llm", default_timeout=300.0,
               timeout_note="mistralai.client.Mistral defaults chat and embeddings to 300 000 ms (300 s), other "
                            "calls to httpx's 5 s", **_MISTRAL),
    ClientSpec("mistralai.Mistral", "mistralai", "llm", default_timeout=None,
               timeout_note="mistralai.Mistral (1.x) has no timeout by default (timeout_ms unset) and can wait forever",
               **_MISTRAL),
    # groq, together: Stainless clients like openai
    _groq("groq.Groq"), _groq("groq.AsyncGroq"),
    _together("together.Together"), _together("together.AsyncTogether"),
    # litellm Router: timeout defaults to litellm.request_timeout (6000 s)
    ClientSpec("litellm.Router", "litellm", "llm", default_timeout=6000.0,
               timeout_note="litellm.Router defaults to litellm.request_timeout, 6000 s (100 minutes)",
               timeout=knobs("timeout"), call_timeout=knobs("timeout", "request_timeout"),
               retries=knobs("num_retries", unit="retries") + knobs("retry_policy", unit="policy"),
               call_retries=knobs("num_retries", unit="retries"), default_retries=2,
               fallbacks=("fallbacks", "default_fallbacks"), call_fallbacks=("fallbacks",),
               calls=("completion", "acompletion", "embedding", "aembedding", "text_completion", "atext_completion",
                      "responses", "aresponses", "image_generation", "aimage_generation"),
               references=(LITELLM_ROUTER_REF, LITELLM_CONSTANTS_REF)),
    # LangChain chat models
    _lc_openai("langchain_openai.ChatOpenAI"), _lc_openai("langchain_openai.AzureChatOpenAI"),
    _langchain("langchain_anthropic.ChatAnthropic", "langchain-anthropic",
               timeout=knobs("timeout", "default_request_timeout"), default_timeout=None,
               note=_LC_NO_TIMEOUT.format(q="langchain_anthropic.ChatAnthropic", sdk="anthropic"),
               retries=knobs("max_retries", unit="retries"), default_retries=2, caps=(),
               refs=(LC_ANTHROPIC_REF, LC_TIMEOUT_ISSUE, ANTHROPIC_REF)),  # max_tokens has a default
    _langchain("langchain_google_genai.ChatGoogleGenerativeAI", "langchain-google-genai",
               timeout=knobs("timeout", "request_timeout"), default_timeout=None, note="",
               retries=knobs("max_retries", "retries", unit="retries-0-default"), default_retries=6,
               caps=("max_output_tokens", "max_tokens"), refs=(LC_GENAI_REF,)),
    _langchain("langchain_google_vertexai.ChatVertexAI", "langchain-google-vertexai",
               timeout=knobs("timeout"), default_timeout=None, note="",
               retries=knobs("max_retries", unit="retries"), default_retries=6,
               caps=("max_output_tokens", "max_tokens"), refs=(LC_VERTEX_REF, VERTEXAI_GAPIC_REF)),
    *(_langchain(f"langchain_aws.{name}", "langchain-aws", timeout=knobs("timeout", "config.read_timeout"),
                 default_timeout=60.0, note=f"langchain_aws.{name} falls back to botocore's 60 s read timeout",
                 retries=knobs("max_retries", unit="retries") + knobs("config.retries", unit="policy"),
                 default_retries=2, caps=("max_tokens", "model_kwargs.max_tokens", "model_kwargs.maxTokens"),
                 refs=(LC_AWS_REF, BOTOCORE_REF, BOTOCORE_ENDPOINT_REF), opaque_keywords=("client",))
      for name in ("ChatBedrock", "ChatBedrockConverse")),
    _langchain("langchain_ollama.ChatOllama", "langchain-ollama",
               timeout=knobs("client_kwargs.timeout", "sync_client_kwargs.timeout", "async_client_kwargs.timeout"),
               default_timeout=None, note="langchain_ollama.ChatOllama has no timeout by default (set one through "
                                          "client_kwargs={'timeout': ...})",
               retries=(), default_retries=0, caps=("num_predict",), refs=(LC_OLLAMA_REF, OLLAMA_REF)),
    # LlamaIndex LLMs
    ClientSpec("llama_index.llms.openai.OpenAI", "llama-index", "llm", calls=_LLAMA_CALLS, default_timeout=60.0,
               timeout=knobs("timeout"), call_timeout=(), retries=knobs("max_retries", unit="retries"),
               default_retries=3, client_output_caps=("max_tokens",),
               output_caps={m: () for m in _LLAMA_CALLS if "predict" not in m}, references=(LLAMA_OPENAI_REF,)),
    ClientSpec("llama_index.llms.anthropic.Anthropic", "llama-index", "llm", calls=_LLAMA_CALLS, default_timeout=None,
               timeout_note="llama_index.llms.anthropic.Anthropic passes timeout=None to the anthropic SDK by "
                            "default, which disables its 600 s timeout: the call has no timeout at all",
               timeout=knobs("timeout"), call_timeout=(), retries=knobs("max_retries", unit="retries"),
               default_retries=10, references=(LLAMA_ANTHROPIC_REF,)),  # max_tokens defaults to 512
    # huggingface_hub
    *(ClientSpec(f"huggingface_hub.{name}", "huggingface_hub", "llm", default_timeout=None,
                 timeout=knobs("timeout"), call_timeout=(),
                 calls=("chat_completion", "chat.completions.create", "text_generation", "feature_extraction",
                        "text_to_image", "summarization", "translation", "automatic_speech_recognition",
                        "sentence_similarity", "zero_shot_classification", "question_answering"),
                 output_caps={"chat_completion": ("max_tokens",), "chat.completions.create": ("max_tokens",),
                              "text_generation": ("max_new_tokens",)},
                 references=(HF_REF,))
      for name in ("InferenceClient", "AsyncInferenceClient")),
    # ollama: timeout only on the constructor, no default, no retries
    *(ClientSpec(f"ollama.{name}", "ollama", "llm", default_timeout=None, timeout=knobs("timeout"), call_timeout=(),
                 calls=("chat", "generate", "embed", "embeddings", "pull", "push", "create", "show", "ps", "list",
                        "copy", "delete"),
                 output_caps={"chat": ("options.num_predict",), "generate": ("options.num_predict",)},
                 references=(OLLAMA_REF, OLLAMA_TYPES_REF))
      for name in ("Client", "AsyncClient")),
    # boto3 bedrock-runtime (built by boto3.client("bedrock-runtime"), see SELECTORS)
    ClientSpec("boto3.client.bedrock-runtime", "boto3", "llm", default_timeout=60.0,
               timeout_note="boto3 bedrock-runtime falls back to botocore's 60 s read timeout, retried on timeout",
               timeout=knobs("config.read_timeout"), call_timeout=(),
               retries=knobs("config.retries", unit="policy"), default_retries=2,
               retry_note="botocore retries by default (3 attempts in standard mode, more in legacy mode)",
               calls=("invoke_model", "invoke_model_with_response_stream", "converse", "converse_stream"),
               output_caps={"converse": ("inferenceConfig.maxTokens",), "converse_stream": ("inferenceConfig.maxTokens",)},
               references=(BOTOCORE_REF, BOTOCORE_ENDPOINT_REF, BEDROCK_CAP_REF)),
    # HTTP clients
    *(ClientSpec(name, "requests", "http", default_timeout=None, timeout=(),
                 calls=("get", "post", "put", "patch", "delete", "head", "options", "request"), references=(REQUESTS_REF,))
      for name in ("requests.Session", "requests.sessions.Session")),
    *(ClientSpec(name, "httpx", "http", default_timeout=5.0,
                 calls=("get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send"),
                 references=(HTTPX_REF,))
      for name in ("httpx.Client", "httpx.AsyncClient")),
    ClientSpec("aiohttp.ClientSession", "aiohttp", "http", default_timeout=300.0,
               timeout_note="aiohttp.ClientSession defaults to ClientTimeout(total=300, sock_connect=30)",
               timeout=knobs("timeout", none="default"),
               calls=("get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect"),
               references=(AIOHTTP_REF,)),
)

_OPENAI_MODULE = dict(default_timeout=600.0, module_timeout="openai.timeout", module_retries="openai.max_retries",
                      default_retries=2, references=(OPENAI_MODULE_REF, OPENAI_REF))
_LITELLM = dict(call_timeout=knobs("timeout", "request_timeout"), default_timeout=600.0,
                timeout_note="", module_timeout="litellm.request_timeout",
                call_retries=knobs("num_retries", "max_retries", unit="retries"), module_retries="litellm.num_retries",
                default_retries=2, retry_note="litellm leaves retries to the provider SDK's defaults",
                call_fallbacks=("fallbacks",), module_fallbacks="litellm.model_fallbacks",
                references=(LITELLM_REF, LITELLM_CONSTANTS_REF))
_HTTP_FUNCS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

FUNCTIONS: Tuple[FunctionSpec, ...] = (
    *(FunctionSpec(f"openai.{call}", "openai", "llm", output_cap=_OPENAI_CAPS.get(call), **_OPENAI_MODULE)
      for call in _OPENAI_CALLS),
    *(FunctionSpec(f"litellm.{name}", "litellm", "llm", output_cap=cap, **_LITELLM) for name, cap in (
        ("completion", _STAINLESS_CHAT), ("acompletion", _STAINLESS_CHAT), ("text_completion", ("max_tokens",)),
        ("atext_completion", ("max_tokens",)), ("responses", ("max_output_tokens",)),
        ("aresponses", ("max_output_tokens",)), ("embedding", None), ("aembedding", None),
        ("image_generation", None), ("transcription", None), ("completion_with_retries", _STAINLESS_CHAT),
        ("acompletion_with_retries", _STAINLESS_CHAT))),
    *(FunctionSpec(f"google.generativeai.{name}", "google-generativeai", "llm", call_timeout=knobs("request_options.timeout"),
                   default_timeout=600.0, call_retries=knobs("request_options.retry", unit="policy"),
                   retry_note="google.generativeai retries only 503 errors by default",
                   references=(GENERATIVEAI_REF, GENERATIVEAI_GAPIC_REF))
      for name in ("embed_content", "embed_content_async", "generate_text")),
    *(FunctionSpec(f"ollama.{name}", "ollama", "llm", call_timeout=(), default_timeout=None,
                   timeout_note=f"ollama.{name} uses ollama's default client, which has no timeout and cannot take "
                                f"one; use ollama.Client(timeout=...)",
                   output_cap=("options.num_predict",) if name in ("chat", "generate") else None,
                   references=(OLLAMA_REF,))
      for name in ("chat", "generate", "embed", "embeddings", "pull", "push", "create", "show", "ps", "list", "copy",
                   "delete")),
    *(FunctionSpec(f"requests.{m}", "requests", "http", references=(REQUESTS_REF,)) for m in _HTTP_FUNCS),
    *(FunctionSpec(f"requests.api.{m}", "requests", "http", references=(REQUESTS_REF,)) for m in _HTTP_FUNCS),
    *(FunctionSpec(f"httpx.{m}", "httpx", "http", default_timeout=5.0, references=(HTTPX_REF,))
      for m in _HTTP_FUNCS + ("stream",)),
    FunctionSpec("aiohttp.request", "aiohttp", "http", default_timeout=300.0, references=(AIOHTTP_REF,)),
)

# litellm's own retry wrapper: retries are built in (tenacity, 3 attempts by default).
RETRYING_FUNCTIONS = frozenset({"litellm.completion_with_retries", "litellm.acompletion_with_retries"})

_INIT_PROVIDERS = {
    "openai": "langchain_openai.ChatOpenAI", "azure_openai": "langchain_openai.AzureChatOpenAI",
    "anthropic": "langchain_anthropic.ChatAnthropic", "google_genai": "langchain_google_genai.ChatGoogleGenerativeAI",
    "google_vertexai": "langchain_google_vertexai.ChatVertexAI", "bedrock": "langchain_aws.ChatBedrock",
    "bedrock_converse": "langchain_aws.ChatBedrockConverse", "ollama": "langchain_ollama.ChatOllama",
}
_INIT_SELECTOR = dict(argument="model", choices=_INIT_PROVIDERS, provider_keyword="model_provider",
                      prefixes={"gpt-": "openai", "o1": "openai", "o3": "openai", "o4": "openai",
                                "claude": "anthropic", "gemini": "google_vertexai", "amazon.": "bedrock"})
SELECTORS: Tuple[Selector, ...] = (
    Selector("boto3.client", "service_name", {"bedrock-runtime": "boto3.client.bedrock-runtime"}),
    Selector("boto3.session.Session.client", "service_name", {"bedrock-runtime": "boto3.client.bedrock-runtime"}),
    Selector("langchain.chat_models.init_chat_model", **_INIT_SELECTOR),
    Selector("langchain.chat_models.base.init_chat_model", **_INIT_SELECTOR),
)
# Objects whose `.client(...)` method is a selector: boto3 sessions.
SESSIONS = {"boto3.Session": "boto3.session.Session.client", "boto3.session.Session": "boto3.session.Session.client"}

# LangChain runnable wrappers: the same model, with retries, fallbacks or bound call keywords.
RUNNABLE_SAME = ("with_structured_output", "bind_tools", "with_config", "with_types", "with_listeners")
RUNNABLE_RETRY = "with_retry"
RUNNABLE_FALLBACKS = "with_fallbacks"
RUNNABLE_BIND = "bind"

# Retry decorators and loops (qualified names) that retry the function they wrap.
RETRY_DECORATORS = frozenset({"tenacity.retry", "backoff.on_exception", "backoff.on_predicate", "stamina.retry",
                              "retrying.retry", "retry.retry", "tenacity.asyncio.retry"})
RETRY_ITERATORS = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context"})
# Stainless-built SDKs (openai, anthropic) expose every call again under these attributes, on
# the client and on each resource: `client.chat.completions.with_raw_response.create(...)`,
# `client.with_streaming_response.messages.create(...)`. The call, its timeout and retries are
# the same; the analysis reads the path without them.
RESPONSE_VIEWS = frozenset({"with_raw_response", "with_streaming_response"})
# Timeouts imposed from outside a call: asyncio.wait_for(coro, timeout) and timeout scopes.
TIMEOUT_WRAPPERS = frozenset({"asyncio.wait_for"})
TIMEOUT_SCOPES = frozenset({"asyncio.timeout", "async_timeout.timeout", "anyio.fail_after", "trio.fail_after"})


# -- the catalog a run uses ----------------------------------------------------------------------
class Catalog:
    """The built-in entries plus any declared in config or by plugins (`ailint.sdk.custom`)."""

    def __init__(self, clients: Sequence[ClientSpec], functions: Sequence[FunctionSpec],
                 selectors: Sequence[Selector] = SELECTORS) -> None:
        self.clients: Dict[str, ClientSpec] = {spec.qualname: spec for spec in clients}
        self.functions: Dict[str, FunctionSpec] = {spec.qualname: spec for spec in functions}
        self.selectors: Dict[str, Selector] = {sel.qualname: sel for sel in selectors}
        self.extra: Tuple[Spec, ...] = ()
        self._needles: Dict[str, Tuple[bytes, ...]] = {}

    def extended(self, extra: Sequence[Spec]) -> "Catalog":
        """A copy with `extra` entries added (replacing built-ins of the same name)."""
        clients = list(self.clients.values()) + [s for s in extra if isinstance(s, ClientSpec)]
        functions = list(self.functions.values()) + [s for s in extra if isinstance(s, FunctionSpec)]
        catalog = Catalog(clients, functions, tuple(self.selectors.values()))
        catalog.extra = self.extra + tuple(extra)
        return catalog

    def needles(self, kind: str) -> Tuple[bytes, ...]:
        """Bytes one of which occurs in any file that can hold a call of this kind: a package
        name, or (for clients imported from another module) a call such as `.messages.create(`."""
        if kind not in self._needles:
            self._needles[kind] = self._find_needles(kind)
        return self._needles[kind]

    def call_needles(self, kind: str) -> Tuple[bytes, ...]:
        """The call shapes among `needles(kind)` (`.chat.completions.create(`, `.invoke(`): one of
        them occurs in a file calling a client it imported from another module."""
        return tuple(needle for needle in self.needles(kind) if needle.startswith(b"."))

    def _find_needles(self, kind: str) -> Tuple[bytes, ...]:
        out = set()
        for spec in list(self.clients.values()) + list(self.functions.values()):
            if spec.kind != kind:
                continue
            out.add(spec.qualname.split(".")[0].encode())
            if kind != "llm":
                continue
            for call in getattr(spec, "calls", ()):
                if "." in call or call not in _GENERIC_NAMES:
                    out.add(f".{call}(".encode())
                if "." in call:  # resource.with_raw_response.create(
                    out.update(f".{view}.{call.rsplit('.', 1)[-1]}(".encode() for view in sorted(RESPONSE_VIEWS))
        if kind == "llm":
            out.update(sel.qualname.split(".")[0].encode() for sel in self.selectors.values())
        return tuple(sorted(out))


# Method names too common to make a file worth parsing on their own.
_GENERIC_NAMES = frozenset({"list", "copy", "delete", "show", "ps", "get", "send", "request", "options", "head", "put",
                            "patch", "post", "create", "stream", "embed", "pull", "push", "chat", "generate",
                            "predict", "batch", "complete"})


BUILTIN = Catalog(CLIENTS, FUNCTIONS)
_active = [BUILTIN]


def active_catalog() -> Catalog:
    """The catalog of the current run (the built-in one unless a run declared more)."""
    return _active[-1]


@contextmanager
def using(catalog: Catalog) -> Iterator[Catalog]:
    """Make `catalog` the active one for a run (forked workers inherit it)."""
    _active.append(catalog)
    try:
        yield catalog
    finally:
        _active.pop()


# Compatibility with the first version of this module.
CLIENTS_BY_NAME: Dict[str, ClientSpec] = BUILTIN.clients
FUNCTIONS_BY_NAME: Dict[str, FunctionSpec] = BUILTIN.functions
LLM_PACKAGES = tuple(sorted({s.qualname.split(".")[0] for s in CLIENTS + FUNCTIONS if s.kind == "llm"}))
HTTP_PACKAGES = tuple(sorted({s.qualname.split(".")[0] for s in CLIENTS + FUNCTIONS if s.kind == "http"}))


class Needles:
    """A rule's `needles`, read from the run's catalog (so in-house clients count too)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get__(self, instance, owner) -> Tuple[bytes, ...]:
        return active_catalog().needles(self.kind)


def references(kind: str, topic: str) -> str:
    """The References lines of a rule: every catalogued default of `topic` ("timeout",
    "retries" or "caps") for clients of `kind`, with the sources it was read from."""
    by_sdk: Dict[str, Dict[str, list]] = {}
    sources: Dict[str, set] = {}
    for spec in list(BUILTIN.clients.values()) + list(BUILTIN.functions.values()):
        if spec.kind != kind:
            continue
        if topic == "timeout":
            fact = spec.default_phrase()
        elif topic == "retries":
            fact = spec.retry_phrase()
        else:
            caps = _caps_of(spec)
            if not caps:
                continue
            fact = "output capped by " + " / ".join(f"`{c}`" for c in caps)
        fact = fact.replace(spec.qualname, "").strip(" ;,")
        by_sdk.setdefault(spec.sdk, {}).setdefault(fact, []).append(spec.qualname)
        sources.setdefault(spec.sdk, set()).update(spec.references)
    out = []
    for sdk in sorted(by_sdk):
        facts = "; ".join(f"{', '.join(f'`{n}`' for n in names)}: {fact}" for fact, names in by_sdk[sdk].items())
        out.append(f"- {sdk}. {facts}. Sources: " + ", ".join(sorted(sources[sdk])))
    return "\n".join(out)


def _caps_of(spec: Spec) -> Tuple[str, ...]:
    if isinstance(spec, FunctionSpec):
        return spec.output_cap or ()
    found = []
    for paths in spec.output_caps.values():
        found.extend(paths)
    found.extend(spec.client_output_caps)
    return tuple(dict.fromkeys(found))


def document(kind: str, topic: str):
    """Class decorator: fill a rule docstring's `{references}` from the catalog."""
    def apply(rule):
        rule.__doc__ = rule.__doc__.replace("{references}", references(kind, topic).replace("\n", "\n    "))
        return rule
    return apply
