"""Plugins as real installed distributions (issue #2 acceptance).

Each plugin under fixtures/plugins/ is built and installed with pip into its own folder,
isolated from the dev environment, and found by ailint the way a user's install is: through
the `ailint` entry points of the dist-info on sys.path (here via PYTHONPATH). Every assertion
runs the real command line in a subprocess.

* acme-ailint: the example plugin (ACME101 banned-model-name, ACME102 banned-model-in-config)
* broken-import-ailint: its module raises RuntimeError when imported
* ail-squatter-ailint: registers a valid rule under the reserved AIL prefix (AIL999)
* dup-code-ailint: registers a valid rule under acme-ailint's code ACME101
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import pytest

REPO = Path(__file__).resolve().parent.parent
PLUGINS = REPO / "fixtures" / "plugins"
ACME, BROKEN, SQUATTER, DUP = "acme-ailint", "broken-import-ailint", "ail-squatter-ailint", "dup-code-ailint"

APP = '''\
from openai import OpenAI

client = OpenAI(timeout=20)


def reply(messages):
    return client.chat.completions.create(model="gpt-3.5-turbo", messages=messages)


def summarize(text):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
'''
SETTINGS = "llm:\n  provider: openai\n  model: text-davinci-003\n"
EXPECTED = {("app.py", 7, "ACME101"), ("config/settings.yaml", 3, "ACME102")}


def _build_problem() -> Optional[str]:
    """Why pip cannot build the fixtures without build isolation here, or None."""
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed"
    try:  # read the metadata only: importing setuptools here would swap out distutils
        setuptools_version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed"
    version = tuple(int(part) for part in re.findall(r"\d+", setuptools_version)[:2])
    # setuptools < 70.1 builds wheels with the separate `wheel` package.
    if version < (70, 1) and importlib.util.find_spec("wheel") is None:
        return f"setuptools {setuptools_version} needs the `wheel` package to build (or setuptools>=70.1)"
    return None


def _install(name: str, base: Path, isolated: bool) -> Tuple[Path, subprocess.Popen]:
    source = base / "src" / name
    if not source.exists():
        shutil.copytree(PLUGINS / name, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    target = base / ("site-isolated" if isolated else "site") / name
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
               "--disable-pip-version-check", "--target", str(target), str(source)]
    if not isolated:  # build with this environment's setuptools, offline
        command[4:4] = ["--no-build-isolation", "--no-index"]
    return target, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Dict[str, Path]:
    """Install each plugin once per module, each into its own folder; returns name -> folder.
    The sources are copied first so that the build leaves nothing in the repository.

    Offline with `--no-build-isolation` when this environment can build wheels; otherwise
    pip builds in an isolated environment (fetching setuptools from the package index), and
    the tests skip when that fails too."""
    base = tmp_path_factory.mktemp("plugins")
    problem = _build_problem()
    jobs = {name: _install(name, base, isolated=problem is not None) for name in (ACME, BROKEN, SQUATTER, DUP)}
    installed = {}
    for name, (target, process) in jobs.items():
        output, _ = process.communicate(timeout=600)
        if process.returncode != 0 and problem is not None:
            pytest.skip(f"cannot build the plugin fixtures ({problem}) and an isolated build failed:\n{output[-2000:]}")
        assert process.returncode == 0, f"pip could not install {name}:\n{output}"
        assert list(target.glob(f"{name.replace('-', '_')}-*.dist-info/entry_points.txt")), f"{name}: no entry points"
        installed[name] = target
    return installed


def ailint(*args: str, cwd: Path, sites: Sequence[Path] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("AILINT_DEBUG", None)
    env["PYTHONPATH"] = os.pathsep.join([str(site) for site in sites] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.run([sys.executable, "-m", "ailint", *args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: one banned model in code, one in config, every call with a timeout."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "config").mkdir()
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "config" / "settings.yaml").write_text(SETTINGS, encoding="utf-8")
    return root


def findings(result: subprocess.CompletedProcess):
    """The plugin's findings in a JSON report (built-in rules may report on the project too)."""
    assert result.stdout, result.stderr
    return {(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)["findings"] if f["code"].startswith("ACME")}


