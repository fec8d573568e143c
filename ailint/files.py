"""Finding the files to check and deciding what kind each one is.

Folders are walked with `.gitignore` files respected (nested ones too), the usual
virtual-environment, dependency, build and cache folders skipped, and `exclude` globs applied.
Files named on the command line are always checked (pre-commit passes file lists), unless
`force-exclude` is set.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Set, Tuple, Union

from ailint.globs import GitIgnore, matches_any
from ailint.types import FileKind, Note

SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "__pypackages__", ".tox", ".nox", ".direnv",
    "node_modules", "site-packages", "dist-packages", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".ailint_cache", ".ipynb_checkpoints", "build", "dist", ".eggs", ".cache",
    "htmlcov", ".idea", ".vscode", ".terraform",
})

_SUFFIX_KINDS = {
    ".py": FileKind.PYTHON, ".pyi": FileKind.PYTHON, ".ipynb": FileKind.NOTEBOOK,
    ".yml": FileKind.YAML, ".yaml": FileKind.YAML, ".toml": FileKind.TOML, ".json": FileKind.JSON,
    ".ini": FileKind.INI, ".cfg": FileKind.INI, ".env": FileKind.ENV,
}
# Text files worth reading for secrets; anything else with an unknown suffix is left alone.
_TEXT_SUFFIXES = frozenset({
    ".txt", ".md", ".rst", ".sh", ".bash", ".zsh", ".properties", ".conf", ".tf", ".tfvars",
    ".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".go", ".rb", ".java", ".kt", ".cs", ".php",
    ".rs", ".sql", ".xml", ".html", ".env.example", ".j2", ".jinja", ".tpl", ".csv", ".r",
})
_TEXT_NAMES = frozenset({"makefile", "procfile", ".npmrc", ".pypirc", ".netrc", "_netrc", ".envrc", "jenkinsfile"})


def file_kind(name: str) -> Optional[FileKind]:
    """The kind of a file from its name, or None for files ailint never reads."""
    if name.endswith(".py") and not name[:11].lower().startswith((".env", "dockerfile.")):
        return FileKind.PYTHON  # most of a project, decided at once (`.env.py` is an env file)
    lower = name.lower()
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return FileKind.ENV
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return FileKind.DOCKERFILE
    suffix = os.path.splitext(lower)[1]
    if suffix in _SUFFIX_KINDS:
        return _SUFFIX_KINDS[suffix]
    if suffix in _TEXT_SUFFIXES or lower in _TEXT_NAMES:
        return FileKind.TEXT
    return None


class SourceFile:
    """A file to check: `path` (absolute), `relpath` (relative to the project root, forward
    slashes), `kind`, and `explicit` (named on the command line)."""

    __slots__ = ("_path", "relpath", "kind", "explicit")

    def __init__(self, path: Union[Path, str], relpath: str, kind: FileKind, explicit: bool = False) -> None:
        self._path, self.relpath, self.kind, self.explicit = path, relpath, kind, explicit

    @property
    def path(self) -> Path:
        """Made on first use: a run lists thousands of files it never opens (a third of listing
        a large project went to building and hashing `Path` objects)."""
        path = self._path
        if not isinstance(path, Path):
            path = self._path = Path(path)
        return path

    @property
    def location(self) -> str:
        """`path` as text, without making a `Path`."""
        path = self._path
        return path if isinstance(path, str) else str(path)

    def _key(self) -> tuple:
        return (self.location, self.relpath, self.kind, self.explicit)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFile) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SourceFile({self.location!r}, {self.relpath!r}, {self.kind}, explicit={self.explicit})"


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def _prefix(relpath: str) -> str:
    return "" if relpath in ("", ".") else relpath.rstrip("/") + "/"


class Discovery:
    def __init__(self, root: Path, exclude: Sequence[str] = (), respect_gitignore: bool = True,
                 force_exclude: bool = False, kinds: Optional[Set[FileKind]] = None) -> None:
        self.root = root
        self.exclude = tuple(exclude)
        self.respect_gitignore = respect_gitignore
        self.force_exclude = force_exclude
        self.kinds = kinds  # None: every kind
        self.notes: List[Note] = []
        self._gitignores: dict = {}
        self._tracked_paths: Optional[Set[str]] = None
        self._tracked_dirs: Set[str] = set()

    def collect(self, paths: Iterable[str]) -> List[SourceFile]:
        found = {}
        for raw in paths:
            path = Path(raw)
            absolute = Path(os.path.abspath(path))
            if not os.path.lexists(absolute):
                raise FileNotFoundError(raw)
            if absolute.is_dir():
                for source in self._walk(absolute):
                    found.setdefault(source.relpath, source)  # one relpath per path: cheaper to hash
            else:
                source = self._explicit(absolute)
                if source is not None:
                    found.setdefault(source.relpath, source)
        return sorted(found.values(), key=lambda s: s.relpath)

    def _wanted(self, kind: Optional[FileKind]) -> bool:
        return kind is not None and (self.kinds is None or kind in self.kinds)

    def _explicit(self, path: Path) -> Optional[SourceFile]:
        relpath = relative(path, self.root)
        kind = file_kind(path.name)
        if not self._wanted(kind):
            return None
        if self.force_exclude and (matches_any(self.exclude, relpath) or self._ignored(relpath, False)):
            return None
        return SourceFile(path, relpath, kind, explicit=True)

    def _walk(self, top: Path) -> Iterable[SourceFile]:
        seen_dirs: Set[Tuple[int, int]] = set()
        top_relpath = relative(top, self.root)
        # folder -> (its relpath + "/", the ignore files that apply inside it, whether it is
        # itself ignored (walked only because git tracks files in it))
        folders = {top: (_prefix(top_relpath), self._chain_above(top_relpath), self._ignored_folder(top_relpath))}
        stack = [top]
        while stack:
            folder = stack.pop()
            prefix, chain, inside_ignored = folders.pop(folder)
            try:
                info = folder.stat()
            except OSError as exc:
                self.notes.append(Note(relative(folder, self.root), f"skipped: cannot read folder ({exc.strerror})"))
                continue
            if (info.st_dev, info.st_ino) in seen_dirs:  # a symlink loop
                continue
            seen_dirs.add((info.st_dev, info.st_ino))
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.notes.append(Note(relative(folder, self.root), f"skipped: cannot list folder ({exc.strerror})"))
                continue
            if self.respect_gitignore and any(entry.name == ".gitignore" for entry in entries):
                own = self._gitignore(prefix[:-1])
                chain = chain + (own,) if own is not None else chain
            subdirs = []
            for entry in entries:
                relpath = prefix + entry.name  # string work: pathlib costs seconds on large trees
                try:
                    is_dir = entry.is_dir()
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if entry.name in SKIPPED_DIRS:
                        continue
                    entry_path = folder / entry.name
                    if _is_virtualenv(entry_path) or matches_any(self.exclude, relpath):
                        continue
                    ignored = inside_ignored or _verdict(chain, relpath, True)
                    if ignored and not self._tracked_under(relpath):
                        continue
                    subdirs.append(entry_path)
                    folders[entry_path] = (relpath + "/", chain, ignored)
                elif is_file:
                    kind = file_kind(entry.name)
                    if not self._wanted(kind):
                        continue
                    if matches_any(self.exclude, relpath) or ((inside_ignored or _verdict(chain, relpath, False))
                                                              and relpath not in self._tracked()):
                        continue
                    yield SourceFile(entry.path, relpath, kind)  # the path as text: see SourceFile.path
                elif entry.is_symlink():
                    self.notes.append(Note(relpath, "skipped: broken symbolic link"))
            stack.extend(reversed(subdirs))

    def _chain_above(self, relpath: str) -> tuple:
        """The ignore files that apply inside folder `relpath` other than its own `.gitignore`
        (read by the walk): `.git/info/exclude`, then the `.gitignore` of each folder above it,
        outermost first (a later one overrides an earlier one, as in git)."""
        if not self.respect_gitignore:
            return ()
        chain = [self._info_exclude()]
        parts = [] if relpath in ("", ".") else relpath.split("/")
        chain.extend(self._gitignore("/".join(parts[:depth])) for depth in range(len(parts)))
        return tuple(ignore for ignore in chain if ignore is not None)

    def _ignored_folder(self, relpath: str) -> bool:
        return relpath not in ("", ".") and not relpath.startswith("..") and self._ignored(relpath, True)

    def _tracked(self) -> Set[str]:
        """Paths (relative to the root) that git tracks: `.gitignore` does not apply to them
        (git itself keeps tracking an ignored file once committed), so a committed `.env` that
        was ignored afterwards is still checked. Read from `.git/index` on first need."""
        if self._tracked_paths is None:
            self._tracked_paths, self._tracked_dirs = set(), set()
            from ailint.git_index import find_repository, tracked_paths

            repository = find_repository(Path(os.path.abspath(self.root)))
            found = tracked_paths(repository[1]) if repository else None
            if found:
                prefix = _prefix(relative(Path(os.path.abspath(self.root)), repository[0]))
                for path in found:
                    if path.startswith(prefix):
                        inside = path[len(prefix):]
                        self._tracked_paths.add(inside)
                        parts = inside.split("/")[:-1]
                        self._tracked_dirs.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
        return self._tracked_paths

    def _tracked_under(self, relpath: str) -> bool:
        self._tracked()
        return relpath in self._tracked_dirs

    def is_ignored(self, relpath: str, is_dir: bool = False) -> bool:
        """True when the `.gitignore` files under the root, or the repository's
        `.git/info/exclude`, ignore `relpath` (relative to root)."""
        return self._ignored(relpath, is_dir)

    def _ignored(self, relpath: str, is_dir: bool) -> bool:
        if not self.respect_gitignore:
            return False
        verdict = None
        parts = relpath.split("/")
        # Any ignored parent folder ignores the path (git cannot re-include inside it).
        for depth in range(1, len(parts)):
            if self._decide(parts[:depth], True):
                return True
        verdict = self._decide(parts, is_dir)
        return bool(verdict)

    def _decide(self, parts: List[str], is_dir: bool) -> Optional[bool]:
        path = "/".join(parts)
        verdict = None
        exclude = self._info_exclude()
        if exclude is not None:
            verdict = exclude.decide(path, is_dir)
        for depth in range(0, len(parts)):
            base = "/".join(parts[:depth])
            gitignore = self._gitignore(base)
            if gitignore is not None:
                decided = gitignore.decide(path, is_dir)
                if decided is not None:
                    verdict = decided
        return verdict

    def _info_exclude(self) -> Optional[GitIgnore]:
        """`.git/info/exclude`: below every `.gitignore` in precedence."""
        if "\0exclude" not in self._gitignores:
            self._gitignores["\0exclude"] = self._read_ignore(self.root / ".git" / "info" / "exclude", "")
        return self._gitignores["\0exclude"]

    def _gitignore(self, base: str) -> Optional[GitIgnore]:
        if base not in self._gitignores:
            file = self.root / base / ".gitignore" if base else self.root / ".gitignore"
            self._gitignores[base] = self._read_ignore(file, base)
        return self._gitignores[base]

    @staticmethod
    def _read_ignore(file: Path, base: str) -> Optional[GitIgnore]:
        try:
            with open(file, encoding="utf-8", errors="replace") as handle:
                return GitIgnore(base, handle.readlines())
        except OSError:
            return None


def _verdict(chain: tuple, relpath: str, is_dir: bool) -> bool:
    """Whether the ignore files in `chain` (outermost first) ignore `relpath`: the last one
    with a matching pattern decides."""
    verdict = None
    for ignore in chain:
        decided = ignore.decide(relpath, is_dir)
        if decided is not None:
            verdict = decided
    return bool(verdict)


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
