"""The pre-commit hook in `.pre-commit-hooks.yaml`, exercised with the real pre-commit and git.

pre-commit installs the hook from a git repository, so the tests copy this checkout (with any
uncommitted edits) into a temporary repository and commit it there: the results never depend
on what the working tree of this repository has committed. Installing the hook environment
pip-installs ailint and its dependencies from PyPI, once for `try-repo` (it always uses a
throw-away store) and once for every other test (they share one PRE_COMMIT_HOME)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ailint.files import _SUFFIX_KINDS, _TEXT_NAMES, _TEXT_SUFFIXES, file_kind

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FLAWED = 'import requests\nrequests.get("https://example.com")\n'
FIXED = 'import requests\nrequests.get("https://example.com", timeout=10)\n'
KEY = "sk-proj-" + "Zq3xT9vL2mN8pR4sW7yB1cD6fG0hJ5kQ"  # not a real key
NOT_SOURCE = {".git", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", ".pytest_cache",
              ".ailint_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def copy_ignore(folder, names):
    """What copying this checkout leaves out: git data, caches, builds and virtual environments
    (CI keeps one, .ci-venv, inside the checkout)."""
    return {name for name in names
            if name in NOT_SOURCE or name.endswith((".egg-info", ".pyc"))
            or os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))}


def run(args, cwd, env, check=False):
    """Run a command; stdout and stderr together in `.stdout`."""
    result = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed with {result.returncode}:\n{result.stdout}")
    return result


def pre_commit(*args):
    return [sys.executable, "-m", "pre_commit", *args, "--color", "never"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A git and pre-commit environment isolated from the user's: own git identity and config,
    one PRE_COMMIT_HOME for the module, and no GIT_* variables leaking in from an outer hook."""
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text(
        "[user]\n\tname = ailint tests\n\temail = tests@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("GIT_", "PRE_COMMIT")) and key != "SKIP"}
    environ.update(GIT_CONFIG_GLOBAL=str(home / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                   PRE_COMMIT_HOME=str(home / "pre-commit"), NO_COLOR="1")
    # The hook environment is built with the interpreter running pre-commit (this one).
    environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environ.get("PATH", "")
    return environ


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env):
    """This checkout, committed in a temporary repository: (path, commit)."""
    repo = tmp_path_factory.mktemp("hook-repo") / "ailint"
    shutil.copytree(ROOT, repo, ignore=copy_ignore)
    run(["git", "init", "-q"], repo, env, check=True)
    run(["git", "add", "-A"], repo, env, check=True)
    run(["git", "commit", "-q", "--no-verify", "-m", "snapshot"], repo, env, check=True)
    sha = run(["git", "rev-parse", "HEAD"], repo, env, check=True).stdout.strip()
    return repo, sha


@pytest.fixture
def project(tmp_path, env, hook_repo):
    """An empty git repository whose .pre-commit-config.yaml uses the ailint hook."""
    repo_path, sha = hook_repo
    folder = tmp_path / "project"
    folder.mkdir()
    run(["git", "init", "-q"], folder, env, check=True)
    config = {"repos": [{"repo": str(repo_path), "rev": sha, "hooks": [{"id": "ailint"}]}]}
    (folder / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def stage(folder, env, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    run(["git", "add", "--", *files], folder, env, check=True)


def hook_status(output):
    """pre-commit's status line for the ailint hook: Passed, Failed or Skipped."""
    match = re.search(r"^ailint\.*(?:\(no files to check\))?(Passed|Failed|Skipped)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


# -- the manifest ------------------------------------------------------------------------------

def test_manifest_is_valid(env):
    result = run(pre_commit("validate-manifest", str(MANIFEST)), ROOT, env)
    assert result.returncode == 0, result.stdout


def test_manifest_hook():
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert hook["id"] == "ailint"
    assert hook["entry"] == "ailint check --force-exclude"
    assert hook["language"] == "python"
    assert hook["require_serial"] is True
    assert "types" not in hook and "types_or" not in hook  # they would AND with `files`


def _names():
    """Sample names for every kind ailint reads, and some it does not."""
    names = {f"src/module{suffix}" for suffix in _SUFFIX_KINDS}
    names |= {f"deep/er/FILE{suffix.upper()}" for suffix in _SUFFIX_KINDS}
    names |= {f"notes{suffix}" for suffix in _TEXT_SUFFIXES}
    names |= {name for name in _TEXT_NAMES} | {f"sub/{name.capitalize()}" for name in _TEXT_NAMES}
    names |= {".env", ".env.local", ".ENV.production", "deploy/prod.env", "config/.env.example",
              "Dockerfile", "docker/Dockerfile.dev", "api.dockerfile", ".eslintrc.json"}
    names |= {"README", "LICENSE", "logo.png", "app.pyc", "lib.so", ".envrc", "env", "prod.env.bak",
              "Dockerfile2", "notes.md.orig", "data.parquet", "Makefile.am"}
    return sorted(names)


def test_files_pattern_matches_exactly_what_ailint_reads():
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    pattern = re.compile(hook["files"])
    wrong = [name for name in _names()
             if bool(pattern.search(name)) != (file_kind(name.rsplit("/", 1)[-1]) is not None)]
    assert not wrong, f"the hook's `files` pattern and ailint.files.file_kind disagree on {wrong}"


def test_pre_commit_classifier_selects_ailint_files(tmp_path, monkeypatch):
    """pre-commit's own filtering (files regex, then identify tags) on real files."""
    from pre_commit.clientlib import load_manifest
    from pre_commit.commands.run import Classifier

    wanted = [".env", ".env.local", "prod.env", "config.yaml", "notebook.ipynb", "Dockerfile",
              "pyproject.toml", "app.py", "stubs/app.pyi", "setup.cfg", "settings.json", ".envrc"]
    unwanted = ["logo.png", "README", ".editorconfig"]
    monkeypatch.chdir(tmp_path)
    for name in wanted + unwanted:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("x = 1\n", encoding="utf-8")
    (hook,) = load_manifest(str(MANIFEST))  # with pre-commit's defaults filled in (types: [file])
    classifier = Classifier.from_config(wanted + unwanted, "", "^$")
    selected = set(classifier.by_types(
        (name for name in classifier.filenames if re.search(hook["files"], name) and not re.search(hook["exclude"], name)),
        hook["types"], hook["types_or"], hook["exclude_types"],
    ))
    assert selected == set(wanted)


# -- the real thing ----------------------------------------------------------------------------

def test_try_repo_fails_on_a_flawed_staged_file(tmp_path, env, hook_repo):
    repo_path, _ = hook_repo
    folder = tmp_path / "project"
    folder.mkdir()
    run(["git", "init", "-q"], folder, env, check=True)
    stage(folder, env, {"app.py": FLAWED, ".env": "DEBUG=1\n", "README": "hello\n"})

    result = run(pre_commit("try-repo", str(repo_path), "ailint", "--verbose"), folder, env)

    assert result.returncode == 1, result.stdout
    assert hook_status(result.stdout) == "Failed"
    assert "app.py:2:10: AIL102 [http-call-without-timeout]" in result.stdout
    assert re.search(r"^\.env:1:\d+: AIL5\d\d ", result.stdout, re.MULTILINE)  # .env files reach the hook


def test_commit_is_blocked_until_the_finding_is_fixed(project, env):
    run(pre_commit("install"), project, env, check=True)
    stage(project, env, {"app.py": FLAWED})

    blocked = run(["git", "commit", "-m", "add app"], project, env)
    assert blocked.returncode != 0, blocked.stdout
    assert hook_status(blocked.stdout) == "Failed"
    assert "AIL102" in blocked.stdout
    assert run(["git", "rev-parse", "--verify", "-q", "HEAD"], project, env).returncode != 0  # no commit

    stage(project, env, {"app.py": FIXED})
    allowed = run(["git", "commit", "-m", "add app"], project, env)
    assert allowed.returncode == 0, allowed.stdout
    assert hook_status(allowed.stdout) == "Passed"


def test_env_files_reach_the_hook(project, env):
    # A hook that receives no file is reported as "(no files to check)Skipped".
    stage(project, env, {"assets/logo.png": "not really a png\n"})
    assert hook_status(run(pre_commit("run"), project, env).stdout) == "Skipped"

    stage(project, env, {".env": f"OPENAI_API_KEY={KEY}\n", "deploy/.env.local": "DEBUG=0\n"})
    result = run(pre_commit("run"), project, env)
    assert result.returncode == 1, result.stdout
    assert hook_status(result.stdout) == "Failed"
    assert re.search(r"^\.env:1:\d+: AIL5\d\d ", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^deploy/\.env\.local:1:\d+: AIL5\d\d ", result.stdout, re.MULTILINE), result.stdout
    assert KEY not in result.stdout


def test_project_excludes_apply_to_files_pre_commit_passes(project, env):
    stage(project, env, {
        "pyproject.toml": '[tool.ailint]\nexclude = ["generated/**"]\n',
        "generated/client.py": FLAWED,
    })
    result = run(pre_commit("run"), project, env)
    assert result.returncode == 0, result.stdout
    assert hook_status(result.stdout) == "Passed"

    stage(project, env, {"src/client.py": FLAWED})  # not excluded: still caught
    result = run(pre_commit("run"), project, env)
    assert result.returncode == 1, result.stdout
    assert "src/client.py:2:10: AIL102" in result.stdout
    assert "generated/client.py" not in result.stdout