def assert_plugin_failure(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("ailint: error: "), result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, (phrase, result.stderr)
    assert result.stdout == ""  # no partial report


# -- isolation ---------------------------------------------------------------------------------

def test_the_dev_environment_has_no_fixture_plugin(tmp_path):
    result = ailint("rules", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    origins = {row["origin"] for row in json.loads(result.stdout)}
    assert not origins & {ACME, BROKEN, SQUATTER, DUP}


# -- (a) rules, (b) check and explain with the example plugin ----------------------------------

def test_rules_lists_the_plugin_rules_with_their_origin(sites, tmp_path):
    result = ailint("rules", cwd=tmp_path, sites=[sites[ACME]])
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["ACME101"] == ["ACME101", "banned-model-name", "custom", "warning", ACME]
    assert rows["ACME102"] == ["ACME102", "banned-model-in-config", "custom", "warning", ACME]
    assert rows["AIL101"][-1] == "ailint"

    result = ailint("rules", "--format", "json", cwd=tmp_path, sites=[sites[ACME]])
    assert result.returncode == 0, result.stderr
    by_code = {row["code"]: row for row in json.loads(result.stdout)}
    assert by_code["ACME101"]["origin"] == ACME and by_code["ACME101"]["name"] == "banned-model-name"
    assert by_code["ACME101"]["summary"].startswith("Flags a retired or banned model ID")
    assert by_code["ACME102"]["origin"] == ACME
    assert by_code["AIL102"]["origin"] == "ailint"


def test_check_reports_plugin_findings(sites, project):
    result = ailint("check", ".", "--format", "json", cwd=project, sites=[sites[ACME]])
    assert result.returncode == 1, result.stderr
    assert findings(result) == EXPECTED
    text = ailint("check", ".", cwd=project, sites=[sites[ACME]])
    assert re.search(r"^app\.py:7:49: ACME101 \[banned-model-name\] model 'gpt-3\.5-turbo' is banned .*use gpt-4o-mini",
                     text.stdout, re.MULTILINE), text.stdout
    # The usual selection applies to plugin rules: by code, by prefix, by name.
    for selector, expected in (("ACME101", {("app.py", 7, "ACME101")}), ("banned-model-name", {("app.py", 7, "ACME101")}),
                               ("ACME1", EXPECTED), ("ACME102", {("config/settings.yaml", 3, "ACME102")})):
        only = ailint("check", ".", "--format", "json", "--select", selector, cwd=project, sites=[sites[ACME]])
        assert findings(only) == expected, selector
    ignored = ailint("check", ".", "--format", "json", "--select", "ACME", "--ignore", "ACME101", cwd=project, sites=[sites[ACME]])
    assert findings(ignored) == {("config/settings.yaml", 3, "ACME102")}
    clean = ailint("check", ".", "--select", "AIL1", "--ignore", "ACME", cwd=project, sites=[sites[ACME]])
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_plugin_options_come_from_the_project_config(sites, project):
    (project / "pyproject.toml").write_text(
        '[tool.ailint.options.banned-model-name]\nbanned = ["gpt-4o-mini"]\n', encoding="utf-8")
    result = ailint("check", ".", "--format", "json", cwd=project, sites=[sites[ACME]])
    assert findings(result) == {("app.py", 11, "ACME101"), ("config/settings.yaml", 3, "ACME102")}
    (project / "pyproject.toml").write_text(
        '[tool.ailint.options.banned-model-name]\nbanned = "gpt-4o-mini"\n', encoding="utf-8")
    result = ailint("check", ".", cwd=project, sites=[sites[ACME]])
    assert result.returncode == 2
    assert "tool.ailint.options.banned-model-name.banned" in result.stderr and "Traceback" not in result.stderr


def test_explain_shows_the_plugin_documentation(sites, tmp_path):
    result = ailint("explain", "ACME101", cwd=tmp_path, sites=[sites[ACME]])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("banned-model-name (ACME101)\n")
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "References"):
        assert f"\n{section}\n" in out, section
    assert 'model="gpt-3.5-turbo"' in out and "platform.openai.com/docs/deprecations" in out
    assert out.rstrip().endswith(f"From: {ACME}.")
    by_name = ailint("explain", "banned-model-in-config", cwd=tmp_path, sites=[sites[ACME]])
    assert by_name.returncode == 0 and "(ACME102)" in by_name.stdout


# -- (c) a plugin that fails to import, (d) the AIL prefix, (e) a reused code ----------------

@pytest.mark.parametrize("command", [("check", "."), ("rules",), ("explain", "AIL101")])
def test_a_plugin_that_fails_to_import_stops_the_run(sites, project, command):
    result = ailint(*command, cwd=project, sites=[sites[ACME], sites[BROKEN]])
    assert_plugin_failure(result, BROKEN, "failed to import", "RuntimeError",
                          "cannot load the policy file /etc/acme/policy.yaml")


def test_a_plugin_reusing_the_ail_prefix_is_refused(sites, project):
    result = ailint("check", ".", cwd=project, sites=[sites[SQUATTER]])
    assert_plugin_failure(result, SQUATTER, "AIL999", "reserved")
    assert_plugin_failure(ailint("rules", cwd=project, sites=[sites[SQUATTER]]), SQUATTER, "AIL999")


def test_a_plugin_reusing_another_plugins_code_is_refused_naming_both(sites, project):
    result = ailint("check", ".", cwd=project, sites=[sites[ACME], sites[DUP]])
    assert_plugin_failure(result, "ACME101", ACME, DUP)
    # the plugin loaded later is the one blamed, never the one that registered the code first
    assert f"from distribution {DUP!r} registered ACME101, which distribution {ACME!r}" in result.stderr


# -- (f) the allow-list ------------------------------------------------------------------------

def test_the_allow_list_loads_only_the_named_plugins(sites, project):
    everything = [sites[ACME], sites[BROKEN], sites[SQUATTER], sites[DUP]]
    (project / "pyproject.toml").write_text('[tool.ailint]\nplugins = ["acme-ailint"]\n', encoding="utf-8")
    result = ailint("check", ".", "--format", "json", cwd=project, sites=everything)
    assert result.returncode == 1, result.stderr  # the broken plugins were never imported
    assert findings(result) == EXPECTED
    rules = ailint("rules", "--format", "json", cwd=project, sites=everything)
    assert rules.returncode == 0, rules.stderr
    assert {row["origin"] for row in json.loads(rules.stdout)} == {"ailint", ACME}

    # Distribution names compare in their normalized form.
    (project / "pyproject.toml").write_text('[tool.ailint]\nplugins = ["Acme_AILint"]\n', encoding="utf-8")
    assert findings(ailint("check", ".", "--format", "json", cwd=project, sites=everything)) == EXPECTED


def test_an_empty_allow_list_loads_only_the_builtin_rules(sites, project, tmp_path):
    everything = [sites[ACME], sites[BROKEN], sites[SQUATTER], sites[DUP]]
    config = tmp_path / "strict" / "ailint.toml"
    config.parent.mkdir()
    config.write_text("plugins = []\n", encoding="utf-8")
    rules = ailint("rules", "--format", "json", "--config", str(config), cwd=project, sites=everything)
    assert rules.returncode == 0, rules.stderr
    codes = {row["code"] for row in json.loads(rules.stdout)}
    assert "AIL101" in codes and not any(code.startswith("ACME") for code in codes)
    text = ailint("rules", "--config", str(config), cwd=project, sites=everything)
    assert "ACME101" not in text.stdout and "AIL102" in text.stdout
    missing = ailint("explain", "ACME101", "--config", str(config), cwd=project, sites=everything)
    assert missing.returncode == 2 and "no rule 'ACME101'" in missing.stderr
    # The project's own config file works the same way without --config.
    (project / "ailint.toml").write_text("plugins = []\n", encoding="utf-8")
    check = ailint("check", ".", "--select", "AIL1", cwd=project, sites=everything)
    assert check.returncode == 0, check.stdout + check.stderr  # no plugin imported, no finding
    unknown = ailint("check", ".", "--select", "ACME", cwd=project, sites=everything)
    assert unknown.returncode == 2 and "'ACME' matches no rule" in unknown.stderr, unknown.stderr


# -- (g) the plugin's own test suite, against the installed distribution ------------------------

def test_the_plugin_test_suite_passes_against_the_installed_plugin(sites, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(sites[ACME])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave nothing in the repository
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(PLUGINS / ACME / "tests")],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 20 and "failed" not in summary and "error" not in summary, summary
