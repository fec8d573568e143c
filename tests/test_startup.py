"""Starting fast and showing progress only to a person at a terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from argparse import Namespace

import pytest

from ailint.cli import Progress, progress_wanted


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_version_imports_neither_libcst_nor_yaml():
    proc = _run("import sys\nfrom ailint.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
                "heavy = sorted(m for m in ('libcst', 'yaml', 'ailint.engine', 'ailint_rules') if m in sys.modules)\n"
                "print('HEAVY', heavy)")
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert "ailint " in proc.stdout


def _args(fmt="text", output=None):
    return Namespace(format=fmt, output=output)


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty,env,fmt,output,wanted", [
    (True, {}, "text", None, True),
    (True, {}, "sarif", "out.sarif", True),  # the report goes to a file: stderr is free
    (False, {}, "text", None, False),  # piped, redirected, captured
    (True, {"CI": "true"}, "text", None, False),
    (True, {"PRE_COMMIT": "1"}, "text", None, False),
    (True, {}, "json", None, False),  # machine-readable output on stdout
    (True, {}, "sarif", None, False),
    (True, {}, "github", None, False),
])
def test_when_a_progress_line_is_shown(tty, env, fmt, output, wanted):
    assert progress_wanted(_args(fmt, output), _Stream(tty), env) is wanted


def test_progress_waits_then_rewrites_one_line_and_erases_it():
    stream = _Stream(True)
    progress = Progress(stream, delay=2.0)
    now = [progress.start]
    progress.clock = lambda: now[0]
    progress(1, 100)
    assert stream.getvalue() == ""  # short runs print nothing
    now[0] += 2.5
    progress(50, 100)
    now[0] += 0.01
    progress(51, 100)  # throttled
    now[0] += 0.5
    progress(100, 100)
    assert stream.getvalue() == "\railint: 50/100 files checked\railint: 100/100 files checked"
    progress.close()
    assert stream.getvalue().endswith("\r\033[K")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty test on Linux")
def test_a_short_run_on_a_terminal_prints_no_progress(tmp_path):
    import pty

    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text("x = 1\n")
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    proc = subprocess.run([sys.executable, "-m", "ailint", "check", "."], cwd=tmp_path, stdin=follower,
                          stdout=subprocess.PIPE, stderr=follower, env=env, timeout=60)
    os.close(follower)
    chunks = []
    try:
        while True:
            data = os.read(leader, 4096)
            if not data:
                break
            chunks.append(data)
    except OSError:
        pass
    os.close(leader)
    assert proc.returncode == 0
    assert b"files checked" not in b"".join(chunks)
