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
from ailint_rules.evaluation_not_run_in_ci import EvaluationNotRunInCi
from ailint_rules.http_call_without_timeout import HttpCallWithoutTimeout
from ailint_rules.hardcoded_credential import HardcodedCredential
from ailint_rules.hardcoded_provider_key import HardcodedProviderKey
from ailint_rules.llm_call_without_output_cap import LlmCallWithoutOutputCap
from ailint_rules.llm_call_without_retry_or_fallback import LlmCallWithoutRetryOrFallback
from ailint_rules.llm_call_without_timeout import LlmCallWithoutTimeout
from ailint_rules.retries_disabled import RetriesDisabled
from ailint_rules.timeout_above_maximum import TimeoutAboveMaximum
from ailint_rules.llm_code_without_evaluation import LlmCodeWithoutEvaluation
from ailint_rules.project_without_evaluation_harness import ProjectWithoutEvaluationHarness
from ailint_rules.private_key_in_repository import PrivateKeyInRepository
from ailint_rules.tracked_env_file import TrackedEnvFile
from ailint_rules.agent_loop_without_cap import AgentLoopWithoutCap
from ailint_rules.llm_call_without_logging import LlmCallWithoutLogging
from ailint_rules.llm_output_to_code_execution import LlmOutputToCodeExecution
from ailint_rules.llm_output_to_shell import LlmOutputToShell
from ailint_rules.llm_output_to_sql import LlmOutputToSql
from ailint_rules.swallowed_llm_error import SwallowedLlmError
from ailint_rules.trust_remote_code import TrustRemoteCode
from ailint_rules.unbounded_chat_history import UnboundedChatHistory
from ailint_rules.unbounded_input_in_prompt import UnboundedInputInPrompt
from ailint_rules.unsafe_torch_load import UnsafeTorchLoad

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
    TimeoutAboveMaximum,
    LlmCallWithoutRetryOrFallback,
    RetriesDisabled,
    LlmCallWithoutOutputCap,
    HardcodedProviderKey,
    HardcodedCredential,
    PrivateKeyInRepository,
    TrackedEnvFile,
    LlmCodeWithoutEvaluation,
    ProjectWithoutEvaluationHarness,
    EvaluationNotRunInCi,
    LlmCallWithoutLogging,
    SwallowedLlmError,
    UnboundedInputInPrompt,
    AgentLoopWithoutCap,
    UnboundedChatHistory,
    LlmOutputToCodeExecution,
    LlmOutputToShell,
    LlmOutputToSql,
    TrustRemoteCode,
    UnsafeTorchLoad,
)


@hookimpl
def ailint_register_rules(register):
    for rule in BUILTIN_RULES:
        register(rule)
