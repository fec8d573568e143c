"""One `ailint check` run: load plugins and config, discover files, check them on every core,
run project rules, and hand a `RunResult` to a reporter."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ailint.cache import context_key, open_cache
from ailint.config import (Config, ConfigError, build_config, check_rule_references, locate_config, plugin_allow_list,
                           rule_options, with_overrides)
from ailint.context import ProjectContext, ProjectFile
from ailint.engine import Engine, FileResult
from ailint.files import Discovery, SourceFile
from ailint.plugins import collect_catalog, collect_policy_packs, collect_rules, load_plugins
from ailint.policies import PolicyError, register_policies
from ailint.registry import Registry
from ailint.rule import ProjectRule
from ailint.sdk import catalog as sdk_catalog
from ailint.selection import Selection
from ailint.types import FileKind, Finding, Note, RunResult

@dataclass
class Session:
    """Everything decided before the first file is read."""

    config: Config
    registry: Registry
    selection: Selection
    plugins: list = field(default_factory=list)
    catalog_entries: list = field(default_factory=list)  # in-house clients from plugins (ailint_sdk_catalog)


def open_session(paths: Sequence[str], config_file: Optional[str] = None, registry: Optional[Registry] = None,
                 cwd: Optional[Path] = None, **overrides) -> Session:
    """Load config and plugins (the allow-list first, so disallowed plugins never import), apply
    policy packs, register declared policies and validate every rule reference. Raises
    ConfigError or PluginError (both mean exit 2)."""
    root, config_path, table = locate_config(paths, config_file, cwd)
    specs: list = []
    packs: dict = {}
    catalog_entries: list = []
    if registry is None:
        manager, specs = load_plugins(plugin_allow_list(config_path, table))
        registry = collect_rules(manager, specs)
        packs = collect_policy_packs(manager, specs)
        catalog_entries = collect_catalog(manager, specs)
    config = with_overrides(build_config(root, config_path, table, packs), **overrides)
    try:
        register_policies(registry, config.policies)
    except PolicyError as exc:
        raise ConfigError(f"{config_path}: {exc}") from None
    check_rule_references(config, registry)
    return Session(config, registry, Selection(config, registry), specs, catalog_entries)


def discover(session: Session, paths: Sequence[str]) -> Discovery:
    from ailint.rule import EngineRule

    # Read the kinds the enabled rules read; engine findings alone (AIL0xx selected on their
    # own) read what those findings are about.
    kinds = set()
    for info in session.selection.enabled:
        if not issubclass(info.rule, EngineRule):
            kinds.update(info.rule.kinds)
    if not kinds:
        for info in session.selection.enabled:
            if info.code != "AIL002":
                kinds.update(info.rule.kinds)
    discovery = Discovery(session.config.root, session.config.exclude, session.config.respect_gitignore,
                          session.config.force_exclude, kinds - {FileKind.PROJECT} or None)
    return discovery


def check_files(engine: Engine, sources: List[SourceFile], jobs: int, progress=None) -> List[FileResult]:
    """Check files, in parallel when it pays (forked workers inherit the engine, its rules and
    the project index); results come back in input order. Files the cache answers for without
    reading them are answered here, before any worker starts; new results are stored in it."""
    from ailint.pool import map_in_processes

    results: List[Optional[FileResult]] = [engine.cached(source) for source in sources]
    todo = [index for index, result in enumerate(results) if result is None]
    size = _size(engine, [sources[i] for i in todo])
    for index, result in zip(todo, map_in_processes(engine.check, [sources[i] for i in todo], jobs, progress, size)):
        results[index] = result
        if engine.cache is not None and result.cache_key:
            engine.cache.store(result.cache_key, result)
            engine.cache.store_facts(result.facts_key, result)
    return results  # type: ignore[return-value]


def _size(engine: Engine, sources: List[SourceFile]) -> int:
    """The bytes of Python source among `sources` (from the project scan), that a worker pool
    may share; only asked about a few files."""
    if len(sources) > 64:
        return 0
    return sum(engine.scanned[source.relpath].size for source in sources if source.relpath in engine.scanned)


def run_check(session: Session, paths: Sequence[str], jobs: Optional[int] = None, verbose: bool = False,
              use_cache: bool = True, progress=None) -> RunResult:
    paths = list(paths) or ["."]
    discovery = discover(session, paths)
    sources = discovery.collect(paths)
    catalog = sdk_catalog.BUILTIN.extended(list(session.catalog_entries) + list(session.config.clients))
    jobs = jobs or os.cpu_count() or 1
    with sdk_catalog.using(catalog):  # forked workers inherit the catalog and the project index
        cache = open_cache(session.config.root, _cache_context(session), use_cache)
        whole = _WholeProject(session)
        if _lists_whole_project(session, paths, discovery):
            whole.use(sources)  # the same walk: not listed twice
        scanned = _scan(session, cache, jobs, whole)
        state = _project_state(cache, scanned)
        project, gate = _project_index(session, catalog, scanned, state, jobs)
        engine = Engine(session.selection, max_file_size=session.config.max_file_size, verbose=verbose, cache=cache,
                        project=project, gate=gate, scanned=scanned, scan_kinds=_scan_kinds(state, gate))
        results = check_files(engine, sources, jobs, progress)
        result = RunResult(root=str(session.config.root))
        # project rules see the same catalog (declared clients) and project index
        facts = _project_facts(engine, sources, results, scanned, jobs, result, state) if engine.fact_rules else {}
        project_findings = _project_findings(session, sources, result, paths, project, scanned, facts, whole, state)
        if cache is not None:
            cache.save()
            _remember_scan_kinds(state, gate, scanned, engine)
            state.save()
    result.rules = list(session.selection.enabled)
    result.notes.extend(discovery.notes)
    for file_result in results:
        result.findings.extend(file_result.findings)
        result.notes.extend(file_result.notes)
        result.files_parsed += file_result.parsed
        result.files_cached += file_result.cached
        result.internal_error |= file_result.crashed
    result.files_checked = len(sources)
    result.checked_paths = frozenset(source.relpath for source in sources)
    result.findings.extend(project_findings)
    result.findings = _apply_waivers(session, result.findings, sources)
    result.findings.sort(key=Finding.sort_key)
    return result


def _apply_waivers(session: Session, findings: List[Finding], sources: List[SourceFile]) -> List[Finding]:
    config = session.config
    if not config.waivers:
        return findings
    from ailint.files import relative
    from ailint.waivers import apply_waivers, waiver_lines

    config_relpath = relative(config.path, config.root) if config.path else None
    lines = waiver_lines(config.path, config.root) if config.path else {}
    checked = frozenset(source.relpath for source in sources)
    return apply_waivers(findings, config.waivers, session.registry, checked, config_relpath, lines, session.selection)


def _config_if_whole_project(session: Session, paths: Sequence[str]) -> frozenset:
    """Findings about the project as a whole sit on its config file; show them when the run
    covers the project root or names the config file, not on a partial (pre-commit) list."""
    config = session.config
    if config.path is None:
        return frozenset()
    named = {Path(os.path.abspath(p)) for p in paths}
    if Path(os.path.abspath(config.root)) in named or config.path in named:
        from ailint.files import relative

        return frozenset({relative(config.path, config.root)})
    return frozenset()


class _WholeProject:
    """Every discovered file of the project (all kinds), listed once per run on first use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._files: Optional[List[SourceFile]] = None

    def use(self, files: List[SourceFile]) -> None:
        """The listing, when the run's own walk already made it (`_lists_whole_project`)."""
        self._files = files

    def files(self) -> List[SourceFile]:
        if self._files is None:
            config = self.session.config
            self._files = Discovery(config.root, config.exclude, config.respect_gitignore).collect([str(config.root)])
        return self._files


