"""The project-wide symbol table: clients and client factories other modules import.

Built once per run, before any file is checked (the runner passes it to the engine as
`project=`; forked workers inherit it), from the project's Python files:

1. the project scan (`ailint.project_scan`, import statements only) keeps the modules that
   may hand out clients: those importing a catalogued SDK (`openai`, `boto3`, `requests`, an
   in-house client's package...) and package `__init__.py` files re-exporting from them
   (`ailint.sdk.relevance.client_modules`);
2. those files are parsed (libcst, on first use: only modules other files import clients from
   pay for it) and read by the same scope analysis the rules use, so a
   module-level `client = OpenAI(timeout=20)`, a `get_client()` factory (cached with
   `@lru_cache` or not) or a lazily initialised global is understood the same way in its own
   file and in the files importing it;
3. modules are registered under their dotted name and every dotted suffix of it (`src/app/llm.py`
   answers to `app.llm` and `llm`); a suffix two files share is ambiguous and resolves to nothing.

`from app.llm import client`, `from .llm import get_client`, `import app.llm as llm;
llm.client.chat...` then resolve through `clients(qualified_name)`. Module attribute settings
with global effect (`openai.timeout = 30`, `litellm.num_retries = 3`) count in a module when
they are made in a module it imports, or in the `__init__.py` of a package it belongs to (both
run first). When anything is ambiguous the index answers None: precision first.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import libcst as cst

from ailint.cst_parse import parse_module
from ailint.import_scan import absolute
from ailint.imports import ImportTable
from ailint.sdk import catalog as cat
from ailint.sdk.analysis import ClientBinding, ModuleAnalysis, module_name
from ailint.types import Span

_AMBIGUOUS = None
# A module attribute setting with global effect: openai.timeout = 30, litellm.num_retries = 3.
SETTING = re.compile(rb"\.\w*(timeout|retries|fallbacks)\s*=[^=]")
_MAX_BYTES = 2 * 1024 * 1024
# In `ProjectIndex.recording`: the module was only asked whether it sets SDK attributes, and
# the project scan said it does not.
NO_SETTINGS = "no settings"
_NO_SETTINGS = (None, NO_SETTINGS)


class ProjectIndex:
    def __init__(self, catalog: Optional["cat.Catalog"] = None) -> None:
        self.catalog = catalog or cat.active_catalog()
        self.full: Dict[str, Optional[ModuleAnalysis]] = {}  # "app.llm" -> its analysis (None until parsed)
        self.suffixes: Dict[str, Optional[str]] = {}  # "llm" -> the one module so named, or None
        self._sources: Dict[str, tuple] = {}  # modules not parsed yet: name -> (relpath, bytes)
        self._settings: Dict[str, Dict[str, cst.BaseExpression]] = {}
        self.files: List[str] = []
        self._positions: Dict[int, object] = {}
        self.root: Optional[Path] = None
        self._relpaths: Dict[str, str] = {}  # module name -> relpath
        self._content_digest: Optional[str] = None  # see `content_digest`
        self.shas: Dict[str, str] = {}  # relpath -> content hash (from the project scan)
        self.sets_attributes: Dict[str, bool] = {}  # relpath -> may set SDK attributes (ScannedFile.settings)
        # While a file is analysed: every module key it asked about -> [the module it resolved
        # to (None: not indexed), that module's content hash] (see `consulted_unchanged`).
        self.recording: Optional[Dict[str, list]] = None

    @classmethod
    def build(cls, root: Path, relpaths: Iterable[str], catalog: Optional["cat.Catalog"] = None,
              max_file_size: int = _MAX_BYTES) -> "ProjectIndex":
        """The index of the project files `relpaths` (read and scanned here: for callers
        without a project scan, such as `ailint.testing`)."""
        from ailint.project_scan import scan_bytes

        scanned = {}
        for relpath in relpaths:
            if not relpath.endswith(".py"):
                continue
            try:
                path = root / relpath
                if path.stat().st_size > max_file_size:
                    continue
                scanned[relpath] = scan_bytes(relpath, path.read_bytes())
            except OSError:
                continue
        index, _ = cls.from_scan(root, scanned, catalog)
        return index

    @classmethod
    def from_scan(cls, root: Path, scanned, catalog: Optional["cat.Catalog"] = None, modules=None):
        """(index, gate): the index of the modules that may hand out clients, read from the
        project scan (`ailint.project_scan`), and the SDK gate that knows them. No file is read
        here; a module is read and parsed when a lookup first needs it. `modules`: the
        answer of `client_modules` for this scan, when remembered from an earlier run."""
        from ailint.sdk.relevance import SdkGate, client_modules

        index = cls(catalog)
        index.root = root
        index.shas = {relpath: file.sha256 for relpath, file in scanned.items()}
        index.sets_attributes = {relpath: file.settings for relpath, file in scanned.items()}
        gate = SdkGate(index.catalog)
        if modules is None:
            modules = client_modules(gate, scanned)
        for relpath in sorted(scanned):
            file = scanned[relpath]
            if relpath.endswith(".py") and file.parseable and file.module in modules:
                index.add(relpath, None)
        return index, gate.knowing(modules, index.catalog.call_needles("llm"))

    def add(self, relpath: str, data: Optional[bytes]) -> None:
        """Register a module (its bytes, or None to read them from `root` when needed); it is
        parsed the first time another module asks about it."""
        name = module_name(relpath)
        if not name:
            return
        self.files.append(relpath)
        self._sources[name] = (relpath, data)
        self._relpaths[name] = relpath
        self._content_digest = None
        if data is not None:
            self.shas[relpath] = hashlib.sha256(data).hexdigest()
        self.full[name] = None
        parts = name.split(".")
        for start in range(1, len(parts)):
            key = ".".join(parts[start:])
            self.suffixes[key] = _AMBIGUOUS if key in self.suffixes else name

    def _read(self, relpath: str, data: Optional[bytes]) -> bytes:
        if data is not None or self.root is None:
            return data or b""
        try:
            return (self.root / relpath).read_bytes()
        except OSError:
            return b""

    def _name_of(self, key: str) -> Optional[str]:
        """The indexed module `key` names: a full dotted name, or an unambiguous suffix of one."""
        return key if key in self.full else self.suffixes.get(key)

    def _content_of(self, name: Optional[str]) -> str:
        """What an indexed module is, as `recording` remembers it: its file and that file's
        content hash (the same bytes in `app/llm/__init__.py` resolve relative imports, and
        place findings, differently than in `app/llm.py`)."""
        if not name:
            return ""
        relpath = self._relpaths.get(name, "")
        return f"{relpath}@{self.shas.get(relpath, '')}"

    def _resolve(self, key: str) -> Optional[str]:
        """`_name_of`, recorded when `recording`."""
        name = self._name_of(key)
        if self.recording is not None and self.recording.get(key, _NO_SETTINGS)[1] == NO_SETTINGS:
            self.recording[key] = [name, self._content_of(name)]
        return name

    def consulted_unchanged(self, consulted: Dict[str, list]) -> bool:
        """Whether every module key a file's analysis asked about (`recording`) still resolves
        to the same module, in the same file with the same content (or, when only asked whether
        it sets SDK attributes, still does not): if so, asking again gives the same answers."""
        for key, (name, content) in consulted.items():
            now = self._name_of(key)
            if now != name:
                return False
            if not now:
                continue
            if content == NO_SETTINGS:
                if self.sets_attributes.get(self._relpaths.get(now, ""), True):
                    return False
            elif self._content_of(now) != content:
                return False
        return True

    def _may_set_attributes(self, key: str) -> bool:
        """Whether module `key` may set SDK module attributes (`SETTING`): from the project
        scan when it says no (recorded as such: the module's other edits do not matter), else
        from its bytes."""
        name = self._name_of(key)
        if name is not None and self.sets_attributes.get(self._relpaths.get(name, "")) is False:
            if self.recording is not None and key not in self.recording:
                self.recording[key] = [name, NO_SETTINGS]
            return False
        return SETTING.search(self._source_bytes(key)) is not None

    def analysis(self, key: str) -> Optional[ModuleAnalysis]:
        """The analysis of module `key` (a full dotted name, or an unambiguous suffix of one)."""
        name = self._resolve(key)
        if name is None:
            return None
        if self.full[name] is None and name in self._sources:
            relpath, data = self._sources.pop(name)
            try:
                module = parse_module(self._read(relpath, data))
                self.full[name] = ModuleAnalysis(module, ImportTable.from_module(module), self.catalog, self,
                                                 name=name, path=relpath)
            except (cst.ParserSyntaxError, RecursionError, UnicodeDecodeError, ValueError):
                return None
        return self.full[name]

    def module_settings_for(self, name: str, imports, is_package: bool = False) -> Dict[str, cst.BaseExpression]:
        """Module attribute settings made before `name` runs: in its parent packages'
        `__init__.py` and in the project modules it imports."""
        out: Dict[str, cst.BaseExpression] = {}
        parts = name.split(".")
        sources = [".".join(parts[:end]) for end in range(1, len(parts))]
        for target in imports.aliases.values():
            if target.startswith("."):
                target = absolute(target, name, is_package)
            pieces = target.split(".")
            sources.extend(".".join(pieces[:end]) for end in range(len(pieces), 0, -1))
        for source in dict.fromkeys(sources):
            if source == name:
                continue
            if not self._may_set_attributes(source):
                continue
            analysis = self.analysis(source)
            if analysis is not None and analysis.name != name:
                if analysis.name not in self._settings:
                    self._settings[analysis.name] = analysis.module_settings()
                out.update(self._settings[analysis.name])
        return out

    def _source_bytes(self, key: str) -> bytes:
        name = self._resolve(key)
        if name is None:
            return b""
        if name in self._sources:
            relpath, data = self._sources[name]
            if data is None:
                data = self._read(relpath, None)
                self._sources[name] = (relpath, data)
            return data
        return b".timeout = 0" if self.full.get(name) is not None else b""

    def content_digest(self) -> str:
        """A digest of every indexed module's content: what a notebook's cached result is keyed
        by (the project scan does not read its imports), so editing any client module re-checks
        notebooks."""
        if self._content_digest is None:
            text = "\0".join(f"{path}={self.shas.get(path, '')}" for path in sorted(self.files))
            self._content_digest = hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""
        return self._content_digest

    # -- lookups ---------------------------------------------------------------------------
    def clients(self, qualified: str, call: bool = False, depth: int = 0) -> Optional[List[ClientBinding]]:
        """The clients `app.llm.client` (or, with call=True, `app.llm.get_client()`) stands for."""
        if depth > 6 or not qualified or qualified.startswith("."):
            return None
        parts = qualified.split(".")
        if len(parts) < 2:
            return None
        module_key, name = ".".join(parts[:-1]), parts[-1]
        analysis = self.analysis(module_key)
        if analysis is None:
            return None
        scope = analysis.table.module_scope
        found: Optional[List[ClientBinding]] = None
        if call:
            if name in scope.functions and not scope.values.get(name):
                found = analysis._factory_clients(scope.functions[name], 0)
        elif name in scope.values:
            found = analysis._name_clients(name, scope, 0)
        if found is None and name not in scope.values and name not in scope.functions:
            target = analysis.imports.qualify_name(name)
            if target and target.startswith("."):
                target = absolute(target, analysis.name, analysis.is_package)
            if target and target != qualified:
                return self.clients(target, call, depth + 1)
        if not found:
            return None
        return [self._located(binding) for binding in found]

    def _located(self, binding: ClientBinding) -> ClientBinding:
        module = binding.module
        if module is None or module.path is None or binding.path is not None:
            return binding
        return binding.derive(path=module.path, span=self.span(module, binding.node))

    def span(self, analysis: ModuleAnalysis, node: cst.CSTNode) -> Span:
        from ailint.positions import Positions

        positions = self._positions.get(id(analysis))
        if positions is None:
            positions = self._positions[id(analysis)] = Positions(analysis.module)
        return positions.span(node)
