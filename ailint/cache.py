"""The per-file result cache: unchanged files are not parsed again.

A file's entry is keyed by a hash of its bytes, its path, the kinds of client the project
modules it imports hand out (what the SDK gate admits it for), and the run's "context key"
(ailint's version, the configuration, and every loaded plugin with its version), so changing
any of them misses the cache. The entry records the project modules its analysis consulted
(`FileResult.consulted`, with their content hashes); when one of them changed, the entry is a
miss too, so editing `app/llm.py` re-checks the files that read a client from it, and no others.

All entries of one context live in a single file, `.ailint_cache/v2/results-<context>.json`
(the folder has a `.gitignore` of its own): a warm run reads one file instead of one per
source file, and answers from it before any worker starts. The run that owns the cache
(`ailint check`) stores new results and saves once at the end, atomically (a temporary file
renamed over the old one), dropping entries of files it re-checked. A run that changed a few
entries (pre-commit) writes them to `results-<context>.delta.json` instead of rewriting the
whole file (megabytes on a large project); the delta names the results file it applies to,
and the next run that changes many entries folds it in. A damaged or unreadable file is an
empty cache (a damaged delta, a delta of another results file: no delta), and two runs
saving at once lose at most each other's new entries: misses for the next run, never wrong
findings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, Optional

from ailint.types import Finding, Note, RelatedLocation, Severity, Span

CACHE_DIR = ".ailint_cache"
FORMAT = "v2"
_KEEP_CONTEXTS = 4  # result files of other configurations kept (switching back stays warm)
_DELTA_MAX = 512  # entries a delta may hold before the results file is written again


def context_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, root: Path, context: str) -> None:
        self.folder = root / CACHE_DIR / FORMAT
        self.context = context
        self.path = self.folder / f"results-{context[:24]}.json"
        self.delta_path = self.folder / f"results-{context[:24]}.delta.json"
        self._ready = False
        self._entries: Optional[Dict[str, dict]] = None
        self._written = ""  # the loaded results file's id, which a delta names
        self._delta: Dict[str, Optional[dict]] = {}  # the loaded delta: key -> entry, None when dropped
        self._new: Dict[str, dict] = {}
        self._used: set = set()

    def key_for(self, relpath: str, sha256: str, project: str = "") -> str:
        """The entry of a file with this content hash; `project`: what else of the project its
        entry depends on, known before it is checked (the kinds the SDK gate admits it for)."""
        text = "\0".join((sha256, relpath, self.context, project))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def entries(self) -> Dict[str, dict]:
        if self._entries is None:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    payload = json.load(handle)
                entries = payload["entries"] if payload.get("context") == self.context else {}
                # an entry that is not an object (a damaged file that is still JSON) is a miss
                self._entries = {key: entry for key, entry in entries.items() if isinstance(entry, dict)} \
                    if isinstance(entries, dict) else {}
                self._written = str(payload.get("written", "")) if self._entries else ""
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._entries = {}  # missing or damaged: a cold cache
            if self._written:
                self._apply_delta()
        return self._entries

    def _apply_delta(self) -> None:
        """Fold in the delta of the loaded results file, if any (a damaged one is ignored)."""
        try:
            with open(self.delta_path, encoding="utf-8") as handle:
                payload = json.load(handle)
            delta = payload["entries"]
            if payload.get("base") != self._written or not isinstance(delta, dict) \
                    or not all(value is None or isinstance(value, dict) for value in delta.values()):
                return
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return
        assert self._entries is not None
        for key, entry in delta.items():
            if entry is None:
                self._entries.pop(key, None)
            else:
                self._entries[key] = entry
        self._delta = delta

    def load(self, key: str, still_valid=None):
        """The cached FileResult, or None on a miss or a damaged entry; `still_valid(consulted)`
        says whether the project modules its analysis consulted are unchanged."""
        from ailint.engine import FileResult

        data = self._new.get(key) or self.entries.get(key)
        if data is None or not _consulted_unchanged(data, still_valid):
            return None
        try:
            result = FileResult(
                data["path"],
                [_finding(item) for item in data["findings"]],
                [Note(**item) for item in data["notes"]],
                data["parsed"],
                data["crashed"],
                facts=data.get("facts") or {},
            )
        except (ValueError, KeyError, TypeError):
            return None
        self._used.add(key)
        return result

    def load_facts(self, key: str, still_valid=None) -> Optional[dict]:
        """Project rules' facts about one file (`store_facts`), or None; `still_valid(consulted)`
        says whether the project modules its analysis consulted are unchanged."""
        data = self._new.get("facts:" + key) or self.entries.get("facts:" + key)
        if not isinstance(data, dict) or not isinstance(data.get("facts"), dict) \
                or not _consulted_unchanged(data, still_valid):
            return None
        self._used.add("facts:" + key)
        return data["facts"]

    def store_facts(self, key: str, result) -> None:
        """Remember a file's facts under a key of their own, with the project modules its
        analysis consulted (`FileResult.consulted`): they depend on fewer project files than
        its findings, so a partial run can reuse them when a module they ask nothing of changed."""
        if result.crashed or not key:
            return
        self._new["facts:" + key] = {"path": result.path, "facts": result.facts, **_consulted_entry(result)}
        self._used.add("facts:" + key)

    def store(self, key: str, result) -> None:
        """Remember a result (in memory until `save`)."""
        if result.crashed or not key:
            return  # a crash should be reproduced, not remembered
        self._new[key] = {
            "path": result.path,
            "findings": [_plain(asdict(finding)) for finding in result.findings],
            "notes": [asdict(note) for note in result.notes],
            "parsed": result.parsed,
            "crashed": result.crashed,
            "facts": result.facts,
            **_consulted_entry(result),
        }
        self._used.add(key)

    def save(self) -> None:
        """Write the entries used or made by this run, and the old entries of files it did not
        check (pre-commit checks a few), to the results file, atomically. A run that made no
        entry writes nothing (the entries it would drop, of files since changed, wait for
        the next run that does)."""
        if not self._new:
            return
        # per kind of entry (results, facts): the paths this run has a current entry for
        current = {(key.startswith("facts:"), entry["path"]) for key, entry in self._new.items()}
        current.update((key.startswith("facts:"), self.entries[key]["path"]) for key in self._used
                       if key in self.entries)
        dropped = [key for key, entry in self.entries.items()
                   if key not in self._used and (key.startswith("facts:"), entry.get("path")) in current]
        if not dropped and not self._new:
            return  # nothing changed
        delta: Dict[str, Optional[dict]] = {**self._delta, **dict.fromkeys(dropped), **self._new}
        try:
            self._prepare()
            if self._written and len(delta) <= _DELTA_MAX:
                self._write(self.delta_path, {"context": self.context, "base": self._written, "entries": delta})
                return
            kept = {key: entry for key, entry in self.entries.items() if key not in dropped}
            kept.update(self._new)
            written = f"{os.getpid()}-{time.time_ns()}"
            self._write(self.path, {"context": self.context, "written": written, "entries": kept})
            self.delta_path.unlink(missing_ok=True)
            self._prune()
        except OSError:
            pass  # a read-only checkout still works, just without a cache

    def _write(self, path: Path, payload: dict) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-results-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(payload, separators=(",", ":")))
        os.replace(temporary, path)

    def _prune(self) -> None:
        results = sorted((path for path in self.folder.glob("results-*.json") if not path.name.endswith(".delta.json")),
                         key=lambda path: path.stat().st_mtime, reverse=True)
        for old in results[_KEEP_CONTEXTS:]:
            try:
                old.unlink()
                old.with_name(old.name[:-len(".json")] + ".delta.json").unlink(missing_ok=True)
            except OSError:
                pass

    def ready_folder(self) -> Optional[Path]:
        """The cache folder, created (with its .gitignore) if need be; None when it cannot be."""
        try:
            self._prepare()
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
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in top.glob("v[0-9]*"):  # caches of earlier formats are never read again
            if old.is_dir() and old.name != FORMAT:
                shutil.rmtree(old, ignore_errors=True)
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


def _consulted_entry(result) -> dict:
    """The project modules a file's analysis consulted (`FileResult.consulted`), as stored with
    its entry. Most keys a file asks about are not project modules (`os`, `typing`...): those
    are kept as one string, which is much cheaper to load than a list per key."""
    consulted = result.consulted or {}
    found = {name: answer for name, answer in consulted.items() if answer[0] is not None}
    absent = "\n".join(sorted(name for name, answer in consulted.items() if answer[0] is None))
    return {"consulted": found, "absent": absent} if found or absent else {}


def _consulted_unchanged(data, still_valid) -> bool:
    """Whether an entry still holds: it consulted no project module, or `still_valid` says the
    ones it consulted are unchanged. A damaged record of them is a miss."""
    consulted, absent = data.get("consulted", {}), data.get("absent", "")
    if not isinstance(consulted, dict) or not isinstance(absent, str) \
            or not all(isinstance(value, list) and len(value) == 2 for value in consulted.values()):
        return False
    if absent:
        consulted = dict(consulted)
        consulted.update((key, [None, ""]) for key in absent.split("\n"))
    return not consulted or (still_valid is not None and still_valid(consulted))


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
