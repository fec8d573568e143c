"""Every hook a plugin can implement. Each hook is prefixed `ailint_`.

A plugin is a module listed under the entry point group `ailint` of its distribution, e.g.
in its pyproject.toml::

    [project.entry-points.ailint]
    acme = "acme_ailint.plugin"

and implements hooks with the `ailint.hookimpl` marker. The hooks are documented, with
examples, in the README ("Writing a plugin"); a test checks that the README names each one.
"""

from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("ailint")


@hookspec
def ailint_register_rules(register: Callable[[type], None]) -> None:
    """Register rule classes by calling ``register(RuleClass)`` once per rule.

    The registry validates each rule (code, name, documentation sections, examples,
    options) and records the distribution it came from. Return nothing.

    Example::

        @ailint.hookimpl
        def ailint_register_rules(register):
            register(NoGpt3Rule)
    """


@hookspec
def ailint_policy_packs(register: Callable[[str, dict], None]) -> None:
    """Register shareable policy packs by calling ``register(name, settings)``.

    `settings` is a table of ailint settings, exactly as under `[tool.ailint]` (policies,
    waivers, select, severity, options, ...) except `extends` and `plugins`. A project uses a
    pack with `extends = ["name"]`; its own settings override the pack's. The pack's origin
    (the plugin's distribution) is shown by `ailint rules` for its policies. Return nothing.

    Example::

        @ailint.hookimpl
        def ailint_policy_packs(register):
            register("acme-strict", {
                "severity": {"AIL101": "error"},
                "policies": [{"kind": "forbid-call", "code": "ACME801", "name": "direct-openai-client",
                              "message": "use acme_gateway", "calls": ["openai.OpenAI"]}],
            })
    """


@hookspec
def ailint_sdk_catalog(register: Callable[..., None]) -> None:
    """Teach ailint about in-house clients (an organisation's LLM gateway, an HTTP wrapper),
    so the timeout, retry and output-cap rules check them like the SDKs ailint knows.

    Call ``register(qualified_name, **settings)`` once per client class or module-level
    function. The settings are those of a ``[tool.ailint.clients."..."]`` config entry, with
    underscores: ``kind`` ("llm" or "http"), ``calls``, ``timeout_keywords``,
    ``call_timeout_keywords``, ``timeout_unit`` ("s" or "ms"), ``default_timeout``,
    ``retry_keywords``, ``call_retry_keywords``, ``default_retries``, ``fallback_keywords``,
    ``output_cap``, ``output_cap_calls``, ``reference``. An entry without ``calls`` is a
    function that itself reaches the network. Invalid entries stop the run (exit 2) with a
    message naming the plugin's distribution. Return nothing.

    Example::

        @ailint.hookimpl
        def ailint_sdk_catalog(register):
            register("acme_llm.Client", kind="llm", calls=["complete", "chat"],
                     timeout_keywords=["deadline_s"], default_timeout=600,
                     retry_keywords=["max_attempts"], output_cap=["max_tokens"])
    """
