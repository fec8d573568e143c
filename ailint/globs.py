"""Glob patterns over forward-slash relative paths, with gitignore semantics where it matters.

`*` matches within one path segment, `**` across segments, `?` one character, `[...]` a class.
A pattern without a slash matches a file or folder name at any depth (like `.gitignore`);
a pattern with a slash is anchored at the root it is relative to.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, List, Optional, Pattern, Tuple


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Pattern[str]:
    """Compile a glob into a regex matching a relative path or any of its parent folders."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/") if anchored else pattern.rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # Matching a folder matches everything below it.
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def matches(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


def matches_any(patterns: Iterable[str], path: str) -> bool:
    return any(compile_glob(p).match(path) for p in patterns)


class GitIgnore:
    """The rules of one `.gitignore` file, relative to the folder holding it."""

    def __init__(self, base: str, lines: Iterable[str]) -> None:
        self.base = base.strip("/")  # "" for the root
        self.rules: List[Tuple[Pattern[str], bool, bool]] = []  # (regex, negated, dir_only)
        for raw in lines:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            line = line.rstrip(" ") if not line.endswith("\\ ") else line
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            if line.startswith("\\"):
                line = line[1:]
            dir_only = line.endswith("/")
            self.rules.append((_compile_gitignore(line.rstrip("/")), negated, dir_only))

    def decide(self, path: str, is_dir: bool) -> Optional[bool]:
        """True: ignored; False: re-included; None: this file says nothing. `path` is relative
        to the project root."""
        if self.base:
            if not path.startswith(self.base + "/"):
                return None
            path = path[len(self.base) + 1:]
        verdict = None
        for regex, negated, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            if regex.match(path):
                verdict = not negated
        return verdict


@functools.lru_cache(maxsize=4096)
def _compile_gitignore(pattern: str) -> Pattern[str]:
    anchored = "/" in pattern
    regex = compile_glob(("/" + pattern.lstrip("/")) if anchored else pattern).pattern
    # A gitignore rule matches the path itself only; parents are handled by the walker.
    return re.compile(regex.replace("(?:/.*)?$", "$"))
