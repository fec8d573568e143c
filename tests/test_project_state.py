"""Answers derived from the project scan are remembered between runs (`ailint.project_state`)
while no file's imports change; these tests edit a project between cached runs and require the
findings of a run without the cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ailint.project_scan import scan_project
from cli_helpers import check_json, run_ailint, write_files

EVAL_PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "eval_projects"


def _token(root: Path) -> str:
    relpaths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py") if ".ailint_cache" not in p.parts)
    return scan_project(root, relpaths, 1 << 20, 1, root / ".ailint_cache" / "scan").token


def test_the_token_changes_with_imports_not_with_bodies(tmp_path):
    write_files(tmp_path, {"app/llm.py": "import os\n\n\ndef ask():\n    return 1\n", "main.py": "x = 1\n"})
    first = _token(tmp_path)
    assert first and _token(tmp_path) == first
    (tmp_path / "app/llm.py").write_text("import os\n\n\ndef ask():\n    return 2  # edited\n")
    assert _token(tmp_path) == first
    (tmp_path / "app/llm.py").write_text("import os\nfrom openai import OpenAI\n\n\ndef ask():\n    return 2\n")
    second = _token(tmp_path)
    assert second != first
    (tmp_path / "new.py").write_text("x = 1\n")
    third = _token(tmp_path)
    assert third not in (first, second)
    (tmp_path / "new.py").unlink()
    assert _token(tmp_path) == second


def test_a_module_that_starts_handing_out_clients_is_followed_on_the_next_run(tmp_path):
    service = ("from app.llm import client\n\n\ndef ask(q):\n"
               "    return client.chat.completions.create(model='m', messages=[])\n")
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": "client = None\n", "app/service.py": service})
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == []
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == []  # remembered
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\nclient = OpenAI()\n")
    expected = [("app/service.py", 5, "AIL101")]
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101", "--no-cache")[1] == expected
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == expected
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\nclient = OpenAI(timeout=20)\n")
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == []


def test_an_eval_library_user_becomes_a_harness_without_an_import_change(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(EVAL_PROJECTS / "langsmith_covered", project)
    (project / ".git").mkdir()
    harness = project / "evals" / "langsmith_eval.py"
    real = harness.read_text(encoding="utf-8")
    # the same imports, but no evaluate(...) call: not a harness, and remembered as such
    harness.write_text(real.replace("    evaluate(target,", "    print(target,"), encoding="utf-8")
    uncovered = check_json(project, ".", "--select", "AIL4", "--no-cache")[1]
    assert [code for _, _, code in uncovered] == ["AIL402"]
    assert check_json(project, ".", "--select", "AIL4")[1] == uncovered
    assert check_json(project, ".", "--select", "AIL4")[1] == uncovered
    harness.write_text(real, encoding="utf-8")
    assert check_json(project, ".", "--select", "AIL4")[1] == []
    assert check_json(project, "app/llm.py", "--select", "AIL4")[1] == []


def _scan(root: Path, folder: Path):
    relpaths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py") if ".ailint_cache" not in p.parts)
    return scan_project(root, relpaths, 1 << 20, 1, folder)


def test_a_few_rescanned_files_go_to_the_delta_and_are_read_back(tmp_path):
    from ailint.project_scan import DELTA, MANIFEST

    root, folder = tmp_path / "p", tmp_path / "cache"
    write_files(root, {f"m{i}.py": f"import os\nX = {i}\n" for i in range(20)})
    first = _scan(root, folder)
    manifest = (folder / MANIFEST).read_bytes()
    (root / "m3.py").write_text("import os\nimport openai\nX = 3\n")
    second = _scan(root, folder)
    assert (folder / MANIFEST).read_bytes() == manifest and (folder / DELTA).exists()
    assert second["m3.py"].imports == ("os", "openai") and second.token != first.token
    third = _scan(root, folder)
    fresh = scan_project(root, sorted(third), 1 << 20, 1, None)
    assert {k: v.interface() for k, v in third.items()} == {k: v.interface() for k, v in fresh.items()}
    assert third.token == fresh.token == second.token
    assert {k: v.sha256 for k, v in third.items()} == {k: v.sha256 for k, v in fresh.items()}


def test_a_damaged_or_stale_delta_is_ignored(tmp_path):
    from ailint.project_scan import DELTA, MANIFEST

    root, folder = tmp_path / "p", tmp_path / "cache"
    write_files(root, {f"m{i}.py": "import os\n" for i in range(5)})
    _scan(root, folder)
    (root / "m1.py").write_text("import json\n")
    _scan(root, folder)
    (folder / DELTA).write_text("{not json")
    assert _scan(root, folder)["m1.py"].imports == ("json",)
    (root / "m2.py").unlink()  # a file removed: the whole manifest is written, the delta dropped
    after = _scan(root, folder)
    assert "m2.py" not in after and not (folder / DELTA).exists() and (folder / MANIFEST).exists()
    assert after["m1.py"].imports == ("json",)


def test_editing_a_client_module_re_checks_the_files_that_read_a_client_from_it_and_no_others(tmp_path):
    # app/__init__.py and app/llm.py import each other: a digest over the import graph would
    # tie every importer of the package to every module of the cycle
    write_files(tmp_path, {
        "app/__init__.py": "from app import llm, prompts\n",
        "app/llm.py": "import app\nfrom openai import OpenAI\nclient = OpenAI(timeout=20)\n",
        "app/prompts.py": "import app\nfrom openai import OpenAI\nhelper = OpenAI(timeout=5)\n",
        "app/service.py": "from app.llm import client\n\n\ndef ask(q):\n"
                          "    return client.chat.completions.create(model='m', messages=[])\n",
        "app/report.py": "from app.prompts import helper\n\n\ndef ask(q):\n"
                         "    return helper.chat.completions.create(model='m', messages=[])\n",
    })
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == []
    (tmp_path / "app/llm.py").write_text("import app\nfrom openai import OpenAI\nclient = OpenAI()\n")
    report = run_ailint(["check", "-v", "--select", "AIL101", "app/report.py"], tmp_path)
    assert "1 file checked, 0 parsed fully, 1 from the cache" in report.stdout, report.stdout
    service = run_ailint(["check", "-v", "--select", "AIL101", "app/service.py"], tmp_path)
    assert "app/service.py:5:" in service.stdout and "0 from the cache" in service.stdout, service.stdout
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == [("app/service.py", 5, "AIL101")]
    assert check_json(tmp_path, ".", "--select", "AIL101", "--no-cache")[1] == [("app/service.py", 5, "AIL101")]
    (tmp_path / "app/prompts.py").write_text("import app\nfrom openai import OpenAI\nhelper = OpenAI()\n")
    assert check_json(tmp_path, "app/report.py", "--select", "AIL101")[1] == [("app/report.py", 5, "AIL101")]


def _remembered(root: Path, name: str):
    states = list((root / ".ailint_cache").rglob("project-*.json"))
    assert len(states) == 1
    return json.loads(states[0].read_text())["values"].get(name)


def test_the_gate_kinds_of_every_file_are_remembered_while_imports_and_exports_hold(tmp_path):
    write_files(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "app/service.py": "from app.llm import client\n\n\ndef ask(q):\n"
                          "    return client.chat.completions.create(model='m', messages=[])\n",
        "app/other.py": "import os\n",
    })
    found = [("app/service.py", 5, "AIL101")]
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == found
    assert _remembered(tmp_path, "scan_kinds") == {"app/service.py": "llm"}
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == found  # keyed by the remembered kinds
    # the module stops handing the name out (same imports, another export table): recomputed
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\nclient = None\nOTHER = OpenAI()\n")
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == []
    assert check_json(tmp_path, ".", "--select", "AIL101", "--no-cache")[1] == []
    assert _remembered(tmp_path, "scan_kinds") == {}
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\nclient = OpenAI()\n")
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == found


def test_damaged_state_and_manifest_rows_are_recomputed(tmp_path):
    from ailint.project_scan import MANIFEST

    service = ("from app.llm import client\n\n\ndef ask(q):\n"
               "    return client.chat.completions.create(model='m', messages=[])\n")
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": "from openai import OpenAI\nclient = OpenAI()\n",
                           "app/service.py": service, "evals/run.py": "from langsmith import evaluate\n"})
    expected = check_json(tmp_path, ".", "--no-cache")[1]
    assert ("app/service.py", 5, "AIL101") in expected
    assert check_json(tmp_path, ".")[1] == expected
    folder = tmp_path / ".ailint_cache" / "v2"
    (state,) = folder.glob("project-*.json")
    payload = json.loads(state.read_text())
    payload["values"] = {name: 5 if index % 2 else {"x": 5} for index, name in enumerate(payload["values"])}
    assert len(payload["values"]) >= 4
    state.write_text(json.dumps(payload))
    in_service = [finding for finding in expected if finding[0] == "app/service.py"]
    assert check_json(tmp_path, "app/service.py")[1] == in_service
    assert check_json(tmp_path, ".")[1] == expected
    manifest = json.loads((folder / MANIFEST).read_text())
    for row in manifest["files"].values():
        row[3] = 7  # imports of the wrong type
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert check_json(tmp_path, ".")[1] == expected


def test_facts_are_read_again_only_for_files_whose_analysis_consulted_the_edited_module(tmp_path):
    from cli_helpers import run_ailint

    write_files(tmp_path, {
        ".git/HEAD": "",
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\nclient = OpenAI(timeout=5)\nVERSION = '1'\n",
        "app/ask.py": "from app.llm import client\n\n\ndef ask(q):\n"
                      "    return client.chat.completions.create(model='m', messages=[])\n",
        "app/other_llm.py": "import anthropic\n\nclaude = anthropic.Anthropic(timeout=5)\n",
        "app/summary.py": "from app.other_llm import claude\n\n\ndef summarize(t):\n"
                          "    return claude.messages.create(model='m', max_tokens=9, messages=[])\n",
        "app/version.py": "import openai\nfrom app.llm import VERSION\n\nprint(VERSION, openai.__name__)\n",
        "app/other.py": "x = 1\n",
        "tests/test_util.py": "def test_nothing_llm():\n    assert 1 + 1 == 2\n",
    })
    select = ("--select", "AIL101,AIL4")  # AIL101 follows clients across modules
    whole = check_json(tmp_path, ".", *select)[1]
    assert whole == [("app/ask.py", 5, "AIL402")]
    assert check_json(tmp_path, "app/other.py", *select)[1] == []
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\nclient = OpenAI(timeout=5)\nVERSION = '2'\n")
    text = run_ailint(["check", "app/other.py", *select, "-v"], tmp_path).stdout
    # app/llm.py itself and app/ask.py (which asked it for its client) are read again; not
    # app/version.py, which only asked whether it sets SDK attributes (the scan says no), nor
    # the other LLM modules
    assert "facts about 5 other files: 3 from the cache, 2 read again" in text, text
    (tmp_path / "app/llm.py").write_text("import openai\nfrom openai import OpenAI\nopenai.timeout = 9\n"
                                         "client = OpenAI(timeout=5)\nVERSION = '2'\n")
    text = run_ailint(["check", "app/other.py", *select, "-v"], tmp_path).stdout
    assert "facts about 5 other files: 2 from the cache, 3 read again" in text, text  # now it does
    # app/llm.py stops handing out an LLM client: app/ask.py has no LLM call left to cover
    (tmp_path / "app/llm.py").write_text("client = None\nVERSION = '2'\n")
    assert check_json(tmp_path, "app/summary.py", *select)[1] == \
        check_json(tmp_path, "app/summary.py", *select, "--no-cache")[1] == [("app/summary.py", 5, "AIL402")]


def test_facts_are_read_again_when_a_module_they_asked_about_joins_the_index(tmp_path):
    from cli_helpers import run_ailint

    write_files(tmp_path, {
        ".git/HEAD": "",
        "app/__init__.py": "",
        "app/a_llm.py": "client = None\n",
        # app.hub is indexed (it imports requests) and re-exports app.a_llm's client
        "app/hub.py": "import requests\nfrom app.a_llm import client\n\nsession = requests.Session()\n",
        "app/z_ask.py": "import openai\nfrom app.hub import client\n\n\ndef ask(q):\n"
                        "    return client.chat.completions.create(model='m', messages=[])\n",
        "tests/test_util.py": "def test_nothing_llm():\n    assert 1 + 1 == 2\n",
    })
    select = ("--select", "AIL101,AIL4", "--format", "json")
    assert json.loads(run_ailint(["check", ".", *select], tmp_path).stdout)["findings"] == []
    (tmp_path / "app/a_llm.py").write_text("from openai import OpenAI\nclient = OpenAI(timeout=5)\n\n\n"
                                           "def ping():\n    return client.chat.completions.create(model='m')\n")
    # app/z_ask.py is not checked: its facts come from the cache, where app.a_llm (asked about
    # through app.hub) was not a project module; now it is, so they are computed again
    for args in (["--no-cache"], []):
        report = json.loads(run_ailint(["check", "app/a_llm.py", *select, *args], tmp_path).stdout)
        assert [(f["path"], f["code"]) for f in report["findings"]] == [("app/a_llm.py", "AIL402")]
        assert "calls LLMs in 2 files" in report["findings"][0]["message"], report["findings"][0]["message"]
