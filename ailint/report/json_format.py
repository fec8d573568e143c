"""The JSON report. Its schema is stable (see README, "JSON output"); `schema_version` changes
only when a field changes meaning or disappears."""

from __future__ import annotations

import json
from collections import Counter

from ailint import __version__
from ailint.types import RunResult

SCHEMA_VERSION = 1


def _span(span) -> dict:
    return {"line": span.line, "column": span.column, "end_line": span.end_line or span.line,
            "end_column": span.end_column or span.column}


def render(result: RunResult, **_) -> str:
    findings = []
    for finding in result.findings:
        findings.append({
            "code": finding.code,
            "name": finding.name,
            "category": finding.category,
            "severity": finding.severity.value,
            "message": finding.message,
            "path": finding.path,
            **_span(finding.span),
            "fingerprint": finding.fingerprint,
            "related": [{"path": r.path, **_span(r.span), "message": r.message} for r in finding.related],
        })
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ailint", "version": __version__},
        "summary": {
            "findings": len(findings),
            "files_checked": result.files_checked,
            "by_category": dict(sorted(Counter(f.category for f in result.findings).items())),
            "by_severity": dict(sorted(Counter(f.severity.value for f in result.findings).items())),
        },
        "findings": findings,
        "notes": [{"path": n.path, "message": n.message, "level": n.level} for n in result.notes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
