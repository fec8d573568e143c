"""The GitHub Action in `action.yml`: its structure, and its shell steps run for real.

GitHub cannot run here, so the tests play the runner's part for the `run:` steps: each script is
executed with `bash --noprofile --norc -eo pipefail` (what `shell: bash` means on a runner) in a
temporary workspace, with the variables the runner sets (GITHUB_ACTION_PATH, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, RUNNER_TEMP, ...) and the `${{ }}` expressions of each step's `env:`
filled in. The `uses:` steps (actions/setup-python, github/codeql-action/upload-sarif) are
skipped: the interpreter running the tests stands in for setup-python, and the SARIF the
upload would receive is checked instead.

The install step runs for real, once per module: it creates a virtual environment and
pip-installs ailint from a copy of this checkout, fetching the dependencies from PyPI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

FLAWED = 'import requests\nrequests.get("https://example.com")\n'
FIXED = 'import requests\nrequests.get("https://example.com", timeout=10)\n'
NOT_SOURCE = {".git", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", ".pytest_cache",
              ".ailint_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def copy_ignore(folder, names):
    """What copying this checkout leaves out: git data, caches, builds and virtual environments
    (CI keeps one, .ci-venv, inside the checkout)."""
    return {name for name in names
            if name in NOT_SOURCE or name.endswith((".egg-info", ".pyc"))
            or os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))}


def step(step_id):
    (found,) = [s for s in STEPS if s.get("id") == step_id]
    return found


# -- structure ---------------------------------------------------------------------------------

def test_is_a_composite_action_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {name: inputs[name].get("default") for name in inputs} == {
        "paths": ".", "fail-on": "", "config": "", "upload-sarif": "true", "category": "",
        "python-version": "3.12",
    }
    assert all(inputs[name].get("description") for name in inputs)
    assert ACTION["outputs"]["sarif-file"]["value"] == "${{ steps.scan.outputs.sarif-file }}"


def test_scripts_take_inputs_only_through_env():
    for s in STEPS:
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], f"{s['name']}: expressions inside a script can inject shell code"
            assert "if" not in s, "the test runner below does not evaluate `if:` on run steps"
    uses_inputs = {m for s in STEPS for value in (s.get("env") or {}).values() for m in EXPRESSION.findall(value)}
    assert {"inputs.paths", "inputs.config", "inputs.fail-on"} <= uses_inputs


def test_setup_python_and_upload_steps():
    setup, upload = [s for s in STEPS if "uses" in s]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"].startswith("always() && ")  # upload even when a later or earlier step failed
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"] == {"sarif_file": "${{ steps.scan.outputs.sarif-file }}",
                              "category": "${{ inputs.category }}"}
    assert STEPS.index(upload) < STEPS.index(step_last_run()), "upload before the step that fails the job"


def step_last_run():
    return [s for s in STEPS if "run" in s][-1]


def test_docs_explain_the_permissions():
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "security-events: write" in docs
    assert "uses: ailint/ailint@v0.1.0" in docs


# -- running the steps -------------------------------------------------------------------------

def expand(text, context):
    def value(match):
        expression = match.group(1)
        found = re.fullmatch(r"inputs\.([\w-]+)", expression)
        if found:
            return context["inputs"][found.group(1)]
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if found:
            return context["steps"].get(found.group(1), {}).get(found.group(2), "")
        raise AssertionError(f"the test runner does not know the expression {expression!r}")

    return EXPRESSION.sub(value, str(text))


def run_steps(workspace, inputs, *, action_path, runner_temp, outputs=None, only=None):
    """Run the action's `run:` steps in order, as a runner would, until one fails.
    Returns ({step id or name: (exit code, output)}, step outputs, job summary)."""
    context = {
        "inputs": {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()},
        "steps": dict(outputs or {}),
    }
    context["inputs"].update(inputs)
    runner_temp.mkdir(parents=True, exist_ok=True)
    summary_text, results = "", {}
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("GITHUB_", "RUNNER_", "INPUT_"))}
    base.update(CI="true", GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace),
                GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(runner_temp), NO_COLOR="1",
                PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    for index, s in enumerate(STEPS):
        key = s.get("id", s.get("name"))
        if "run" not in s or (only is not None and key not in only):
            continue
        output_file, summary_file = runner_temp / f"output-{index}", runner_temp / f"summary-{index}"
        output_file.write_text("")
        summary_file.write_text("")
        script = runner_temp / f"step-{index}.sh"
        script.write_text(s["run"], encoding="utf-8")
        environ = dict(base, GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(summary_file))
        environ.update({name: expand(value, context) for name, value in (s.get("env") or {}).items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=900)
        results[key] = (done.returncode, done.stdout)
        lines = output_file.read_text(encoding="utf-8").splitlines()
        assert not any("<<" in line for line in lines), "multi-line outputs: teach the test runner"
        context["steps"][key] = dict(line.split("=", 1) for line in lines if line)
        summary_text += summary_file.read_text(encoding="utf-8")
        if done.returncode != 0:
            break
    return results, context["steps"], summary_text


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step, run once: a copy of this checkout as the action's folder, and the
    outputs of the step (the path of the ailint it installed)."""
    action_path = tmp_path_factory.mktemp("action") / "ailint"
    shutil.copytree(ROOT, action_path, ignore=copy_ignore)
    workspace = tmp_path_factory.mktemp("workspace")
    results, outputs, _ = run_steps(workspace, {}, action_path=action_path,
                                    runner_temp=tmp_path_factory.mktemp("runner-temp"), only={"install"})
    code, output = results["install"]
    assert code == 0, output
    return action_path, outputs


