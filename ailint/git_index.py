"""What git tracks, read from the repository's files without running git.

`find_repository(path)` finds the work tree holding `path` (a `.git` folder, or a `.git` file
pointing elsewhere, as in worktrees and submodules); `tracked_paths(git_dir)` reads the paths
of the index (`.git/index`, versions 2, 3 and 4). Anything unexpected gives None: callers fall
back to the `.gitignore` rules.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Optional, Set, Tuple


def find_repository(path: Path) -> Optional[Tuple[Path, Path]]:
    """(work tree, git dir) of the repository holding `path`, or None outside a repository."""
    for folder in (path, *path.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return folder, dot_git
        if dot_git.is_file():
            try:
                first = dot_git.read_text(encoding="utf-8", errors="replace").splitlines()[0]
            except (OSError, IndexError):
                return None
            if first.startswith("gitdir:"):
                git_dir = Path(first[len("gitdir:"):].strip())
                return folder, git_dir if git_dir.is_absolute() else (folder / git_dir).resolve()
            return None
    return None


def tracked_paths(git_dir: Path) -> Optional[Set[str]]:
    """The paths in the git index (relative to the work tree, forward slashes), or None."""
    try:
        data = (git_dir / "index").read_bytes()
    except OSError:
        return None
    try:
        return _parse_index(data)
    except (struct.error, ValueError, IndexError):
        return None


def _parse_index(data: bytes) -> Optional[Set[str]]:
    # https://git-scm.com/docs/index-format
    if data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        return None
    paths: Set[str] = set()
    position, previous = 12, b""
    for _ in range(count):
        start = position
        flags = struct.unpack(">H", data[start + 60:start + 62])[0]
        header = 62 + (2 if version >= 3 and flags & 0x4000 else 0)
        position = start + header
        if version == 4:  # the path is compressed against the previous one
            strip, position = _varint(data, position)
            end = data.index(b"\0", position)
            name = previous[:len(previous) - strip] + data[position:end]
            position = end + 1
        else:  # NUL-terminated and padded with 1-8 NULs to a multiple of 8 bytes
            end = data.index(b"\0", position)
            name = data[position:end]
            position = start + ((header + len(name) + 8) & ~7)
        previous = name
        paths.add(name.decode("utf-8", "surrogateescape"))
    return paths


def _varint(data: bytes, position: int) -> Tuple[int, int]:
    """git's offset varint (the one of the index v4 and pack files)."""
    byte = data[position]
    position += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[position]
        position += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, position
