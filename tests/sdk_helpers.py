"""Running the SDK rules over marked fixtures: `# expect: AIL101, AIL201` on a line says which
findings that line must have; unmarked lines must have none."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set, Tuple

SDK_RULES = ("AIL101", "AIL102", "AIL104", "AIL201", "AIL202", "AIL601")
MARKER = re.compile(r"#\s*expect:\s*([A-Z0-9][A-Z0-9, ]*)")

Triple = Tuple[str, int, str]


def expected_findings(root: Path) -> Set[Triple]:
    out: Set[Triple] = set()
    for path in sorted(root.rglob("*.py")):
        relpath = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                for code in re.split(r"[,\s]+", match.group(1).strip()):
                    if code:
                        out.add((relpath, number, code))
    return out


def run_check(folder: Path, tmp: Path, *extra: str) -> Tuple[dict, float]:
    """Copy `folder` to `tmp` (no .git or config above it) and run the real command line there."""
    import time

    target = tmp / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__", ".ailint_cache"))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "AILINT_"))}
    environment["NO_COLOR"] = "1"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ailint", "check", ".", "--no-cache", "--format", "json",
                           "--select", ",".join(SDK_RULES), *extra],
                          cwd=str(target), env=environment, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    assert proc.returncode in (0, 1), f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout), elapsed


def found_findings(report: dict) -> Set[Triple]:
    return {(f["path"], f["line"], f["code"]) for f in report["findings"]}


def describe(triples) -> str:
    return "\n".join(f"  {path}:{line} {code}" for path, line, code in sorted(triples)) or "  (none)"


def per_rule(expected: Set[Triple], found: Set[Triple]) -> Dict[str, Tuple[int, int, int]]:
    """code -> (true positives, false positives, false negatives)."""
    table = {}
    for code in SDK_RULES:
        e = {t for t in expected if t[2] == code}
        f = {t for t in found if t[2] == code}
        table[code] = (len(e & f), len(f - e), len(e - f))
    return table