def _lists_whole_project(session: Session, paths: Sequence[str], discovery: Discovery) -> bool:
    """Whether the run's walk listed what `_WholeProject` would: the project root alone, every
    kind of file (exclusions and ignore files are the same)."""
    root = os.path.abspath(session.config.root)
    every_kind = discovery.kinds is None or discovery.kinds >= set(FileKind) - {FileKind.PROJECT}
    return every_kind and len(paths) == 1 and os.path.abspath(paths[0]) == root and os.path.isdir(root)


def _scan(session: Session, cache, jobs: int, whole: _WholeProject):
    """The project scan (`ailint.project_scan`): every Python file of the project, not only the
    checked ones (pre-commit passes a few), when an enabled rule needs project-wide facts."""
    rules = [info.rule for info in session.selection.enabled]
    if not any(getattr(rule, "uses_project_index", False) or getattr(rule, "requires_sdk_import", False)
               or issubclass(rule, ProjectRule) for rule in rules):
        return None
    from ailint.project_scan import scan_project

    config = session.config
    relpaths = [source.relpath for source in whole.files() if source.kind == FileKind.PYTHON
                and source.relpath.endswith(".py")]
    return scan_project(config.root, relpaths, config.max_file_size, jobs,
                        cache.ready_folder() if cache is not None else None)


