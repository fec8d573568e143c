"""`--format github`: one workflow command per finding, escaped exactly as @actions/core does
(packages/core/src/command.ts: escapeData and escapeProperty)."""

from __future__ import annotations

import pytest

from ailint.report import github_format, render
from ailint.types import Finding, RunResult, Severity, Span
# Runs select the rules these tests are about, so rules added later do not change them.
SELECT = ("--select", "AIL0,AIL101,AIL102")


def _finding(**fields) -> Finding:
    values = dict(code="AIL102", name="http-call-without-timeout", category="timeouts", severity=Severity.WARNING,
                  message="requests.get has no timeout", path="app/client.py", span=Span(9, 21, 9, 29))
    values.update(fields)
    return Finding(**values)


@pytest.mark.parametrize("text, data, prop", [
    ("plain text", "plain text", "plain text"),
    ("100%", "100%25", "100%25"),
    ("%0A is not a newline", "%250A is not a newline", "%250A is not a newline"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("key: a, b", "key: a, b", "key%3A a%2C b"),
    ("::error::", "::error::", "%3A%3Aerror%3A%3A"),
])
def test_escaping_matches_actions_core(text, data, prop):
    assert github_format.escape_data(text) == data
    assert github_format.escape_property(text) == prop


def test_one_annotation_per_finding_with_escaped_message_and_properties():
    findings = [
        _finding(severity=Severity.ERROR, message="50% of calls: no timeout,\nretry forever\r"),
        _finding(severity=Severity.WARNING, path="src/a,b:c.py", span=Span(3, 5, 3, 9)),
        _finding(severity=Severity.NOTE, code="AIL005", name="unparsable-config-file", message="bad YAML",
                 path="llm.yaml", span=Span(2, 1)),
    ]
    output = render("github", RunResult(findings=findings))
    assert output.splitlines() == [
        "::error file=app/client.py,line=9,col=21,endLine=9,endColumn=29,title=AIL102 http-call-without-timeout"
        "::50%25 of calls: no timeout,%0Aretry forever%0D",
        "::warning file=src/a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=9,title=AIL102 http-call-without-timeout"
        "::requests.get has no timeout",
        "::notice file=llm.yaml,line=2,col=1,endLine=2,title=AIL005 unparsable-config-file::bad YAML",
    ]
    assert output.endswith("\n")


def test_a_multi_line_span_sends_no_columns():
    line = github_format.annotation(_finding(span=Span(4, 9, 7, 2)))
    assert line.startswith("::warning file=app/client.py,line=4,endLine=7,title=AIL102 ")


def test_no_findings_no_output():
    assert render("github", RunResult(files_checked=3)) == ""


def test_real_run(ailint_check, flawed_project):
    completed = ailint_check(flawed_project, "--format", "github", *SELECT, ".")
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::warning", "::warning"]
    assert lines[0].startswith("::warning file=my app/service.py,line=8,col=37,endLine=8,endColumn=107,"
                               "title=AIL101 llm-call-without-timeout::openai.OpenAI defaults to a 600 s timeout")
    assert lines[1].startswith("::warning file=my app/service.py,line=9,col=21,endLine=9,endColumn=29,"
                               "title=AIL102 http-call-without-timeout::requests.get")


def test_real_run_clean(ailint_check, clean_project):
    completed = ailint_check(clean_project, "--format", "github", *SELECT, ".")
    assert (completed.returncode, completed.stdout) == (0, "")
