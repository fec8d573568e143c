"""Evaluation coverage: where a project calls LLMs, which evaluation harnesses and tests reach
those calls, and which of them CI runs. Shared by AIL401-AIL403 and computed once per run
(stored in `project.cache`).

How it works, in four steps a reader can check by hand:

1. **LLM call sites.** Python files with an import line naming an LLM SDK's package (a byte
   check) are parsed with libcst, once (the `FileContext` is kept in `project.cache[relpath]`,
   where the other project rules find it), and `NetworkCalls` lists their calls; a call is an
   LLM call when its catalog spec has `kind == "llm"`.
2. **Which files matter.** Only code that imports, directly or through other project modules,
   a file with LLM calls can reach one. Starting from the LLM files, ailint reads the imports
   of the files whose bytes name one of those modules (as a word) with Python's fast `ast`
   parser, and parses with libcst only the ones whose imports resolve to it, until nothing
   changes. Files importing an eval library (deepeval, ragas, inspect_ai, langsmith) and the
   files promptfoo or OpenAI evals configs name are parsed too.
3. **A call graph by qualified names.** Nodes are `module.function`, `module.Class.method` and
   `module.<module>` (code at import time; nested functions and lambdas belong to the function
   around them). A node uses another when its body calls it or passes it as an argument
   (`evaluate(answer, ...)`), resolved by name: local definitions, `self.method`, imports
   (aliases, relative imports, re-exports through `__init__.py`), and, for a method called on
   an object ailint cannot type, the methods of that name on classes the file (or a module it
   imports) defines or imports. Importing a module runs its module-level code. Module names
   come from paths, so `src/` layouts resolve; when several files share a module name, the
   one nearest the importer wins.
4. **Harnesses and reach.** Each harness is a set of roots in that graph. A file's LLM calls
   are covered when some harness reaches a node holding one of them.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ailint.context import FileContext, ProjectContext
from ailint.cst_parse import parse_module
from ailint.imports import ImportTable, dotted_name
from ailint.rule import Option, ProjectRule
from ailint.types import FileKind, Span
from ailint.walk import walk

from ailint_rules.support.ci_commands import CiCommands, markexpr_accepts, read_ci

MODULE_NODE = "<module>"
DEFAULT_LIVE_MARKERS = ["live", "integration", "e2e", "llm", "eval", "evals"]
LIVE_MARKERS_OPTION = Option(
    DEFAULT_LIVE_MARKERS,
    "pytest markers that mean a test calls the real provider (`@pytest.mark.live`); such a test counts "
    "as exercising the code it reaches. Set the same list for AIL401, AIL402 and AIL403.",
)

# Harness kinds, as shown in messages.
PROMPTFOO = "promptfoo config"
DEEPEVAL = "deepeval test"
RAGAS = "ragas evaluation"
INSPECT = "inspect-ai task"
OPENAI_EVALS = "OpenAI evals registry entry"
LANGSMITH = "LangSmith evaluation"
PYTEST = "pytest test"

_DEEPEVAL_CALLS = frozenset({"deepeval.assert_test", "deepeval.evaluate", "deepeval.evaluate.evaluate"})
_RAGAS_CALLS = frozenset({"ragas.evaluate", "ragas.aevaluate", "ragas.evaluation.evaluate", "ragas.evaluation.aevaluate"})
_LANGSMITH_CALLS = frozenset({"langsmith.evaluate", "langsmith.aevaluate", "langsmith.evaluation.evaluate",
                              "langsmith.evaluation.aevaluate", "langsmith.evaluation._runner.evaluate"})
_INSPECT_DECORATORS = frozenset({"inspect_ai.task"})
_EVAL_PACKAGES = frozenset({"deepeval", "ragas", "inspect_ai", "langsmith"})
# Every harness entry point above holds one of these words (aliases keep them in the import line).
_EVAL_ENTRY_WORDS = (b"evaluate", b"assert_test", b"task")
_EVAL_IMPORT = re.compile(rb"(?m)^[ \t]*(?:from|import)[ \t]+(?:deepeval|ragas|inspect_ai|langsmith)\b")

# Mocked or recorded clients: import prefixes, fixture parameters, markers.
_MOCK_IMPORTS = (("unittest.mock", "unittest.mock"), ("mock", "mock"), ("pytest_mock", "pytest-mock"),
                 ("respx", "respx"), ("pytest_httpx", "pytest-httpx"), ("vcr", "vcrpy cassette"),
                 ("pytest_recording", "pytest-recording cassette"))
_MOCK_FIXTURES = {"mocker": "pytest-mock", "respx_mock": "respx", "httpx_mock": "pytest-httpx",
                  "vcr": "pytest-recording cassette", "vcr_cassette": "vcrpy cassette"}
_RECORDING_MARKERS = {"vcr": "pytest-recording cassette", "default_cassette": "pytest-recording cassette"}

_PROMPTFOO_NAME = re.compile(r"(^|/)(promptfooconfig\.(ya?ml|json)|[^/]+\.promptfoo\.ya?ml)$")
_OPENAI_EVALS_PATH = re.compile(r"(^|/)registry/(evals|completion_fns|solvers)/.+\.ya?ml$")
# file://app/llm.py:call_api, python:providers/app.py, exec: python app/cli.py, file://prompts/*.txt
_PROMPTFOO_REF = re.compile(
    r"(?:file://|python:|exec:\s*(?:python3?\s+)?)(?P<path>[^\s:'\"]+)(?::(?P<function>[A-Za-z_][A-Za-z0-9_]*))?")
_REGISTRY_CLASS = re.compile(r"^(?P<module>[A-Za-z_][\w.]*):(?P<name>[A-Za-z_]\w*)$")


# -- plain results ---------------------------------------------------------------------------

@dataclass
class LlmSite:
    """The LLM calls of one Python file; `first` is where findings about the file point."""

    path: str
    snippet: str
    count: int
    function: str  # the function holding the first call, for messages
    first: Span
    owners: Set[str] = field(default_factory=set)  # graph nodes holding an LLM call

    @classmethod
    def from_facts(cls, path: str, facts: dict) -> "LlmSite":
        return cls(path, facts["snippet"], facts["count"], facts["function"], Span(facts["line"], facts["column"]),
                   set(facts["owners"]))


FACT_KEY = "ailint.llm-sites"


def llm_site_facts(file: FileContext, locate) -> Optional[dict]:
    """The facts AIL401-AIL403 need from one parsed file (`ProjectRule.file_facts`): how many
    LLM calls it makes, the first one (where, and in which function), and the call-graph
    nodes holding them. None for a file without LLM calls."""
    from ailint.sdk.analysis import NetworkCalls

    calls = [call for call in NetworkCalls.of(file).calls if call.spec.kind == "llm"]
    if not calls:
        return None
    owners = _owners(file.module.body)

    def owner(node: cst.CSTNode) -> str:
        return owners.get(id(node), MODULE_NODE)

    first = calls[0]  # calls come in source order
    name = owner(first.node)
    module = module_name(file.path)
    function = f"{module}.{name}" if name != MODULE_NODE else module
    if function.startswith("src."):
        function = function[4:]
    span = locate(first.node)
    return {"count": len(calls), "snippet": " ".join(file.module.code_for_node(first.node).split()),
            "function": function, "owners": sorted({owner(call.node) for call in calls}),
            "line": span.line, "column": span.column}


def _owners(body) -> Dict[int, str]:
    """The graph node (`_definitions`) each node of a named function belongs to, by id. A
    function's decorators are not in it: they run where the function is defined."""
    from ailint.walk import children, trivia_types

    skip, owners = trivia_types(), {}
    for definition, name in _definitions(body):
        stack = [child for child in children(definition) if not isinstance(child, cst.Decorator)]
        while stack:
            node = stack.pop()
            owners[id(node)] = name
            stack.extend(child for child in children(node) if type(child) not in skip)
    return owners