def _project_state(cache, scanned):
    """Answers derived from the project scan, remembered between runs (`ailint.project_state`)."""
    from ailint.project_state import ProjectState, no_state

    if cache is None or scanned is None:
        return no_state()
    return ProjectState(cache.ready_folder(), cache.context, getattr(scanned, "token", ""))


def _project_index(session: Session, catalog, scanned, state, jobs: int):
    """(index, gate): the project-wide symbol table of clients (ailint.sdk.project_index), when
    an enabled rule follows clients across modules, and the SDK gate (ailint.sdk.relevance),
    told what each client module exports (ailint.sdk.exports). Which modules hand out clients
    is remembered in `state` while no import changes; what they export, by content hash."""
    if scanned is None:
        return None, None
    from ailint.sdk.project_index import ProjectIndex

    remembered = state.get("client_modules", {str: [str]})
    modules = {name: frozenset(kinds) for name, kinds in remembered.items()} if remembered is not None else None
    index, gate = ProjectIndex.from_scan(session.config.root, scanned, catalog, modules)
    if modules is None:
        state.put("client_modules", {name: sorted(kinds) for name, kinds in gate.client_modules.items()})
    if os.environ.get("AILINT_NO_PREFILTER", "") in ("", "0"):  # the export table is a prefilter too
        from ailint.sdk.exports import export_table

        table = export_table(session.config.root, scanned, gate, state, jobs)
        gate.exports, gate.exports_digest = table, table.digest
    if not any(getattr(info.rule, "uses_project_index", False) for info in session.selection.enabled):
        index = None
    return index, gate


def _scan_kinds(state, gate) -> Optional[Dict[str, str]]:
    """The gate kinds of every scanned file (relpath -> "llm,http", none absent), as remembered
    by an earlier run: they follow from the imports (the state's token) and from what client
    modules export (`exports_digest`, kept beside them)."""
    if gate is None or state.get("scan_kinds.exports", str) != gate.exports_digest:
        return None
    return state.get("scan_kinds", {str: str})


def _remember_scan_kinds(state, gate, scanned, engine: Engine) -> None:
    """Keep the gate kinds this run computed for the next one, when it computed every
    scanned file's (a run over the whole project does)."""
    computed = engine.computed_scan_kinds
    if gate is None or scanned is None or engine.scan_kinds is not None or len(computed) < len(scanned) \
            or any(relpath not in computed for relpath in scanned):
        return
    state.put("scan_kinds", {relpath: kinds for relpath, kinds in computed.items() if kinds})
    state.put("scan_kinds.exports", gate.exports_digest)


def _parseable(source: SourceFile, max_file_size: int, scanned=None) -> bool:
    """False for a file over max-file-size, or a Python file libcst would crash the process on
    (see `parsing.python_nesting_problem`): project rules read and parse files of the whole
    project, so such files are left out of what they are handed, as the engine skips them
    (with a note). Unreadable files are kept (their readers cope)."""
    if scanned is not None and source.relpath in scanned:
        return scanned[source.relpath].parseable
    from ailint.parsing import python_nesting_problem

    path = source.path
    try:
        info = path.stat()
        if info.st_size > max_file_size:
            return False
        if path.suffix not in (".py", ".pyi"):
            return True
        return python_nesting_problem(path.read_bytes()) is None
    except OSError:
        return True


