"""Waivers, baselines, declarative policies and policy packs, through the real CLI."""

from __future__ import annotations

import json

import pytest

from cli_helpers import check_json, make_plugin, run_ailint, write_files

FLAWED = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"legacy/old.py": FLAWED, "app/new.py": FLAWED})
    return tmp_path


WAIVER = """
[tool.ailint]

[[tool.ailint.waivers]]
codes = ["AIL102"]
paths = ["legacy/**"]
reason = "vendored client, replaced in Q1"
owner = "platform@acme.example"
expires = 2027-03-31
"""


def test_active_waiver_suppresses_and_expired_waiver_fails_the_run(project):
    (project / "pyproject.toml").write_text(WAIVER)
    code, findings = check_json(project, ".", env={"AILINT_TODAY": "2027-03-31"})
    assert findings == [("app/new.py", 5, "AIL102")]
    code, findings = check_json(project, ".", env={"AILINT_TODAY": "2027-04-01"})
    assert ("pyproject.toml", 5, "AIL801") in findings and ("legacy/old.py", 5, "AIL102") in findings
    proc = run_ailint(["check", ".", "--select", "AIL8", "--no-source"], project, env={"AILINT_TODAY": "2027-04-01"})
    assert proc.returncode == 1 and "expired on 2027-03-31" in proc.stdout and "platform@acme.example" in proc.stdout


def test_waiver_matching_nothing_is_reported(project):
    (project / "pyproject.toml").write_text(WAIVER.replace("AIL102", "AIL101"))
    assert ("pyproject.toml", 5, "AIL802") in check_json(project, ".", env={"AILINT_TODAY": "2027-01-01"})[1]
    # judged only when a checked file matches its paths (pre-commit passes partial lists)
    assert check_json(project, "app/new.py", env={"AILINT_TODAY": "2027-01-01"})[1] == [("app/new.py", 5, "AIL102")]


@pytest.mark.parametrize("drop,message", [
    ("owner", "a waiver needs owner"),
    ("reason", "a waiver needs reason"),
    ("expires", "a waiver needs expires"),
])
def test_waiver_missing_a_field_is_a_config_error(project, drop, message):
    text = "\n".join(line for line in WAIVER.splitlines() if not line.startswith(drop))
    (project / "pyproject.toml").write_text(text)
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2 and message in proc.stderr and "tool.ailint.waivers[0]" in proc.stderr


def test_baseline_survives_moves_and_catches_duplicates(project):
    proc = run_ailint(["check", ".", "--write-baseline", "baseline.json"], project)
    assert proc.returncode == 0, proc.stderr
    entries = json.loads((project / "baseline.json").read_text())["entries"]
    assert len(entries) == 2
    assert check_json(project, ".", "--baseline", "baseline.json") == (0, [])
    # move the flawed code 20 lines down, rename nothing: no new finding
    moved = "import requests\n" + "\n" * 20 + FLAWED.split("\n", 1)[1]
    (project / "app/new.py").write_text(moved)
    assert check_json(project, ".", "--baseline", "baseline.json") == (0, [])
    # duplicate the flawed call: exactly one new finding
    (project / "app/new.py").write_text(moved + "\n\ndef fetch_again(url):\n    return requests.get(url)\n")
    code, findings = check_json(project, ".", "--baseline", "baseline.json")
    assert code == 1 and len(findings) == 1 and findings[0][0] == "app/new.py" and findings[0][2] == "AIL102"


def test_stale_baseline_entries_are_reported_and_update_shrinks(project):
    run_ailint(["check", ".", "--write-baseline", "baseline.json"], project)
    (project / "legacy/old.py").write_text(FLAWED.replace("requests.get(url)", "requests.get(url, timeout=5)"))
    code, findings = check_json(project, ".", "--baseline", "baseline.json")
    assert findings == [("baseline.json", 1, "AIL803")]
    proc = run_ailint(["check", ".", "--baseline", "baseline.json", "--update-baseline"], project)
    assert proc.returncode == 0 and "now holds 1 of 2 entries" in proc.stderr
    assert len(json.loads((project / "baseline.json").read_text())["entries"]) == 1
    assert check_json(project, ".", "--baseline", "baseline.json") == (0, [])


def test_bad_baseline_file_is_a_usage_error(project):
    (project / "baseline.json").write_text("{}")
    proc = run_ailint(["check", ".", "--baseline", "baseline.json"], project)
    assert proc.returncode == 2 and "is not an ailint baseline" in proc.stderr


POLICIES = """
[tool.ailint]
select = ["ACME", "AIL850"]

[[tool.ailint.policies]]
kind = "require-keyword"
code = "ACME801"
name = "gateway-call-without-deadline"
message = "gateway calls must pass deadline_s <= 30"
calls = ["acme_gateway.complete", "acme_gateway.Client"]
keyword = "deadline_s"
max = 30
severity = "error"

[[tool.ailint.policies]]
kind = "forbid-call"
code = "ACME802"
name = "direct-provider-sdk"
message = "call providers through acme_gateway"
calls = ["openai.*", "anthropic.Anthropic"]

[[tool.ailint.policies]]
kind = "allowed-models"
code = "ACME803"
name = "unapproved-model"
message = "only approved models may be used"
models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-*"]

[[tool.ailint.policies]]
kind = "require-file"
code = "AIL850"
name = "project-without-model-card"
message = "every AI service ships a model card"
path = "MODEL_CARD.md"
"""

