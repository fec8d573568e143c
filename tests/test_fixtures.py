"""The realistic fixtures (issue #2 item 10) through the real command line, and the timeout
rules' coverage cases through `ailint.testing.check_source`.

`fixtures/flawed_service` is a small support-bot service with every timeout mistake the
timeout rules know about; `fixtures/production_service` is its twin with explicit timeouts.
The expected findings below were written from reading the fixture, line by line; each entry
says why the line is flagged. Lines that look suspicious but are fine are listed too, in
`FLAWED_CLEAN_LINES`, so that a false positive fails as loudly as a false negative.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import pytest

from ailint.testing import check_source
from ailint_rules.http_call_without_timeout import HttpCallWithoutTimeout
from ailint_rules.llm_call_without_timeout import LlmCallWithoutTimeout

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
FLAWED = FIXTURES / "flawed_service"
PRODUCTION = FIXTURES / "production_service"

# (path relative to the service folder, line, code, why) -- the complete list.
FLAWED_FINDINGS: List[Tuple[str, int, str, str]] = [
    ("app/api.py", 50, "AIL102", "requests.head in the health check, no timeout"),
    ("app/http.py", 27, "AIL102", "requests.Session().post: a Session has no timeout setting"),
    ("app/http.py", 38, "AIL102", "httpx.Client(timeout=None) at module level, used in a function"),
    ("app/http.py", 43, "AIL102", "requests.get without timeout"),
    ("app/http.py", 51, "AIL102", "`with requests.Session() as session: session.post(...)`"),
    ("app/http.py", 55, "AIL102", "httpx.get(..., timeout=None)"),
    ("app/llm.py", 30, "AIL101", "module-level `OpenAI()` without timeout, chat call in a function"),
    ("app/llm.py", 43, "AIL101", "same client, embeddings"),
    ("app/llm.py", 49, "AIL101", "`oai.OpenAI(timeout=None)` through the `import openai as oai` alias"),
    ("app/llm.py", 55, "AIL101", "module-level `oai.chat.completions.create`, no `openai.timeout`"),
    ("app/llm.py", 73, "AIL101", "`self.client = Anthropic(...)` without timeout, messages.create"),
    ("app/llm.py", 82, "AIL101", "same self.client, messages.count_tokens"),
]

# The called name each finding must point at (DESIGN: "at the call, the line where the
# called name appears").
CALLED_NAME = {
    ("app/api.py", 50): "head", ("app/http.py", 27): "post", ("app/http.py", 38): "post",
    ("app/http.py", 43): "get", ("app/http.py", 51): "post", ("app/http.py", 55): "get",
    ("app/llm.py", 30): "create", ("app/llm.py", 43): "create", ("app/llm.py", 49): "create",
    ("app/llm.py", 55): "create", ("app/llm.py", 73): "create", ("app/llm.py", 82): "count_tokens",
}

# Where the client of each client-bound call was built: the finding's related location.
# Calls through module functions (requests.get, httpx.get, openai.chat...) have none.
CLIENT_BUILT_AT = {
    ("app/http.py", 27): 14, ("app/http.py", 38): 18, ("app/http.py", 51): 49,
    ("app/llm.py", 30): 21, ("app/llm.py", 43): 21, ("app/llm.py", 49): 24,
    ("app/llm.py", 73): 69, ("app/llm.py", 82): 69,
}

# Network calls in the flawed service that are fine and must stay unflagged.
FLAWED_CLEAN_LINES = {
    ("app/http.py", 61): "httpx.AsyncClient() without timeout keeps httpx's 5 s default",
}


def ailint(*args: str, cwd: Path, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """The real command line, as a user (or CI) runs it."""
    environment = dict(os.environ)
    environment.pop("NO_COLOR", None)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "ailint", *args], cwd=str(cwd), env=environment,
                          capture_output=True, text=True, timeout=120)


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`ailint check` with the timeout rules (AIL1xx) selected: the fixtures are about timeouts,
    and rules of other categories keep arriving (the production twin is kept clean of those
    too where it is practical, but these tests pin the timeout findings exactly)."""
    return ailint("check", *args, "--select", "AIL1", "--no-cache", cwd=cwd)  # no cache written into fixtures


