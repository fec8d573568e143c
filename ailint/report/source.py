"""Reading back lines of checked files for reporters (code frames, UTF-16 columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple


class SourceLines:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._cache: Dict[str, List[str]] = {}

    def line(self, path: str, number: int) -> Optional[str]:
        lines = self._cache.get(path)
        if lines is None:
            try:
                data = (self.root / path).read_bytes()
                lines = data.decode("utf-8", errors="replace").splitlines() if len(data) < 50_000_000 else []
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
