"""The rule registry: validates every rule a plugin registers and records where it came from.

It fails closed: a bad rule, a reused code or name, or a plugin claiming the built-in `AIL`
prefix raises `RegistryError`, which names the distribution(s) involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from ailint.docs import doc_sections
from ailint.rule import CODE_RE, DOC_SECTIONS, NAME_RE, RULE_BASES, EngineRule, Option, PythonRule
from ailint.types import CATEGORIES, FileKind, Severity

BUILTIN_PREFIX = "AIL"
BUILTIN_DISTRIBUTION = "ailint"


class RegistryError(Exception):
    """A plugin registered something invalid. The message names the distribution."""


@dataclass(frozen=True)
class RuleInfo:
    """A registered rule and its origin."""

    rule: type
    distribution: str
    plugin: str  # the entry point name

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def category(self) -> str:
        return self.rule.category

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def prefix(self) -> str:
        return code_prefix(self.rule.code)


def code_prefix(code: str) -> str:
    return re.match(r"[A-Z]+", code).group(0) if re.match(r"[A-Z]+", code) else ""


class Registry:
    def __init__(self) -> None:
        self._by_code: Dict[str, RuleInfo] = {}
        self._by_name: Dict[str, RuleInfo] = {}

    # -- registration --------------------------------------------------------------------
    def register(self, rule: type, distribution: str, plugin: str) -> None:
        where = f"plugin {plugin!r} from distribution {distribution!r}"
        problems = rule_problems(rule)
        if problems:
            label = getattr(rule, "code", None) or getattr(rule, "__name__", repr(rule))
            raise RegistryError(f"{where} registered an invalid rule {label}: " + "; ".join(problems))
        if issubclass(rule, EngineRule) and distribution != BUILTIN_DISTRIBUTION:
            raise RegistryError(f"{where} registered {rule.code} as an engine rule; only ailint reports those")
        policy_range = distribution.startswith("config") and "810" <= rule.code[3:] <= "899"
        if code_prefix(rule.code) == BUILTIN_PREFIX and distribution != BUILTIN_DISTRIBUTION and not policy_range:
            raise RegistryError(
                f"{where} registered {rule.code}, but the {BUILTIN_PREFIX} prefix is reserved for "
                f"ailint's built-in rules; use your own prefix (e.g. ACME101)"
            )
        if not rule.category:
            builtin = code_prefix(rule.code) == BUILTIN_PREFIX
            rule.category = CATEGORIES.get(rule.code[-3], "custom") if builtin else "custom"
        for table, key in ((self._by_code, rule.code), (self._by_name, rule.name)):
            if key in table:
                other = table[key]
                raise RegistryError(
                    f"{where} registered {key}, which distribution {other.distribution!r} "
                    f"(plugin {other.plugin!r}) already registered"
                )
        info = RuleInfo(rule, distribution, plugin)
        self._by_code[rule.code] = info
        self._by_name[rule.name] = info

    # -- lookups -------------------------------------------------------------------------
    def __iter__(self):
        return iter(sorted(self._by_code.values(), key=lambda info: info.code))

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code_or_name: str) -> Optional[RuleInfo]:
        return self._by_code.get(code_or_name.upper()) or self._by_name.get(code_or_name.lower())

    def codes(self) -> List[str]:
        return sorted(self._by_code)

    def names(self) -> List[str]:
        return sorted(self._by_name)

    def matching(self, selector: str) -> List[RuleInfo]:
        """Rules a selector names: a code, a code prefix (`AIL1`, `ACME`), a rule name, or ALL."""
        if selector.upper() == "ALL":
            return list(self)
        info = self._by_name.get(selector.lower())
        if info is not None:
            return [info]
        selector = selector.upper()
        return [info for info in self if info.code.startswith(selector)]


def rule_problems(rule: type) -> List[str]:
    """Everything wrong with a rule class, as readable phrases (empty when it is valid)."""
    if not isinstance(rule, type) or not issubclass(rule, RULE_BASES):
        return [f"{rule!r} is not a subclass of ailint.rule.PythonRule, ConfigRule or ProjectRule"]
    problems: List[str] = []
    code = getattr(rule, "code", None)
    name = getattr(rule, "name", None)
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(f"code {code!r} must be an uppercase prefix and three digits, like ACME101")
    if not isinstance(name, str) or not NAME_RE.match(name):
        problems.append(f"name {name!r} must be kebab-case words stating the bad thing, like llm-call-without-timeout")
    if not isinstance(rule.severity, Severity):
        problems.append(f"severity {rule.severity!r} must be an ailint.types.Severity")
    if rule.security_severity is not None and not (0.1 <= float(rule.security_severity) <= 10.0):
        problems.append("security_severity must be between 0.1 and 10.0")
    kinds = rule.kinds
    if not kinds or not all(isinstance(kind, FileKind) for kind in kinds):
        problems.append("kinds must be a non-empty set of ailint.types.FileKind")
    elif issubclass(rule, PythonRule) and not kinds <= {FileKind.PYTHON, FileKind.NOTEBOOK}:
        problems.append("a PythonRule reads only python and notebook files")
    sections = doc_sections(rule.__doc__ or "")
    missing = [section for section in DOC_SECTIONS if not sections.get(section)]
    if missing:
        problems.append("documentation lacks the section(s) " + ", ".join(repr(s) for s in missing))
    if not all(isinstance(opt, Option) for opt in rule.options.values()):
        problems.append("options must map option names to ailint.rule.Option")
    if not getattr(rule, "EXAMPLES_NOT_APPLICABLE", None):
        if not rule.VALID:
            problems.append("VALID lists no example of clean code")
        if not rule.INVALID:
            problems.append("INVALID lists no example of flagged code")
    return problems


def build_registry(registrations: Iterable) -> Registry:
    """Build a registry from (rule, distribution, plugin) triples."""
    registry = Registry()
    for rule, distribution, plugin in registrations:
        registry.register(rule, distribution, plugin)
    return registry