def json_report(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout, f"no report on stdout; stderr:\n{result.stderr}"
    return json.loads(result.stdout)


def triples(report: dict) -> Set[Tuple[str, int, str]]:
    return {(f["path"], f["line"], f["code"]) for f in report["findings"]}


def expected(prefix: str = "") -> Set[Tuple[str, int, str]]:
    return {(prefix + path, line, code) for path, line, code, _ in FLAWED_FINDINGS}


def repo_prefix() -> str:
    """How paths under the repository show when ailint runs inside it: relative to the
    project root, which is the repository (it holds .git; its pyproject.toml has no
    [tool.ailint] table). A checkout without .git (an unpacked sdist) has no root marker,
    so the current folder is the root."""
    return "fixtures/flawed_service/" if (REPO / ".git").exists() else ""


@pytest.fixture
def service_copy(tmp_path: Path):
    """Copy a service somewhere no .git or ailint config is above it."""

    def copy(source: Path, name: str = "support-bot") -> Path:
        target = tmp_path / name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ailint_cache"))
        return target

    return copy


# -- the flawed service ------------------------------------------------------------------------

def test_expectations_are_consistent():
    keys = {(path, line) for path, line, _, _ in FLAWED_FINDINGS}
    assert len(keys) == len(FLAWED_FINDINGS)
    assert set(CALLED_NAME) == keys
    assert set(CLIENT_BUILT_AT) <= keys
    assert not keys & set(FLAWED_CLEAN_LINES)


def test_flawed_service_from_the_repository_root():
    result = check("fixtures/flawed_service", "--format", "json", cwd=REPO)
    assert result.returncode == 1, result.stderr
    report = json_report(result)
    prefix = "fixtures/flawed_service/"
    assert triples(report) == expected(prefix)
    assert report["summary"]["findings"] == len(FLAWED_FINDINGS)
    assert report["summary"]["by_category"] == {"timeouts": len(FLAWED_FINDINGS)}
    assert "Traceback" not in result.stderr


def test_flawed_service_findings_point_at_the_called_name_and_the_client():
    result = check(".", "--format", "json", cwd=FLAWED)
    assert result.returncode == 1, result.stderr
    prefix = repo_prefix()
    for finding in json_report(result)["findings"]:
        path = finding["path"][len(prefix):]
        assert finding["path"].startswith(prefix)
        source = (FLAWED / path).read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
        called = CALLED_NAME[(path, finding["line"])]
        assert source[finding["column"] - 1:].startswith(called + "("), (finding, source)
        assert finding["severity"] == "warning"
        assert finding["fingerprint"]
        built_at = CLIENT_BUILT_AT.get((path, finding["line"]))
        if built_at is None:
            assert finding["related"] == [], finding
        else:
            assert [(r["path"], r["line"]) for r in finding["related"]] == [(prefix + path, built_at)], finding
            if "built at" in finding["message"]:  # names the same place, with the same relative path
                assert f"built at {prefix}{path}:{built_at}" in finding["message"], finding


def test_flawed_service_messages_say_what_is_wrong():
    result = check("fixtures/flawed_service", "--format", "json", cwd=REPO)
    by_place = {(f["path"].split("flawed_service/")[-1], f["line"]): f["message"] for f in json_report(result)["findings"]}
    assert "600 s" in by_place[("app/llm.py", 30)]
    assert "timeout=None" in by_place[("app/llm.py", 49)]
    assert "openai.timeout" in by_place[("app/llm.py", 55)]
    assert "disables" in by_place[("app/http.py", 38)]
    assert "timeout=None" in by_place[("app/http.py", 55)]
    assert "can wait forever" in by_place[("app/http.py", 43)]


def test_text_format_from_the_repository_root():
    result = check("fixtures/flawed_service", cwd=REPO)
    assert result.returncode == 1, result.stderr
    pattern = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d{3}) \[(?P<name>[a-z0-9-]+)\] (?P<msg>.+)$")
    found = set()
    for line in result.stdout.splitlines():
        match = pattern.match(line)
        if match:
            found.add((match["path"], int(match["line"]), match["code"]))
            assert match["name"] == {"AIL101": "llm-call-without-timeout", "AIL102": "http-call-without-timeout"}[match["code"]]
    assert found == expected("fixtures/flawed_service/")
    assert "\033[" not in result.stdout  # not a terminal: no colors
    assert result.stdout.rstrip().splitlines()[-1] == f"Found {len(FLAWED_FINDINGS)} findings in 3 files (timeouts: {len(FLAWED_FINDINGS)})."


