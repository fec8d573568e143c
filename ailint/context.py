"""What a rule is handed about the file (or project) it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from ailint.types import FileKind


@dataclass
class FileContext:
    """The file a Python rule is visiting.

    `path` is relative to the project root with forward slashes; `imports` resolves local
    names to qualified names (see `ailint.imports`); `project` is the run's shared project
    index, built once per run, or None.
    """

    path: str
    kind: FileKind
    source: str
    module: Any  # libcst.Module
    imports: Any  # ailint.imports.ImportTable
    project: Any = None
    _lines: Optional[List[str]] = None

    @property
    def lines(self) -> List[str]:
        if self._lines is None:
            self._lines = self.source.splitlines()
        return self._lines


@dataclass
class ProjectFile:
    path: Path
    relpath: str
    kind: FileKind

    def read_text(self) -> str:
        return self.path.read_bytes().decode("utf-8", errors="replace")


@dataclass
class ProjectContext:
    """Every discovered file of the project, for project rules. `checked` holds the relative
    paths whose findings will be shown (all files, or the ones pre-commit passed)."""

    root: Path
    files: List[ProjectFile]
    checked: frozenset = frozenset()
    cache: Dict[str, Any] = field(default_factory=dict)
    index: Any = None  # the run's project index of SDK clients (ailint.sdk.project_index), when built
    # the project scan (ailint.project_scan): relpath -> ScannedFile (imports, content hash)
    scanned: Dict[str, Any] = field(default_factory=dict)
    # project rules' per-file facts (ProjectRule.file_facts): relpath -> {fact_key: facts}; a
    # Python file with no entry has none (None when the runner did not collect them)
    facts: Optional[Dict[str, Dict[str, Any]]] = None
    # answers remembered between runs while no file's imports change (ailint.project_state):
    # .get(name) -> a JSON value or None, .put(name, value); None without a cache
    state: Any = None
