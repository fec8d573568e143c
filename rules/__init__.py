"""ailint's built-in rules, registered through the `ailint` entry point group exactly like a
third-party plugin (installed under the import name `ailint_rules`).

To add a rule: copy a rule file, fill in its documentation and examples, and list it below.
"""

from __future__ import annotations

from ailint import hookimpl

from ailint_rules.engine_findings import (
    InvalidSuppression,
    PythonSyntaxError,
    RuleCrashed,
    UnparsableConfigFile,
    UnusedSuppression,
)
from ailint_rules.governance_findings import ExpiredWaiver, StaleBaselineEntry, UnusedWaiver
from ailint_rules.http_call_without_timeout import HttpCallWithoutTimeout
from ailint_rules.hardcoded_credential import HardcodedCredential
from ailint_rules.hardcoded_provider_key import HardcodedProviderKey
from ailint_rules.llm_call_without_timeout import LlmCallWithoutTimeout
from ailint_rules.private_key_in_repository import PrivateKeyInRepository
from ailint_rules.tracked_env_file import TrackedEnvFile

BUILTIN_RULES = (
    PythonSyntaxError,
    RuleCrashed,
    UnusedSuppression,
    InvalidSuppression,
    UnparsableConfigFile,
    ExpiredWaiver,
    UnusedWaiver,
    StaleBaselineEntry,
    LlmCallWithoutTimeout,
    HttpCallWithoutTimeout,
    HardcodedProviderKey,
    HardcodedCredential,
    PrivateKeyInRepository,
    TrackedEnvFile,
)


@hookimpl
def ailint_register_rules(register):
    for rule in BUILTIN_RULES:
        register(rule)