@pytest.fixture
def action(installed, tmp_path):
    """Run every step after the install in a workspace: action(files, **inputs)."""
    action_path, install_outputs = installed

    runs = iter(range(1, 100))

    def run(files, **inputs):
        number = next(runs)
        workspace = tmp_path / f"workspace-{number}"
        (workspace / ".git").mkdir(parents=True)  # a checkout: the project root for ailint
        for name, text in files.items():
            (workspace / name).parent.mkdir(parents=True, exist_ok=True)
            (workspace / name).write_text(text, encoding="utf-8")
        steps = [s.get("id", s.get("name")) for s in STEPS if "run" in s and s.get("id") != "install"]
        return run_steps(workspace, {k.replace("_", "-"): v for k, v in inputs.items()},
                         action_path=action_path, runner_temp=tmp_path / f"runner-temp-{number}",
                         outputs=install_outputs, only=set(steps))

    return run


def gate(results):
    """(exit code, output) of the last step: annotations and the fail-on verdict."""
    name = step_last_run()["name"]
    assert name in results, f"an earlier step failed: {results}"
    return results[name]


def sarif_results(outputs):
    log = json.loads(Path(outputs["scan"]["sarif-file"]).read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    return log["runs"][0]["results"]


def annotations(output):
    return [line for line in output.splitlines() if line.startswith("::")]


def test_install_step_installs_ailint_from_the_action_folder(installed):
    _, outputs = installed
    ailint = outputs["install"]["ailint"]
    assert Path(ailint).is_file() and "ailint-venv" in ailint
    version = subprocess.run([ailint, "--version"], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert version.startswith("ailint ")
    rules = subprocess.run([ailint, "rules", "--format", "json"], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "AIL102" in {rule["code"] for rule in json.loads(rules)}  # the built-in rules came along


def test_flawed_project_fails_with_fail_on_warning(action):
    results, outputs, summary = action({"app.py": FLAWED}, fail_on="warning")

    assert results["scan"][0] == 0, results["scan"][1]
    (finding,) = sarif_results(outputs)
    assert finding["ruleId"] == "AIL102"
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert "AIL102" in summary
    code, output = gate(results)
    assert code == 1, output
    (annotation,) = annotations(output)
    assert annotation.startswith("::warning ") and "file=app.py" in annotation and "line=2" in annotation


def test_fail_on_never_reports_but_passes(action):
    results, outputs, summary = action({"app.py": FLAWED}, fail_on="never")

    assert len(sarif_results(outputs)) == 1
    assert "AIL102" in summary
    code, output = gate(results)
    assert code == 0, output
    assert [line.split(" ", 1)[0] for line in annotations(output)] == ["::warning"]


def test_fail_on_error_passes_on_warnings(action):
    code, output = gate(action({"app.py": FLAWED}, fail_on="error")[0])
    assert code == 0, output
    assert len(annotations(output)) == 1


def test_clean_project_passes(action):
    results, outputs, summary = action({"app.py": FIXED})

    assert sarif_results(outputs) == []
    assert summary.strip()
    code, output = gate(results)
    assert code == 0, output
    assert annotations(output) == []


def test_paths_config_and_project_fail_on(action):
    files = {
        "src/app.py": FLAWED, "lib/client.py": FLAWED, "scripts/tool.py": FLAWED,
        "ailint ci.toml": 'fail-on = "error"\n',  # a space in the name: quoting matters
    }
    results, outputs, _ = action(files, paths="src\nlib", config="ailint ci.toml", fail_on="")

    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif_results(outputs))
    assert uris == ["lib/client.py", "src/app.py"]
    code, output = gate(results)
    assert code == 0, output  # the config's fail-on = "error" applies: warnings pass
    assert len(annotations(output)) == 2

    code, output = gate(action(files, paths="src", config="ailint ci.toml", fail_on="warning")[0])
    assert code == 1, output  # the input overrides the config


def test_invalid_fail_on_fails_the_job(action):
    code, output = gate(action({"app.py": FIXED}, fail_on="sometimes")[0])
    assert code == 2
    assert "fail-on" in output


def test_inputs_are_data_not_shell_code(action, tmp_path):
    marker = tmp_path / "pwned"
    results, outputs, _ = action({"app.py": FIXED}, paths=f'$(touch {marker}) "; touch {marker}; "`touch {marker}`')
    assert results["scan"][0] == 2  # no such file or folder: exit 2
    assert "no such file or folder" in results["scan"][1]
    assert not marker.exists()
    assert "sarif-file" not in outputs["scan"]  # so the upload step is skipped
