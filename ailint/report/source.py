"""Reading back lines of checked files for reporters (code frames, UTF-16 columns)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

_NEWLINE = re.compile(r"\r\n|\r|\n")


class SourceLines:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._cache: Dict[str, List[str]] = {}

    def line(self, path: str, number: int) -> Optional[str]:
        lines = self._cache.get(path)
        if lines is None:
            try:
                data = (self.root / path).read_bytes()
                # Only CR, LF and CRLF end lines, as for the engine's line numbers (str.splitlines
                # would also split on form feeds and U+2028 and shift every line after them).
                lines = _NEWLINE.split(data.decode("utf-8", errors="replace")) if len(data) < 50_000_000 else []
            except OSError:
                lines = []
            self._cache[path] = lines
        return lines[number - 1] if 0 < number <= len(lines) else None


def redact_line(line: str, ranges: Tuple[Tuple[int, int], ...]) -> str:
    """Replace 1-based [start, end) column ranges with a mask, so secrets never print."""
    for start, end in sorted(ranges, reverse=True):
        start = max(start - 1, 0)
        end = max(end - 1, start)
        line = line[:start] + "*" * min(end - start, 12) + line[end:]
    return line


def repository_prefix(root: str) -> str:
    """The project root's folder inside its git checkout, with a trailing slash ("" when the
    root is the checkout's top or no checkout is found). GitHub resolves report paths from the
    checkout's top, so SARIF URIs and annotations are prefixed with it."""
    start = Path(root).resolve()
    for folder in [start, *start.parents]:
        if (folder / ".git").exists():
            relative = start.relative_to(folder).as_posix()
            return "" if relative == "." else relative + "/"
    return ""
