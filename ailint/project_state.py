"""Answers derived from the project scan, remembered between runs while no file's imports change.

Which modules hand out SDK clients (`ailint.sdk.relevance.client_modules`) and which files can
hold facts for the project rules (`SdkGate.admits_scanned`) follow from the project scan's
import facts alone, yet take a pass over every file of the project. A pre-commit run that
checks five files would pay for that pass on every commit, so the answers are kept in
`.ailint_cache/` next to the results, under the scan's `token` (a digest of every file's
import facts, `ProjectScan.token`) and the run's context key (ailint's version, the
configuration, the plugins). Editing a function body leaves the token as it is; adding,
removing or renaming a file, or changing an import, makes a new one, and the answers are
computed again. A missing or damaged file is an empty state.

Some answers depend on one file's content alone (what a client module exports,
`ailint.sdk.exports`); those are kept by content hash (`by_content`), across tokens.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

_KEEP = 4  # states of other configurations kept, as for the results files


class ProjectState:
    def __init__(self, folder: Optional[Path], context: str, token: str) -> None:
        self.path = folder / f"project-{context[:24]}.json" if folder is not None and token else None
        # the answers kept by content hash, in a file of their own: read only when asked for
        self.content_path = folder / f"content-{context[:24]}.json" if self.path is not None else None
        self.context, self.token = context, token
        self._values: Dict[str, Any] = {}
        self._by_content: Optional[Dict[str, Any]] = None
        self._changed = self._content_changed = False
        payload = _read(self.path)
        if payload.get("token") == token and payload.get("context") == context \
                and isinstance(payload.get("values"), dict):
            self._values = payload["values"]

    def get(self, name: str, shape: Any = None) -> Any:
        """The remembered answer, or None; with `shape` (`[str]`, `{str: [str]}`...), None
        unless the answer has that shape (the file may be damaged, or written by hand)."""
        value = self._values.get(name)
        if value is None or (shape is not None and not _fits(value, shape)):
            return None
        return value

    def put(self, name: str, value: Any) -> None:
        """Remember an answer (a JSON value) for the next run; written by `save`."""
        if self._values.get(name) != value:
            self._values[name] = value
            self._changed = True

    def by_content(self, name: str) -> Dict[str, Any]:
        """The answers named `name` kept by content hash (sha256 -> a JSON value), whatever the
        token; the caller checks each value's shape. Replace them with `put_by_content`."""
        if self._by_content is None:
            payload = _read(self.content_path)
            found = payload.get("by_content") if payload.get("context") == self.context else None
            self._by_content = found if isinstance(found, dict) else {}
        found = self._by_content.get(name)
        return found if isinstance(found, dict) else {}

    def put_by_content(self, name: str, values: Dict[str, Any]) -> None:
        """Keep `values` (sha256 -> answer) as the answers named `name`; written by `save`."""
        self.by_content(name)
        assert self._by_content is not None
        if self._by_content.get(name) != values:
            self._by_content[name] = values
            self._content_changed = True

    def save(self) -> None:
        if self.path is None:
            return
        if self._changed:
            _write(self.path, {"context": self.context, "token": self.token, "values": self._values})
        if self._content_changed and self.content_path is not None:
            _write(self.content_path, {"context": self.context, "by_content": self._by_content})
        self._changed = self._content_changed = False


def _read(path: Optional[Path]) -> Dict[str, Any]:
    """A state file's payload; {} when missing or damaged (its answers are computed again)."""
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
        return payload if isinstance(payload, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(path: Path, payload: Dict[str, Any]) -> None:
    """Write atomically, then keep the newest `_KEEP` files of its kind (other configurations)."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-project-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(payload, separators=(",", ":")))
        os.replace(temporary, path)
        kind = path.name.split("-", 1)[0]
        states = sorted(path.parent.glob(f"{kind}-*.json"), key=lambda found: found.stat().st_mtime, reverse=True)
        for old in states[_KEEP:]:
            old.unlink()
    except OSError:
        pass  # a read-only checkout works without it


def _fits(value: Any, shape: Any) -> bool:
    if isinstance(shape, list):
        return isinstance(value, list) and all(_fits(item, shape[0]) for item in value)
    if isinstance(shape, dict):
        ((key_type, item_shape),) = shape.items()
        return isinstance(value, dict) and all(isinstance(key, key_type) and _fits(item, item_shape)
                                               for key, item in value.items())
    return isinstance(value, shape)


def no_state() -> ProjectState:
    """A state that remembers nothing (no cache)."""
    return ProjectState(None, "", "")
