"""Checking one file: one read, at most one parse, one traversal, every rule isolated.

For each file the engine decides which rules apply (the decision layer), skips the parse when
no enabled Python rule can match (a byte-level needle check), parses once, runs every Python
rule in a single batched libcst traversal, runs config rules on the parsed document, then
applies inline suppressions and severities and turns rule reports into positioned findings.
A rule that raises is switched off for the rest of that file and reported as AIL002.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tokenize
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from ailint import engine_codes as codes
from ailint.context import FileContext
from ailint.cst_parse import parse_module
from ailint.files import SourceFile
from ailint.memory import LARGE_FILE, release_freed_memory
from ailint.parsing import (ConfigDocument, Entry, NotebookSource, ParseError, notebook_python, parse_document,
                            python_nesting_problem)
from ailint.rule import ConfigRule, ProjectRule, PythonRule, RawReport, Rule
from ailint.sdk.analysis import module_name
from ailint.selection import Selection
from ailint.suppressions import Directive, parse_directives, suppressing
from ailint.walk import TRIVIA_NAMES, children as _children, trivia_types as _trivia_types
from ailint.types import FileKind, Finding, Note, RelatedLocation, Severity, Span

BINARY_SNIFF = 8192


@dataclass
class FileResult:
    path: str
    findings: List[Finding] = field(default_factory=list)
    notes: List[Note] = field(default_factory=list)
    parsed: bool = False
    crashed: bool = False
    cached: bool = False
    facts: Dict[str, Any] = field(default_factory=dict)  # project rules' per-file facts, by fact_key
    cache_key: str = ""  # set on a cache miss: the caller stores the result under it (`Cache.store`)
    facts_key: str = ""  # likewise for the facts alone (`Cache.store_facts`)
    # the indexed modules the analysis asked about (`ProjectIndex.recording`); the cached facts
    # are valid while they are unchanged
    consulted: Optional[Dict[str, list]] = None


class _Crash(Exception):
    pass


class Engine:
    """Checks files with a fixed set of rule instances (created once per run and process)."""

    def __init__(self, selection: Selection, *, max_file_size: int, project: Any = None, verbose: bool = False,
                 cache: Any = None, gate: Any = None, scanned: Optional[Dict[str, Any]] = None,
                 scan_kinds: Optional[Dict[str, str]] = None) -> None:
        self.selection = selection
        self.cache = cache
        self.max_file_size = max_file_size
        self.project = project
        self.verbose = verbose
        # The SDK gate (ailint.sdk.relevance) and the project scan's facts by relpath; without a
        # gate, rules that require an SDK import fall back to their byte needles.
        self.gate = gate
        self.scanned = scanned or {}
        self._key_parts: Dict[str, str] = {}  # relpath -> what of the project its cache key holds
        # The gate kinds of every scanned file, as its row gives them ("llm,http"; absent: none),
        # remembered from an earlier run of the same scan and export table (runner._scan_kinds);
        # else those computed in this run, for the next one.
        self.scan_kinds = scan_kinds
        self.computed_scan_kinds: Dict[str, str] = {}
        self.prefilter = os.environ.get("AILINT_NO_PREFILTER", "") in ("", "0")
        from ailint.config import rule_options

        self.rules: Dict[str, Rule] = {}
        self.fact_rules: Dict[str, ProjectRule] = {}  # fact_key -> the first enabled rule collecting it
        for info in selection.enabled:
            if issubclass(info.rule, (PythonRule, ConfigRule)):
                self.rules[info.code] = info.rule(rule_options(selection.config, info))
            elif issubclass(info.rule, ProjectRule) and info.rule.fact_key:
                self.fact_rules.setdefault(info.rule.fact_key, info.rule(rule_options(selection.config, info)))
        self.origin = {info.code: info.distribution for info in selection.enabled}

    # -- the public entry point ----------------------------------------------------------
    def _result_key(self, relpath: str, sha256: str, data: Optional[bytes] = None) -> str:
        """A file's entry is keyed by what the SDK gate admits it for, which the project modules
        it imports decide (and, for a notebook, whose imports the project scan does not read, by
        every module of the project index); the modules its analysis then consulted are
        checked when the entry is loaded (`_consulted_unchanged`), so an edit to a module it
        imports, but asks nothing about, does not make it checked again."""
        scanned = self.scanned.get(relpath)
        from_scan = scanned is not None and (data is None or len(data) == scanned.size)
        project = self._key_parts.get(relpath) if from_scan else None
        if project is None:  # asked up to three times per file (cached, check, facts)
            if relpath.endswith(".ipynb"):
                project = self.project.content_digest() if self.project is not None else ""
            elif from_scan and self.scan_kinds is not None:
                project = self.scan_kinds.get(relpath, "")
            else:
                project = ",".join(sorted(self._project_kinds(relpath, data)))
                if from_scan:
                    self.computed_scan_kinds[relpath] = project
            if from_scan:  # a file read with other bytes than the scan's is keyed by its own
                self._key_parts[relpath] = project
        return self.cache.key_for(relpath, sha256, "gate\0" + project)

    def _project_kinds(self, relpath: str, data: Optional[bytes]):
        """The kinds of client the project modules a file imports hand out (`SdkGate.project_kinds`),
        from its imports (`_import_facts`; a file the project scan did not read, from `data`)."""
        facts = self._import_facts(relpath, data)
        if self.gate is None or facts is None:
            return ()
        imports, from_only, plain = facts
        return self.gate.project_kinds(imports, module_name(relpath), _is_package(relpath), from_only, plain)

    def _import_facts(self, relpath: str, data: Optional[bytes]):
        """(imports, from_only, plain) of a file (`import_scan.import_facts`): from the project
        scan while its row is of these bytes, else read from `data`; None with neither."""
        scanned = self.scanned.get(relpath)
        if scanned is not None and (data is None or len(data) == scanned.size):
            return scanned.imports, scanned.from_only, scanned.plain
        if data is None:
            return None
        from ailint.import_scan import import_facts

        return import_facts(data)

    def _consulted_unchanged(self, consulted: Dict[str, list]) -> bool:
        return not consulted or (self.project is not None and self.project.consulted_unchanged(consulted))

    def cached(self, source: SourceFile) -> Optional[FileResult]:
        """The cached result of a file the project scan just hashed, without reading it; None
        when there is none (or the file was not scanned)."""
        scanned = self.scanned.get(source.relpath)
        if self.cache is None or scanned is None:
            return None
        cached = self.cache.load(self._result_key(source.relpath, scanned.sha256), self._consulted_unchanged)
        if cached is not None:
            cached.cached, cached.parsed = True, False
        return cached

    def cached_facts(self, source: SourceFile) -> Optional[dict]:
        """Project rules' facts about a scanned file, from the cache, without reading it."""
        scanned = self.scanned.get(source.relpath)
        if self.cache is None or scanned is None:
            return None
        return self.cache.load_facts(self._result_key(source.relpath, scanned.sha256), self._consulted_unchanged)

    def facts_only(self, source: SourceFile) -> FileResult:
        """Project rules' facts about a Python file, without running any rule on it (a file a
        partial run does not check, whose facts are not cached). The result holds no findings
        and is stored as facts only (`facts_key`)."""
        result = FileResult(source.relpath)
        data = self._read(source, FileResult(source.relpath))
        if data is None or b"\x00" in data[:BINARY_SNIFF]:
            return result
        text = self._decode(source, data, FileResult(source.relpath))
        if text is None:
            return result
        self._check_python(source, data, text, [], frozenset(), [], _Resolver(source.relpath), result)
        result.findings, result.notes = [], []
        if self.cache is not None:
            result.facts_key = self._result_key(source.relpath, hashlib.sha256(data).hexdigest(), data)
        return result

    def check(self, source: SourceFile, data: Optional[bytes] = None) -> FileResult:
        if data is None:
            cached = self.cached(source)
            if cached is not None:
                return cached
        result = FileResult(source.relpath)
        data = self._read(source, result) if data is None else data
        if data is None:
            return result
        if len(data) > self.max_file_size:
            result.notes.append(Note(source.relpath, f"skipped: {len(data):,} bytes is over max-file-size ({self.max_file_size:,})"))
            return result
        if self.cache is None:
            return self._checked(source, data, result)
        sha256 = hashlib.sha256(data).hexdigest()
        key = self._result_key(source.relpath, sha256, data)
        cached = self.cache.load(key, self._consulted_unchanged)
        if cached is not None:
            cached.cached, cached.parsed = True, False
            return cached
        result = self._checked(source, data, result)
        result.cache_key = key  # stored by the process that owns the cache (workers return it)
        if self.fact_rules:
            result.facts_key = key  # facts are stored beside the result, under the same key
        return result

    def _checked(self, source: SourceFile, data: bytes, result: FileResult) -> FileResult:
        result = self._check_data(source, data, result)
        if result.parsed and len(data) >= LARGE_FILE:
            release_freed_memory()  # its syntax tree is gone: hand the memory back (ailint.memory)
        return result

    def _read(self, source: SourceFile, result: FileResult) -> Optional[bytes]:
        """The file's bytes, or None with a note on `result` (not a regular file, over
        max-file-size, unreadable)."""
        try:
            info = source.path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device named like a source file would block the read
                result.notes.append(Note(source.relpath, "skipped: not a regular file", "warning"))
                return None
            if info.st_size > self.max_file_size:
                result.notes.append(Note(source.relpath, f"skipped: {info.st_size:,} bytes is over max-file-size "
                                                         f"({self.max_file_size:,})"))
                return None
            return source.path.read_bytes()
        except OSError as exc:
            result.notes.append(Note(source.relpath, f"skipped: cannot read ({exc.strerror or exc})", "warning"))
            return None

    def _check_data(self, source: SourceFile, data: bytes, result: FileResult) -> FileResult:
        if b"\x00" in data[:BINARY_SNIFF]:
            result.notes.append(Note(source.relpath, "skipped: binary file"))
            return result
        active = [self.rules[info.code] for info in self.selection.rules_for(source.relpath) if info.code in self.rules]
        active = [rule for rule in active if source.kind in rule.kinds]
        engine_on = self.selection.engine_enabled_for(source.relpath)
        text = self._decode(source, data, result)
        if text is None:
            return result
        reports: List[RawReport] = []
        resolver = _Resolver(source.relpath)
        if source.kind == FileKind.PYTHON:
            self._check_python(source, data, text, active, engine_on, reports, resolver, result)
        else:
            self._check_document(source, data, text, active, engine_on, reports, resolver, result)
        findings = []
        resolver.prepare(reports)
        for report in list(reports):
            try:
                findings.append(resolver.finding(report, self))
            except Exception as exc:  # noqa: BLE001 - a report the engine cannot place (for
                # instance a related node from another module) is that rule's crash, not the run's
                crash: List[RawReport] = []
                self._crash(report.rule, exc, crash, resolver, result)
                findings.extend(resolver.finding(item, self) for item in crash)
        result.findings = self._decide(source, text, findings, engine_on, result)
        return result

    # -- reading ---------------------------------------------------------------------------
    def _decode(self, source: SourceFile, data: bytes, result: FileResult) -> Optional[str]:
        encoding = "utf-8-sig"
        if source.kind == FileKind.PYTHON:
            try:
                encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            except SyntaxError as exc:
                result.notes.append(Note(source.relpath, f"skipped: {exc}"))
                return None
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            result.notes.append(Note(source.relpath, f"skipped: not valid {encoding} text ({reason})"))
            return None
        return text[1:] if text.startswith("\ufeff") else text

    # -- Python ----------------------------------------------------------------------------
    def _check_python(self, source, data, text, active, engine_on, reports, resolver, result, line_map=None) -> None:
        """Run the Python rules and fact collectors, recording which indexed modules the
        analysis consults (`FileResult.consulted`)."""
        project = self.project
        if project is None or line_map is not None:
            self._analyse_python(source, data, text, active, engine_on, reports, resolver, result, line_map)
            return
        project.recording = {}
        try:
            self._analyse_python(source, data, text, active, engine_on, reports, resolver, result, line_map)
        finally:
            result.consulted, project.recording = project.recording, None

    def _analyse_python(self, source, data, text, active, engine_on, reports, resolver, result, line_map) -> None:
        # Config rules that declare the python kind read the source as text (no entries).
        text_rules = [rule for rule in active if isinstance(rule, ConfigRule) and _needle_in(rule, data)]
        if text_rules and line_map is None:
            document = ConfigDocument(source.relpath, source.kind, text, text.splitlines())
            self._run_config_rules(text_rules, document, reports, resolver, result)
        python_rules = [rule for rule in active if isinstance(rule, PythonRule)]
        collectors = list(self.fact_rules.values()) if line_map is None else []
        if not python_rules and not collectors and not (codes.SYNTAX_ERROR in engine_on
                                                        and not self._any_python_rule_enabled()):
            return
        if (python_rules or collectors) and self.prefilter:
            gate = _GateAnswer(self, source.relpath, data)
            python_rules = self._worth_parsing(data, python_rules, gate)
            collectors = self._worth_parsing(data, collectors, gate)
            if not python_rules and not collectors:
                return
        # libcst's native parser overflows the machine stack (killing the process) on input
        # nested thousands deep: such files are skipped with a note, before libcst sees them.
        problem = python_nesting_problem(text if line_map is not None else data)
        if problem is not None:
            result.notes.append(Note(source.relpath, f"skipped: {problem}", "warning"))
            return
        try:
            module = parse_module(text)
        except cst.ParserSyntaxError as exc:
            if codes.SYNTAX_ERROR in engine_on:
                line, column, reason = _syntax_error_position(text, exc)
                reports.append(RawReport(_ENGINE, Span(line, column), f"cannot parse this file: {reason}"))
                resolver.engine_codes[id(reports[-1])] = codes.SYNTAX_ERROR
            return
        except RecursionError:
            result.notes.append(Note(source.relpath, "skipped: nested too deeply to parse"))
            return
        result.parsed = True
        if not python_rules and not collectors:
            return
        from ailint.imports import ImportTable

        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        context = FileContext(source.relpath, source.kind, text, module, ImportTable.from_module(module), self.project)
        resolver.module = module
        resolver.line_map = line_map
        crashed: Dict[int, BaseException] = {}
        live = []
        for rule in python_rules:
            try:
                rule.take_reports()
                rule.begin_file(context)
                live.append(rule)
            except Exception as exc:  # noqa: BLE001 - isolation is the point
                crashed[id(rule)] = exc
                self._crash(rule, exc, reports, resolver, result)
        from contextlib import ExitStack

        with ExitStack() as stack:
            ready = []
            for rule in live:
                try:
                    stack.enter_context(rule.resolve(wrapper))
                    ready.append(rule)
                except Exception as exc:  # noqa: BLE001
                    self._crash(rule, exc, reports, resolver, result)
            dispatcher = _Dispatcher(ready, lambda rule, exc: self._crash(rule, exc, reports, resolver, result))
            try:
                if ready:
                    dispatcher.walk(module)
            except RecursionError:
                result.notes.append(Note(source.relpath, "skipped: nested too deeply to analyse"))
                return
            for rule in ready:
                if id(rule) in dispatcher.crashed:
                    continue
                try:
                    rule.end_file()
                    reports.extend(rule.take_reports())
                except Exception as exc:  # noqa: BLE001
                    self._crash(rule, exc, reports, resolver, result)
        for collector in collectors:
            try:
                facts = collector.file_facts(context, resolver.span_of)
            except Exception as exc:  # noqa: BLE001 - isolation, as for Python rules
                self._crash(collector, exc, reports, resolver, result)
                continue
            if facts is not None:
                result.facts[collector.fact_key] = facts

    def _worth_parsing(self, data: bytes, rules: List[Any], gate: "_GateAnswer") -> List[Any]:
        """The rules that can match in this file, judged without parsing it: a rule with
        needles needs one of them in the bytes; a rule requiring an SDK import needs the file
        to import an SDK or a project module handing out clients (`ailint.sdk.relevance`)."""
        out = []
        seen: Dict[Tuple[bytes, ...], bool] = {}  # most SDK rules share one catalog's needles

        def holds(needles: Tuple[bytes, ...]) -> bool:
            found = seen.get(needles)
            if found is None:
                found = seen[needles] = any(needle in data for needle in needles)
            return found

        for rule in rules:
            unconditional = tuple(getattr(rule, "unconditional_needles", ()))
            if unconditional and holds(unconditional):
                out.append(rule)
                continue
            wanted = rule.requires_sdk_import  # True (any kind of SDK), "llm" or "http"
            if wanted and self.gate is not None:
                reasons = [reason for kind, reason in gate.answer().items() if wanted is True or kind == wanted]
                if not reasons:
                    continue
                if "project" in reasons:  # a client from a project module: no SDK name needed
                    out.append(rule)
                    continue
            needles = tuple(getattr(rule, "needles", ()))
            if needles and not holds(needles):
                continue
            out.append(rule)
        return out

    def _imports_sdk(self, relpath: str, data: bytes) -> Dict[str, str]:
        imports, from_only, plain = self._import_facts(relpath, data)
        return self.gate.answer(imports, data, module_name(relpath), _is_package(relpath),
                                from_only, plain)

    def _any_python_rule_enabled(self) -> bool:
        return any(isinstance(rule, PythonRule) for rule in self.rules.values())

    # -- other files -----------------------------------------------------------------------
    def _check_document(self, source, data, text, active, engine_on, reports, resolver, result) -> None:
        config_rules = [rule for rule in active if isinstance(rule, ConfigRule)]
        python_rules = [rule for rule in active if isinstance(rule, PythonRule)]
        if not config_rules and not python_rules:
            # With no rule reading this kind, parse only when AIL005 is all the user asked for.
            only_engine = not any(isinstance(rule, ConfigRule) for rule in self.rules.values())
            if not (only_engine and codes.CONFIG_PARSE_ERROR in engine_on and source.kind in codes.PARSED_KINDS):
                return
        wanted = [rule for rule in config_rules if _needle_in(rule, data)]
        if config_rules and not wanted and not python_rules:
            return
        config_rules = wanted
        try:
            document = parse_document(source.relpath, source.kind, text)
        except ParseError as exc:
            if codes.CONFIG_PARSE_ERROR in engine_on:
                reports.append(RawReport(_ENGINE, Span(exc.line, exc.column), f"cannot read this file: {exc.message}"))
                resolver.engine_codes[id(reports[-1])] = codes.CONFIG_PARSE_ERROR
            else:
                result.notes.append(Note(source.relpath, f"skipped: {exc.message} (line {exc.line})"))
            return
        result.parsed = True
        self._run_config_rules(config_rules, document, reports, resolver, result)
        if source.kind == FileKind.NOTEBOOK and python_rules:
            notebook = notebook_python(document.data, document.entries)
            sub = SourceFile(source.path, source.relpath, FileKind.NOTEBOOK, source.explicit)
            self._check_python(sub, notebook.source.encode("utf-8"), notebook.source, python_rules, frozenset(),
                               reports, resolver, result, line_map=notebook.line_map)

    def _run_config_rules(self, config_rules, document: ConfigDocument, reports, resolver, result) -> None:
        for rule in config_rules:
            try:
                rule.take_reports()
                rule.check(document)
                reports.extend(rule.take_reports())
            except Exception as exc:  # noqa: BLE001
                self._crash(rule, exc, reports, resolver, result)

    # -- crashes ---------------------------------------------------------------------------
    def _crash(self, rule: Rule, exc: BaseException, reports, resolver, result: FileResult) -> None:
        result.crashed = True
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        origin = self.origin.get(rule.code, "?")
        detail = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
        message = (f"rule {rule.code} ({rule.name}, from {origin}) crashed on this file: "
                   f"{type(exc).__name__}: {exc}{detail}; the other rules still ran")
        reports.append(RawReport(_ENGINE, Span(1, 1), message))
        resolver.engine_codes[id(reports[-1])] = codes.RULE_CRASHED
        if self.verbose:
            resolver.tracebacks.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

    # -- decisions -------------------------------------------------------------------------
    def _decide(self, source: SourceFile, text: str, findings: List[Finding], engine_on, result) -> List[Finding]:
        directives: List[Directive] = []
        if "ailint:" in text and source.kind not in (FileKind.JSON, FileKind.NOTEBOOK, FileKind.TEXT):
            directives = parse_directives(text, source.kind)
        kept = []
        for finding in findings:
            if finding.code != codes.RULE_CRASHED and suppressing(directives, finding.code, finding.name, finding.line):
                continue
            kept.append(finding)
        for directive in directives:
            kept.extend(self._directive_findings(source.relpath, directive, engine_on))
        kept.sort(key=Finding.sort_key)
        return _with_fingerprints(kept)

    def _directive_findings(self, path: str, directive: Directive, engine_on) -> List[Finding]:
        span = Span(directive.line, directive.column)
        if directive.problem:
            if codes.INVALID_SUPPRESSION in engine_on:
                return [self._engine_finding(codes.INVALID_SUPPRESSION, path, span, f"invalid suppression: {directive.problem}")]
            return []
        out = []
        for selector in directive.selectors:
            matched = self.selection.registry.matching(selector)
            if not matched:
                if codes.INVALID_SUPPRESSION in engine_on:
                    out.append(self._engine_finding(codes.INVALID_SUPPRESSION, path, span,
                                                    f"invalid suppression: {selector!r} matches no rule"))
                continue
            if selector in directive.used or codes.UNUSED_SUPPRESSION not in engine_on:
                continue
            if not any(info.code in self.selection.enabled_codes for info in matched):
                continue  # the rule did not run, so the directive cannot be judged
            what = "file" if directive.target is None else f"line {directive.target}"
            out.append(self._engine_finding(codes.UNUSED_SUPPRESSION, path, span,
                                            f"unused suppression: {selector} reports nothing on {what}"))
        return out

    def _engine_finding(self, code: str, path: str, span: Span, message: str) -> Finding:
        severity = self.selection.severity_of(code, codes.DEFAULT_SEVERITY[code])
        return Finding(code, codes.NAMES[code], "engine", severity, message, path, span, snippet=message)