def _definitions(body, cls: Optional[str] = None) -> Iterable[Tuple[cst.CSTNode, str]]:
    """(node, graph node name) for each function the call graph names (see `Outline`): module
    level functions and methods of module level classes (nested classes count as their
    outermost class), also inside module level `if`/`try`/`with` blocks."""
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            yield statement, (f"{cls}.{statement.name.value}" if cls else statement.name.value)
        elif isinstance(statement, cst.ClassDef):
            yield from _definitions(_block(statement.body), cls or statement.name.value)
        elif isinstance(statement, _COMPOUND):
            for block in _blocks(statement):
                yield from _definitions(block, cls)


_COMPOUND = (cst.If, cst.Try, cst.With, cst.For, cst.While) + ((cst.TryStar,) if hasattr(cst, "TryStar") else ())


def _block(suite) -> Sequence:
    return suite.body if isinstance(suite, cst.IndentedBlock) else ()


def _blocks(statement) -> Iterable[Sequence]:
    yield _block(statement.body)
    for name in ("orelse", "finalbody"):
        extra = getattr(statement, name, None)
        while extra is not None:
            yield _block(extra.body)
            extra = getattr(extra, "orelse", None) if isinstance(extra, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        yield _block(handler.body)


@dataclass
class Harness:
    """An evaluation harness or qualifying test: where it is, what it starts from."""

    kind: str
    path: str
    anchor: object = None  # (file, node) for Python harnesses; configs point at line 1
    detail: str = ""  # e.g. "unittest.mock" for a pytest test
    roots: Set[Tuple[str, str]] = field(default_factory=set)  # (relpath, node)
    covers: Set[str] = field(default_factory=set)  # LLM files covered directly (promptfoo prompt files)
    reaches: Set[str] = field(default_factory=set)  # LLM files it reaches (filled by the analysis)
    imports_llm: Set[str] = field(default_factory=set)  # LLM files in its import closure
    test_markers: List[Set[str]] = field(default_factory=list)  # markers of each test function (pytest)
    names: Set[str] = field(default_factory=set)  # registry keys (OpenAI evals)

    @property
    def line(self) -> int:
        if self.anchor is None:
            return 1
        file, node = self.anchor
        return file.position(node).line

    def describe(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


@dataclass
class Coverage:
    llm_sites: Dict[str, LlmSite]
    harnesses: List[Harness]
    ci: CiCommands

    def reaching(self, path: str) -> List[Harness]:
        return [h for h in self.harnesses if path in h.reaches or path in h.covers]

    def near_miss(self, path: str) -> Optional[Harness]:
        """The nearest harness that imports this file's code but reaches none of its calls."""
        misses = [h for h in self.harnesses if path in h.imports_llm and path not in h.reaches]
        if not misses:
            return None
        return min(misses, key=lambda h: (-_common_dirs(h.path, path), h.path))

    @property
    def llm_harnesses(self) -> List[Harness]:
        """Harnesses that count for "has a harness at all": every eval, and tests that
        import LLM code."""
        return [h for h in self.harnesses if h.kind != PYTEST or h.imports_llm]


class CoverageRule(ProjectRule):
    """What AIL401-AIL403 share: they read `coverage(project, ...)`, built from the LLM call
    sites the engine records while it checks each file (`llm_site_facts`)."""

    fact_key = FACT_KEY
    requires_sdk_import = "llm"

    def file_facts(self, file: FileContext, locate) -> Optional[dict]:
        return llm_site_facts(file, locate)


def coverage(project: ProjectContext, live_markers: Sequence[str]) -> Coverage:
    """The project's coverage, computed once per run for a given set of live markers."""
    key = ("ailint_rules.evaluation", tuple(sorted(live_markers)))
    if key not in project.cache:
        project.cache[key] = _Analysis(project, frozenset(live_markers)).run()
    return project.cache[key]


# -- one file's outline ----------------------------------------------------------------------

@dataclass
class TestFunction:
    node: str
    name: str
    anchor: cst.CSTNode  # the first decorator, or the def
    markers: Set[str]
    params: List[str]


class Outline(cst.CSTVisitor):
    """One pass over a module: its definitions, what each function uses, who owns each call,
    its tests and markers, its imports and string literals."""

    def __init__(self, imports: ImportTable) -> None:
        super().__init__()
        self.table = imports
        self.functions: Set[str] = set()
        self.classes: Dict[str, Set[str]] = {}
        self.uses: Dict[str, List[Tuple[str, str]]] = {MODULE_NODE: []}
        self.owner: Dict[int, str] = {}
        self.calls: List[Tuple[str, str, cst.Call]] = []  # (qualified name, node, call)
        self.decorators: List[Tuple[str, str, cst.Decorator]] = []  # (qualified name, node, decorator)
        self.tests: List[TestFunction] = []
        self.params: Dict[str, List[str]] = {}
        self.module_markers: Set[str] = set()
        self.imported_modules: List[Tuple[str, cst.CSTNode]] = []
        self.strings: Set[str] = set()
        self.current = MODULE_NODE
        self._depth = 0
        self._class_stack: List[Tuple[str, Set[str]]] = []

    # definitions
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        markers = self._markers_of(node.decorators)
        if self._depth == 0 and not self._class_stack:
            self.classes.setdefault(node.name.value, set())
        self._class_stack.append((node.name.value, markers))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._depth == 0:
            name = node.name.value
            if self._class_stack:
                owner = self._class_stack[0][0]
                self.classes.setdefault(owner, set()).add(name)
                self.current = f"{owner}.{name}"
            else:
                self.functions.add(name)
                self.current = name
            self.uses.setdefault(self.current, [])
            params = [p.name.value for p in list(node.params.params) + list(node.params.posonly_params)
                      + list(node.params.kwonly_params)]
            self.params[self.current] = params
            for decorator in node.decorators:
                qualified = self._qualify(_decorated_name(decorator.decorator))
                if qualified:
                    self.decorators.append((qualified, self.current, decorator))
            in_test_class = all(cls.startswith("Test") for cls, _ in self._class_stack)
            if name.startswith("test") and in_test_class:
                markers = self._markers_of(node.decorators)
                for _, class_markers in self._class_stack:
                    markers |= class_markers
                anchor = node.decorators[0] if node.decorators else node
                self.tests.append(TestFunction(self.current, name, anchor, markers, params))
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.current = MODULE_NODE

    # uses
    def visit_Call(self, node: cst.Call) -> None:
        self.owner[id(node)] = self.current
        name = dotted_name(node.func)
        if name is not None:
            self.uses[self.current].append(("call", name))
            qualified = self._qualify(name)
            if qualified:
                self.calls.append((qualified, self.current, node))
        elif isinstance(node.func, cst.Attribute):
            self.uses[self.current].append(("method", node.func.attr.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        name = dotted_name(node.value)
        if name is not None:
            self.uses[self.current].append(("ref", name))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.current == MODULE_NODE and any(isinstance(t.target, cst.Name) and t.target.value == "pytestmark"
                                               for t in node.targets):
            self.module_markers |= self._markers_in(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if len(node.value) < 300:
            try:
                value = node.evaluated_value
            except Exception:  # noqa: BLE001 - odd literals are simply not recorded
                return
            if isinstance(value, str):
                self.strings.add(value)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted_name(alias.name)
            if name:
                self.imported_modules.append((name, node))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = "." * len(node.relative) + ((dotted_name(node.module) or "") if node.module is not None else "")
        self.imported_modules.append((module, node))
        if not isinstance(node.names, cst.ImportStar):
            joiner = "" if module.endswith(".") else "."
            for alias in node.names:
                name = dotted_name(alias.name)
                if name:
                    self.imported_modules.append((f"{module}{joiner}{name}", node))

    # helpers
    def _qualify(self, name: Optional[str]) -> Optional[str]:
        if not name:
            return None
        return self.table.qualify_name(name)

    def _markers_of(self, decorators: Sequence[cst.Decorator]) -> Set[str]:
        markers: Set[str] = set()
        for decorator in decorators:
            markers |= self._markers_in(decorator.decorator)
        return markers

    def _markers_in(self, node: cst.BaseExpression) -> Set[str]:
        if isinstance(node, (cst.List, cst.Tuple)):
            out: Set[str] = set()
            for element in node.elements:
                out |= self._markers_in(element.value)
            return out
        qualified = self._qualify(_decorated_name(node))
        if qualified and qualified.startswith("pytest.mark."):
            return {qualified.split(".")[2]}
        return set()

    @property
    def nodes(self) -> List[str]:
        out = [MODULE_NODE] + sorted(self.functions)
        for cls, methods in sorted(self.classes.items()):
            out.extend(f"{cls}.{method}" for method in sorted(methods))
        return out


def _decorated_name(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Call):
        node = node.func
    return dotted_name(node)


def _common_dirs(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1]):
        if x != y:
            break
        count += 1
    return count


def is_test_file(relpath: str) -> bool:
    parts = relpath.split("/")
    name = parts[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")
                                     or any(part in ("tests", "test") for part in parts[:-1]))


def module_name(relpath: str) -> str:
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else relpath.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


# -- the analysis ----------------------------------------------------------------------------

@dataclass
class _File:
    relpath: str
    context: FileContext
    outline: Outline
    module: str
    package: str
    _positions: object = None

    def span(self, node: cst.CSTNode) -> Span:
        """The node's full span (a call's from its called name, as the engine places calls)."""
        if self._positions is None:
            from ailint.positions import Positions

            self._positions = Positions(self.context.module)
        return self._positions.span(node)

    def position(self, node: cst.CSTNode) -> Span:
        """Where the node starts (findings point there)."""
        span = self.span(node)
        return Span(span.line, span.column)


def llm_import_pattern() -> "re.Pattern[bytes]":
    """Bytes a file must hold to possibly call an LLM: an import line naming an LLM SDK's
    package (from the SDK catalog)."""
    from ailint.sdk import catalog

    packages = set(getattr(catalog, "LLM_PACKAGES", None) or ("openai", "anthropic"))
    active = getattr(catalog, "active_catalog", None)
    if active is not None:  # clients declared in config or by plugins, when the run made them active
        current = active()
        packages.update(spec.qualname.split(".")[0] for spec in list(current.clients.values())
                        + list(current.functions.values()) if spec.kind == "llm")
    names = b"|".join(re.escape(package.encode("utf-8")) for package in sorted(packages))
    return re.compile(rb"(?m)^[ \t]*(?:from[ \t]+(?:" + names + rb")\b|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*(?:"
                      + names + rb")\b)")


def _ast_imports(data: bytes) -> Optional[List[str]]:
    """The modules a file imports, read with the fast `ast` parser (before paying for libcst)."""
    import ast

    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            out.append(module)
            joiner = "" if module.endswith(".") else "."
            out.extend(f"{module}{joiner}{alias.name}" for alias in node.names if alias.name != "*")
    return out


def package_of(relpath: str) -> str:
    name = module_name(relpath)
    return name if relpath.endswith("__init__.py") else name.rpartition(".")[0]


_NOT_HARNESSES = "evaluation.not_harnesses"  # ProjectState key: relpath -> sha256
_EVAL_IMPORTERS = "evaluation.eval_importers"  # ProjectState key: [relpath]


class _Analysis:
    def __init__(self, project: ProjectContext, live_markers: frozenset) -> None:
        self.project = project
        self.live_markers = live_markers
        self.by_path = {f.relpath: f for f in project.files}
        self.python = sorted(f.relpath for f in project.files if f.kind == FileKind.PYTHON and f.relpath.endswith(".py"))
        self._bytes: Dict[str, bytes] = {}
        self.files: Dict[str, _File] = {}
        self.failed: Set[str] = set()
        self._modules: Optional[Dict[str, List[str]]] = None  # see `modules`
        self.llm_nodes: Dict[str, Set[str]] = {}
        self._reaching: Optional[Set[str]] = None  # see `reaching`
        self._reach_from: List[str] = []  # the LLM files outside tests (set by `run`)
        self._imported_paths: Dict[str, Set[str]] = {}
        self._nearest: Dict[Tuple[str, str], str] = {}
        self._known_classes: Dict[str, Set[Tuple[str, str]]] = {}
        self._edges: Dict[Tuple[str, str], List[Tuple[str, str]]] = {}

    # files
    def data(self, relpath: str) -> bytes:
        if relpath not in self._bytes:
            try:
                self._bytes[relpath] = self.by_path[relpath].path.read_bytes()
            except OSError:
                self._bytes[relpath] = b""
        return self._bytes[relpath]

    def parse(self, relpath: str) -> Optional[_File]:
        if relpath in self.files:
            return self.files[relpath]
        if relpath in self.failed or relpath not in self.by_path:
            return None
        context = self.project.cache.get(relpath)
        if not isinstance(context, FileContext):
            source = self.data(relpath).decode("utf-8", errors="replace")
            try:
                module = parse_module(source)
            except Exception:  # noqa: BLE001 - the engine reports syntax errors (AIL001)
                self.failed.add(relpath)
                return None
            context = FileContext(relpath, FileKind.PYTHON, source, module, ImportTable.from_module(module),
                                  project=self.project.index)
            self.project.cache.setdefault(relpath, context)
        analyses = context.__dict__.setdefault("_analyses", {})
        if Outline not in analyses:
            outline = Outline(context.imports)
            walk(context.module, outline)
            analyses[Outline] = outline
        parsed = _File(relpath, context, analyses[Outline], module_name(relpath), package_of(relpath))
        self.files[relpath] = parsed
        return parsed

    # modules and names
    def absolute(self, name: str, file) -> str:
        """`name` with a relative import's dots resolved from `file` (a _File or a relpath)."""
        if not name.startswith("."):
            return name
        package = file.package if isinstance(file, _File) else package_of(file)
        dots = len(name) - len(name.lstrip("."))
        base = package.split(".") if package else []
        if dots > 1:
            base = base[:len(base) - (dots - 1)] if dots - 1 <= len(base) else []
        rest = name[dots:]
        return ".".join(part for part in base + ([rest] if rest else []) if part)

    @property
    def modules(self) -> Dict[str, List[str]]:
        """Every dotted suffix of every module -> the files so named (built on first use)."""
        if self._modules is None:
            self._modules = {}
            for relpath in self.python:
                parts = module_name(relpath).split(".")
                for start in range(len(parts)):
                    self._modules.setdefault(".".join(parts[start:]), []).append(relpath)
        return self._modules

    def module_file(self, name: str, near: str) -> Optional[str]:
        candidates = self.modules.get(name)
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        key = (name, near.rpartition("/")[0])  # the nearest depends on the importer's folder only
        if key not in self._nearest:
            self._nearest[key] = min(candidates, key=lambda path: (-_common_dirs(path, near), len(path), path))
        return self._nearest[key]

    def split(self, qualified: str, near: str) -> Optional[Tuple[str, List[str]]]:
        """(file, remaining names) for the longest prefix of `qualified` that is a project module."""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            relpath = self.module_file(".".join(parts[:cut]), near)
            if relpath is not None:
                return relpath, parts[cut:]
        return None

    def imported_files(self, file: _File) -> Set[str]:
        out = set()
        for name, _ in file.outline.imported_modules:
            target = self.split(self.absolute(name, file), file.relpath)
            if target is not None and target[0] != file.relpath:
                out.add(target[0])
        return out

    def resolve(self, qualified: str, near: str, depth: int = 0) -> List[Tuple[str, str]]:
        """Graph nodes a qualified name stands for (a class stands for its constructors)."""
        target = self.split(qualified, near)
        if target is None or depth > 6:
            return []
        relpath, rest = target
        if relpath not in self.reaching:  # code that imports no LLM code cannot reach an LLM call
            return []
        file = self.parse(relpath)
        if file is None or not rest:
            return []
        outline = file.outline
        head = rest[0]
        if head in outline.functions and len(rest) == 1:
            return [(relpath, head)]
        if head in outline.classes:
            methods = outline.classes[head]
            if len(rest) == 1:
                return [(relpath, f"{head}.{m}") for m in ("__init__", "__post_init__", "__call__") if m in methods]
            if len(rest) == 2 and rest[1] in methods:
                return [(relpath, f"{head}.{rest[1]}")]
            return []
        forwarded = outline.table.qualify_name(head)
        if forwarded:  # a re-export: `from .llm import answer` in a package's __init__.py
            return self.resolve(".".join([self.absolute(forwarded, file)] + rest[1:]), relpath, depth + 1)
        return []

    def known_classes(self, relpath: str) -> Set[Tuple[str, str]]:
        """Classes whose methods an untyped `obj.method()` call in this file may mean."""
        if relpath in self._known_classes:
            return self._known_classes[relpath]
        out: Set[Tuple[str, str]] = set()
        self._known_classes[relpath] = out
        file = self.files[relpath]
        nearby = sorted(self.imported_files(file) | set(self.conftests(relpath)))
        sources = [file] + [f for f in (self.parse(p) for p in nearby if p in self.reaching) if f is not None]
        for source in sources:
            out.update((source.relpath, cls) for cls in source.outline.classes)
            for name, _ in source.outline.imported_modules:
                target = self.split(self.absolute(name, source), source.relpath)
                if target is not None and len(target[1]) == 1 and target[0] in self.reaching:
                    imported = self.parse(target[0])
                    if imported is not None and target[1][0] in imported.outline.classes:
                        out.add((target[0], target[1][0]))
        return out

    def conftests(self, relpath: str) -> List[str]:
        parts = relpath.split("/")[:-1]
        out = []
        for end in range(len(parts), -1, -1):
            candidate = "/".join(parts[:end] + ["conftest.py"])
            if candidate in self.by_path and candidate != relpath:
                out.append(candidate)
        return out

    def edges(self, relpath: str, node: str) -> List[Tuple[str, str]]:
        key = (relpath, node)
        if key not in self._edges:
            self._edges[key] = list(self._find_edges(relpath, node))
        return self._edges[key]

    def _find_edges(self, relpath: str, node: str) -> Iterable[Tuple[str, str]]:
        file = self.files.get(relpath)
        if file is None:
            return
        outline = file.outline
        if node == MODULE_NODE:
            for imported in self.imported_files(file):
                yield imported, MODULE_NODE
        current_class = node.split(".")[0] if "." in node else None
        for kind, name in outline.uses.get(node, ()):
            if kind == "method":
                yield from self.methods_named(relpath, name)
                continue
            parts = name.split(".")
            head = parts[0]
            found: List[Tuple[str, str]] = []
            if head in ("self", "cls") and current_class and len(parts) >= 2:
                if len(parts) == 2 and parts[1] in outline.classes.get(current_class, ()):
                    found = [(relpath, f"{current_class}.{parts[1]}")]
            elif outline.table.qualify_name(head) is not None:
                found = self.resolve(self.absolute(outline.table.qualify_name(name), file), relpath)
            elif head in outline.functions and len(parts) == 1:
                found = [(relpath, head)]
            elif head in outline.classes:
                methods = outline.classes[head]
                if len(parts) == 1:
                    found = [(relpath, f"{head}.{m}") for m in ("__init__", "__post_init__", "__call__") if m in methods]
                elif len(parts) == 2 and parts[1] in methods:
                    found = [(relpath, f"{head}.{parts[1]}")]
            yield from found
            if not found and kind == "call" and len(parts) > 1:
                yield from self.methods_named(relpath, parts[-1])

    def methods_named(self, relpath: str, method: str) -> Iterable[Tuple[str, str]]:
        for path, cls in self.known_classes(relpath):
            if method in self.files[path].outline.classes.get(cls, ()):
                yield path, f"{cls}.{method}"

    def reach(self, roots: Iterable[Tuple[str, str]]) -> Set[str]:
        """The LLM files whose calls some node reachable from `roots` holds."""
        seen = set()
        queue = deque(roots)
        reached: Set[str] = set()
        while queue:
            item = queue.popleft()
            if item in seen:
                continue
            seen.add(item)
            relpath, node = item
            if node in self.llm_nodes.get(relpath, ()):
                reached.add(relpath)
            queue.extend(self.edges(relpath, node))
        return reached

    def import_closure(self, relpath: str) -> Set[str]:
        seen = {relpath}
        stack = [relpath]
        while stack:
            file = self.parse(stack.pop())
            if file is None:
                continue
            for imported in self.imported_files(file):
                if imported not in seen and imported in self.reaching:
                    seen.add(imported)
                    stack.append(imported)
        return seen

    # the run
    def run(self) -> Coverage:
        sites = self.find_llm_calls()
        self._reach_from = [path for path in sites if not is_test_file(path)]
        harnesses = self.python_harnesses(sites) + self.config_harnesses()
        # LLM calls inside tests and evals are the evaluation, not the code under evaluation.
        for path in [p for p in sites if is_test_file(p) or any(h.path == p for h in harnesses)]:
            del sites[path]
        for harness in harnesses:
            harness.reaches = self.reach(harness.roots) if harness.roots else set()
            if harness.kind != PROMPTFOO and harness.kind != OPENAI_EVALS:
                closure = self.import_closure(harness.path)
                for conftest in self.conftests(harness.path) if harness.kind == PYTEST else ():
                    closure |= self.import_closure(conftest) if conftest in self.reaching else set()
                harness.imports_llm = closure & set(sites)
        ci = read_ci(self.by_path, self.yaml_entries, self.text)
        harnesses.sort(key=lambda h: h.path)
        return Coverage(sites, harnesses, ci)

    def find_llm_calls(self) -> Dict[str, LlmSite]:
        """The LLM call sites, from the facts the engine collected while checking the files
        (`llm_site_facts`); without them (a caller other than `ailint check`), by parsing the
        files that import an LLM SDK."""
        sites: Dict[str, LlmSite] = {}
        facts = self.project.facts
        if facts is not None:
            for relpath in self.python:
                item = (facts.get(relpath) or {}).get(FACT_KEY)
                if item:
                    sites[relpath] = LlmSite.from_facts(relpath, item)
        else:
            pattern = llm_import_pattern()
            for relpath in self.python:
                if not pattern.search(self.data(relpath)):
                    continue
                file = self.parse(relpath)
                item = llm_site_facts(file.context, file.span) if file is not None else None
                if item:
                    sites[relpath] = LlmSite.from_facts(relpath, item)
        for relpath, site in sites.items():
            self.llm_nodes[relpath] = site.owners
        return sites

    def imported_paths(self, relpath: str) -> Set[str]:
        """The project files a file imports (other than itself), from its import statements."""
        found = self._imported_paths.get(relpath)
        if found is None:
            found = set()
            for name in self.imports_of(relpath) or ():
                target = self.split(self.absolute(name, relpath), relpath)
                if target is not None and target[0] != relpath:
                    found.add(target[0])
            self._imported_paths[relpath] = found
        return found

    def imports_of(self, relpath: str) -> Optional[Sequence[str]]:
        """What a file imports: from the project scan when there is one (no read), else `ast`."""
        scanned = self.project.scanned.get(relpath) if self.project.scanned else None
        if scanned is not None:
            return scanned.imports
        return _ast_imports(self.data(relpath))

    @property
    def reaching(self) -> Set[str]:
        """The files with LLM calls and the files importing them, transitively. Only harnesses
        need it, so a project without tests or evals never computes it."""
        if self._reaching is None:
            self._reaching = set()
            self.import_neighbourhood(self._reach_from)
        return self._reaching

    def import_neighbourhood(self, sites: Iterable[str]) -> None:
        """Every file that imports, directly or not, a file with LLM calls: from the files'
        import statements (the project scan), without parsing them."""
        reaching = self._reaching if self._reaching is not None else set()
        self._reaching = reaching
        reaching.update(sites)
        frontier = set(reaching)
        by_word: Dict[str, List[str]] = {}  # a word of an imported name -> the files importing it
        for relpath in self.python:
            for name in self.imports_of(relpath) or ():
                for part in name.rsplit(".", 2)[-2:]:
                    by_word.setdefault(part, []).append(relpath)
        while frontier:
            words = {module_name(path).rsplit(".", 1)[-1] for path in frontier}
            words.discard("")
            frontier = set()
            # only files whose imports name one of the new modules can import them
            candidates = sorted({relpath for word in words for relpath in by_word.get(word, ())})
            for relpath in candidates:
                if relpath in reaching:
                    continue
                if any(target in reaching for target in self.imported_paths(relpath)):
                    reaching.add(relpath)
                    frontier.add(relpath)

    def python_harnesses(self, sites: Iterable[str] = ()) -> List[Harness]:
        sites = set(sites)
        # Files that import an eval library without being a harness (libraries import
        # langsmith for tracing): remembered by content hash, so that they are not parsed again.
        state = self.project.state
        remembered = (state.get(_NOT_HARNESSES, {str: str}) if state is not None else None) or {}
        scanned = self.project.scanned or {}
        importers = self._eval_importers()
        library_users = []
        for relpath in self.python:
            if relpath in self.files:
                continue
            known = scanned.get(relpath)
            if known is not None and remembered.get(relpath) == known.sha256 and not is_test_file(relpath):
                continue
            if (importers is None or relpath in importers) and self.imports_eval_library(relpath):
                library_users.append(relpath)
                self.parse(relpath)
            elif is_test_file(relpath) and (relpath in self.reaching or relpath in sites
                                            or any(c in self.reaching for c in self.conftests(relpath))):
                self.parse(relpath)  # imports LLM code, or may reach it through a conftest.py fixture
        out = []
        for relpath, file in sorted(self.files.items()):
            harness = self.eval_library_harness(file)
            if harness is None and is_test_file(relpath) and not relpath.endswith("conftest.py"):
                harness = self.test_harness(file)
            if harness is not None:
                out.append(harness)
        if state is not None:
            harnesses = {harness.path for harness in out}
            kept = {relpath: sha for relpath, sha in remembered.items() if relpath in scanned}
            kept.update((relpath, scanned[relpath].sha256) for relpath in library_users
                        if relpath in scanned and relpath not in harnesses and not is_test_file(relpath))
            state.put(_NOT_HARNESSES, kept)
        return out

    def _eval_importers(self) -> Optional[Set[str]]:
        """The files whose import statements name an eval library, from the project scan
        (remembered while no import changes); None without a scan."""
        scanned, state = self.project.scanned, self.project.state
        if not scanned:
            return None
        found = state.get(_EVAL_IMPORTERS, [str]) if state is not None else None
        if found is None:
            found = sorted(relpath for relpath, file in scanned.items()
                           if any(name.split(".", 1)[0] in _EVAL_PACKAGES for name in file.imports))
            if state is not None:
                state.put(_EVAL_IMPORTERS, found)
        return set(found)

    def imports_eval_library(self, relpath: str) -> bool:
        """Whether the file imports an eval library and names one of its harness entry points
        (`evaluate`, `assert_test`, `task`): a bytes check before any parse, since libraries
        import langsmith for tracing alone."""
        scanned = self.project.scanned.get(relpath) if self.project.scanned else None
        if scanned is None:
            imports = bool(_EVAL_IMPORT.search(self.data(relpath)))
        else:
            imports = any(name.split(".", 1)[0] in _EVAL_PACKAGES for name in scanned.imports)
        return imports and any(word in self.data(relpath) for word in _EVAL_ENTRY_WORDS)

    def eval_library_harness(self, file: _File) -> Optional[Harness]:
        outline = file.outline
        roots = {(file.relpath, node) for node in outline.nodes}
        for qualified, _, decorator in outline.decorators:
            if qualified in _INSPECT_DECORATORS:
                return Harness(INSPECT, file.relpath, (file, decorator), "@task", roots)
        for qualified, _, call in outline.calls:
            for names, kind in ((_DEEPEVAL_CALLS, DEEPEVAL), (_RAGAS_CALLS, RAGAS), (_LANGSMITH_CALLS, LANGSMITH)):
                if qualified in names:
                    harness = Harness(kind, file.relpath, (file, call), qualified.rsplit(".", 1)[-1], roots)
                    harness.test_markers = [t.markers | outline.module_markers for t in outline.tests]
                    return harness
        return None

    def test_harness(self, file: _File) -> Optional[Harness]:
        outline = file.outline
        if not outline.tests:
            return None
        evidence = self.mock_evidence(file)
        for conftest in self.conftests(file.relpath):
            parsed = self.parse(conftest) if b"mock" in self.data(conftest) or b"monkeypatch" in self.data(conftest) \
                or b"respx" in self.data(conftest) or b"vcr" in self.data(conftest) else None
            if parsed is not None and not evidence:
                found = self.mock_evidence(parsed)
                evidence = f"{found} in {conftest}" if found else ""
        if not evidence:
            return None
        roots = {(file.relpath, node) for node in outline.nodes}
        for test in outline.tests:  # fixtures from conftest.py files, by parameter name
            for conftest in self.conftests(file.relpath):
                parsed = self.files.get(conftest)
                if parsed is not None:
                    roots.update((conftest, param) for param in test.params if param in parsed.outline.functions)
        harness = Harness(PYTEST, file.relpath, (file, outline.tests[0].anchor), evidence, roots)
        harness.test_markers = [t.markers | outline.module_markers for t in outline.tests]
        return harness

    def mock_evidence(self, file: _File) -> str:
        """Why this file's tests count: a mocked or recorded client, or a live marker ("" for none)."""
        outline = file.outline
        markers = set(outline.module_markers)
        for test in outline.tests:
            markers |= test.markers
        live = sorted(markers & self.live_markers)
        if live:
            return f"@pytest.mark.{live[0]}"
        for marker, label in _RECORDING_MARKERS.items():
            if marker in markers:
                return label
        for name, _ in outline.imported_modules:
            for prefix, label in _MOCK_IMPORTS:
                if name == prefix or name.startswith(prefix + "."):
                    return label
        for node, params in outline.params.items():
            for param in params:
                if param in _MOCK_FIXTURES:
                    return _MOCK_FIXTURES[param]
        for kind, name in (use for uses in outline.uses.values() for use in uses):
            if kind == "call" and name in ("monkeypatch.setattr", "monkeypatch.setitem"):
                return "monkeypatch"
            if kind == "call" and name.endswith(".use_cassette"):
                return "vcrpy cassette"
        return ""

    # config harnesses
    def yaml_entries(self, relpath: str):
        from ailint.parsing import ConfigDocument, ParseError, parse_document

        cached = self.project.cache.get(relpath)
        if isinstance(cached, ConfigDocument):
            return cached.entries
        kind = FileKind.JSON if relpath.endswith(".json") else FileKind.YAML
        try:
            document = parse_document(relpath, kind, self.data(relpath).decode("utf-8", errors="replace"))
        except ParseError:
            return None
        self.project.cache.setdefault(relpath, document)
        return document.entries

    def text(self, relpath: str) -> Optional[str]:
        return self.data(relpath).decode("utf-8", errors="replace") if relpath in self.by_path else None

    def config_harnesses(self) -> List[Harness]:
        out = []
        for relpath in sorted(self.by_path):
            if _PROMPTFOO_NAME.search(relpath):
                harness = self.promptfoo(relpath)
            elif _OPENAI_EVALS_PATH.search(relpath):
                harness = self.openai_evals(relpath)
            else:
                continue
            if harness is not None:
                out.append(harness)
        return out

    def promptfoo(self, relpath: str) -> Optional[Harness]:
        entries = self.yaml_entries(relpath)
        if entries is None:
            return None
        harness = Harness(PROMPTFOO, relpath)
        folder = posixpath.dirname(relpath)
        prompt_files: List[str] = []
        for entry in entries:
            if not isinstance(entry.value, str):
                continue
            for match in _PROMPTFOO_REF.finditer(entry.value):
                path = _normalize(folder, match.group("path"))
                if path.endswith(".py"):
                    file = self.parse(path) if path in self.by_path else None
                    if file is None:
                        continue
                    function = match.group("function")
                    if function and (function in file.outline.functions):
                        harness.roots.add((path, function))
                    elif function and function in file.outline.classes:
                        harness.roots.update((path, f"{function}.{m}") for m in file.outline.classes[function])
                    else:
                        harness.roots.update((path, node) for node in file.outline.nodes)
                elif "prompts" in entry.key:
                    prompt_files.append(path)
        for site_path in self.llm_nodes if prompt_files else ():
            file = self.parse(site_path)
            if file is not None and any(_mentions(file.outline.strings, prompt) for prompt in prompt_files):
                harness.covers.add(site_path)
        return harness

    def openai_evals(self, relpath: str) -> Optional[Harness]:
        entries = self.yaml_entries(relpath)
        if entries is None:
            return None
        harness = Harness(OPENAI_EVALS, relpath)
        for entry in entries:
            if entry.key:
                harness.names.add(str(entry.key[0]))
            if entry.name != "class" or not isinstance(entry.value, str):
                continue
            match = _REGISTRY_CLASS.match(entry.value.strip())
            if not match:
                continue
            target = self.split(match.group("module"), relpath)
            if target is None or target[1]:
                continue
            file = self.parse(target[0])
            if file is None:
                continue
            name = match.group("name")
            if name in file.outline.classes:
                harness.roots.update((target[0], f"{name}.{m}") for m in file.outline.classes[name])
            elif name in file.outline.functions:
                harness.roots.add((target[0], name))
        return harness


def _normalize(folder: str, path: str) -> str:
    """A path a config names, relative to the project root (configs name paths from their folder)."""
    joined = posixpath.normpath(posixpath.join(folder or ".", path.strip().lstrip("/")))
    return "" if joined == "." else joined


def _mentions(strings: Set[str], prompt: str) -> bool:
    """Whether a module's string literals name a prompt file (by path or file name; globs allowed)."""
    name = prompt.rsplit("/", 1)[-1]
    for value in strings:
        if "\n" in value or len(value) > 200:
            continue
        if value == prompt or value.endswith("/" + prompt) or prompt.endswith("/" + value) or value == name:
            return True
        if any(ch in prompt for ch in "*?[") and (fnmatch.fnmatch(value, prompt) or fnmatch.fnmatch(value, name)):
            return True
        if value.endswith("/" + name):
            return True
    return False


def ci_runs(harness: Harness, ci: CiCommands) -> bool:
    """Whether some CI command runs this harness."""
    path = harness.path
    for _, _, target in ci.path_runs:  # python FILE, deepeval test run PATH, inspect eval PATH
        if _under(path, target):
            return True
    dotted = module_name(path)
    for _, module in ci.modules:
        if dotted == module or dotted.endswith("." + module):
            return True
    if harness.kind == PROMPTFOO:
        default = posixpath.basename(path).startswith("promptfooconfig.")
        for _, folder, configs in ci.promptfoo:
            if any(config == path or config.endswith("/" + path) or path.endswith("/" + config) for config in configs):
                return True
            if not configs and default and posixpath.dirname(path) == folder:
                return True
        return False
    if harness.kind == OPENAI_EVALS:
        for _, names in ci.oaieval:
            if any(key == name or key.startswith(name + ".") for name in names for key in harness.names):
                return True
        return False
    if not is_test_file(path):
        return False
    for run in ci.pytest:
        if run.paths and not any(_under(path, target) for target in run.paths):
            continue
        if not run.paths and run.folder and not _under(path, run.folder):
            continue
        if any(_under(path, ignored) for ignored in run.ignored):
            continue
        if run.markexpr and harness.test_markers and not any(markexpr_accepts(run.markexpr, markers)
                                                             for markers in harness.test_markers):
            continue
        return True
    return False


def deselected_by(harness: Harness, ci: CiCommands):
    """The CI pytest command that collects this file but deselects its tests with `-m`, if any."""
    for run in ci.pytest:
        if run.markexpr and (not run.paths or any(_under(harness.path, t) for t in run.paths)) \
                and not any(markexpr_accepts(run.markexpr, markers) for markers in harness.test_markers or [set()]):
            return run
    return None


def _under(path: str, target: str) -> bool:
    target = target.rstrip("/")
    return not target or target == "." or path == target or path.startswith(target + "/")
