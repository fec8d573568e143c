"""`--format markdown`: a summary for $GITHUB_STEP_SUMMARY or a pull-request comment."""

from __future__ import annotations

from ailint.report import markdown_format, render
from ailint.types import Finding, Note, RunResult, Severity, Span

GITHUB_ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/bot", "GITHUB_SHA": "0123abc"}
# Runs select the rules these tests are about, so rules added later do not change them.
SELECT = ("--select", "AIL0,AIL101,AIL102")


def _finding(line: int, severity: Severity = Severity.WARNING, path: str = "app.py", **fields) -> Finding:
    values = dict(code="AIL102", name="http-call-without-timeout", category="timeouts", severity=severity,
                  message=f"problem {line}", path=path, span=Span(line, 1))
    values.update(fields)
    return Finding(**values)


def test_clean_run_is_one_line():
    output = render("markdown", RunResult(files_checked=4), env={})
    assert output == "**ailint**: No findings in 4 files checked.\n"


def test_heading_tables_and_findings_grouped_by_file():
    findings = [
        _finding(3, Severity.ERROR, path="b.py", code="AIL001", name="python-syntax-error", category="engine"),
        _finding(5, path="a.py"),
        _finding(9, path="a.py"),
    ]
    output = render("markdown", RunResult(findings=findings, files_checked=7), env={})
    assert output == """\
## ailint: 3 findings in 2 files

| Severity | Findings |
| --- | ---: |
| error | 1 |
| warning | 2 |

| Category | Findings |
| --- | ---: |
| engine | 1 |
| timeouts | 2 |

### a.py

- **warning** AIL102 http-call-without-timeout at line 5: problem 5
- **warning** AIL102 http-call-without-timeout at line 9: problem 9

### b.py

- **error** AIL001 python-syntax-error at line 3: problem 3
"""


def test_links_from_github_environment():
    output = render("markdown", RunResult(findings=[_finding(12, path="my app/x.py")]), env=GITHUB_ENV)
    assert "at [line 12](https://github.com/acme/bot/blob/0123abc/my%20app/x.py#L12): " in output


def test_explicit_repository_url_and_ref_win_over_the_environment():
    output = render("markdown", RunResult(findings=[_finding(2)]), env=GITHUB_ENV,
                    repository_url="https://git.example.com/team/repo/", ref="main")
    assert "[line 2](https://git.example.com/team/repo/blob/main/app.py#L2)" in output


def test_no_links_without_a_commit():
    env = {key: value for key, value in GITHUB_ENV.items() if key != "GITHUB_SHA"}
    output = render("markdown", RunResult(findings=[_finding(2)]), env=env)
    assert "at line 2: " in output and "](" not in output


def test_markdown_special_characters_in_messages_are_escaped():
    message = "a | b <script>alert(1)</script> `code` *bold* [x](y)\nsecond line"
    output = render("markdown", RunResult(findings=[_finding(1, message=message)]), env={})
    [line] = [line for line in output.splitlines() if line.startswith("- ")]
    assert line.endswith(r"a \| b &lt;script&gt;alert(1)&lt;/script&gt; \`code\` \*bold\* \[x\](y) second line")
    assert "<script>" not in output and "`code`" not in output


def test_large_results_show_the_most_severe_fifty_then_a_count():
    findings = [_finding(line) for line in range(1, 101)] + [_finding(500, Severity.ERROR)]
    output = markdown_format.render(RunResult(findings=sorted(findings, key=Finding.sort_key)), env={})
    items = [line for line in output.splitlines() if line.startswith("- ")]
    assert len(items) == markdown_format.MAX_FINDINGS == 50
    assert items[0].endswith("at line 1: problem 1") and items[-2].endswith("at line 49: problem 49")
    assert items[-1].startswith("- **error**") and items[-1].endswith("problem 500")
    assert output.rstrip().endswith("… and 51 more (the 50 most severe are shown).")
    assert "| warning | 100 |" in output and "| error | 1 |" in output
    assert markdown_format.render(RunResult(findings=list(reversed(findings))), env={}) == output


def test_notes_are_mentioned():
    result = RunResult(findings=[_finding(1)], notes=[Note("blob.py", "skipped: binary file")])
    assert "_1 note about this run (such as skipped files)" in render("markdown", result, env={})


def test_real_run(ailint_check, flawed_project):
    completed = ailint_check(flawed_project, "--format", "markdown", *SELECT, ".", env=GITHUB_ENV)
    assert completed.returncode == 1, completed.stderr
    output = completed.stdout
    assert output.startswith("## ailint: 2 findings in 1 file\n")
    assert "| timeouts | 2 |" in output and "| warning | 2 |" in output
    assert "### my app/service.py" in output
    assert "[line 8](https://github.com/acme/bot/blob/0123abc/my%20app/service.py#L8)" in output


def test_real_run_clean(ailint_check, clean_project):
    completed = ailint_check(clean_project, "--format", "markdown", *SELECT, ".")
    assert completed.returncode == 0
    assert completed.stdout == "**ailint**: No findings in 1 file checked.\n"
