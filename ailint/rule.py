"""The rule API: what a rule declares, what it is handed, and how it reports.

A rule is one class. Its docstring is its documentation (markdown with the sections in
`DOC_SECTIONS`), `VALID` and `INVALID` hold examples the test suite runs, and it reports
problems with `self.report(...)`. Rules never see selection, severity overrides or
suppressions: the engine decides what is shown.

Three kinds of rule:

* `PythonRule`: a libcst batchable visitor. Every enabled Python rule runs in one traversal of
  one parse. Declare libcst metadata in `METADATA_DEPENDENCIES` only when you truly need it.
* `ConfigRule`: handed a parsed `ConfigDocument` (YAML, TOML, JSON, .env, INI, notebook,
  Dockerfile or plain text) whose scalar entries carry line numbers.
* `ProjectRule`: sees the whole set of files once, for repository-level checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union

import libcst as cst

from ailint.types import FileKind, Severity, Span

if TYPE_CHECKING:
    from ailint.context import FileContext, ProjectContext
    from ailint.parsing import ConfigDocument

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "References")

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


@dataclass(frozen=True)
class Option:
    """A per-rule option, set in config under `[tool.ailint.options.<code or name>]`."""

    default: Any
    help: str
    type: Any = None  # a type or tuple of types; defaults to type(default)
    choices: Optional[Sequence[Any]] = None

    def accepts(self, value: Any) -> bool:
        expected = self.type or type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return True
        if isinstance(value, bool) and expected is not bool and bool not in (expected if isinstance(expected, tuple) else (expected,)):
            return False
        if not isinstance(value, expected):
            return False
        if isinstance(value, list) and isinstance(self.default, list) and self.default:
            item_type = type(self.default[0])
            if not all(isinstance(item, item_type) for item in value):
                return False
        return self.choices is None or value in self.choices

    def describe_type(self) -> str:
        expected = self.type or type(self.default)
        if isinstance(expected, tuple):
            return " or ".join(t.__name__ for t in expected)
        return expected.__name__


@dataclass(frozen=True)
class Valid:
    """Code the rule must not flag. `code` is one file's text, or {path: text} for several."""

    code: Union[str, Mapping[str, str]]
    path: str = "example.py"
    options: Mapping[str, Any] = field(default_factory=dict)

    def files(self) -> Dict[str, str]:
        return dict(self.code) if not isinstance(self.code, str) else {self.path: self.code}


@dataclass(frozen=True)
class Invalid(Valid):
    """Code the rule must flag. `lines` lists the 1-based lines of the expected findings
    (in `path`, or as "path:line" strings for several files); `message` must appear in each
    finding's message."""

    lines: Optional[Sequence[Union[int, str]]] = None
    message: Optional[str] = None


@dataclass
class RawReport:
    """What a rule hands the engine; the engine turns it into a positioned `Finding`."""

    rule: "Rule"
    at: Any  # a libcst node, a Span, or an Entry
    message: str
    related: Tuple[Tuple[Any, str], ...] = ()
    snippet: Optional[str] = None
    redact: Tuple[Tuple[int, int], ...] = ()
    path: Optional[str] = None  # project rules report on any file


