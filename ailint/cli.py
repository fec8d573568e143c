"""The command line. One function, `main`, owns the exit code:
0 nothing at or above the failing severity, 1 findings, 2 usage, config, plugin or internal error.
Heavy modules are imported only by the commands that need them, so `--version` starts fast."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import List, Optional, Sequence

from ailint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 with usage: keep that, minus the traceback
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _codes(value: str) -> List[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ailint", description="Production-readiness linter for AI code and its configuration.")
    parser.add_argument("--version", action="version", version=f"ailint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files and folders (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument("--format", choices=("text", "json", "sarif", "github", "markdown"), default="text")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically)")
    check.add_argument("--select", type=_codes, metavar="CODES", help="comma list of codes, prefixes or names")
    check.add_argument("--extend-select", type=_codes, metavar="CODES")
    check.add_argument("--ignore", type=_codes, metavar="CODES")
    check.add_argument("--config", metavar="FILE")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--fail-on", choices=("note", "warning", "error"), help="lowest severity that fails the run")
    check.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: all cores)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache (.ailint_cache/)")
    check.add_argument("--force-exclude", action="store_true", default=None,
                       help="apply exclude and .gitignore to files named on the command line too")
    check.add_argument("--no-source", action="store_true", help="text format: no code frames")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in this baseline")
    check.add_argument("--write-baseline", metavar="FILE", help="record every current finding in FILE and exit 0")
    check.add_argument("--update-baseline", action="store_true",
                       help="with --baseline: rewrite it without entries that no longer match")
    check.add_argument("-v", "--verbose", action="store_true")

    rules = sub.add_parser("rules", help="list every registered rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--config", metavar="FILE")

    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", metavar="CODE")
    explain.add_argument("--config", metavar="FILE")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_ERROR
        return {"check": _check, "rules": _rules, "explain": _explain}[args.command](args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else EXIT_CLEAN
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001
        from ailint.config import ConfigError
        from ailint.plugins import PluginError

        if isinstance(exc, (ConfigError, PluginError)):
            _error(str(exc))
            return EXIT_ERROR
        if os.environ.get("AILINT_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set AILINT_DEBUG=1 for the traceback, and please report it)")
        return EXIT_ERROR


def _error(message: str) -> None:
    sys.stderr.write(f"ailint: error: {message}\n")


def _check(args) -> int:
    from ailint.memory import tune_collector
    from ailint.runner import open_session, run_check
    from ailint.types import Severity

    tune_collector()

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    overrides = {
        "select": tuple(args.select) if args.select is not None else None,
        "extend_select": tuple(args.extend_select) if args.extend_select is not None else None,
        "ignore": tuple(args.ignore) if args.ignore is not None else None,
        "fail_on": Severity(args.fail_on) if args.fail_on else None,
        "force_exclude": args.force_exclude,
    }
    if args.select is not None and args.extend_select is None:
        overrides["extend_select"] = ()  # --select replaces the configured selection entirely
    session = open_session(args.paths, args.config, **overrides)
    try:
        progress = Progress(sys.stderr) if progress_wanted(args, sys.stderr, os.environ) else None
        try:
            result = run_check(session, args.paths, jobs=args.jobs, verbose=args.verbose, use_cache=not args.no_cache,
                               progress=progress)
        finally:
            if progress is not None:
                progress.close()
    except FileNotFoundError as exc:
        raise UsageError(f"no such file or folder: {exc.args[0]}") from None
    if args.write_baseline or args.baseline:
        outcome = _baseline(args, session, result)
        if outcome is not None:
            return outcome
    color = args.format == "text" and not args.output and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    from ailint.report import render

    report = render(args.format, result, color=color, show_source=not args.no_source, verbose=args.verbose,
                    registry=session.registry)
    _write(report, args.output)
    if args.verbose and args.format != "text":
        for note in result.notes:
            sys.stderr.write(f"ailint: {note.path}: {note.message}\n")
    if result.internal_error:
        _error("a rule crashed; see the AIL002 findings")
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    failing = [f for f in result.findings if session.selection.fails(f.severity)]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _baseline(args, session, result) -> Optional[int]:
    """Write, apply or update a baseline. Returns an exit code when the command is done."""
    from pathlib import Path

    from ailint import baseline
    from ailint.files import relative
    from ailint.types import Severity

    if args.update_baseline and not args.baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    if args.write_baseline:
        if args.baseline:
            raise UsageError("use either --write-baseline or --baseline")
        count = baseline.write(args.write_baseline, result.findings)
        sys.stderr.write(f"ailint: wrote {count} baseline entries for {len(result.findings)} findings "
                         f"to {args.write_baseline}\n")
        return EXIT_ERROR if result.internal_error else EXIT_CLEAN
    try:
        entries = baseline.read(args.baseline)
    except baseline.BaselineError as exc:
        raise UsageError(str(exc)) from None
    checked = set(result.checked_paths)
    stale_on = "AIL803" in session.selection.enabled_codes and not args.update_baseline
    relpath = relative(Path(args.baseline).resolve(), session.config.root)
    severity = session.selection.severity_of("AIL803", Severity.WARNING)
    result.findings, still = baseline.apply(result.findings, entries, checked, relpath, stale_on, severity)
    if args.update_baseline:
        baseline.rewrite(args.baseline, still)
        sys.stderr.write(f"ailint: baseline {args.baseline} now holds {len(still)} of {len(entries)} entries\n")
    return None


def progress_wanted(args, stream, environ) -> bool:
    """A progress line is for a person watching a terminal: stderr is a TTY, not in CI (`CI`
    set), not under pre-commit (`PRE_COMMIT` set), and not while a machine-readable report
    goes to stdout (json, sarif, github, markdown without -o)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty or environ.get("CI") or environ.get("PRE_COMMIT"):
        return False
    return args.format == "text" or bool(args.output)


