"""Plain data shared by the engine, the rules and the reporters. No logic lives here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple


class Severity(str, enum.Enum):
    """How bad a finding is. The values are SARIF's result levels."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        return cls(value.lower())


_SEVERITY_RANK = {Severity.NOTE: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class FileKind(str, enum.Enum):
    """What a file is, decided from its name. Rules declare the kinds they read."""

    PYTHON = "python"
    NOTEBOOK = "notebook"
    YAML = "yaml"
    TOML = "toml"
    JSON = "json"
    ENV = "env"
    INI = "ini"
    DOCKERFILE = "dockerfile"
    TEXT = "text"
    PROJECT = "project"


# The hundreds digit of a built-in code names its category.
CATEGORIES = {
    "0": "engine",
    "1": "timeouts",
    "2": "retries",
    "3": "observability",
    "4": "evaluation",
    "5": "secrets",
    "6": "unbounded-io",
    "7": "unsafe-output",
    "8": "governance",
}


@dataclass(frozen=True)
class Span:
    """A 1-based line and column range in a file. Columns count characters (code points)."""

    line: int
    column: int = 1
    end_line: Optional[int] = None
    end_column: Optional[int] = None


@dataclass(frozen=True)
class RelatedLocation:
    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    """One problem found by a rule, after the engine resolved its position.

    `snippet` is the normalized text of the flagged construct (or a hash for secrets); the
    fingerprint is derived from it so findings survive unrelated edits. `redact` holds column
    ranges on the finding's line that must never be printed (secrets).
    """

    code: str
    name: str
    category: str
    severity: Severity
    message: str
    path: str
    span: Span
    related: Tuple[RelatedLocation, ...] = ()
    snippet: str = ""
    redact: Tuple[Tuple[int, int], ...] = ()
    fingerprint: str = ""

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self):
        return (self.path, self.span.line, self.span.column, self.code, self.message)


@dataclass(frozen=True)
class Note:
    """Something the user may want to know about the run that is not a finding
    (a skipped binary file, an undecodable file). Shown in verbose mode and in SARIF
    as a tool notification."""

    path: str
    message: str
    level: str = "note"


@dataclass
class RunResult:
    """Everything a reporter needs about one `ailint check` run."""

    findings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    files_checked: int = 0
    files_parsed: int = 0
    files_cached: int = 0
    # other project files a partial run needed project facts about (AIL401-403): how many
    # were answered from the cache, and how many were read again (and parsed, when relevant)
    facts_cached: int = 0
    facts_computed: int = 0
    internal_error: bool = False
    rules: list = field(default_factory=list)  # RuleInfo of every enabled rule
    root: str = "."
    checked_paths: frozenset = frozenset()  # relative paths of the files checked