class Rule:
    """Common metadata of every rule. Subclass `PythonRule`, `ConfigRule` or `ProjectRule`."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str] = ""  # built-in codes: derived from the hundreds digit
    severity: ClassVar[Severity] = Severity.WARNING
    # For security rules: GitHub's security-severity (0.1-10.0); makes the rule a security rule.
    security_severity: ClassVar[Optional[float]] = None
    kinds: ClassVar[FrozenSet[FileKind]] = frozenset()
    options: ClassVar[Mapping[str, Option]] = {}
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init__(self, options: Optional[Mapping[str, Any]] = None) -> None:
        resolved = {key: opt.default for key, opt in type(self).options.items()}
        resolved.update(options or {})
        self.settings: Dict[str, Any] = resolved
        self._reports: List[RawReport] = []

    # -- reporting -----------------------------------------------------------------------
    def report(
        self,
        at: Any,
        message: str,
        *,
        related: Sequence[Tuple[Any, str]] = (),
        snippet: Optional[str] = None,
        redact: Sequence[Tuple[int, int]] = (),
        path: Optional[str] = None,
    ) -> None:
        """Record a problem at `at`: a libcst node (Python rules; a `Call` is placed at its
        called name), an `Entry` of a config document, or a `Span`.

        `related` pairs a location (node, Entry, Span or `(path, Span)`) with a message.
        `snippet` overrides the text used for the finding's fingerprint (secrets pass a hash).
        `redact` lists (start, end) 1-based column ranges on the line that must never be shown.
        """
        self._reports.append(RawReport(self, at, message, tuple(related), snippet, tuple(redact), path))

    def take_reports(self) -> List[RawReport]:
        reports, self._reports = self._reports, []
        return reports

    @classmethod
    def summary(cls) -> str:
        """The first paragraph of the "What it does" section, on one line."""
        from ailint.docs import doc_sections

        text = doc_sections(cls.__doc__ or "").get("What it does", "")
        return " ".join(text.strip().split("\n\n")[0].split())


class PythonRule(Rule, cst.BatchableCSTVisitor):
    """A rule over Python source (and notebook code cells), written as libcst visit methods.

    `self.file` is the `FileContext` of the file being visited: its path, its source, and
    `self.file.imports`, a light table resolving local names to qualified names.
    Override `begin_file` to reset per-file state and `end_file` to report after the traversal.
    """

    kinds = frozenset({FileKind.PYTHON, FileKind.NOTEBOOK})
    METADATA_DEPENDENCIES: ClassVar[Tuple[Any, ...]] = ()

    # Bytes at least one of which must occur in a file for this rule to possibly fire.
    # The engine skips parsing files in which no enabled rule's needle occurs. Empty: always run.
    needles: ClassVar[Tuple[bytes, ...]] = ()
    # True when the rule only reports on calls the SDK catalog resolves (or the dataflow
    # adapter recognises): the engine then also skips files that import no catalogued SDK and
    # no project module handing out clients (`ailint.sdk.relevance`), still without parsing.
    # "llm" or "http": only calls of that kind of SDK (an httpx-only module needs no LLM rule).
    requires_sdk_import: ClassVar[Union[bool, str]] = False
    # Bytes that make a file worth this rule's attention even without an SDK import
    # (AIL603's `recursion_limit`): they bypass `requires_sdk_import` (not `needles`).
    unconditional_needles: ClassVar[Tuple[bytes, ...]] = ()

    file: "FileContext"

    def __init__(self, options: Optional[Mapping[str, Any]] = None) -> None:
        Rule.__init__(self, options)
        cst.BatchableCSTVisitor.__init__(self)

    def begin_file(self, file: "FileContext") -> None:
        self.file = file

    def get_visitors(self):
        """The rule's visit_/leave_ methods, found once per instance (libcst inspects every
        member on each call, which would cost milliseconds per rule per file)."""
        visitors = self.__dict__.get("_visitors")
        if visitors is None:
            visitors = self._visitors = cst.BatchableCSTVisitor.get_visitors(self)
        return visitors

    def end_file(self) -> None:
        """Called after the traversal of each file."""


class ConfigRule(Rule):
    """A rule over a non-Python file, handed as a parsed `ConfigDocument`."""

    needles: ClassVar[Tuple[bytes, ...]] = ()

    def check(self, document: "ConfigDocument") -> None:
        raise NotImplementedError


class ProjectRule(Rule):
    """A rule that sees every discovered file once (repository-level checks).

    A project rule that needs something from parsed Python files sets `fact_key` and
    overrides `file_facts`: the engine calls it on each file it parses anyway (in the workers,
    sharing the parse with the Python rules) and caches the answer with the file's results, so
    `check_project` finds `project.facts[relpath][fact_key]` without parsing anything again.
    Rules computing the same facts share a key (they are collected once per file). With
    `requires_sdk_import`, only files that pass the SDK gate are asked.
    """

    kinds = frozenset({FileKind.PROJECT})
    fact_key: ClassVar[str] = ""
    requires_sdk_import: ClassVar[Union[bool, str]] = False

    def file_facts(self, file: "FileContext", locate: Callable[[Any], "Span"]) -> Any:
        """JSON-serialisable facts about one parsed Python file (None: nothing to remember).
        `locate(node)` is the node's span in the file."""
        return None

    def check_project(self, project: "ProjectContext") -> None:
        raise NotImplementedError


class EngineRule(Rule):
    """The documentation and metadata of a finding the engine itself reports (AIL0xx):
    syntax errors, rule crashes, suppression problems. Only ailint registers these."""

    kinds = frozenset(FileKind) - {FileKind.PROJECT}


RULE_BASES = (PythonRule, ConfigRule, ProjectRule, EngineRule)