def test_check_dot_inside_the_fixture_uses_the_repository_as_root():
    """Inside the repository the project root is the folder holding .git, so `check .` from
    the fixture folder reports the same paths as `check fixtures/flawed_service` from the top."""
    inside = check(".", "--format", "json", cwd=FLAWED)
    top = check("fixtures/flawed_service", "--format", "json", cwd=REPO)
    assert inside.returncode == top.returncode == 1
    assert triples(json_report(inside)) == triples(json_report(top)) == expected(repo_prefix())


def test_check_dot_in_a_standalone_project_reports_paths_from_its_root(service_copy):
    """No .git and no config above: the root is the current folder. The service's own
    pyproject.toml has no [tool.ailint] table, so it does not make a root."""
    project = service_copy(FLAWED)
    result = check(".", "--format", "json", cwd=project)
    assert result.returncode == 1, result.stderr
    assert triples(json_report(result)) == expected()
    text = check(".", cwd=project)
    assert text.stdout.startswith("app/api.py:50:")
    # From the parent folder, that folder is the root.
    parent = check("support-bot", "--format", "json", cwd=project.parent)
    assert triples(json_report(parent)) == expected("support-bot/")


def test_root_is_the_folder_holding_git_or_the_config_file(service_copy):
    project = service_copy(FLAWED)
    (project / ".git").mkdir()
    # From a subfolder, paths stay relative to the folder holding .git, with forward slashes.
    result = check(".", "--format", "json", cwd=project / "app")
    assert triples(json_report(result)) == {t for t in expected() if t[0].startswith("app/")}
    # An ailint.toml sets the root even when ailint runs from elsewhere.
    other = service_copy(FLAWED, "other-bot")
    (other / "ailint.toml").write_text("fail-on = \"warning\"\n", encoding="utf-8")
    result = check("other-bot", "--format", "json", cwd=other.parent)
    assert result.returncode == 1, result.stderr
    assert triples(json_report(result)) == expected()


def test_flawed_service_json_report_is_stable_across_runs():
    first = json_report(check("fixtures/flawed_service", "--format", "json", cwd=REPO))
    second = json_report(check("fixtures/flawed_service", "--format", "json", "--jobs", "1", cwd=REPO))
    assert first["findings"] == second["findings"]


# -- the production twin -----------------------------------------------------------------------

