"""Bad input, isolation of crashing rules, and inline suppressions, through the real CLI."""

from __future__ import annotations

import json

import pytest

from cli_helpers import check_json, make_plugin, run_ailint, write_files

FLAWED = "import requests\n\nrequests.get('https://example.com')\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_syntax_error_is_an_engine_finding_and_the_run_continues(project):
    write_files(project, {"broken.py": "import openai\n\ndef complete(prompt)\n    return prompt\n", "ok.py": FLAWED})
    code, findings = check_json(project, ".")
    assert code == 1
    assert ("broken.py", 3, "AIL001") in findings
    assert ("ok.py", 3, "AIL102") in findings


def test_non_utf8_binary_and_empty_files_are_skipped_with_a_note(project):
    write_files(project, {
        "latin.py": b"import requests\nx = 'caf\xe9'\nrequests.get('u')\n",
        "blob.py": b"\x00\x01\x02 import requests",
        "empty.py": "",
        "ok.py": FLAWED,
    })
    proc = run_ailint(["check", ".", "--format", "json", "-v"], project)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["path"], f["code"]) for f in report["findings"]] == [("ok.py", "AIL102")]
    notes = {n["path"]: n["message"] for n in report["notes"]}
    assert "not valid utf-8" in notes["latin.py"]
    assert notes["blob.py"] == "skipped: binary file"
    assert "empty.py" not in notes
    assert "Traceback" not in proc.stderr
    assert "latin.py: skipped" in proc.stderr  # verbose mode says so


def test_a_coding_cookie_and_a_bom_are_honoured(project):
    write_files(project, {
        "cookie.py": b"# -*- coding: latin-1 -*-\nimport requests\nx = 'caf\xe9'\nrequests.get('u')\n",
        "bom.py": b"\xef\xbb\xbfimport requests\nrequests.get('u')\n",
    })
    code, findings = check_json(project, ".")
    assert findings == [("bom.py", 2, "AIL102"), ("cookie.py", 4, "AIL102")]


CRASHY = '''
from ailint import hookimpl
from ailint.rule import Invalid, PythonRule, Valid


class Crashes(PythonRule):
    """
    ## What it does
    Crashes on purpose when it sees a call.
    ## Why is this bad?
    It is a test double.
    ## Example
    `f()`
    ## Use instead
    Nothing.
    ## Options
    None.
    ## References
    - none
    """

    code = "CRASH101"
    name = "crashes-on-calls"
    VALID = [Valid("x = 1\\n")]
    INVALID = [Invalid("f()\\n")]

    def visit_Call(self, node):
        raise ZeroDivisionError("boom")


@hookimpl
def ailint_register_rules(register):
    register(Crashes)
'''


def test_a_crashing_rule_is_isolated_reported_and_exits_2(project, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    make_plugin(site, "crashy-ailint", "crashy_plugin", CRASHY)
    write_files(project, {"a.py": FLAWED, "b.py": FLAWED})
    proc = run_ailint(["check", ".", "--format", "json"], project, env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    found = [(f["path"], f["code"]) for f in report["findings"]]
    # the other rule still ran on both files, and each crash is reported once per file
    assert found.count(("a.py", "AIL102")) == 1 and found.count(("b.py", "AIL102")) == 1
    crashes = [f for f in report["findings"] if f["code"] == "AIL002"]
    assert len(crashes) == 2
    assert "CRASH101" in crashes[0]["message"] and "crashy-ailint" in crashes[0]["message"]
    assert "ZeroDivisionError: boom" in crashes[0]["message"]
    assert "Traceback" not in proc.stderr
    assert "crashed" in proc.stderr


def test_suppression_with_reason_hides_the_finding(project):
    write_files(project, {
        "app.py": """
            import requests

            requests.get('u')  # ailint: ignore[AIL102] health check, the load balancer times out first
            # ailint: ignore[http-call-without-timeout] same on the next line
            requests.get('v')
            requests.get('w')
        """,
    })
    code, findings = check_json(project, ".")
    assert findings == [("app.py", 6, "AIL102")]


def test_unused_and_invalid_suppressions_are_reported(project):
    write_files(project, {
        "app.py": """
            import requests

            requests.get('u', timeout=5)  # ailint: ignore[AIL102] not needed any more
            requests.get('v', timeout=5)  # ailint: ignore
            requests.get('w', timeout=5)  # ailint: ignore[AIL999] typo
        """,
    })
    code, findings = check_json(project, ".")
    assert findings == [("app.py", 3, "AIL003"), ("app.py", 4, "AIL004"), ("app.py", 5, "AIL004")]


def test_file_level_suppression(project):
    write_files(project, {"app.py": "# ailint: ignore-file[AIL1] generated client\n" + FLAWED})
    assert check_json(project, ".") == (0, [])


def test_suppression_in_yaml_comment(project):
    write_files(project, {"broken.yaml": "a: [1, 2\n", "ok.yaml": "# ailint: ignore-file[AIL005] template\na: [1\n"})
    code, findings = check_json(project, ".", "--select", "AIL005")
    assert findings == [("broken.yaml", 2, "AIL005")]
    assert code == 0  # AIL005 is a note: below the default failing severity


def test_hash_inside_a_string_is_not_a_directive(project):
    write_files(project, {"app.py": "import requests\nrequests.get('#ailint: ignore[AIL102] nope')\n"})
    assert check_json(project, ".")[1] == [("app.py", 2, "AIL102")]


def test_prose_starting_with_ailint_is_not_a_directive_but_a_misspelling_is(project):
    write_files(project, {"app.py": (
        "import requests\n"
        "# ailint: this module is checked in CI\n"
        "requests.get('u', timeout=3)  # ailint: ignroe[AIL102] typo\n"
    )})
    assert check_json(project, ".")[1] == [("app.py", 3, "AIL004")]
