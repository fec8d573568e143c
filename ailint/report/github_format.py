"""GitHub Actions workflow commands: one annotation per finding, for example

    ::warning file=app/llm.py,line=8,col=37,endLine=8,endColumn=107,title=AIL101 llm-call-without-timeout::openai...

Escaping follows @actions/core (`packages/core/src/command.ts`): the message escapes `%`, CR
and LF; property values also escape `:` and `,`. Columns are only sent for single-line spans,
as GitHub ignores them otherwise.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from ailint.types import Finding, RunResult, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (`escapeData` in command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (`escapeProperty` in command.ts)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, prefix: str = "") -> str:
    """The workflow command for one finding; `prefix` is the project root's folder inside the
    repository (GitHub resolves `file=` from the checkout's top)."""
    span = finding.span
    end_line = span.end_line or span.line
    properties: List[Tuple[str, Any]] = [("file", prefix + finding.path), ("line", span.line)]
    if end_line == span.line:
        properties.append(("col", span.column))
        properties.append(("endLine", end_line))
        if span.end_column:
            properties.append(("endColumn", span.end_column))
    else:
        properties.append(("endLine", end_line))
    properties.append(("title", f"{finding.code} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def render(result: RunResult, **_: Any) -> str:
    from ailint.report.source import repository_prefix

    prefix = repository_prefix(result.root)
    return "".join(annotation(finding, prefix) + "\n" for finding in result.findings)