class Progress:
    """`ailint: 1,234/5,678 files checked` on stderr, rewritten in place, only once a run has
    taken `delay` seconds (short runs print nothing), at most ten times a second; `close`
    erases it before the report is printed."""

    def __init__(self, stream, delay: float = 2.0) -> None:
        import time

        self.stream = stream
        self.clock = time.monotonic
        self.start = self.clock()
        self.delay = delay
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        self.stream.write(f"\railint: {done:,}/{total:,} files checked")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _write(report: str, output: Optional[str]) -> None:
    if not output:
        sys.stdout.write(report)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(output))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".ailint-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        _default_permissions(temporary)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(report)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, output)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _load_registry(args):
    from ailint.runner import open_session

    return open_session(["."], getattr(args, "config", None)).registry


def _rules(args) -> int:
    import json

    registry = _load_registry(args)
    rows = [{"code": info.code, "name": info.name, "category": info.category, "severity": info.severity.value,
             "origin": info.distribution, "summary": info.rule.summary()} for info in registry]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_CLEAN
    widths = {key: max([len(key)] + [len(str(row[key])) for row in rows]) for key in ("code", "name", "category", "severity", "origin")}
    header = "  ".join(key.upper().ljust(widths[key]) for key in widths)
    lines = [header.rstrip()]
    for row in rows:
        lines.append("  ".join(str(row[key]).ljust(widths[key]) for key in widths).rstrip())
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_CLEAN


def _explain(args) -> int:
    from ailint.config import suggestion
    from ailint.docs import rule_text

    registry = _load_registry(args)
    info = registry.get(args.code)
    if info is None:
        raise UsageError(f"no rule {args.code!r}{suggestion(args.code, registry.codes() + registry.names())}")
    sys.stdout.write(rule_text(info.rule))
    sys.stdout.write(f"\nSeverity: {info.severity.value}. Category: {info.category}. From: {info.distribution}.\n")
    return EXIT_CLEAN


def _default_permissions(path: str) -> None:
    """mkstemp creates files readable by their owner only; give the report the permissions
    of any new file (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