POLICY_CODE = """
import acme_gateway
import openai
from anthropic import Anthropic

acme_gateway.complete(prompt="hi")
acme_gateway.complete(prompt="hi", deadline_s=60)
acme_gateway.complete(prompt="hi", deadline_s=20)
gateway = acme_gateway.Client(deadline_s=10)
client = openai.OpenAI(timeout=10)
claude = Anthropic(timeout=10)
gateway.chat(model="gpt-4o", messages=[])
gateway.chat(model="gpt-3.5-turbo", messages=[])
gateway.chat(model="claude-3-5-sonnet-20241022", messages=[])
"""


def test_each_declarative_policy_kind(project):
    (project / "pyproject.toml").write_text(POLICIES)
    write_files(project, {"app/service.py": POLICY_CODE})
    code, findings = check_json(project, "app/service.py", "pyproject.toml")
    assert code == 1
    assert findings == [
        ("app/service.py", 5, "ACME801"), ("app/service.py", 6, "ACME801"),
        ("app/service.py", 9, "ACME802"), ("app/service.py", 10, "ACME802"),
        ("app/service.py", 12, "ACME803"),
        ("pyproject.toml", 1, "AIL850"),
    ]
    (project / "MODEL_CARD.md").write_text("# Model card\n")
    assert ("pyproject.toml", 1, "AIL850") not in check_json(project, "app/service.py", "pyproject.toml")[1]


def test_policies_appear_in_rules_with_origin_and_explain(project):
    (project / "pyproject.toml").write_text(POLICIES)
    rows = {row["code"]: row for row in json.loads(run_ailint(["rules", "--format", "json"], project).stdout)}
    assert rows["ACME801"]["origin"] == "config (pyproject.toml)"
    assert rows["ACME801"]["severity"] == "error" and rows["ACME801"]["category"] == "governance"
    explained = run_ailint(["explain", "gateway-call-without-deadline"], project).stdout
    assert "deadline_s" in explained and "What it does" in explained


@pytest.mark.parametrize("policy,message", [
    ('kind = "forbid-cal"\ncode = "ACME1"\n', "did you mean 'forbid-call'"),
    ('kind = "forbid-call"\ncode = "ACME801"\nname = "x-y"\nmessage = "m"\n', "calls: required"),
    ('kind = "forbid-call"\ncode = "AIL101"\nname = "x-y"\nmessage = "m"\ncalls = ["a.b"]\n', "AIL810-AIL899"),
    ('kind = "forbid-call"\ncode = "ACME801"\nname = "x-y"\nmessage = "m"\ncalls = ["a.b"]\nseverty = "error"\n',
     "did you mean 'severity'"),
])
def test_invalid_policy_is_a_config_error(project, policy, message):
    (project / "pyproject.toml").write_text("[tool.ailint]\n[[tool.ailint.policies]]\n" + policy)
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_generated_policy_examples_hold():
    """Each policy ships generated VALID/INVALID examples, run like the built-in rules' examples."""
    import sys

    from ailint.policies import build_rule, parse_policies
    from ailint.testing import assert_example, example_cases

    toml = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli")
    specs = parse_policies(toml.loads(POLICIES)["tool"]["ailint"]["policies"], "tool.ailint.policies", "test")
    cases = example_cases(build_rule(spec) for spec in specs)
    assert len(cases) >= 8
    for _, rule, example in cases:
        assert_example(rule, example)


PACK_PLUGIN = """
import ailint


@ailint.hookimpl
def ailint_policy_packs(register):
    register("acme-strict", {
        "severity": {"AIL102": "error"},
        "policies": [{"kind": "forbid-call", "code": "ACME810", "name": "direct-requests-call",
                      "message": "use acme_http", "calls": ["requests.*"]}],
    })
"""


def test_extends_a_plugin_pack_and_a_file_with_local_overrides(project, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    make_plugin(site, "acme-policies", "acme_policies_plugin", PACK_PLUGIN)
    env = {"PYTHONPATH": str(site)}
    (project / "pyproject.toml").write_text('[tool.ailint]\nextends = ["acme-strict"]\n')
    proc = run_ailint(["check", "app", "--format", "json"], project, env=env)
    report = json.loads(proc.stdout)
    assert {(f["code"], f["severity"]) for f in report["findings"]} == {("AIL102", "error"), ("ACME810", "warning")}
    rows = {row["code"]: row for row in json.loads(run_ailint(["rules", "--format", "json"], project, env=env).stdout)}
    assert rows["ACME810"]["origin"] == "config (pack acme-strict (acme-policies))"
    # local settings override the pack's
    (project / "pyproject.toml").write_text(
        '[tool.ailint]\nextends = ["acme-strict"]\nignore = ["ACME810"]\n[tool.ailint.severity]\nAIL102 = "note"\n')
    report = json.loads(run_ailint(["check", "app", "--format", "json"], project, env=env).stdout)
    assert {(f["code"], f["severity"]) for f in report["findings"]} == {("AIL102", "note")}
    # a pack from a file, and an unknown pack name
    write_files(project, {"policies/base.toml": 'ignore = ["AIL102"]\n'})
    (project / "pyproject.toml").write_text('[tool.ailint]\nextends = ["policies/base.toml"]\n')
    assert check_json(project, "app", env=env) == (0, [])
    (project / "pyproject.toml").write_text('[tool.ailint]\nextends = ["acme-strikt"]\n')
    proc = run_ailint(["check", "app"], project, env=env)
    assert proc.returncode == 2 and "did you mean 'acme-strict'" in proc.stderr
