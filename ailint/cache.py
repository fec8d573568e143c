"""The per-file result cache: unchanged files are not parsed again.

A file's entry is keyed by a hash of its bytes, its path, and the run's "context key" (ailint's
version, the configuration, and every loaded plugin with its version), so changing any of them
misses the cache. Entries live in `.ailint_cache/` at the project root (with a `.gitignore` of
its own), are written atomically, and a corrupt or unreadable entry is simply a miss, so
concurrent runs and crashes never break a later run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from ailint.types import Finding, Note, RelatedLocation, Severity, Span

CACHE_DIR = ".ailint_cache"
FORMAT = "v1"


def context_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, root: Path, context: str) -> None:
        self.folder = root / CACHE_DIR / FORMAT
        self.context = context
        self._ready = False

    def key(self, relpath: str, data: bytes, dependencies: str = "") -> str:
        return self.key_for(relpath, hashlib.sha256(data).hexdigest(), dependencies)

    def key_for(self, relpath: str, sha256: str, dependencies: str = "") -> str:
        """The entry of a file with this content hash; `dependencies` digests the other project
        files its findings depend on (`ProjectIndex.dependencies`)."""
        text = "\0".join((sha256, relpath, self.context, dependencies))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(self, key: str):
        """The cached FileResult, or None on a miss or a damaged entry."""
        from ailint.engine import FileResult

        try:
            with open(self._path(key), encoding="utf-8") as handle:
                data = json.load(handle)
            return FileResult(
                data["path"],
                [_finding(item) for item in data["findings"]],
                [Note(**item) for item in data["notes"]],
                data["parsed"],
                data["crashed"],
                facts=data.get("facts") or {},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, result) -> None:
        if result.crashed:
            return  # a crash should be reproduced, not remembered
        payload = {
            "path": result.path,
            "findings": [_plain(asdict(finding)) for finding in result.findings],
            "notes": [asdict(note) for note in result.notes],
            "parsed": result.parsed,
            "crashed": result.crashed,
            "facts": result.facts,
        }
        target = self._path(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(payload, stream)
            os.replace(temporary, target)
        except OSError:
            pass  # a read-only checkout still works, just without a cache

    def ready_folder(self) -> Optional[Path]:
        """The cache folder, created (with its .gitignore) if need be; None when it cannot be."""
        try:
            self._prepare()
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return self.folder

    def _prepare(self) -> None:
        if self._ready:
            return
        top = self.folder.parent
        top.mkdir(parents=True, exist_ok=True)
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by ailint\n*\n", encoding="utf-8")
        self._ready = True


def _plain(value):
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _span(data: dict) -> Span:
    return Span(data["line"], data["column"], data["end_line"], data["end_column"])


def _finding(data: dict) -> Finding:
    return Finding(
        code=data["code"], name=data["name"], category=data["category"], severity=Severity(data["severity"]),
        message=data["message"], path=data["path"], span=_span(data["span"]),
        related=tuple(RelatedLocation(r["path"], _span(r["span"]), r["message"]) for r in data["related"]),
        snippet=data["snippet"], redact=tuple(tuple(pair) for pair in data["redact"]),
        fingerprint=data["fingerprint"],
    )


def open_cache(root: Path, context: str, enabled: bool) -> Optional[Cache]:
    return Cache(root, context) if enabled else None
