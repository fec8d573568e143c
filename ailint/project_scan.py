"""The first, cheap pass over every Python file of a project: what each one imports.

Project-wide answers (which modules hand out SDK clients, which files import code that calls
an LLM) need every file of the project, even when pre-commit checks five. Parsing them all
would cost minutes on a large repository, so this pass only reads each file's bytes and its
import statements (`ailint.import_scan`, no parse), on every core, and remembers the result in
`.ailint_cache/` keyed by the file's size and modification time, as git's index does: an
unchanged file is not even opened on the next run.

The facts feed the SDK gate (`ailint.sdk.relevance`: which files need a full parse), the
project index (`ailint.sdk.project_index`) and the evaluation-coverage rules (AIL401).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from ailint.import_scan import import_facts
from ailint.sdk.analysis import module_name

MANIFEST = "scan.json"
# A run that re-scans a few files writes them here, not the whole manifest again (megabytes on
# a large project); the next full save folds them in.
DELTA = "scan-delta.json"
_DELTA_MAX = 512
_FORMAT = 10  # 9: `from_only`; 10: `plain`
_RACY_WINDOW_NS = 2_000_000_000


@dataclass(frozen=True)
class ScannedFile:
    relpath: str
    size: int
    mtime_ns: int
    sha256: str
    imports_text: str  # `imports`, joined by newlines: split only when asked for (a warm run asks for few)
    adapter_uses: bool  # holds a LangChain model use the dataflow adapter knows (`.Chat`, `Chain(`...)
    parseable: bool  # False when libcst must not see it (`parsing.python_nesting_problem`)
    settings: bool = True  # may set an SDK module attribute (`openai.timeout = 30`), which applies to its subpackages
    llm_call_shape: bool = True  # holds a built-in LLM call shape (`.chat.completions.create(`)
    from_only_text: str = ""  # `from_only`, joined by newlines
    plain_text: str = ""  # `plain`, joined by newlines

    @cached_property
    def imports(self) -> Tuple[str, ...]:
        """The names its import statements bind (`import_scan.imported_names`)."""
        return tuple(self.imports_text.split("\n")) if self.imports_text else ()

    @cached_property
    def from_only(self) -> Tuple[str, ...]:
        """The imports that only name the module of a `from` import (`import_scan.import_facts`)."""
        return tuple(self.from_only_text.split("\n")) if self.from_only_text else ()

    @cached_property
    def plain(self) -> Tuple[str, ...]:
        """The imports made by plain `import` statements (`import_scan.import_facts`)."""
        return tuple(self.plain_text.split("\n")) if self.plain_text else ()

    def interface(self) -> tuple:
        """What the project-wide answers read of the file (not its hash, size or time)."""
        return (self.relpath, self.imports_text, self.adapter_uses, self.parseable, self.settings, self.llm_call_shape,
                self.from_only_text, self.plain_text)

    @cached_property
    def module(self) -> str:
        return module_name(self.relpath)

    @property
    def is_package(self) -> bool:
        return self.relpath.endswith(("__init__.py", "__init__.pyi"))


class ProjectScan(Dict[str, ScannedFile]):
    """relpath -> ScannedFile, and `token`: a digest of every file's import facts
    (`ScannedFile.interface`), the key of the answers derived from them (`ailint.project_state`)."""

    token: str = ""


def scan_project(root: Path, relpaths: Iterable[str], max_file_size: int, jobs: Optional[int] = None,
                 cache_folder: Optional[Path] = None) -> ProjectScan:
    """Facts for every readable Python file in `relpaths` no larger than `max_file_size`;
    unreadable and oversized files are left out (the engine reports them when checked)."""
    from ailint.pool import map_in_processes

    manifest = _load(cache_folder) if cache_folder is not None else _Manifest({}, 0, "", 0, {})
    known, written_ns, token = manifest.files, manifest.written_ns, manifest.token
    # A file modified within a moment of the manifest being written may have changed again
    # since, with the same size and timestamp (git's "racily clean" entries): read it again.
    racy_after = written_ns - _RACY_WINDOW_NS
    out = ProjectScan()
    todo: List[Tuple[str, int, int]] = []
    base = str(root)
    for relpath in relpaths:
        try:
            info = os.stat(os.path.join(base, relpath))
        except OSError:
            continue
        if info.st_size > max_file_size:
            continue
        entry = known.get(relpath)
        if entry is not None and entry.size == info.st_size and entry.mtime_ns == info.st_mtime_ns \
                and entry.mtime_ns < racy_after:
            out[relpath] = entry
        else:
            todo.append((relpath, info.st_size, info.st_mtime_ns))
    global _ROOT
    _ROOT = root
    same = bool(token) and len(out) + len(todo) == len(known)
    try:
        for scanned in map_in_processes(_scan_one, todo, jobs):
            if scanned is not None:
                out[scanned.relpath] = scanned
                if same:
                    entry = known.get(scanned.relpath)
                    same = entry is not None and entry.interface() == scanned.interface()
    finally:
        _ROOT = None
    out.token = token if same and len(out) == len(known) else interface_token(out)
    if cache_folder is None or not (todo or len(out) != len(known) or not known or out.token != token):
        return out
    rescanned = {relpath: out[relpath] for relpath, _, _ in todo if relpath in out}
    if known and manifest.base_ns and len(out) == len(known) and len(rescanned) == len(todo) \
            and all(relpath in known for relpath in rescanned) and len(manifest.delta) + len(rescanned) <= _DELTA_MAX:
        _save_delta(cache_folder, manifest, rescanned, out.token)
    else:
        _save(cache_folder, out)
    return out


def interface_token(files: Dict[str, ScannedFile]) -> str:
    """A digest of every file's import facts (`ScannedFile.interface`), in path order."""
    text = json.dumps([files[relpath].interface() for relpath in sorted(files)], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ROOT: Optional[Path] = None


def _scan_one(item: Tuple[str, int, int]) -> Optional[ScannedFile]:
    relpath, size, mtime_ns = item
    assert _ROOT is not None
    try:
        data = (_ROOT / relpath).read_bytes()
    except OSError:
        return None
    return scan_bytes(relpath, data, size, mtime_ns)


def scan_bytes(relpath: str, data: bytes, size: int = -1, mtime_ns: int = -1) -> ScannedFile:
    from ailint.parsing import python_nesting_problem
    from ailint.sdk.relevance import adapter_uses, holds_builtin_llm_call_shape

    from ailint.sdk.project_index import SETTING

    imports, from_only, plain = import_facts(data)
    return ScannedFile(relpath, size, mtime_ns, hashlib.sha256(data).hexdigest(), "\n".join(imports),
                       adapter_uses(data), b"\0" not in data[:8192] and python_nesting_problem(data) is None,
                       SETTING.search(data) is not None, holds_builtin_llm_call_shape(data), "\n".join(from_only),
                       "\n".join(plain))


class _Manifest(NamedTuple):
    files: Dict[str, ScannedFile]
    written_ns: int  # when the newest part (the manifest or its delta) was written
    token: str
    base_ns: int  # when the manifest itself was written (a delta names it)
    delta: Dict[str, ScannedFile]


def _load(folder: Path) -> _Manifest:
    try:
        with open(folder / MANIFEST, encoding="utf-8") as handle:
            payload = json.load(handle)
        if payload.get("format") != _FORMAT:
            return _Manifest({}, 0, "", 0, {})
        files, written_ns, token = _entries(payload["files"]), int(payload["written_ns"]), str(payload["token"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return _Manifest({}, 0, "", 0, {})  # missing, damaged or from another version: scan again
    try:
        with open(folder / DELTA, encoding="utf-8") as handle:
            payload = json.load(handle)
        if payload.get("format") == _FORMAT and payload.get("base") == written_ns:
            delta = _entries(payload["files"])
            files.update(delta)
            return _Manifest(files, int(payload["written_ns"]), str(payload["token"]), written_ns, delta)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no delta, or a damaged one: its files are scanned again (their times do not match)
    return _Manifest(files, written_ns, token, written_ns, {})


def _entries(files: dict) -> Dict[str, ScannedFile]:
    out = {}
    new = object.__new__
    for relpath, (size, mtime, sha, imports, adapter, parseable, settings, calls, from_only, plain) in files.items():
        if not (isinstance(imports, str) and isinstance(from_only, str) and isinstance(plain, str)
                and isinstance(sha, str)):
            raise TypeError(relpath)
        # what the frozen dataclass's __init__ does, without its per-field object.__setattr__
        # (a third of loading 8,000 rows)
        entry = new(ScannedFile)
        entry.__dict__.update(relpath=relpath, size=size, mtime_ns=mtime, sha256=sha, imports_text=imports,
                              adapter_uses=bool(adapter), parseable=bool(parseable), settings=bool(settings),
                              llm_call_shape=bool(calls), from_only_text=from_only, plain_text=plain)
        out[relpath] = entry
    return out


def _rows(files: Iterable[ScannedFile]) -> dict:
    return {f.relpath: [f.size, f.mtime_ns, f.sha256, f.imports_text, f.adapter_uses, f.parseable, f.settings,
                        f.llm_call_shape, f.from_only_text, f.plain_text] for f in files}


def _write(folder: Path, name: str, payload: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-scan-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(payload, separators=(",", ":")))
    os.replace(temporary, folder / name)


def _save_delta(folder: Path, manifest: _Manifest, rescanned: Dict[str, ScannedFile], token: str) -> None:
    delta = dict(manifest.delta)
    delta.update(rescanned)
    try:
        _write(folder, DELTA, {"format": _FORMAT, "base": manifest.base_ns, "written_ns": time.time_ns(),
                               "token": token, "files": _rows(delta.values())})
    except OSError:
        pass  # a read-only checkout works without the manifest


def _save(folder: Path, files: ProjectScan) -> None:
    try:
        _write(folder, MANIFEST, {"format": _FORMAT, "written_ns": time.time_ns(), "token": files.token,
                                  "files": _rows(files.values())})
        (folder / DELTA).unlink(missing_ok=True)
    except OSError:
        pass  # a read-only checkout works without the manifest
