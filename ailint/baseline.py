"""Baselines: adopt ailint on a legacy repository without hiding anything new.

`ailint check --write-baseline FILE` records today's findings; `ailint check --baseline FILE`
then reports only findings not in it. Entries are keyed by ailint's fingerprint (rule, path,
the normalized text of the flagged construct and its occurrence index), not by line numbers,
so moving code does not resurface findings; each entry holds a count, so one entry never hides
a second identical finding. Entries that no longer match anything in the checked files are
reported (AIL803) so the baseline only shrinks; `--update-baseline` rewrites the file without
them (it never adds new findings: that is what `--write-baseline` is for).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Tuple

from ailint.types import Finding, Severity, Span

STALE_ENTRY = "AIL803"
FORMAT_VERSION = 1


class BaselineError(Exception):
    pass


@dataclass
class Entry:
    fingerprint: str
    code: str
    path: str
    message: str
    count: int


def write(path: str, findings: List[Finding]) -> int:
    """Write a baseline of `findings`; returns the number of entries."""
    counts = Counter(f.fingerprint for f in findings)
    first = {}
    for finding in findings:
        first.setdefault(finding.fingerprint, finding)
    entries = [
        {"fingerprint": fp, "code": first[fp].code, "path": first[fp].path, "message": first[fp].message, "count": n}
        for fp, n in sorted(counts.items(), key=lambda item: (first[item[0]].path, first[item[0]].code, item[0]))
    ]
    from ailint import __version__

    document = {"ailint_baseline": FORMAT_VERSION, "tool_version": __version__, "entries": entries}
    _atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(entries)


def read(path: str) -> List[Entry]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("ailint_baseline") != FORMAT_VERSION:
        raise BaselineError(f"{path} is not an ailint baseline (version {FORMAT_VERSION})")
    try:
        return [Entry(e["fingerprint"], e["code"], e["path"], e.get("message", ""), int(e["count"]))
                for e in document["entries"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"baseline {path} has a malformed entry: {exc}") from None


def apply(findings: List[Finding], entries: List[Entry], checked, baseline_relpath: str,
          report_stale: bool, severity: Severity = Severity.WARNING) -> Tuple[List[Finding], List[Entry]]:
    """(findings not covered by the baseline plus AIL803 for stale entries, entries still matching
    with their current counts)."""
    remaining: Dict[str, int] = {e.fingerprint: e.count for e in entries}
    kept = []
    for finding in findings:
        if remaining.get(finding.fingerprint, 0) > 0:
            remaining[finding.fingerprint] -= 1
            continue
        kept.append(finding)
    still = []
    for entry in entries:
        left = remaining.get(entry.fingerprint, 0)
        matched = entry.count - left
        if matched:
            still.append(Entry(entry.fingerprint, entry.code, entry.path, entry.message, matched))
        if left and report_stale and entry.path in checked:
            kept.append(Finding(
                STALE_ENTRY, "stale-baseline-entry", "governance", severity,
                f"baseline entry for {entry.code} in {entry.path} ({entry.message[:80]}) no longer matches "
                f"{left} finding(s); run with --update-baseline to drop it", baseline_relpath, Span(1, 1),
                snippet=f"{entry.fingerprint}:{left}"))
            remaining[entry.fingerprint] = 0
    return kept, still


def rewrite(path: str, entries: List[Entry]) -> None:
    from ailint import __version__

    document = {"ailint_baseline": FORMAT_VERSION, "tool_version": __version__,
                "entries": [e.__dict__ for e in entries]}
    _atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _atomic_write(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".ailint-baseline-")
    try:
        _default_permissions(temporary)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _default_permissions(path: str) -> None:
    """mkstemp creates files readable by their owner only; give the report the permissions
    of any new file (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
