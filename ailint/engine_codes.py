"""Codes of the findings the engine itself reports (category 0). Their documentation lives
with the other built-in rules in `rules/`, so they appear in `ailint rules`, `explain` and SARIF."""

from __future__ import annotations

from ailint.types import FileKind, Severity

SYNTAX_ERROR = "AIL001"
RULE_CRASHED = "AIL002"
UNUSED_SUPPRESSION = "AIL003"
INVALID_SUPPRESSION = "AIL004"
CONFIG_PARSE_ERROR = "AIL005"

NAMES = {
    SYNTAX_ERROR: "python-syntax-error",
    RULE_CRASHED: "rule-crashed",
    UNUSED_SUPPRESSION: "unused-suppression",
    INVALID_SUPPRESSION: "invalid-suppression",
    CONFIG_PARSE_ERROR: "unparsable-config-file",
}

DEFAULT_SEVERITY = {
    SYNTAX_ERROR: Severity.ERROR,
    RULE_CRASHED: Severity.ERROR,
    UNUSED_SUPPRESSION: Severity.WARNING,
    INVALID_SUPPRESSION: Severity.WARNING,
    CONFIG_PARSE_ERROR: Severity.NOTE,
}

# Kinds whose syntax AIL005 checks.
PARSED_KINDS = frozenset({FileKind.YAML, FileKind.JSON, FileKind.TOML, FileKind.NOTEBOOK})
