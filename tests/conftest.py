"""Shared fixtures: small AI projects written to tmp_path, and the real `ailint` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Optional

import pytest

# The flagged lines are 8 (AIL101) and 9 (AIL102); the client is built on line 4.
FLAWED_SERVICE = '''\
import requests
from openai import OpenAI

client = OpenAI()


def answer(prompt: str, url: str):
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    page = requests.get(url)
    return reply, page
'''

CLEAN_SERVICE = '''\
import requests
from openai import OpenAI

client = OpenAI(timeout=20.0)


def answer(prompt: str, url: str):
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    page = requests.get(url, timeout=10)
    return reply, page
'''

SERVICE_PATH = "my app/service.py"  # a space, so URIs must be percent-encoded


def write_files(root: Path, files: Dict[str, object]) -> Path:
    """Write {relative path: str or bytes} under root (creating folders) and return root."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


@pytest.fixture
def flawed_project(tmp_path: Path) -> Path:
    """An AI service with an LLM call and an HTTP call, neither with a timeout."""
    return write_files(tmp_path / "flawed", {"ailint.toml": "", SERVICE_PATH: FLAWED_SERVICE})


@pytest.fixture
def clean_project(tmp_path: Path) -> Path:
    """The production-ready twin of `flawed_project`."""
    return write_files(tmp_path / "clean", {"ailint.toml": "", SERVICE_PATH: CLEAN_SERVICE})


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    """A syntax error in a parsed file (AIL001), a binary file and an undecodable file (notes)."""
    return write_files(tmp_path / "broken", {
        "ailint.toml": "",
        "broken.py": "import openai\n\ndef complete(prompt:\n    return prompt\n",
        "blob.py": b"\x00\x01\x02binary\xff\xfe",
        "latin.py": b"import openai\nname = '\xe9t\xe9'\n",
    })


def _run(project: Path, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "AILINT_"))}
    environment.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ailint", "check", "--no-cache", *args],
        cwd=project, env=environment, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )


@pytest.fixture
def write_project() -> Callable[[Path, Dict[str, object]], Path]:
    """`write_project(root, {relative path: str or bytes})` writes the files and returns root."""
    return write_files


@pytest.fixture
def ailint_check() -> Callable[..., subprocess.CompletedProcess]:
    """Run the real CLI, `python -m ailint check --no-cache ARGS`, inside a project folder.

    GITHUB_* and AILINT_* variables of the calling environment are removed; pass `env=` to set some.
    """
    return _run
