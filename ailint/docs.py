"""Rule documentation: split a rule's docstring into its sections and render it."""

from __future__ import annotations

import inspect
import re
from typing import Dict

_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*$", re.MULTILINE)


def doc_sections(docstring: str) -> Dict[str, str]:
    """Map each markdown heading of a docstring (`## What it does`) to its text."""
    text = inspect.cleandoc(docstring or "")
    sections: Dict[str, str] = {}
    matches = list(_HEADING.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        sections[match.group(1)] = text[match.end():end].strip()
    return sections


def rule_markdown(rule) -> str:
    """The rule's full documentation as markdown, with a title line."""
    body = inspect.cleandoc(rule.__doc__ or "")
    return f"# {rule.name} ({rule.code})\n\n{body}\n"


def rule_text(rule) -> str:
    """The documentation as plain text for terminals and SARIF `help.text`."""
    lines = []
    for line in rule_markdown(rule).splitlines():
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(1)
            lines.append(title)
            lines.append("-" * len(title) if not line.startswith("# ") else "=" * len(title))
        elif line.strip().startswith("```"):
            continue
        else:
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
