"""What a rule is handed about the file (or project) it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

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


class ProjectFile:
    """A file of the project: `path` (absolute), `relpath`, `kind`."""

    __slots__ = ("_path", "relpath", "kind")

    def __init__(self, path: Union[Path, str], relpath: str, kind: FileKind) -> None:
        self._path, self.relpath, self.kind = path, relpath, kind

    @property
    def path(self) -> Path:
        """Made on first use (project rules open few of the project's files)."""
        path = self._path
        if not isinstance(path, Path):
            path = self._path = Path(path)
        return path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectFile) and (str(self._path), self.relpath, self.kind) == \
            (str(other._path), other.relpath, other.kind)

    def __hash__(self) -> int:
        return hash((str(self._path), self.relpath, self.kind))

    def __repr__(self) -> str:
        return f"ProjectFile({str(self._path)!r}, {self.relpath!r}, {self.kind})"

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