def _is_package(relpath: str) -> bool:
    return relpath.endswith(("__init__.py", "__init__.pyi"))


class _GateAnswer:
    """The SDK gate's answer for one file, asked at most once."""

    def __init__(self, engine: Engine, relpath: str, data: bytes) -> None:
        self.engine, self.relpath, self.data = engine, relpath, data
        self._answer: Any = False

    def answer(self) -> Dict[str, str]:
        if self._answer is False:
            self._answer = self.engine._imports_sdk(self.relpath, self.data)
        return self._answer


def _needle_in(rule: Rule, data: bytes) -> bool:
    """The byte-level prefilter: a rule with needles runs only on files holding one."""
    return not rule.needles or any(needle in data for needle in rule.needles)


def _syntax_error_position(text: str, exc: "cst.ParserSyntaxError") -> Tuple[int, int, str]:
    """Where the syntax error is. CPython's own parser (compile only, nothing runs) pinpoints
    errors better than libcst's, so ask it first and fall back to libcst's position."""
    import ast

    try:
        compile(text, "<ailint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        if error.lineno:
            return error.lineno, max(error.offset or 1, 1), error.msg
    except (ValueError, RecursionError, MemoryError, OverflowError):
        pass
    return exc.raw_line, exc.raw_column + 1, exc.message


class _EngineMarker:
    code = "AIL000"
    name = "engine"


_ENGINE = _EngineMarker()


class _Resolver:
    """Turns raw reports into findings with positions, resolving libcst positions lazily
    (only files with reports pay for the position pass)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.module = None
        self.line_map: Optional[List[Tuple[int, int]]] = None
        self._positions = None
        self.engine_codes: Dict[int, str] = {}
        self.tracebacks: List[str] = []

    def prepare(self, reports: Sequence[RawReport]) -> None:
        """Tell the position pass every node the reports point at: one pass places them all."""
        if self.module is not None and reports:
            self._positions_pass().prepare(
                [report.at for report in reports] + [where for report in reports for where, _ in report.related])

    def _positions_pass(self):
        if self._positions is None:
            from ailint.positions import Positions

            self._positions = Positions(self.module)
        return self._positions

    def span_of(self, node) -> Span:
        """Where a node of this file is (a call: from its called name to its end)."""
        span = self._positions_pass().span(node)
        return self._map(span) if self.line_map else span

    def _position_of(self, node) -> Tuple[Span, str]:
        return self.span_of(node), " ".join(self.module.code_for_node(node).split())

    def _map(self, span: Span) -> Span:
        def convert(line: int, column: int) -> Tuple[int, int]:
            index = min(max(line - 1, 0), len(self.line_map) - 1)
            raw_line, raw_column = self.line_map[index]
            return raw_line, raw_column + column - 1

        line, column = convert(span.line, span.column)
        end_line, end_column = convert(span.end_line or span.line, span.end_column or span.column)
        return Span(line, column, end_line, end_column)

    def locate(self, at: Any) -> Tuple[Span, str]:
        if isinstance(at, Span):
            return at, ""
        if isinstance(at, Entry):
            return at.span, ""
        return self._position_of(at)

    def finding(self, report: RawReport, engine: Engine) -> Finding:
        code = self.engine_codes.get(id(report))
        if code is not None:
            span, _ = (report.at, "")
            severity = engine.selection.severity_of(code, codes.DEFAULT_SEVERITY[code])
            return Finding(code, codes.NAMES[code], "engine", severity, report.message, self.path, span, snippet=report.message)
        rule = report.rule
        span, snippet = self.locate(report.at)
        related = []
        for where, message in report.related:
            if isinstance(where, tuple) and len(where) == 2 and isinstance(where[1], Span):
                related.append(RelatedLocation(where[0], where[1], message))
            else:
                related.append(RelatedLocation(self.path, self.locate(where)[0], message))
        severity = engine.selection.severity_of(rule.code, rule.severity)
        message = report.message
        if related and "{related}" in message:  # "the client built at {related}" -> "app/llm.py:12"
            message = message.replace("{related}", f"{related[0].path}:{related[0].span.line}")
        return Finding(
            rule.code, rule.name, rule.category, severity, message, report.path or self.path, span,
            related=tuple(related), snippet=report.snippet if report.snippet is not None else snippet,
            redact=report.redact,
        )


class _Dispatcher(cst.CSTVisitor):
    """A batched visitor that isolates each rule: a rule that raises is dropped for the rest
    of the file while the others carry on."""

    def __init__(self, rules: Sequence[PythonRule], on_crash: Callable[[PythonRule, BaseException], None]) -> None:
        super().__init__()
        self.on_crash = on_crash
        self.crashed: Dict[int, PythonRule] = {}
        self.methods: Dict[str, List[Tuple[PythonRule, Callable]]] = {}
        for rule in rules:
            for name, method in rule.get_visitors().items():
                self.methods.setdefault(name, []).append((rule, method))

    def _call(self, key: str, *args) -> None:
        for rule, method in self.methods.get(key, ()):
            if id(rule) in self.crashed:
                continue
            try:
                method(*args)
            except Exception as exc:  # noqa: BLE001
                self.crashed[id(rule)] = rule
                self.on_crash(rule, exc)

    def on_visit(self, node) -> bool:
        self._call("visit_" + type(node).__name__, node)
        return True

    def on_leave(self, original_node) -> None:
        self._call("leave_" + type(original_node).__name__, original_node)

    def on_visit_attribute(self, node, attribute: str) -> None:
        self._call(f"visit_{type(node).__name__}_{attribute}", node)

    def on_leave_attribute(self, original_node, attribute: str) -> None:
        self._call(f"leave_{type(original_node).__name__}_{attribute}", original_node)

    def walk(self, module: cst.Module) -> None:
        """Visit every node in libcst's order, calling the same visit_/leave_ methods.

        libcst's own `visit` rebuilds every node it passes (it is a transformer underneath),
        which costs about as much as parsing; this walk only reads. It is used whenever no
        rule has attribute visitors (`visit_<Node>_<field>`), whose exact firing rules it
        does not reproduce; then libcst's traversal runs instead. It is iterative, so deep
        nesting cannot overflow the stack here."""
        if any(name.count("_") > 1 and name.split("_", 2)[2] for name in self.methods
               if name.startswith(("visit_", "leave_"))):
            module.visit(self)
            return
        table: Dict[type, Tuple[list, list]] = {}
        methods = self.methods
        # Whitespace, comments and operator tokens hold nothing but more of the same: when no
        # rule visits any of them, their subtrees are not walked at all.
        trivia = _trivia_types()
        skip = frozenset() if any(name.split("_", 1)[1] in TRIVIA_NAMES() for name in methods) else trivia
        call = self._call
        stack: List[Tuple[Any, bool]] = [(module, False)]
        pop, push = stack.pop, stack.append
        while stack:
            node, leaving = pop()
            kind = type(node)
            entry = table.get(kind)
            if entry is None:
                name = kind.__name__
                entry = table[kind] = (methods.get("visit_" + name), methods.get("leave_" + name))
            if leaving:
                if entry[1]:
                    call("leave_" + kind.__name__, node)
                continue
            if entry[0]:
                call("visit_" + kind.__name__, node)
            if entry[1]:  # most node types have no leave_ method: no event to come back to
                push((node, True))
            children = _children(node)
            if children:
                stack.extend((child, False) for child in reversed(children) if type(child) not in skip)


def project_reports_to_findings(selection: Selection, reports: List[RawReport], checked, root) -> List[Finding]:
    """Findings of a project rule: only in checked files, after per-file ignores and the
    files' inline suppressions."""
    from ailint.files import file_kind

    by_path: Dict[str, List[Finding]] = {}
    for report in reports:
        path = report.path
        if path not in checked or report.rule.code in selection.ignored_for(path):
            continue
        span = report.at.span if isinstance(report.at, Entry) else report.at
        related = tuple(RelatedLocation(where[0], where[1], message) for where, message in report.related)
        rule = report.rule
        by_path.setdefault(path, []).append(Finding(
            rule.code, rule.name, rule.category, selection.severity_of(rule.code, rule.severity), report.message,
            path, span, related=related, snippet=report.snippet or report.message, redact=report.redact))
    out: List[Finding] = []
    for path, findings in by_path.items():
        kind = file_kind(path.rsplit("/", 1)[-1]) or FileKind.TEXT
        try:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        directives = parse_directives(text, kind) if "ailint:" in text else []
        kept = [f for f in findings if not suppressing(directives, f.code, f.name, f.line)]
        out.extend(_with_fingerprints(sorted(kept, key=Finding.sort_key)))
    return out


def _with_fingerprints(findings: List[Finding]) -> List[Finding]:
    """ailint's own fingerprint: rule, path, the normalized text of the flagged construct and
    its occurrence index among identical ones, so unrelated edits and moves keep it."""
    from dataclasses import replace

    seen: Dict[Tuple[str, str], int] = {}
    out = []
    for finding in findings:
        snippet = re.sub(r"\s+", " ", finding.snippet or finding.message).strip()
        index = seen.get((finding.code, snippet), 0)
        seen[(finding.code, snippet)] = index + 1
        digest = hashlib.sha256(f"{finding.code}\0{finding.path}\0{snippet}\0{index}".encode("utf-8")).hexdigest()[:32]
        out.append(replace(finding, fingerprint=digest))
    return out


__all__ = ["Engine", "FileResult", "ConfigDocument", "NotebookSource"]
