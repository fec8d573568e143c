"""The secrets corpus (fixtures/secrets_corpus): templates filled with fresh fake keys at test
time, checked by the real command line, scored against expected.toml.

Also: no output format ever prints a generated secret, in full or 60% of it.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from cli_helpers import run_ailint

REPO = Path(__file__).resolve().parents[1]


def _corpus_module():
    spec = importlib.util.spec_from_file_location("secrets_corpus", REPO / "fixtures" / "secrets_corpus" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["secrets_corpus"] = module
    spec.loader.exec_module(module)
    return module


CORPUS = _corpus_module()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return CORPUS.generate(tmp_path_factory.mktemp("secrets-corpus"), seed=7)


def test_the_corpus_covers_every_kind_of_file_and_is_half_look_alikes(corpus):
    assert len(corpus.files) >= 60
    assert len(corpus.negative_files) >= len(corpus.files) / 2 - 2
    suffixes = {Path(path).suffix or Path(path).name for path in corpus.files}
    for wanted in (".py", ".yaml", ".yml", ".toml", ".json", ".ipynb", ".env", ".ini", ".cfg", "Dockerfile",
                   ".md", ".sh", ".tfvars"):
        assert wanted in suffixes, wanted


def test_precision_and_recall_on_the_corpus(corpus):
    proc = run_ailint(["check", ".", "--format", "json", "--select", "AIL5", "--no-cache"], corpus.root)
    assert proc.returncode == 1, proc.stderr
    found = {(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]}
    table = CORPUS.scores_by_code(corpus.expected, found)
    shown = "\n".join(f"{code}: precision {s.precision:.3f} recall {s.recall:.3f}" for code, s in table.items())
    detail = f"\nunexpected: {sorted(found - corpus.expected)}\nmissed: {sorted(corpus.expected - found)}"
    for code, score in table.items():
        assert score.precision >= 0.95 and score.recall >= 0.95, shown + detail


def _leaks(output: str, secret: str) -> bool:
    """The secret, or any 60% of it, appears in the output."""
    window = math.ceil(len(secret) * 0.6)
    return any(secret[start:start + window] in output for start in range(len(secret) - window + 1))


FORMATS = ("text", "json", "sarif", "github", "markdown")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_format_prints_a_secret(corpus, fmt, tmp_path):
    if importlib.util.find_spec(f"ailint.report.{fmt}_format") is None:
        pytest.skip(f"the {fmt} report is not written yet")
    out = tmp_path / f"report.{fmt}"
    to_stdout = run_ailint(["check", ".", "--format", fmt, "--no-cache", "-v"], corpus.root)
    to_file = run_ailint(["check", ".", "--format", fmt, "--no-cache", "-o", str(out)], corpus.root)
    assert to_stdout.returncode == 1 and to_file.returncode == 1, to_stdout.stderr + to_file.stderr
    outputs = to_stdout.stdout + to_stdout.stderr + to_file.stdout + to_file.stderr + out.read_text(encoding="utf-8")
    assert "AIL501" in outputs or fmt == "sarif" and "AIL501" in out.read_text(encoding="utf-8")
    secrets = [(path, secret) for path, values in corpus.secrets.items() for secret in values]
    assert len(secrets) >= 50
    leaked = [(path, secret[:6]) for path, secret in secrets if _leaks(outputs, secret)]
    assert not leaked, f"{fmt} printed these secrets (first characters shown): {leaked}"


def test_the_leak_check_itself_catches_a_partial_secret():
    secret = "Ab3" * 20
    assert _leaks("prefix " + secret[10:50] + " suffix", secret)
    assert not _leaks(secret[:30], secret)
