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
        self.context, self.token = context, token
        self._values: Dict[str, Any] = {}
        self._by_content: Dict[str, Any] = {}
        self._changed = False
        if self.path is not None:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    payload = json.load(handle)
                if payload.get("context") != context:
                    return
                if payload.get("token") == token and isinstance(payload.get("values"), dict):
                    self._values = payload["values"]
                if isinstance(payload.get("by_content"), dict):
                    self._by_content = payload["by_content"]
            except (OSError, ValueError, TypeError, AttributeError):
                pass  # missing or damaged: computed again

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
        found = self._by_content.get(name)
        return found if isinstance(found, dict) else {}

    def put_by_content(self, name: str, values: Dict[str, Any]) -> None:
        """Keep `values` (sha256 -> answer) as the answers named `name`; written by `save`."""
        if self._by_content.get(name) != values:
            self._by_content[name] = values
            self._changed = True

    def save(self) -> None:
        if self.path is None or not self._changed:
            return
        try:
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-project-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps({"context": self.context, "token": self.token, "values": self._values,
                                         "by_content": self._by_content}, separators=(",", ":")))
            os.replace(temporary, self.path)
            states = sorted(self.path.parent.glob("project-*.json"), key=lambda path: path.stat().st_mtime,
                            reverse=True)
            for old in states[_KEEP:]:
                old.unlink()
        except OSError:
            pass  # a read-only checkout works without it
        self._changed = False


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
