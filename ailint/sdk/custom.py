"""In-house clients as catalog entries: an organisation's own LLM gateway or HTTP wrapper gets
the same timeout, retry and output-cap checks as the SDKs ailint knows.

Declared in config::

    [tool.ailint.clients."acme_llm.Client"]
    kind = "llm"                         # "llm" or "http"
    calls = ["complete", "chat"]         # methods that reach the network
    timeout-keywords = ["deadline_s"]    # constructor keywords (dotted paths reach into dicts/objects)
    call-timeout-keywords = ["deadline_s"]   # per-call keywords (default: timeout-keywords)
    timeout-unit = "s"                   # or "ms"
    default-timeout = 600                # seconds when nothing is set; omit: no timeout at all
    retry-keywords = ["max_attempts"]    # constructor; call-retry-keywords per call
    default-retries = 0
    fallback-keywords = ["fallback_model"]
    output-cap = ["max_tokens"]          # call keywords that cap the output
    output-cap-calls = ["complete", "chat"]  # the calls taking that cap (default: every call)
    reference = "https://wiki.acme.example/llm-gateway"

An entry without `calls` is a module-level function (`"acme_llm.complete"`) that itself
reaches the network; its `timeout-keywords` are the call's. Plugins contribute the same
entries through the `ailint_sdk_catalog(register)` hook: `register("acme_llm.Client",
kind="llm", calls=["complete"], timeout_keywords=["deadline_s"])` (underscores or dashes).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from ailint.sdk.catalog import ClientSpec, FunctionSpec, Knob, Spec

KEYS = ("kind", "calls", "timeout-keywords", "call-timeout-keywords", "timeout-unit", "default-timeout",
        "retry-keywords", "call-retry-keywords", "default-retries", "fallback-keywords", "output-cap",
        "output-cap-calls", "reference")


class CatalogEntryError(Exception):
    """An invalid in-house client entry; the message names the key path."""


def _suggest(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise CatalogEntryError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def parse_entry(qualname: Any, table: Any, where: str, origin: str = "") -> Spec:
    """One entry, validated. `where` is the key path used in error messages."""
    if not isinstance(qualname, str) or "." not in qualname or qualname.startswith(".") or qualname.endswith("."):
        raise CatalogEntryError(f"{where}: the name must be a qualified name such as \"acme_llm.Client\", got {qualname!r}")
    if not isinstance(table, Mapping):
        raise CatalogEntryError(f"{where}: expected a table, got {table!r}")
    settings: Dict[str, Any] = {}
    for key, value in table.items():
        canonical = str(key).replace("_", "-")
        if canonical not in KEYS:
            raise CatalogEntryError(f"unknown key {where}.{key}{_suggest(canonical, KEYS)}")
        settings[canonical] = value
    kind = settings.get("kind")
    if kind not in ("llm", "http"):
        raise CatalogEntryError(f"{where}.kind: expected \"llm\" or \"http\", got {kind!r}")
    unit = settings.get("timeout-unit", "s")
    if unit not in ("s", "ms"):
        raise CatalogEntryError(f"{where}.timeout-unit: expected \"s\" or \"ms\", got {unit!r}")
    default = settings.get("default-timeout")
    if default is not None and (isinstance(default, bool) or not isinstance(default, (int, float)) or default <= 0):
        raise CatalogEntryError(f"{where}.default-timeout: expected a positive number of seconds, got {default!r}")
    retries = settings.get("default-retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise CatalogEntryError(f"{where}.default-retries: expected a whole number >= 0, got {retries!r}")
    reference = settings.get("reference", origin)
    if not isinstance(reference, str):
        raise CatalogEntryError(f"{where}.reference: expected a string, got {reference!r}")

    def strings(key: str, fallback: Tuple[str, ...] = ()) -> Tuple[str, ...]:
        return _strings(settings[key], f"{where}.{key}") if key in settings else fallback

    timeout = tuple(Knob(path, unit) for path in strings("timeout-keywords"))
    call_timeout = tuple(Knob(path, unit) for path in strings("call-timeout-keywords", tuple(k.path for k in timeout)))
    common = dict(default_timeout=float(default) if default is not None else None,
                  call_retries=tuple(Knob(path, "retries") for path in strings("call-retry-keywords")),
                  default_retries=retries, call_fallbacks=strings("fallback-keywords"),
                  references=(reference,) if reference else ())
    caps = strings("output-cap")
    if "calls" not in settings:
        for key in ("retry-keywords", "output-cap-calls"):
            if key in settings:
                raise CatalogEntryError(f"{where}.{key}: only clients (entries with `calls`) take this key")
        return FunctionSpec(qualname, qualname.split(".")[0], kind, call_timeout=timeout, output_cap=caps or None,
                            **common)
    calls = strings("calls")
    if not calls:
        raise CatalogEntryError(f"{where}.calls: list at least one method")
    cap_calls = strings("output-cap-calls", calls if caps else ())
    unknown = [c for c in cap_calls if c not in calls]
    if unknown:
        raise CatalogEntryError(f"{where}.output-cap-calls: {unknown[0]!r} is not in calls{_suggest(unknown[0], calls)}")
    return ClientSpec(qualname, qualname.split(".")[0], kind, calls=calls, timeout=timeout, call_timeout=call_timeout,
                      retries=tuple(Knob(path, "retries") for path in strings("retry-keywords")),
                      fallbacks=(), output_caps={c: caps for c in cap_calls}, **common)


def parse_clients(value: Any, where: str) -> Tuple[Spec, ...]:
    """The `[tool.ailint.clients]` table: {qualified name: entry}."""
    if not isinstance(value, Mapping):
        raise CatalogEntryError(f"{where}: expected a table of clients keyed by qualified name, got {value!r}")
    return tuple(parse_entry(name, table, f'{where}."{name}"' if "." in str(name) else f"{where}.{name}")
                 for name, table in value.items())


def hook_entry(qualname: Any, origin: str, spec: Optional[Spec] = None, **settings: Any) -> Spec:
    """An entry a plugin registers: a ready ClientSpec/FunctionSpec, or a name and settings."""
    if isinstance(qualname, (ClientSpec, FunctionSpec)):
        return qualname
    return parse_entry(qualname, settings, f"ailint_sdk_catalog entry {qualname!r} from {origin}", origin)
