"""Which names of a project module can hand out a client, over-approximated with `ast`.

The SDK gate (`ailint.sdk.relevance`) admits a file that imports from a project module handing
out clients. Most such imports take something else: openai's resources import
`make_request_options` from `_base_client`, which imports httpx, so without this table every
resource would be parsed with libcst and analysed for nothing.

Across modules, the SDK analysis asks the project index (`ProjectIndex.clients`) about a name
`N` of module `M` in three ways only: `N` is a module-level variable (its values are followed),
a module-level function (its returns are followed), or a name `M` imports (followed into the
module it comes from). Classes are never followed across modules. So a name can stand for a
client only if the statements binding it mention, at any depth, something that can: an import
of an SDK, of a project client module (or of a package holding one: `import app.util` binds
`app`, through which `app.llm.client` is read), of a name of one, or another such name of `M`.
This module collects, per module and once per content hash, each module-level binding with
the names its statements mention (annotations aside: they never run into a value), and closes
that over the module; what is left out can never resolve to a client, and a file importing
nothing else from client modules cannot hold a call the SDK rules judge. The names depend on
the module's path too (relative imports resolve from it): two copies of a file in two
packages get a table entry each.

It errs towards including: any mention counts, whatever the scope it is read in; a `global N`
in a function counts the whole function as a value of `N`; a star import, or a module `ast`
cannot read, exports everything (None).
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Set

# Per-module facts, JSON-friendly (kept by content hash in the project state):
# {"imports": {bound name: [the dotted names it is imported as (relative dots kept)]},
#  "bindings": {module-level name: [names mentioned where it is bound]},
#  "star": [modules imported with *]}
Facts = Dict[str, object]


def module_facts(data: bytes) -> Optional[Facts]:
    """The facts of one module, or None when `ast` cannot read it (its exports are unknown)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        return None
    reader = _Reader()
    bindings: Dict[str, Set[str]] = {}
    reader.bindings(tree.body, bindings)
    # only mentions of the module's own names and imports can carry a client; a binding
    # mentioning none of them can never stand for one (both kept out: the facts are cached)
    known = reader.imports.keys() | bindings.keys()
    kept = {name: sorted(known.intersection(mentioned)) for name, mentioned in bindings.items()}
    return {"imports": reader.imports, "bindings": {name: mentioned for name, mentioned in kept.items() if mentioned},
            "star": reader.star}


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_NOT_READ = frozenset({"annotation", "returns", "ctx", "type_comment"})  # never evaluated into a value


