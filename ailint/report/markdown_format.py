"""A markdown summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment: a heading, counts
by severity and by category, then the most severe findings grouped by file, linked to their
line when the repository is known. Deterministic, and short on large results."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

from ailint.types import Finding, RunResult, Severity

MAX_FINDINGS = 50
_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
_ESCAPES = {"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
            "|": "\\|", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Make text inert in markdown (and in a table cell), on one line."""
    text = " ".join(text.split())
    return "".join(_ESCAPES.get(char, char) for char in text)


def repository_from_env(env: Mapping[str, str]) -> Dict[str, Optional[str]]:
    """The repository URL and commit GitHub Actions describe, if any."""
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    url = f"{server.rstrip('/')}/{repository}" if server and repository else None
    return {"repository_url": url, "ref": env.get("GITHUB_SHA") or None}


def line_link(repository_url: str, ref: str, path: str, line: int) -> str:
    return f"{repository_url.rstrip('/')}/blob/{quote(ref, safe='')}/{quote(path)}#L{line}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _table(title: str, counts: Counter, order: List[str]) -> List[str]:
    rows = [f"| {title} | Findings |", "| --- | ---: |"]
    rows += [f"| {escape(key)} | {counts[key]} |" for key in order if counts[key]]
    return rows


def _shown(findings: List[Finding]) -> List[Finding]:
    """The MAX_FINDINGS most severe findings, back in file and line order."""
    ranked = sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))[:MAX_FINDINGS]
    return sorted(ranked, key=Finding.sort_key)


def render(result: RunResult, repository_url: Optional[str] = None, ref: Optional[str] = None,
           env: Optional[Mapping[str, str]] = None, **_: Any) -> str:
    """Render the summary. `repository_url` and `ref` default to GitHub Actions' environment."""
    defaults = repository_from_env(os.environ if env is None else env)
    repository_url = repository_url or defaults["repository_url"]
    ref = ref or defaults["ref"]
    findings = list(result.findings)
    if not findings:
        return f"**ailint**: No findings in {_plural(result.files_checked, 'file')} checked.\n"

    files = sorted({f.path for f in findings})
    out = [f"## ailint: {_plural(len(findings), 'finding')} in {_plural(len(files), 'file')}", ""]
    by_severity = Counter(f.severity.value for f in findings)
    out += _table("Severity", by_severity, [s.value for s in _SEVERITIES]) + [""]
    by_category = Counter(f.category for f in findings)
    out += _table("Category", by_category, sorted(by_category)) + [""]

    from ailint.report.source import repository_prefix

    prefix = repository_prefix(result.root)
    current = None
    for finding in _shown(findings):
        if finding.path != current:
            if current is not None:
                out.append("")
            current = finding.path
            out += [f"### {escape(finding.path)}", ""]
        where = f"line {finding.line}"
        if repository_url and ref:
            where = f"[{where}]({line_link(repository_url, ref, prefix + finding.path, finding.line)})"
        out.append(f"- **{finding.severity.value}** {finding.code} {escape(finding.name)} at {where}: "
                   f"{escape(finding.message)}")
    hidden = len(findings) - min(len(findings), MAX_FINDINGS)
    if hidden:
        out += ["", f"… and {hidden} more (the {MAX_FINDINGS} most severe are shown)."]
    if result.notes:
        out += ["", f"_{_plural(len(result.notes), 'note')} about this run (such as skipped files): "
                    "run with `--verbose` to see them._"]
    return "\n".join(out) + "\n"