def _cache_context(session: Session) -> str:
    """Everything besides a file's bytes and path that decides its findings."""
    from ailint import __version__

    plugins = sorted((spec.distribution, spec.version, spec.name, spec.value) for spec in session.plugins)
    config = session.config
    return context_key(__version__, plugins, sorted(session.selection.enabled_codes), config.per_file_ignores,
                       config.severity, config.options, config.max_file_size, config.clients,
                       session.catalog_entries, config.policies)


def _project_facts(engine: Engine, sources: List[SourceFile], results: List[FileResult], scanned, jobs: int,
                   run: RunResult, state):
    """Project rules' per-file facts (`ProjectRule.file_facts`) for every Python file of the
    project: from this run's results for the checked files, and for the others (pre-commit
    passes a few) from the engine too, which answers from its cache when nothing changed. Only
    files the SDK gate admits can have facts, so only those are asked (which ones is
    remembered in `state` while no import changes)."""
    facts = {result.path: result.facts for result in results if result.facts}
    if scanned is None:
        return facts
    checked = {source.relpath for source in sources}
    gate = engine.gate
    # which files the gate admits also depends on what client modules export (their content)
    exports = gate.exports_digest if gate is not None else ""
    remembered = state.get("llm_admitted", [str]) if state.get("llm_admitted.exports", str) == exports else None
    if not engine.prefilter:  # AILINT_NO_PREFILTER=1: every file may hold facts
        admitted = {relpath for relpath, file in scanned.items() if file.parseable}
    elif remembered is not None:
        admitted = set(remembered)
    else:
        admitted = {relpath for relpath, file in scanned.items()
                    if file.parseable and (gate is None or gate.admits_scanned(file, "llm"))}
        state.put("llm_admitted", sorted(admitted))
        state.put("llm_admitted.exports", exports)
    root = Path(engine.selection.config.root)
    # the others cannot have facts: not read
    others = [SourceFile(root / relpath, relpath, FileKind.PYTHON) for relpath in scanned
              if relpath in admitted and relpath not in checked]
    missing = []
    for source in others:
        known = engine.cached_facts(source)
        if known is None:
            missing.append(source)
        elif known:
            facts[source.relpath] = known
    from ailint.pool import map_in_processes

    run.facts_cached, run.facts_computed = len(others) - len(missing), len(missing)
    for result in map_in_processes(engine.facts_only, missing, jobs, size=_size(engine, missing)):
        if engine.cache is not None and not result.crashed:
            engine.cache.store_facts(result.facts_key, result)
        if result.facts:
            facts[result.path] = result.facts
    return facts


def _project_findings(session: Session, sources: List[SourceFile], result: RunResult,
                      paths: Sequence[str], index=None, scanned=None, facts=None,
                      whole: Optional[_WholeProject] = None, state=None) -> List[Finding]:
    """Run project rules over every file of the project; keep findings in checked files only,
    so that a partial file list (pre-commit) never gets findings about other files."""
    rules = [info for info in session.selection.enabled if issubclass(info.rule, ProjectRule)]
    if not rules:
        return []
    listing = (whole or _WholeProject(session)).files()
    files = [ProjectFile(source.location, source.relpath, source.kind) for source in listing
             if _parseable(source, session.config.max_file_size, scanned)]
    checked = frozenset(source.relpath for source in sources) | _config_if_whole_project(session, paths)
    project = ProjectContext(session.config.root, files, checked, index=index, scanned=scanned or {},
                             facts=facts if facts is not None else {}, state=state)
    findings: List[Finding] = []
    from ailint.engine import project_reports_to_findings

    for info in rules:
        rule = info.rule(rule_options(session.config, info))
        try:
            rule.check_project(project)
        except Exception as exc:  # noqa: BLE001
            result.internal_error = True
            result.notes.append(Note(".", f"rule {info.code} ({info.name}, from {info.distribution}) crashed: "
                                          f"{type(exc).__name__}: {exc}", "error"))
            continue
        findings.extend(project_reports_to_findings(session.selection, rule.take_reports(), checked, session.config.root))
    return findings


__all__ = ["ConfigError", "Session", "open_session", "run_check"]
