"""Configuration and the decision layer, through the real CLI."""

from __future__ import annotations

import json

import pytest

from cli_helpers import check_json as check_all, run_ailint, write_files

UNDER_TEST = {"AIL101", "AIL102"}


def check_json(cwd, *args, env=None):
    """Findings of the two timeout rules this module exercises the decision layer with (other
    rules also fire on these projects, and are tested elsewhere)."""
    code, findings = check_all(cwd, *args, env=env)
    return code, [f for f in findings if f[2] in UNDER_TEST]

LLM = """
from openai import OpenAI

client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[])
"""
HTTP = "import requests\n\nrequests.get('https://example.com')\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/llm.py": LLM, "app/http.py": HTTP, "tests/test_http.py": HTTP})
    return tmp_path


def config(project, body: str, name: str = "pyproject.toml"):
    text = ("[tool.ailint]\n" if name == "pyproject.toml" else "") + body
    (project / name).write_text(text, encoding="utf-8")


ALL = [("app/http.py", 3, "AIL102"), ("app/llm.py", 4, "AIL101"), ("tests/test_http.py", 3, "AIL102")]


def test_defaults_report_everything(project):
    assert check_json(project, ".") == (1, ALL)


@pytest.mark.parametrize("body,message", [
    ('selcet = ["AIL1"]\n', "unknown key tool.ailint.selcet (did you mean 'select'?)"),
    ('fail-on = "fatal"\n', "tool.ailint.fail-on: expected one of"),
    ('select = ["AIL19"]\n', "'AIL19' matches no rule"),
    ('ignore = ["llm-call-without-timeot"]\n', "did you mean 'llm-call-without-timeout'?"),
    ('[tool.ailint.options.AIL101]\nmax-timeout = 3\n', "unknown option tool.ailint.options.AIL101.max-timeout"),
    ('[tool.ailint.per-file-ignores]\n"tests/*" = "AIL9"\n', "matches no rule"),
    ('max-file-size = -1\n', "tool.ailint.max-file-size: expected a positive whole number"),
    ('select = "AIL1\n', "is not valid TOML"),
    ('plugins = ["acme-ailnt"]\n', "'acme-ailnt' is in the allow-list but no installed distribution"),
])
def test_invalid_config_exits_2_with_key_path_and_suggestion(project, body, message):
    config(project, body)
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_select_by_prefix_and_ignore_by_name(project):
    config(project, 'select = ["AIL1"]\nignore = ["llm-call-without-timeout"]\n')
    assert check_json(project, ".")[1] == [f for f in ALL if f[2] == "AIL102"]


def test_more_specific_selector_wins(project):
    config(project, 'ignore = ["AIL1"]\nextend-select = ["AIL101"]\n')
    assert check_json(project, ".")[1] == [("app/llm.py", 4, "AIL101")]


def test_command_line_select_replaces_config(project):
    config(project, 'select = ["AIL101"]\n')
    assert check_json(project, ".", "--select", "http-call-without-timeout")[1] == [f for f in ALL if f[2] == "AIL102"]
    # AIL101 selected in the config is more specific than the AIL10 prefix ignored on the command line
    assert check_json(project, ".", "--ignore", "AIL10")[1] == [("app/llm.py", 4, "AIL101")]
    assert check_json(project, ".", "--ignore", "AIL101")[1] == []


def test_per_file_ignores(project):
    config(project, '[tool.ailint.per-file-ignores]\n"tests/**" = ["AIL1"]\n"app/llm.py" = ["llm-call-without-timeout"]\n')
    assert check_json(project, ".")[1] == [("app/http.py", 3, "AIL102")]


def test_severity_override_and_failing_severity(project):
    config(project, 'fail-on = "error"\n[tool.ailint.severity]\nAIL101 = "error"\n')
    proc = run_ailint(["check", ".", "--format", "json"], project)
    report = json.loads(proc.stdout)
    severities = {(f["path"], f["code"]): f["severity"] for f in report["findings"]}
    assert severities[("app/llm.py", "AIL101")] == "error"
    assert severities[("app/http.py", "AIL102")] == "warning"
    assert proc.returncode == 1
    config(project, 'fail-on = "error"\n')
    assert run_ailint(["check", "."], project).returncode == 0
    assert run_ailint(["check", ".", "--fail-on", "warning"], project).returncode == 1


