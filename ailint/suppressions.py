"""Inline suppressions: `# ailint: ignore[AIL101] reason` and `# ailint: ignore-file[AIL5]`.

A directive at the end of a line of code applies to that line; a directive on a line of its
own applies to the next line that is not blank or a comment. The brackets take codes,
prefixes or rule names, like `--select`, and are required.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

from ailint.types import FileKind

MARKER = b"ailint:"
_DIRECTIVE = re.compile(r"#\s*ailint:\s*(?P<kind>ignore-file|ignore)?(?P<rest>.*)$")
_BRACKETS = re.compile(r"^\[(?P<codes>[^\]]*)\]\s*(?P<reason>.*)$")


@dataclass
class Directive:
    line: int  # where the comment is
    column: int
    target: Optional[int]  # the line it applies to; None for file-level
    selectors: Tuple[str, ...]
    reason: str
    used: Set[str] = field(default_factory=set)  # selectors that suppressed something
    problem: Optional[str] = None  # why the directive is invalid


def _comments_python(text: str) -> List[Tuple[int, int, str, bool]]:
    """(line, column, comment text, own line) for every comment, via the tokenizer, so that
    `#` inside strings is never mistaken for a comment."""
    out = []
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        for tok in tokens:
            if tok.type == tokenize.COMMENT:
                own = tok.line[: tok.start[1]].strip() == ""
                out.append((tok.start[0], tok.start[1] + 1, tok.string, own))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def _comments_hash(lines: List[str]) -> List[Tuple[int, int, str, bool]]:
    """Comments in YAML, TOML, .env, INI and Dockerfiles: from a `#` that starts the line or
    follows white space, to the end of the line."""
    out = []
    for number, line in enumerate(lines, 1):
        if "ailint:" not in line:
            continue
        for match in re.finditer(r"(?:^|(?<=\s))[#;]", line):
            comment = line[match.start():]
            if "ailint:" in comment:
                out.append((number, match.start() + 1, "#" + comment[1:], line[: match.start()].strip() == ""))
                break
    return out


def parse_directives(text: str, kind: FileKind, lines: Optional[List[str]] = None) -> List[Directive]:
    if "ailint:" not in text:
        return []
    if lines is None:
        lines = text.splitlines()
    comments = _comments_python(text) if kind == FileKind.PYTHON else _comments_hash(lines)
    directives = []
    for line, column, comment, own_line in comments:
        match = _DIRECTIVE.match(comment)
        if not match:
            continue
        kind_word = match.group("kind")
        rest = match.group("rest")
        target = _next_code_line(lines, line) if own_line else line
        if kind_word is None:
            # Prose that merely starts with "ailint:" is not a directive; a misspelled one is.
            if re.match(r"\s*[\w-]+\s*\[", rest):
                directives.append(Directive(line, column, target, (), "",
                                            problem=f"unknown directive `ailint: {rest.strip()}`; use `ailint: ignore[CODE] reason`"))
            continue
        brackets = _BRACKETS.match(rest.strip())
        if not brackets:
            directives.append(
                Directive(line, column, target, (), rest.strip(),
                          problem=f"`ailint: {kind_word}` needs the codes it suppresses in brackets, e.g. `{kind_word}[AIL101]`")
            )
            continue
        selectors = tuple(s.strip() for s in brackets.group("codes").split(",") if s.strip())
        directive = Directive(line, column, None if kind_word == "ignore-file" else target, selectors, brackets.group("reason").strip())
        if not selectors:
            directive.problem = f"`ailint: {kind_word}[]` names no code"
        directives.append(directive)
    return directives


def _next_code_line(lines: List[str], line: int) -> int:
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return line + 1


def _selector_matches(selector: str, code: str, name: str) -> bool:
    return selector.lower() == name or code.startswith(selector.upper()) or selector.upper() == "ALL"


def suppressing(directives: List[Directive], code: str, name: str, line: int) -> Optional[Directive]:
    """The directive that suppresses a finding, marking the selector used."""
    for directive in directives:
        if directive.problem or (directive.target is not None and directive.target != line):
            continue
        for selector in directive.selectors:
            if _selector_matches(selector, code, name):
                directive.used.add(selector)
                return directive
    return None

