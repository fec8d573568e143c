"""The human report: `path:line:col: CODE [name] message`, a code frame, and a summary.
Colors only when writing to a terminal."""

from __future__ import annotations

from collections import Counter
from typing import List

from ailint.report.source import SourceLines, redact_line
from ailint.types import RunResult, Severity

_COLORS = {"bold": "1", "red": "31", "yellow": "33", "cyan": "36", "dim": "2", "blue": "34"}
_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def render(result: RunResult, color: bool = False, show_source: bool = True, verbose: bool = False, **_) -> str:
    def paint(text: str, name: str) -> str:
        return f"\033[{_COLORS[name]}m{text}\033[0m" if color else text

    lines = SourceLines(result.root)
    out: List[str] = []
    for finding in result.findings:
        where = paint(f"{finding.path}:{finding.line}:{finding.column}:", "bold")
        code = paint(finding.code, _SEVERITY_COLOR[finding.severity])
        out.append(f"{where} {code} [{finding.name}] {finding.message}")
        if show_source:
            source = lines.line(finding.path, finding.line)
            if source is not None and len(source) <= 400:
                source = redact_line(source, finding.redact)
                gutter = f"{finding.line:>5} | "
                out.append(paint(gutter, "dim") + source.rstrip())
                width = 1
                if finding.span.end_line == finding.line and finding.span.end_column:
                    width = max(1, finding.span.end_column - finding.column)
                caret_pad = " " * (len(gutter) + max(finding.column - 1, 0))
                out.append(caret_pad + paint("^" * min(width, max(1, len(source) - finding.column + 1)), _SEVERITY_COLOR[finding.severity]))
        for related in finding.related:
            out.append(paint(f"      note: {related.path}:{related.span.line}:{related.span.column}: {related.message}", "dim"))
    if verbose:
        for note in result.notes:
            out.append(paint(f"{note.path}: {note.message}", "dim"))
        out.append(paint(f"{_count(result.files_checked, 'file')} checked, {result.files_parsed} parsed fully, "
                         f"{result.files_cached} from the cache", "dim"))
        if result.facts_cached or result.facts_computed:
            out.append(paint(f"facts about {_count(result.facts_cached + result.facts_computed, 'other file')}: "
                             f"{result.facts_cached} from the cache, {result.facts_computed} read again", "dim"))
    out.append(summary(result, paint))
    return "\n".join(out) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary(result: RunResult, paint) -> str:
    if not result.findings:
        return paint(f"No findings in {_count(result.files_checked, 'file')}.", "bold")
    by_category = Counter(f.category for f in result.findings)
    parts = ", ".join(f"{category}: {n}" for category, n in sorted(by_category.items()))
    files = len({f.path for f in result.findings})
    return paint(f"Found {_count(len(result.findings), 'finding')} in {_count(files, 'file')} ({parts}).", "bold")