def test_exit_zero(project):
    assert run_ailint(["check", ".", "--exit-zero"], project).returncode == 0


def test_ailint_toml_found_upward_and_paths_relative_to_root(project):
    config(project, 'select = ["AIL102"]\n', name="ailint.toml")
    proc = run_ailint(["check", "."], project / "app")
    assert proc.returncode == 1
    assert proc.stdout.startswith("app/http.py:3:10: AIL102 [http-call-without-timeout]")


def test_explicit_config_file(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg") / "strict.toml"
    other.write_text('select = ["AIL101"]\n', encoding="utf-8")
    proc = run_ailint(["check", str(project), "--config", str(other), "--format", "json"], project)
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["AIL101"]
    assert run_ailint(["check", ".", "--config", "missing.toml"], project).returncode == 2


def test_exclude_gitignore_and_explicit_files(project):
    config(project, 'exclude = ["tests/"]\n')
    (project / ".gitignore").write_text("app/http.py\n", encoding="utf-8")
    assert check_json(project, ".")[1] == [("app/llm.py", 4, "AIL101")]
    # named on the command line: always checked (pre-commit passes file lists) ...
    assert check_json(project, "app/http.py", "tests/test_http.py")[1] == [ALL[0], ALL[2]]
    # ... unless --force-exclude
    assert check_json(project, "app/http.py", "tests/test_http.py", "--force-exclude")[1] == []


def test_virtualenvs_and_dependency_folders_are_skipped(project):
    write_files(project, {
        ".venv/lib/site.py": HTTP, "node_modules/x/a.py": HTTP, "env2/pyvenv.cfg": "home = /usr\n",
        "env2/lib/b.py": HTTP, "build/lib/c.py": HTTP,
    })
    assert check_json(project, ".")[1] == ALL


def test_usage_errors_exit_2(project):
    assert run_ailint(["check", "nope.py"], project).returncode == 2
    assert run_ailint(["check", "--format", "xml"], project).returncode == 2
    assert run_ailint(["frobnicate"], project).returncode == 2
    proc = run_ailint(["explain", "AIL1O1"], project)
    assert proc.returncode == 2 and "did you mean 'AIL101'" in proc.stderr


def test_output_file_is_written_atomically(project):
    proc = run_ailint(["check", ".", "--format", "json", "--output", "report.json"], project)
    assert proc.returncode == 1 and proc.stdout == ""
    codes = [f["code"] for f in json.loads((project / "report.json").read_text())["findings"]]
    assert sorted(c for c in codes if c in UNDER_TEST) == ["AIL101", "AIL102", "AIL102"]
    assert not list(project.glob(".ailint-*"))  # no temporary file left behind


def test_rules_and_explain_and_version(project):
    proc = run_ailint(["rules", "--format", "json"], project)
    rows = {row["code"]: row for row in json.loads(proc.stdout)}
    assert rows["AIL101"]["name"] == "llm-call-without-timeout" and rows["AIL101"]["origin"] == "ailint"
    explained = run_ailint(["explain", "http-call-without-timeout"], project).stdout
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "References"):
        assert heading in explained
    assert run_ailint(["--version"], project).stdout.startswith("ailint ")


def test_explicit_config_in_a_subfolder_keeps_paths_relative_to_the_checkout(project):
    write_files(project, {"ci/ailint.toml": 'select = ["AIL102"]\n'})
    proc = run_ailint(["check", ".", "--config", "ci/ailint.toml", "--format", "json"], project)
    assert [(f["path"], f["code"]) for f in json.loads(proc.stdout)["findings"]] == [
        ("app/http.py", "AIL102"), ("tests/test_http.py", "AIL102")]
