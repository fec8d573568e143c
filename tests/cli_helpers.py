"""Running the real `ailint` command line from tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence


def run_ailint(args: Sequence[str], cwd: Path, env: Optional[Mapping[str, str]] = None, timeout: float = 120):
    """`python -m ailint ARGS` in `cwd`; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("AILINT_DEBUG", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "ailint", *args], cwd=str(cwd), env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def check_json(cwd: Path, *args: str, env: Optional[Mapping[str, str]] = None):
    """Run `ailint check --format json` and return (exit code, findings as (path, line, code))."""
    proc = run_ailint(["check", *args, "--format", "json"], cwd, env)
    assert proc.returncode in (0, 1), f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}"
    report = json.loads(proc.stdout)
    return proc.returncode, [(f["path"], f["line"], f["code"]) for f in report["findings"]]


def write_files(root: Path, files: Dict[str, object]) -> Path:
    """Write {relative path: text or bytes} under root (text is dedented)."""
    for relpath, content in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(str(content)).lstrip("\n"), encoding="utf-8")
    return root


def make_plugin(site: Path, distribution: str, module: str, source: str, entry: str = "plugin") -> None:
    """Lay out an installed distribution by hand (dist-info with entry points) under `site`,
    the way pip would, so tests can add plugins through PYTHONPATH."""
    package = distribution.replace("-", "_")
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{package}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[ailint]\n{entry} = {module}\n", encoding="utf-8")