def test_production_service_is_clean():
    result = check("fixtures/production_service", "--format", "json", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json_report(result)
    assert report["findings"] == []
    assert report["summary"]["files_checked"] >= 5  # every Python file was read
    text = check(".", cwd=PRODUCTION)
    assert text.returncode == 0 and text.stdout.startswith("No findings in ")


def _definitions(path: Path) -> List[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return sorted(names)


def test_production_service_is_the_twin_of_the_flawed_one():
    """Same files, same functions and classes: only the timeouts differ."""
    files = sorted(p.relative_to(FLAWED).as_posix() for p in FLAWED.rglob("*") if p.is_file() and not {"__pycache__", ".ailint_cache"} & set(p.parts))
    twin = sorted(p.relative_to(PRODUCTION).as_posix() for p in PRODUCTION.rglob("*") if p.is_file() and not {"__pycache__", ".ailint_cache"} & set(p.parts))
    # The twin adds what the flawed service lacks: its tests and the CI workflow that runs them.
    assert [path for path in twin if not path.startswith(("tests/", ".github/"))] == files
    for relpath in files:
        if relpath.endswith(".py"):
            assert _definitions(FLAWED / relpath) == _definitions(PRODUCTION / relpath), relpath
    flagged_files = {path for path, _, _, _ in FLAWED_FINDINGS}
    for relpath in flagged_files:
        assert "timeout" in (PRODUCTION / relpath).read_text(encoding="utf-8")


def test_fixtures_hold_no_secret_looking_strings():
    """Credentials come from os.environ: a secrets rule must find nothing in the fixtures."""
    from ailint_rules.support.secrets import scan_text

    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".yaml", ".yml", ".md", ".cfg", ".txt", ".json"):
            matches = list(scan_text(path.read_text(encoding="utf-8")))
            assert not matches, f"{path}: {[m.format_id for m in matches]}"


# -- coverage cases (issue #2): each flagged AND clean -----------------------------------------

L, H = LlmCallWithoutTimeout, HttpCallWithoutTimeout
CHAT = "chat.completions.create(model='m', messages=[])"


def case(rule: type, code: str, lines: Sequence[int], case_id: str, bug: Optional[str] = None):
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(rule, code, list(lines), id=f"{rule.code}-{case_id}", marks=marks)


COVERAGE = [
    # aliased imports
    case(L, f"import openai as oai\nclient = oai.OpenAI()\nclient.{CHAT}\n", [3], "import-as-flagged"),
    case(L, f"import openai as oai\nclient = oai.OpenAI(timeout=20)\nclient.{CHAT}\n", [], "import-as-clean"),
    case(L, f"from openai import OpenAI as LLM\nllm = LLM()\nllm.{CHAT}\n", [3], "from-import-as-flagged"),
    case(L, f"from openai import OpenAI as LLM\nllm = LLM(timeout=20)\nllm.{CHAT}\n", [], "from-import-as-clean"),
    case(H, "import requests as rq\nrq.get('https://x')\n", [2], "requests-as-flagged"),
    case(H, "import requests as rq\nrq.get('https://x', timeout=5)\n", [], "requests-as-clean"),
    case(L, f"from mylib import OpenAI\nclient = OpenAI()\nclient.{CHAT}\n", [], "not-openai-clean"),
    # client-level timeouts
    case(L, f"from openai import OpenAI\nclient = OpenAI(max_retries=2)\nclient.{CHAT}\n", [3], "client-no-timeout-flagged"),
    case(L, f"import httpx\nfrom openai import OpenAI\nclient = OpenAI(timeout=httpx.Timeout(20.0, connect=3.0))\nclient.{CHAT}\n",
         [], "client-httpx-timeout-clean"),
    case(L, f"import httpx\nfrom openai import OpenAI\nclient = OpenAI(timeout=httpx.Timeout(None))\nclient.{CHAT}\n",
         [4], "client-httpx-timeout-none-flagged"),
    case(L, "from anthropic import AsyncAnthropic\nclient = AsyncAnthropic(timeout=30.0)\n\nasync def ask():\n"
            "    return await client.messages.create(model='m', max_tokens=5, messages=[])\n", [], "anthropic-async-clean"),
    # per-call timeouts
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nclient.{CHAT[:-1]}, timeout=10)\n", [], "per-call-clean"),
    case(L, "import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model='m', max_tokens=5, messages=[])\n",
         [3], "anthropic-no-timeout-flagged"),
    case(H, "import httpx\nclient = httpx.Client(timeout=None)\nclient.get('https://x', timeout=5)\n", [], "per-call-overrides-client-none-clean"),
    # timeout=None, on the client and on the call
    case(L, f"from openai import OpenAI\nclient = OpenAI(timeout=None)\nclient.{CHAT}\n", [3], "client-none-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI(timeout=30)\nclient.{CHAT[:-1]}, timeout=None)\n", [3], "call-none-flagged"),
    case(H, "import requests\nrequests.get('https://x', timeout=None)\n", [2], "requests-none-flagged"),
    case(H, "import requests\nrequests.get('https://x', timeout=(3.05, None))\n", [2], "requests-read-none-flagged"),
    case(H, "import requests\nrequests.get('https://x', timeout=(3.05, 27))\n", [], "requests-tuple-clean"),
    case(H, "import httpx\nclient = httpx.Client(timeout=10)\nclient.get('https://x', timeout=None)\n", [3], "httpx-call-none-flagged"),
    case(H, "import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient(timeout=None) as c:\n        return await c.get(url)\n",
         [5], "httpx-async-client-none-flagged"),
    case(H, "import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient() as c:\n        return await c.get(url)\n",
         [], "httpx-default-5s-clean"),
    # with_options(timeout=...)
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nclient.with_options(timeout=5).{CHAT}\n", [], "with-options-chain-clean"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nfast = client.with_options(timeout=5)\nfast.{CHAT}\n", [], "with-options-bound-clean"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nclient.with_options(max_retries=5).{CHAT}\n", [3], "with-options-no-timeout-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI(timeout=30)\nclient.with_options(timeout=None).{CHAT}\n", [3], "with-options-none-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI(timeout=5)\nslow = client.with_options(timeout=None)\nslow.{CHAT}\n", [4],
         "with-options-bound-none-flagged"),
    # http_client=httpx.Client(timeout=...)
    case(L, f"import httpx\nfrom openai import OpenAI\nclient = OpenAI(http_client=httpx.Client(timeout=15))\nclient.{CHAT}\n",
         [], "http-client-timeout-clean"),
    case(L, f"import httpx\nfrom openai import OpenAI\nclient = OpenAI(http_client=httpx.Client())\nclient.{CHAT}\n",
         [4], "http-client-default-flagged"),
    case(L, f"import httpx\nfrom openai import OpenAI\nclient = OpenAI(http_client=httpx.Client(timeout=None))\nclient.{CHAT}\n",
         [4], "http-client-timeout-none-flagged"),
    case(L, f"import httpx\nfrom openai import OpenAI\nhttp = httpx.Client(timeout=10)\nclient = OpenAI(http_client=http)\nclient.{CHAT}\n",
         [], "http-client-variable-clean"),
    case(L, f"import httpx\nfrom openai import OpenAI\nhttp = httpx.Client()\nclient = OpenAI(http_client=http)\nclient.{CHAT}\n",
         [5], "http-client-variable-default-flagged"),
    # self.client in a class
    case(L, "from anthropic import Anthropic\n\nclass Bot:\n    def __init__(self):\n        self.client = Anthropic()\n\n"
            "    def ask(self):\n        return self.client.messages.create(model='m', max_tokens=5, messages=[])\n", [8], "self-client-flagged"),
    case(L, "from anthropic import Anthropic\n\nclass Bot:\n    def __init__(self):\n        self.client = Anthropic(timeout=30.0)\n\n"
            "    def ask(self):\n        return self.client.messages.create(model='m', max_tokens=5, messages=[])\n", [], "self-client-clean"),
    case(L, "from anthropic import Anthropic\n\nclass Bot:\n    def __init__(self) -> None:\n        self.client: Anthropic = Anthropic()\n\n"
            "    def ask(self):\n        return self.client.messages.create(model='m', max_tokens=5, messages=[])\n", [8], "self-client-annotated-flagged"),
    case(L, "from openai import OpenAI\n\nclass Bot:\n    def __init__(self):\n        self.client = OpenAI()\n\n"
            f"    def ask(self):\n        return self.client.with_options(timeout=5).{CHAT}\n", [], "self-client-with-options-clean"),
    case(H, "import requests\n\nclass Api:\n    def __init__(self):\n        self.session = requests.Session()\n\n"
            "    def get(self, url):\n        return self.session.get(url)\n", [8], "self-session-flagged"),
    case(L, "from anthropic import Anthropic\n\nclass A:\n    def __init__(self):\n        self.client = Anthropic()\n\nclass B:\n"
            "    def __init__(self, client):\n        self.client = client\n\n    def ask(self):\n"
            "        return self.client.messages.create(model='m', max_tokens=5, messages=[])\n", [], "self-client-other-class-clean"),
    # factory function returning a client
    case(L, f"from openai import AzureOpenAI\n\ndef get_client():\n    return AzureOpenAI(api_version='2024-06-01')\n\n"
            f"def ask():\n    return get_client().{CHAT}\n", [7], "factory-flagged"),
    case(L, f"from openai import AzureOpenAI\n\ndef get_client():\n    return AzureOpenAI(api_version='2024-06-01', timeout=20)\n\n"
            f"def ask():\n    return get_client().{CHAT}\n", [], "factory-clean"),
    case(L, f"import functools\nfrom openai import OpenAI\n\n@functools.lru_cache(maxsize=None)\ndef get_client():\n"
            f"    client = OpenAI()\n    return client\n\ndef ask():\n    llm = get_client()\n    return llm.{CHAT}\n",
         [11], "cached-factory-bound-flagged"),
    case(L, f"from openai import OpenAI\n\ndef ask():\n    llm = get_client()\n    return llm.{CHAT}\n\n"
            "def get_client():\n    return OpenAI()\n", [5], "factory-defined-after-use-flagged"),
    # **kwargs dicts with known keys
    case(L, f"from openai import OpenAI\nSETTINGS = {{'timeout': 30}}\nclient = OpenAI(**SETTINGS)\nclient.{CHAT}\n", [], "client-kwargs-literal-clean"),
    case(L, f"from openai import OpenAI\nSETTINGS = {{'max_retries': 2}}\nclient = OpenAI(**SETTINGS)\nclient.{CHAT}\n", [4],
         "client-kwargs-literal-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI(**dict(max_retries=2))\nclient.{CHAT}\n", [3], "client-kwargs-dict-call-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nkw = dict(timeout=10)\nclient.{CHAT[:-1]}, **kw)\n", [], "call-kwargs-dict-call-clean"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nkw = dict(timeout=None)\nclient.{CHAT[:-1]}, **kw)\n", [4],
         "call-kwargs-dict-call-none-flagged"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\n\ndef ask():\n    kw = {{}}\n    kw['timeout'] = 10\n    return client.{CHAT[:-1]}, **kw)\n",
         [], "call-kwargs-subscript-clean"),
    case(H, "import requests\nopts = {}\nopts['verify'] = True\nrequests.get('https://x', **opts)\n", [4], "call-kwargs-subscript-flagged"),
    case(H, "import requests\nopts = {'timeout': 5}\nrequests.get('https://x', **opts)\n", [], "call-kwargs-literal-clean"),
    case(H, "import requests\n\ndef fetch(url, **kw):\n    return requests.get(url, **kw)\n", [], "unknown-kwargs-stays-quiet"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nopts = {{'timeout': 5}}\nclient.with_options(**opts).{CHAT}\n", [],
         "with-options-kwargs-clean"),
    case(H, "import requests\n\ndef get(url):\n    kw = {}\n    kw.update(timeout=5)\n    return requests.get(url, **kw)\n", [],
         "kwargs-update-clean"),
    case(H, "import requests\n\ndef get(url):\n    kw = {}\n    add_defaults(kw)\n    return requests.get(url, **kw)\n", [],
         "kwargs-escaping-dict-clean"),
    case(H, "import requests\nKW = {}\n\ndef setup():\n    KW['timeout'] = 5\n\ndef get(url):\n    return requests.get(url, **KW)\n",
         [], "kwargs-subscript-in-other-function-clean"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\nkw = {{'max_retries': 2}}\n\ndef ask(kw):\n    return client.{CHAT[:-1]}, **kw)\n",
         [], "kwargs-parameter-shadows-module-dict-clean"),
    case(H, "import requests\n\ndef get(url):\n    kw = {}\n    kw.setdefault('timeout', 5)\n    return requests.get(url, **kw)\n", [],
         "kwargs-setdefault-clean"),
    case(H, "import requests\n\ndef get(url):\n    kw = {}\n    kw |= {'timeout': 5}\n    return requests.get(url, **kw)\n", [],
         "kwargs-ior-clean"),
    case(L, f"from openai import OpenAI\nclient = OpenAI()\n\ndef ask(client):\n    return client.{CHAT}\n", [],
         "parameter-shadows-module-client-clean"),
    # requests Session
    case(H, "import requests\nwith requests.Session() as s:\n    s.get('https://x')\n", [3], "with-session-flagged"),
    case(H, "import requests\nwith requests.Session() as s:\n    s.get('https://x', timeout=(3, 30))\n", [], "with-session-clean"),
    case(H, "from requests import Session\n\ndef f():\n    with Session() as s:\n        s.post('https://x', json={})\n", [5],
         "from-import-session-flagged"),
    case(H, "import requests\ns = requests.Session()\ns.timeout = 10\ns.get('https://x')\n", [4], "session-timeout-attribute-is-ignored-flagged"),
    case(H, "import requests\ns = requests.Session()\ns.headers.update({'a': 'b'})\ns.mount('https://', None)\n", [], "session-non-network-clean"),
    # module-level openai client
    case(L, "import openai\nopenai.chat.completions.create(model='m', messages=[])\n", [2], "module-client-flagged"),
    case(L, "import openai\nopenai.timeout = 30\nopenai.chat.completions.create(model='m', messages=[])\n", [], "module-client-timeout-clean"),
    case(L, "import openai as oai\noai.timeout = 30\n\ndef f():\n    return oai.embeddings.create(model='m', input='x')\n", [],
         "module-client-alias-timeout-clean"),
    case(L, "import openai\nopenai.timeout = None\nopenai.chat.completions.create(model='m', messages=[])\n", [3], "module-client-none-flagged"),
    case(L, "import openai\nopenai.timeout = 30\nopenai.chat.completions.create(model='m', messages=[], timeout=None)\n", [3],
         "module-client-call-none-flagged"),
    # lazily built clients (common in services)
    case(L, f"from openai import OpenAI\n\nclass Bot:\n    client = OpenAI()\n\n    def ask(self):\n        return self.client.{CHAT}\n",
         [7], "class-attribute-client-flagged"),
    case(L, f"from openai import OpenAI\n_client = None\n\ndef init():\n    global _client\n    _client = OpenAI()\n\n"
            f"def ask():\n    return _client.{CHAT}\n", [9], "global-lazy-client-flagged"),
]


@pytest.mark.parametrize("rule,code,lines", COVERAGE)
def test_coverage_case(rule, code, lines):
    findings = check_source(rule, code)
    shown = "\n".join(f"  {f.line}:{f.column} {f.message}" for f in findings)
    assert sorted(f.line for f in findings) == lines, f"{rule.code} on:\n{code}\nreported:\n{shown or '  (none)'}"
