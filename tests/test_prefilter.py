"""The prefilter (byte needles, the import scan and the SDK gate) only saves time: with it off
(`AILINT_NO_PREFILTER=1`) every fixture project gets exactly the same findings."""

from __future__ import annotations

import ast
import shutil
import warnings
from pathlib import Path

import pytest

from ailint.import_scan import absolute, imported_names
from ailint_rules.support.evaluation import _ast_imports
from cli_helpers import check_json, run_ailint, write_files

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PROJECTS = ["flawed_service", "production_service", "sdk_corpus", "flow_corpus", "sdk_cases"] + sorted(
    f"eval_projects/{p.name}" for p in (FIXTURES / "eval_projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("project", PROJECTS)
def test_the_prefilter_never_changes_findings(project, tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(FIXTURES / project, folder)
    fast = check_json(folder, ".", "--no-cache")
    slow = check_json(folder, ".", "--no-cache", env={"AILINT_NO_PREFILTER": "1"})
    assert fast == slow
    if project in ("flawed_service", "sdk_corpus", "flow_corpus"):
        assert fast[1], "the comparison needs findings to mean anything"


def test_the_gate_skips_files_without_an_sdk_import(tmp_path):
    write_files(tmp_path, {
        "pyproject.toml": "[tool.ailint]\n",
        "chains.py": "def run(chain, q):\n    return chain.invoke(q)\n",  # an LLM call shape, no SDK
        "app.py": "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n",
    })
    proc = run_ailint(["check", ".", "--no-cache", "-v", "--select", "AIL101"], tmp_path)
    assert "2 files checked, 1 parsed fully" in proc.stdout, proc.stdout
    proc = run_ailint(["check", ".", "--no-cache", "-v", "--select", "AIL101"], tmp_path,
                      env={"AILINT_NO_PREFILTER": "1"})
    assert "2 files checked, 2 parsed fully" in proc.stdout, proc.stdout


def test_a_client_from_a_project_module_opens_the_gate(tmp_path):
    write_files(tmp_path, {
        "app/__init__.py": "from .llm import client\n",
        "app/llm.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "app/service.py": "from app import client\n\n\ndef ask(q):\n"
                          "    return client.chat.completions.create(model='m', messages=[])\n",
        "app/plain.py": "from app.util import helper\n\n\ndef ask(q):\n    return helper.invoke(q)\n",
        "app/util.py": "helper = None\n",
    })
    code, findings = check_json(tmp_path, "app/service.py", "app/plain.py", "--select", "AIL101")
    assert findings == [("app/service.py", 5, "AIL101")]


def test_a_package_importing_one_sdk_and_re_exporting_another_kind(tmp_path):
    write_files(tmp_path, {
        "app/__init__.py": "import openai\nfrom .http import session\n",
        "app/http.py": "import requests\nsession = requests.Session()\n",
        "use.py": "from app import session\n\n\ndef fetch():\n    return session.get('https://x')\n",
    })
    code, findings = check_json(tmp_path, "use.py", "--select", "AIL102")
    assert findings == [("use.py", 5, "AIL102")]


# -- the import scan ----------------------------------------------------------------------

def _ast_names(source: bytes):
    """What `ast` says the file imports, in the same shape (the fallback AIL401 uses)."""
    names = _ast_imports(source)
    if names is None:
        raise SyntaxError("does not parse")
    return names


TRICKY = {
    "parenthesised, with comments holding brackets": b"from a.b import (\n    c,  # (see d)\n    e as f,\n)\n",
    "backslash continuation": b"from x import y, \\\n    z\nimport p, \\\n  q.r as s\n",
    "after a semicolon": b"import os; import openai\n",
    "a one-line compound statement": b"try: import anthropic\nexcept ImportError: anthropic = None\n",
    "lazy import in a function": b"def f():\n    from langchain_openai import ChatOpenAI\n    return ChatOpenAI()\n",
    "relative imports": b"from . import llm\nfrom ..pkg.mod import thing\nfrom .x import *\n",
    "CRLF line endings": b"import requests\r\nfrom httpx import (\r\n  Client,\r\n)\r\n",
    "a byte order mark": b"\xef\xbb\xbfimport requests\n",
    "dotted with spaces": b"import  a . b\nfrom c . d import e\n",
    "no spaces around dots (found by hypothesmith)": b"from.import*\nfrom..x import(y)\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_the_import_scan_finds_every_import_ast_finds(name):
    source = TRICKY[name]
    assert set(_ast_names(source)) <= set(imported_names(source))


def test_the_import_scan_covers_ailints_own_code():
    for path in sorted(ROOT.glob("ailint/**/*.py")) + sorted(ROOT.glob("rules/**/*.py")):
        data = path.read_bytes()
        missing = set(_ast_names(data)) - set(imported_names(data))
        assert not missing, f"{path}: {sorted(missing)}"


def test_import_lookalikes_cost_at_most_a_parse():
    names = imported_names(b"x = 'import openai'\n# from anthropic import Anthropic\nimportant = 1\nreimport(x)\n")
    assert "important" not in names and "reimport" not in names


def test_relative_names_resolve_from_the_importing_module():
    assert absolute("..llm.client", "app.api.routes", False) == "app.llm.client"
    assert absolute(".llm", "app", True) == "app.llm"
    assert absolute(".", "app.api", False) == "app"
    assert absolute("openai", "app", False) == "openai"


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code while generating
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_generated_sources_lose_no_import():
    hypothesis = pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def check(source):
        data = source.encode("utf-8", "surrogatepass")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings of odd generated code
                expected = set(_ast_names(data))
        except (SyntaxError, ValueError, RecursionError):
            return
        assert expected <= set(imported_names(data))

    check()
