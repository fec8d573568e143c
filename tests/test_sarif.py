"""The SARIF report: schema validity (with format checking), GitHub's needs, fingerprints that
survive unrelated edits, UTF-16 columns, percent-encoded relative URIs, security severities,
and deterministic truncation at GitHub's limits."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import sarif_om as om
from sarif_schema import CHECKED_FORMATS, sarif_errors, sarif_validator, validate_sarif

from ailint.plugins import load_registry
from ailint.registry import RuleInfo
from ailint.report import linehash, sarif_format
from ailint.types import Finding, Note, RelatedLocation, RunResult, Severity, Span
from ailint_rules.http_call_without_timeout import HttpCallWithoutTimeout

REGISTRY, _ = load_registry()
FINGERPRINT = "ailintFingerprint/v1"
LINE_HASH = "primaryLocationLineHash"
SERVICE = "my app/service.py"  # the flawed file of the `flawed_project` fixture
# Runs select the rules these tests are about, so rules added later do not change them.
SELECT = ("--select", "AIL0,AIL101,AIL102")


def sarif_of(ailint_check, project: Path, expected_exit: int, select=SELECT) -> dict:
    completed = ailint_check(project, "--format", "sarif", *select, ".")
    assert completed.returncode == expected_exit, completed.stderr
    log = json.loads(completed.stdout)
    validate_sarif(log)
    assert len(log["runs"]) == 1
    return log


def by_rule(log: dict) -> dict:
    return {result["ruleId"]: result for result in log["runs"][0]["results"]}


def region(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]["region"]


# -- the schema check itself ------------------------------------------------------------------
def test_every_sarif_format_is_really_checked():
    checker = sarif_validator().format_checker
    assert checker.conforms("file:///tmp/x/", "uri") and not checker.conforms("not a uri", "uri")
    assert checker.conforms("my%20app/x.py", "uri-reference") and not checker.conforms("my app/x.py", "uri-reference")
    assert checker.conforms("2024-05-01T10:00:00Z", "date-time") and not checker.conforms("yesterday", "date-time")
    assert set(CHECKED_FORMATS) <= set(checker.checkers)


def _minimal_log() -> dict:
    location = {"physicalLocation": {"artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                                     "region": {"startLine": 1}}}
    return {"$schema": sarif_format.SCHEMA_URI, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "ailint"}},
        "invocations": [{"executionSuccessful": True, "startTimeUtc": "2024-05-01T10:00:00Z"}],
        "results": [{"ruleId": "AIL101", "message": {"text": "m"}, "locations": [location]}],
    }]}


@pytest.mark.parametrize("breakage, where", [
    (lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
     .update(uri="my app/x.py"), "artifactLocation/uri"),  # format uri-reference
    (lambda log: log.update({"$schema": "not a uri"}), "$schema"),  # format uri
    (lambda log: log["runs"][0]["invocations"][0].update(startTimeUtc="yesterday"), "startTimeUtc"),  # date-time
    (lambda log: log["runs"][0]["results"][0].pop("message"), "results/0"),  # structure
    (lambda log: log["runs"][0]["results"][0].update(level="warn"), "level"),  # enum
])
def test_invalid_logs_fail_validation(breakage, where):
    log = _minimal_log()
    assert sarif_errors(log) == []
    broken = copy.deepcopy(log)
    breakage(broken)
    errors = sarif_errors(broken)
    assert errors and any(where in error for error in errors), errors
    with pytest.raises(AssertionError):
        validate_sarif(broken)


# -- real runs of the command line --------------------------------------------------------------
def test_flawed_project(ailint_check, flawed_project):
    log = sarif_of(ailint_check, flawed_project, expected_exit=1)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ailint" and driver["version"] and driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": flawed_project.resolve().as_uri() + "/"}}
    assert run["invocations"][0]["executionSuccessful"] is True

    results = by_rule(log)
    assert sorted(results) == ["AIL101", "AIL102"]
    llm, http = results["AIL101"], results["AIL102"]
    for result in (llm, http):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "my%20app/service.py", "uriBaseId": "%SRCROOT%"}
        assert set(result["partialFingerprints"]) == {FINGERPRINT, LINE_HASH}
    assert region(llm) == {"startLine": 8, "startColumn": 37, "endLine": 8, "endColumn": 107}
    assert region(http) == {"startLine": 9, "startColumn": 21, "endLine": 9, "endColumn": 29}
    [related] = llm["relatedLocations"]
    assert related["id"] == 1 and related["message"]["text"] == "client built here"
    assert related["physicalLocation"]["region"]["startLine"] == 4


def test_level_is_written_even_when_it_equals_the_rule_default(ailint_check, flawed_project):
    log = sarif_of(ailint_check, flawed_project, expected_exit=1)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result in log["runs"][0]["results"]:
        default = rules[result["ruleIndex"]]["defaultConfiguration"]["level"]
        assert default == "warning" == result["level"]  # also SARIF's own default for a result


def test_every_enabled_rule_is_described(ailint_check, flawed_project):
    log = sarif_of(ailint_check, flawed_project, expected_exit=1, select=())  # the default selection
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(ids) and {"AIL001", "AIL002", "AIL003", "AIL004", "AIL005", "AIL101", "AIL102"} <= set(ids)
    assert {result["ruleId"] for result in log["runs"][0]["results"]} <= set(ids)
    for rule in rules:
        info = REGISTRY.get(rule["id"])
        assert rule["name"] == info.name
        assert rule["shortDescription"]["text"] == info.rule.summary()
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"].startswith(f"{info.name} ({info.code})")
        assert rule["help"]["markdown"].startswith(f"# {info.name} ({info.code})")
        assert rule["helpUri"] == "https://github.com/ailint/ailint/blob/main/README.md#rules"
        assert rule["defaultConfiguration"] == {"level": info.severity.value}
        tags = rule["properties"]["tags"]
        assert tags[0] == info.category
        security = info.rule.security_severity is not None or info.category in ("secrets", "unsafe-output")
        assert ("security" in tags) == security == ("security-severity" in rule["properties"])
        if security:
            assert 0.1 <= float(rule["properties"]["security-severity"]) <= 10.0


def test_clean_twin_has_an_empty_results_array(ailint_check, clean_project):
    log = sarif_of(ailint_check, clean_project, expected_exit=0)
    run = log["runs"][0]
    assert run["results"] == []
    assert "AIL101" in [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_engine_errors_and_skipped_files(ailint_check, broken_project):
    log = sarif_of(ailint_check, broken_project, expected_exit=1)
    run = log["runs"][0]
    [result] = run["results"]
    assert result["ruleId"] == "AIL001" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True  # a syntax error is a finding, not a crash
    notes = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n
             for n in invocation["toolExecutionNotifications"]}
    assert set(notes) == {"blob.py", "latin.py"}
    assert "binary" in notes["blob.py"]["message"]["text"] and notes["blob.py"]["level"] == "note"
    assert "utf-8" in notes["latin.py"]["message"]["text"]


def test_fingerprints_survive_lines_inserted_above(ailint_check, flawed_project):
    before = by_rule(sarif_of(ailint_check, flawed_project, expected_exit=1))
    service = flawed_project / SERVICE
    original = service.read_text(encoding="utf-8")
    service.write_text("".join(f"# note {n}: unrelated\n" for n in range(20)) + original, encoding="utf-8")
    after = by_rule(sarif_of(ailint_check, flawed_project, expected_exit=1))
    text = service.read_bytes().decode("utf-8")
    for code in ("AIL101", "AIL102"):
        assert region(after[code])["startLine"] == region(before[code])["startLine"] + 20
        assert after[code]["partialFingerprints"] == before[code]["partialFingerprints"]
        # ... and the line hash is GitHub's hash of the flagged line in the file as it is now.
        assert after[code]["partialFingerprints"][LINE_HASH] == linehash.line_hash(text, region(after[code])["startLine"])
    assert before["AIL101"]["partialFingerprints"][LINE_HASH] != before["AIL102"]["partialFingerprints"][LINE_HASH]


def test_editing_the_flagged_line_changes_its_line_hash(ailint_check, flawed_project):
    before = by_rule(sarif_of(ailint_check, flawed_project, expected_exit=1))
    service = flawed_project / SERVICE
    service.write_text(service.read_text(encoding="utf-8").replace("requests.get(url)", "requests.get(url + '/v2')"), encoding="utf-8")
    after = by_rule(sarif_of(ailint_check, flawed_project, expected_exit=1))
    assert after["AIL102"]["partialFingerprints"][LINE_HASH] != before["AIL102"]["partialFingerprints"][LINE_HASH]


def test_columns_are_utf16_code_units(ailint_check, write_project, tmp_path):
    # U+1F600 is one code point but two UTF-16 code units; "é" is one of each.
    project = write_project(tmp_path, {"ailint.toml": "", "app.py": "import requests\nmood = '\U0001F600é'; page = requests.get(url)\n"})
    log = sarif_of(ailint_check, project, expected_exit=1)
    completed = ailint_check(project, "--format", "json", *SELECT, ".")
    [finding] = json.loads(completed.stdout)["findings"]
    assert (finding["column"], finding["end_column"]) == (30, 38)  # `get(url)`, in code points
    assert region(by_rule(log)["AIL102"]) == {"startLine": 2, "startColumn": 31, "endLine": 2, "endColumn": 39}


def test_uri_of_a_file_in_a_folder_with_a_space_is_percent_encoded(ailint_check, write_project, flawed_project, tmp_path):
    source = (flawed_project / SERVICE).read_text(encoding="utf-8")
    project = write_project(tmp_path / "other", {"ailint.toml": "", "my app/données #1.py": source})
    log = sarif_of(ailint_check, project, expected_exit=1)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20app/donn%C3%A9es%20%231.py"}


def _strings(value) -> list:
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key] + _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_no_source_text_is_written(ailint_check, flawed_project):
    log = sarif_of(ailint_check, flawed_project, expected_exit=1)
    text = "\n".join(_strings(log))
    # Lines of the flagged file that no rule documentation quotes:
    for source in ("page = requests.get(url)", "def answer(prompt: str, url: str):", "return reply, page"):
        assert source in (flawed_project / SERVICE).read_text(encoding="utf-8")
        assert source not in text
    assert "snippet" not in text and "contextRegion" not in text


# -- the builder, with synthetic findings --------------------------------------------------------
def _finding(line: int, code: str = "AIL102", path: str = "app.py", **fields) -> Finding:
    values = dict(code=code, name="http-call-without-timeout", category="timeouts", severity=Severity.WARNING,
                  message=f"problem on line {line}", path=path, span=Span(line, 1, line, 5), fingerprint=f"fp{line}")
    values.update(fields)
    return Finding(**values)


def _infos(*rules: type) -> list:
    return [RuleInfo(rule, "ailint", "builtin") for rule in rules]


def test_unset_defaults_are_dropped_and_explicit_ones_kept():
    message = om.Message(text="m")
    assert sarif_format.to_json(om.Result(message=message)) == {"message": {"text": "m"}}
    explicit = sarif_format.to_json(sarif_format._om(om.Result, message=message, level="warning", rule_index=0))
    assert explicit == {"message": {"text": "m"}, "level": "warning", "ruleIndex": 0}


def test_security_rules_carry_a_security_severity_inside_githubs_bands(tmp_path):
    class LeakedKey(HttpCallWithoutTimeout):
        code, name, category, severity = "AIL501", "hardcoded-api-key", "secrets", Severity.ERROR

    class ScoredInjection(HttpCallWithoutTimeout):
        code, name, category, severity = "AIL701", "prompt-output-executed", "unsafe-output", Severity.WARNING
        security_severity = 9.3

    class QuietSecret(HttpCallWithoutTimeout):
        code, name, category, severity = "AIL502", "secret-in-log", "secrets", Severity.NOTE

    result = RunResult(root=str(tmp_path), rules=_infos(HttpCallWithoutTimeout, LeakedKey, ScoredInjection, QuietSecret),
                       findings=[_finding(3, code="AIL501", name="hardcoded-api-key", severity=Severity.ERROR,
                                          message="API key sk-****", snippet="sha256:SECRET-DIGEST")])
    log = json.loads(sarif_format.render(result))
    validate_sarif(log)
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["AIL501"]["properties"] == {"tags": ["secrets", "security"], "security-severity": "7.5"}
    assert rules["AIL701"]["properties"] == {"tags": ["unsafe-output", "security"], "security-severity": "9.3"}
    assert rules["AIL502"]["properties"]["security-severity"] == "2.5"
    assert rules["AIL102"]["properties"] == {"tags": ["timeouts"]}
    for rule in rules.values():
        value = rule["properties"].get("security-severity")
        if value is not None:  # a numeric string in 0.1-10.0, never on the high/critical edge
            assert isinstance(value, str) and re.fullmatch(r"\d+\.\d", value)
            assert 0.1 <= float(value) <= 10.0 and float(value) != 9.0
    assert "SECRET-DIGEST" not in json.dumps(log)
    [sarif_result] = log["runs"][0]["results"]
    assert sarif_result["ruleIndex"] == list(rules).index("AIL501") and sarif_result["level"] == "error"


def test_plugin_rules_link_their_own_documentation(tmp_path):
    class Documented(HttpCallWithoutTimeout):
        code, name, help_uri = "ACME101", "acme-call-without-timeout", "https://acme.example/rules/ACME101"

    class Undocumented(HttpCallWithoutTimeout):
        code, name = "ACME102", "acme-call-without-retry"

    infos = [RuleInfo(Documented, "acme-rules", "acme"), RuleInfo(Undocumented, "acme-rules", "acme")]
    log = json.loads(sarif_format.render(RunResult(root=str(tmp_path), rules=infos)))
    validate_sarif(log)
    documented, undocumented = log["runs"][0]["tool"]["driver"]["rules"]
    assert documented["helpUri"] == "https://acme.example/rules/ACME101"
    assert "helpUri" not in undocumented


def test_truncation_at_githubs_result_limit_is_deterministic_and_announced(tmp_path):
    limit = sarif_format.MAX_RESULTS
    findings = [_finding(line) for line in range(1, limit + 4)]
    result = RunResult(root=str(tmp_path), rules=_infos(HttpCallWithoutTimeout), findings=findings,
                       notes=[Note("big.bin", "skipped: binary file")])
    first = sarif_format.sarif_dict(result)
    assert sarif_format.sarif_dict(result) == first
    run = first["runs"][0]
    assert len(run["results"]) == limit
    assert run["results"][0]["message"]["text"] == "problem on line 1"
    assert run["results"][-1]["message"]["text"] == f"problem on line {limit}"
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert notifications[0]["message"]["text"] == "skipped: binary file"
    assert notifications[1]["level"] == "warning"
    assert notifications[1]["message"]["text"].startswith(f"3 of {limit + 3} findings were left out")


def test_related_locations_are_truncated_and_announced(tmp_path):
    related = tuple(RelatedLocation("app.py", Span(n), f"use {n}") for n in range(1, 1006))
    result = RunResult(root=str(tmp_path), rules=_infos(HttpCallWithoutTimeout),
                       findings=[_finding(1, related=related), _finding(2)])
    log = json.loads(sarif_format.render(result))
    validate_sarif(log)
    first, second = log["runs"][0]["results"]
    assert len(first["relatedLocations"]) == sarif_format.MAX_RELATED_LOCATIONS
    assert first["relatedLocations"][-1] == {
        "id": 1000, "message": {"text": "use 1000"},
        "physicalLocation": {"artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 1000, "startColumn": 1, "endLine": 1000}}}
    assert "relatedLocations" not in second
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("5 related locations were left out of this SARIF log (1 finding")


def test_a_crashed_rule_marks_the_execution_unsuccessful(tmp_path):
    result = RunResult(root=str(tmp_path), rules=_infos(HttpCallWithoutTimeout), internal_error=True,
                       notes=[Note(".", "rule ACME101 crashed: ValueError: boom", "error")])
    log = json.loads(sarif_format.render(result))
    validate_sarif(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {"message": {"text": "rule ACME101 crashed: ValueError: boom"}, "level": "error"}]


def test_an_unreadable_file_gets_no_line_hash(tmp_path):
    result = RunResult(root=str(tmp_path), rules=_infos(HttpCallWithoutTimeout), findings=[_finding(1, path="gone.py")])
    [sarif_result] = json.loads(sarif_format.render(result))["runs"][0]["results"]
    assert sarif_result["partialFingerprints"] == {FINGERPRINT: "fp1"}


@pytest.mark.parametrize("path, uri", [
    ("app.py", "app.py"),
    ("my app/x.py", "my%20app/x.py"),
    ("a#b/100%.py", "a%23b/100%25.py"),
    ("données/é.py", "donn%C3%A9es/%C3%A9.py"),
])
def test_artifact_uri(path, uri):
    assert sarif_format.artifact_uri(path) == uri


@pytest.mark.parametrize("line, column, expected", [
    ("abc", 3, 3), ("\U0001F600x", 2, 3), ("\U0001F600\U0001F600x", 3, 5), ("é", 2, 2), (None, 7, 7), ("ab", 5, 5),
])
def test_utf16_column(line, column, expected):
    assert sarif_format.utf16_column(line, column) == expected


def test_paths_are_relative_to_the_checkout_when_the_root_is_a_subfolder(tmp_path):
    """A monorepo: ailint.toml in services/bot, .git at the top. GitHub resolves SARIF URIs and
    annotation paths from the checkout's top, so they carry the subfolder."""
    import json as _json

    from cli_helpers import run_ailint, write_files
    from sarif_schema import validate_sarif

    (tmp_path / ".git").mkdir()
    bot = tmp_path / "services" / "bot"
    write_files(bot, {"ailint.toml": 'select = ["AIL102"]\n', "app.py": "import requests\nrequests.get('u')\n"})
    proc = run_ailint(["check", ".", "--format", "sarif"], bot)
    log = _json.loads(proc.stdout)
    validate_sarif(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "services/bot/app.py", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    annotations = run_ailint(["check", ".", "--format", "github"], bot).stdout
    assert annotations.startswith("::warning file=services/bot/app.py,line=2,")
    # the text and JSON reports stay relative to the project root (DESIGN.md)
    assert run_ailint(["check", ".", "--no-source"], bot).stdout.startswith("app.py:2:")


def test_output_file_gets_ordinary_permissions(tmp_path):
    import os
    import stat

    from cli_helpers import run_ailint

    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    run_ailint(["check", ".", "--format", "sarif", "-o", "out.sarif"], tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.sarif").stat().st_mode) == 0o666 & ~umask