class _Reader:
    """One pass over each node: the names statements mention, and every import (at any depth:
    the analysis's import table records imports inside functions too)."""

    def __init__(self) -> None:
        self.imports: Dict[str, List[str]] = {}
        self.star: List[str] = []

    def bindings(self, statements: List[ast.stmt], bindings: Dict[str, Set[str]]) -> None:
        """Module-level bindings (in `if`, `try`, `for`, `while`, `with` and `match` blocks at
        module level too), each with the names its statement mentions; a function or class
        declaring `global x` counts as a value of `x`."""
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                mentioned, declared, _ = self.read([statement])
                if not isinstance(statement, ast.ClassDef):  # classes are never followed
                    bindings.setdefault(statement.name, set()).update(mentioned)
                for name in declared:
                    bindings.setdefault(name, set()).update(mentioned)
                continue
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.read([statement])  # kept apart: a re-export is followed as the analysis follows it
                continue
            header = [value for field, value in ast.iter_fields(statement)
                      if field not in _BLOCKS and field not in _NOT_READ]
            mentioned, _, walrus = self.read(header)
            for name in _targets(statement) | walrus:
                bindings.setdefault(name, set()).update(mentioned)
            for field in ("body", "orelse", "finalbody"):
                self.bindings(getattr(statement, field, None) or [], bindings)
            for handler in getattr(statement, "handlers", None) or []:
                self.bindings(handler.body, bindings)
            for case in getattr(statement, "cases", None) or []:
                self.bindings(case.body, bindings)

    def read(self, roots: list) -> tuple:
        """(names read, names declared `global`, walrus targets) under `roots`, annotations
        left out; imports met on the way are recorded."""
        names: Set[str] = set()
        declared: Set[str] = set()
        walrus: Set[str] = set()
        stack = []
        for root in roots:
            if type(root) is list:
                stack.extend(item for item in root if isinstance(item, ast.AST))
            elif isinstance(root, ast.AST):
                stack.append(root)
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            kind = type(node)
            if kind is ast.Name:
                names.add(node.id)  # type: ignore[attr-defined]
                continue
            if kind is ast.Constant:
                continue
            if kind is ast.Import or kind is ast.ImportFrom:
                self._import(node)
                continue
            if kind is ast.Global:
                declared.update(node.names)  # type: ignore[attr-defined]
                continue
            if kind is ast.NamedExpr and type(node.target) is ast.Name:  # type: ignore[attr-defined]
                walrus.add(node.target.id)  # type: ignore[attr-defined]
            for field in node._fields:
                if field in _NOT_READ:
                    continue
                value = getattr(node, field, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            push(item)
                elif isinstance(value, ast.AST):
                    push(value)
        return names, declared, walrus

    def _import(self, node) -> None:
        imports = self.imports
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports.setdefault(alias.asname, []).append(alias.name)
                else:  # `import a.b` binds `a`, through which every module under `a` is read
                    top = alias.name.split(".")[0]
                    imports.setdefault(top, []).append(top)
            return
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.star.append(base)
                continue
            joiner = "" if base.endswith(".") or not base else "."
            imports.setdefault(alias.asname or alias.name, []).append(f"{base}{joiner}{alias.name}")


def _targets(statement: ast.stmt) -> Set[str]:
    """Names an assignment, loop or `with` statement binds (not its nested blocks')."""
    targets: List[ast.AST] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [statement.target]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def exported_clients(facts: Optional[Facts], capable_import: Callable[[str], bool]) -> Optional[FrozenSet[str]]:
    """The module-level names of a module (its `module_facts`) that may stand for a client or
    a client factory, or None when that cannot be told (anything may). `capable_import(dotted)`:
    whether an imported dotted name (relative dots kept) may be a client, a client factory or
    an SDK: the caller knows the catalog and the project's client modules."""
    if facts is None:
        return None
    imports: Dict[str, List[str]] = facts["imports"]  # type: ignore[assignment]
    bindings: Dict[str, List[str]] = facts["bindings"]  # type: ignore[assignment]
    if any(capable_import(module) for module in facts["star"]):  # type: ignore[union-attr]
        return None
    capable = {name for name, targets in imports.items() if any(capable_import(target) for target in targets)}
    changed = True
    while changed:
        changed = False
        for name, mentioned in bindings.items():
            if name not in capable and not capable.isdisjoint(mentioned):
                capable.add(name)
                changed = True
    return frozenset(capable)


# -- the project's table ----------------------------------------------------------------------

_KEPT = "exports.facts/2"  # `ProjectState.by_content` name: sha256 -> module_facts
# `ProjectState` value (for one token): module key (`_module_key`) -> exported names, ["*"] for any
_MEMO = "exports.names/2"
_ROOT: List[object] = []  # the project root, for forked workers


_SHAS, _DIGEST = "exports.modules", "exports.digest"  # `ProjectState` values: see `export_table`


def export_table(root: Path, scanned, gate, state, jobs: Optional[int] = None) -> "ExportTable":
    """What each client module of the project (`gate.client_modules`) may hand out clients
    through, under every key the gate looks it up by (its dotted name and each dotted suffix,
    as `ailint.sdk.relevance.client_modules` lists them). A module's facts are read with `ast`
    the first time its content hash is seen, on every core, and kept in `state` by content
    hash; its exported names, which also depend on which modules are client modules, are kept
    for the scan's token. While no client module changes, the table's digest is remembered
    and the table itself is built only if a file is gated (a warm run gates none)."""
    keys = gate.client_modules
    modules = sorted((file.module, relpath) for relpath, file in scanned.items()
                     if file.module in keys and file.parseable)
    table = ExportTable(root, scanned, gate, state, modules, jobs)
    shas = hashlib.sha256("".join(f"{module}\0{relpath}\0{scanned[relpath].sha256}\0" for module, relpath in modules)
                          .encode("utf-8", "surrogatepass")).hexdigest()
    remembered = state.get(_DIGEST, str)
    if remembered and state.get(_SHAS, str) == shas:
        table.digest, table.jobs = remembered, 1  # built later in this process, or in a worker: one core
    else:
        table.build()
        state.put(_SHAS, shas)
        state.put(_DIGEST, table.digest)
    return table


class ExportTable:
    """client module key -> `exported_clients` (for a suffix key, the union over the modules
    sharing it; a key missing: any name), with `get` as a mapping's; `digest`: of all of it,
    what the gate's answers depend on."""

    def __init__(self, root: Path, scanned, gate, state, modules: List[tuple], jobs: Optional[int]) -> None:
        self.root, self.scanned, self.gate, self.state, self.modules, self.jobs = root, scanned, gate, state, modules, jobs
        self.digest = ""
        self._names: Optional[Dict[str, Optional[FrozenSet[str]]]] = None

    def get(self, key: str, default=None):
        if self._names is None:
            self.build()
        return self._names.get(key, default)  # type: ignore[union-attr]

    def build(self) -> None:
        scanned, state, keys = self.scanned, self.state, self.gate.client_modules
        memo = state.get(_MEMO, {str: [str]}) or {}
        exported = {key: None if names == ["*"] else frozenset(names) for key, names in memo.items()}
        keys_of = {relpath: _module_key(module, scanned[relpath]) for module, relpath in self.modules}
        missing = {keys_of[relpath]: (module, relpath) for module, relpath in self.modules
                   if keys_of[relpath] not in exported}
        if missing:
            exported.update(_exported(self.root, scanned, self.gate, state, missing, self.jobs))
            state.put(_MEMO, {key: ["*"] if exported[key] is None else sorted(exported[key])  # type: ignore[arg-type]
                              for key in keys_of.values()})
        names: Dict[str, Optional[FrozenSet[str]]] = {}
        for module, relpath in self.modules:
            found = exported[keys_of[relpath]]
            parts = module.split(".")
            for start in range(len(parts)):
                key = ".".join(parts[start:])
                if key not in keys:
                    continue
                if key not in names:
                    names[key] = found
                elif names[key] is not None:
                    names[key] = None if found is None else names[key] | found  # type: ignore[operator]
        text = json.dumps(sorted((key, sorted(found) if found is not None else None) for key, found in names.items()),
                          separators=(",", ":"))
        self._names, self.digest = names, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _module_key(module: str, file) -> str:
    """What a module's exported names depend on besides the project's client modules: its
    content, its name and whether it is a package (relative imports resolve from those), so
    two copies of one file in two packages are told apart."""
    return f"{file.sha256}:{module}:{int(file.is_package)}"


def _exported(root: Path, scanned, gate, state, modules: Dict[str, tuple],
              jobs: Optional[int]) -> Dict[str, Optional[FrozenSet[str]]]:
    """`exported_clients` of `modules` (`_module_key` -> (dotted name, relpath)), from their
    facts: kept by content hash, else read now."""
    from ailint.import_scan import absolute
    from ailint.pool import map_in_processes

    kept = state.by_content(_KEPT)
    facts: Dict[str, Optional[Facts]] = {}
    todo: Dict[str, str] = {}  # sha256 -> a relpath with that content
    for _, relpath in modules.values():
        sha = scanned[relpath].sha256
        if sha in kept and (kept[sha] is None or _well_formed(kept[sha])):
            facts[sha] = kept[sha]
        else:
            todo[sha] = relpath
    if todo:
        _ROOT[:] = [root]
        try:
            for sha, found in zip(todo, map_in_processes(_facts_of, list(todo.values()), jobs)):
                facts[sha] = found
        finally:
            _ROOT[:] = []
        present = {file.sha256 for file in scanned.values()}  # facts of files gone are dropped
        state.put_by_content(_KEPT, {**{sha: value for sha, value in kept.items() if sha in present}, **facts})
    keys, under, sdk_tops, adapters = gate.client_modules, gate.kinds_under(), gate.tops, ("langchain", "langgraph")
    out: Dict[str, Optional[FrozenSet[str]]] = {}
    for key, (module, relpath) in modules.items():
        def capable(dotted: str, module=module, is_package=scanned[relpath].is_package) -> bool:
            target = absolute(dotted, module, is_package)
            top = target.partition(".")[0]
            # an SDK; a client module, or a package holding one; a name taken from one
            return top in sdk_tops or top.startswith(adapters) or target in under or target.rpartition(".")[0] in keys

        out[key] = exported_clients(facts.get(scanned[relpath].sha256), capable)
    return out


def _facts_of(relpath: str) -> Optional[Facts]:
    try:
        data = (_ROOT[0] / relpath).read_bytes()  # type: ignore[operator]
    except OSError:
        return None
    return module_facts(data)


def _well_formed(facts) -> bool:
    """Facts read back from the cache have the shape `module_facts` gives (else read again)."""
    return (isinstance(facts, dict) and isinstance(facts.get("imports"), dict)
            and isinstance(facts.get("bindings"), dict) and isinstance(facts.get("star"), list)
            and all(isinstance(key, str) and isinstance(value, list) and all(isinstance(v, str) for v in value)
                    for part in ("imports", "bindings") for key, value in facts[part].items())
            and all(isinstance(item, str) for item in facts["star"]))
