"""Evaluation coverage (AIL401-AIL403) through the real command line.

`fixtures/eval_projects` holds one pair of tiny support-bot projects per harness kind: in
`<kind>_covered` the harness reaches the LLM call and CI runs it (no finding); in
`<kind>_lookalike` a harness of the same kind imports the code but never reaches the call
(AIL401 at the call). Each project is copied into a temporary folder with a `.git` folder, so
it is its own project root, and checked with `--select AIL4`.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from ailint.context import FileContext, ProjectContext, ProjectFile
from ailint.files import Discovery
from ailint_rules.support.ci_commands import markexpr_accepts
from ailint_rules.support.evaluation import DEFAULT_LIVE_MARKERS, coverage
from cli_helpers import check_json, run_ailint, write_files

REPO = Path(__file__).resolve().parent.parent
PROJECTS = REPO / "fixtures" / "eval_projects"

# The one LLM call of the shared app/llm.py (`client.chat.completions.create`).
CALL = ("app/llm.py", 27)

# project -> the complete list of AIL4xx findings (path, line, code), and why.
EXPECTED = {
    "promptfoo_covered": [],  # provider file://support_provider.py:call_api -> app.llm.answer
    "promptfoo_prompt_file_covered": [],  # evaluates app/prompts/answer.txt, the prompt app/llm.py sends
    "promptfoo_lookalike": [(*CALL, "AIL401")],  # evaluates summary.txt, another prompt
    "deepeval_covered": [],  # actual_output=answer(QUESTION)
    "deepeval_lookalike": [(*CALL, "AIL401")],  # scores a recorded answer; calls build_messages only
    "ragas_covered": [],  # rows built from answer(question)
    "ragas_lookalike": [(*CALL, "AIL401")],  # scores exported answers; imports SYSTEM_PROMPT only
    "inspect_covered": [],  # a @solver calling answer()
    "inspect_lookalike": [(*CALL, "AIL401")],  # system_message(SYSTEM_PROMPT) + inspect's own generate()
    "openai_evals_covered": [],  # completion_fns: class app.completion_fn:SupportBotCompletionFn
    "openai_evals_lookalike": [(*CALL, "AIL401")],  # built-in Includes eval on a plain model
    "langsmith_covered": [],  # evaluate(target, ...) with target calling answer()
    "langsmith_lookalike": [(*CALL, "AIL401")],  # target only builds messages
    "unittest_mock_covered": [],  # @patch, then handle() -> answer(), through app/service.py
    "unittest_mock_lookalike": [(*CALL, "AIL401")],  # patches the client, calls build_messages
    "respx_covered": [],  # @respx.mock, SupportBot().reply() -> answer()
    "respx_lookalike": [(*CALL, "AIL401")],  # reads llm.client.timeout; no call reaches the model
    "pytest_httpx_covered": [],  # httpx_mock fixture, answer()
    "pytest_httpx_lookalike": [(*CALL, "AIL401")],  # httpx_mock fixture, format_reply() only
    "vcrpy_covered": [],  # @vcr.use_cassette, answer()
    "vcrpy_lookalike": [(*CALL, "AIL401")],  # calls app.fallback.answer: same name, no LLM
    "pytest_recording_covered": [],  # @pytest.mark.vcr, src/ layout, llm.answer() through a module alias
    "pytest_recording_lookalike": [(*CALL, "AIL401")],  # @pytest.mark.vcr, build_messages() only
    "live_marker_covered": [],  # pytestmark = pytest.mark.live; nightly CI runs `pytest -m live`
    # @pytest.mark.slow is no live marker and nothing is mocked: the project has no harness at all.
    "live_marker_lookalike": [(*CALL, "AIL402")],
}

HARNESS_KINDS = ("promptfoo", "deepeval", "ragas", "inspect", "openai_evals", "langsmith", "unittest_mock", "respx",
                 "pytest_httpx", "vcrpy", "pytest_recording", "live_marker")


def copy_project(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns("__pycache__", ".ailint_cache"))
    (target / ".git").mkdir()
    return target


def ail4(project: Path, *args: str):
    code, findings = check_json(project, *args, "--select", "AIL4", "--no-cache")
    return code, sorted(findings)


def reach_findings(project: Path):
    """AIL401 and AIL402 only (the CI rule is tested on its own below)."""
    return sorted(check_json(project, ".", "--select", "AIL401,AIL402", "--no-cache")[1])


def full_report(project: Path, *args: str) -> dict:
    proc = run_ailint(["check", *args, "--select", "AIL4", "--no-cache", "--format", "json"], project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


# -- every harness kind: where it counts, and a look-alike where it does not -----------------

def test_every_harness_kind_has_a_covered_project_and_a_lookalike():
    on_disk = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())
    assert on_disk == sorted(EXPECTED)
    for kind in HARNESS_KINDS:
        assert f"{kind}_covered" in EXPECTED and f"{kind}_lookalike" in EXPECTED, kind
        assert EXPECTED[f"{kind}_covered"] == [] and EXPECTED[f"{kind}_lookalike"] != [], kind


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_project(name, tmp_path):
    project = copy_project(name, tmp_path)
    code, findings = ail4(project, ".")
    assert findings == sorted(EXPECTED[name])
    assert code == (1 if EXPECTED[name] else 0)


@pytest.mark.parametrize("name,harness", [
    ("deepeval_lookalike", "tests/test_answer_quality.py"),
    ("inspect_lookalike", "evals/support_task.py"),
    ("unittest_mock_lookalike", "tests/test_llm.py"),
    ("vcrpy_lookalike", "tests/test_fallback.py"),
])
def test_lookalike_finding_names_the_harness_that_imports_without_reaching(name, harness, tmp_path):
    report = full_report(copy_project(name, tmp_path), ".")
    [finding] = report["findings"]
    assert finding["code"] == "AIL401"
    assert "no evaluation or test reaches" in finding["message"] and "app.llm.answer" in finding["message"]
    assert [r["path"] for r in finding["related"]] == [harness]
    assert "imports this code but calls nothing that reaches" in finding["related"][0]["message"]
    line = (PROJECTS / name / "app/llm.py").read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1:].startswith("create(")


def test_live_markers_option(tmp_path):
    project = copy_project("live_marker_lookalike", tmp_path)
    options = "".join(f'[options.{code}]\nlive-markers = ["slow"]\n' for code in ("AIL401", "AIL402", "AIL403"))
    (project / "ailint.toml").write_text(options, encoding="utf-8")
    assert ail4(project, ".") == (0, [])


# -- pre-commit: partial file lists --------------------------------------------------------

def test_partial_file_list_uses_the_whole_project(tmp_path):
    """pre-commit passes only the staged files; coverage still comes from the whole project."""
    covered = copy_project("unittest_mock_covered", tmp_path)
    assert ail4(covered, "app/llm.py") == (0, [])  # the test that reaches it is in tests/
    lookalike = copy_project("unittest_mock_lookalike", tmp_path)
    assert ail4(lookalike, "app/llm.py") == (1, [(*CALL, "AIL401")])
    assert ail4(lookalike, "tests/test_llm.py") == (0, [])  # the AIL401 about app/llm.py is not shown


def test_partial_file_list_reads_other_files_from_the_cache(tmp_path):
    """With a warm cache, a pre-commit run takes the other files' LLM call sites from the
    cache (no parse) and reaches the same verdict as without one."""
    lookalike = copy_project("unittest_mock_lookalike", tmp_path)
    whole = check_json(lookalike, ".", "--select", "AIL4")
    assert (*CALL, "AIL401") in whole[1]
    for _ in range(2):  # a cold cache for the other files, then a warm one
        code, found = check_json(lookalike, "tests/test_llm.py", "--select", "AIL4")
        assert (code, found) == (0, [])
        code, found = check_json(lookalike, "app/llm.py", "--select", "AIL4")
        assert (code, sorted(found)) == (1, [(*CALL, "AIL401")])
    check_json(lookalike, ".", "--select", "AIL4")  # a whole run keeps the facts the partial runs need
    text = run_ailint(["check", "tests/test_llm.py", "--select", "AIL4", "-v"], lookalike).stdout
    assert "from the cache, 0 read again" in text, text


def test_partial_file_list_shows_ci_findings_only_for_the_given_harness(tmp_path):
    project = copy_project("unittest_mock_covered", tmp_path)
    shutil.rmtree(project / ".github")
    assert ail4(project, "tests/test_service.py") == (1, [("tests/test_service.py", 12, "AIL403")])
    assert ail4(project, "app/llm.py") == (0, [])


# -- AIL402 and its interplay with AIL401 ------------------------------------------------------

LLM = (PROJECTS / "unittest_mock_covered" / "app" / "llm.py").read_text(encoding="utf-8")
SUMMARY = """\
import anthropic

claude = anthropic.Anthropic(timeout=30.0)


def summarize(ticket: str) -> str:
    reply = claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=300,
                                   messages=[{"role": "user", "content": ticket}])
    return reply.content[0].text
"""


def test_project_without_any_harness_is_reported_once(tmp_path):
    write_files(tmp_path, {".git/HEAD": "", "app/__init__.py": "", "app/llm.py": LLM, "app/summary.py": SUMMARY,
                           "tests/test_util.py": "def test_nothing_llm():\n    assert 1 + 1 == 2\n"})
    report = full_report(tmp_path, ".")
    assert [(f["path"], f["line"], f["code"]) for f in report["findings"]] == [(*CALL, "AIL402")]
    [finding] = report["findings"]
    assert "2 files" in finding["message"]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("app/summary.py", 7)]
    # AIL401 alone stays quiet there: AIL402 owns the "no harness at all" case.
    assert check_json(tmp_path, ".", "--select", "AIL401", "--no-cache") == (0, [])


def test_llm_calls_inside_tests_and_evals_are_not_code_under_evaluation(tmp_path):
    write_files(tmp_path, {".git/HEAD": "", "tests/test_smoke.py": "import pytest\nfrom openai import OpenAI\n\n\n"
                           "@pytest.mark.live\ndef test_model_answers():\n"
                           "    assert OpenAI(timeout=10).chat.completions.create(model='m', messages=[])\n"})
    assert reach_findings(tmp_path) == []


# -- reachability ------------------------------------------------------------------------------

MOCKED = "from unittest.mock import patch\n\n"


@pytest.mark.parametrize("files,expected", [
    pytest.param({"app/__init__.py": "from .llm import answer\n",
                  "tests/test_app.py": MOCKED + "import app\n\n\n@patch('app.llm.client')\ndef test_a(c):\n    app.answer('q')\n"},
                 [], id="re-export-through-package-init"),
    pytest.param({"app/__init__.py": "", "app/service.py": "from . import llm\n\n\ndef handle(q):\n    return llm.answer(q)\n",
                  "tests/test_app.py": MOCKED + "from app.service import handle\n\n\n@patch('app.llm.client')\n"
                                                "def test_a(c):\n    handle('q')\n"},
                 [], id="relative-import-in-between"),
    pytest.param({"app/__init__.py": "", "app/bot.py": "from app.llm import answer\n\n\nclass Bot:\n    def reply(self, q):\n"
                                                       "        return self._ask(q)\n\n    def _ask(self, q):\n"
                                                       "        return answer(q)\n",
                  "tests/test_bot.py": MOCKED + "from app.bot import Bot\n\n\ndef test_a():\n"
                                                "    with patch('app.llm.client'):\n        Bot().reply('q')\n"},
                 [], id="method-through-self"),
    pytest.param({"app/__init__.py": "",
                  "tests/conftest.py": "import pytest\nfrom unittest.mock import patch\n\nfrom app.llm import answer\n\n\n"
                                       "@pytest.fixture\ndef drafted():\n    with patch('app.llm.client'):\n"
                                       "        yield answer('q')\n",
                  "tests/test_app.py": "def test_a(drafted):\n    assert drafted is not None\n"},
                 [], id="conftest-fixture-reaches-and-mocks"),
    pytest.param({"app/__init__.py": "",
                  "tests/conftest.py": "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef no_network(monkeypatch):\n"
                                       "    monkeypatch.setattr('app.llm.client', object())\n",
                  "tests/test_app.py": "from app.llm import answer\n\n\ndef test_a():\n    answer('q')\n"},
                 [], id="autouse-mock-in-conftest"),
    pytest.param({"app/__init__.py": "",
                  "evals/run.py": "from langsmith import evaluate\n\nfrom app.llm import answer\n\n"
                                  "evaluate(lambda inputs: {'a': answer(inputs['q'])}, data='golden')\n"},
                 [], id="langsmith-target-is-a-lambda"),
    pytest.param({"app/__init__.py": "",
                  "tests/test_app.py": MOCKED + "from app.llm import answer\n\n\ndef helper():\n    return answer('q')\n\n\n"
                                                "def test_a():\n    with patch('app.llm.client'):\n        pass\n"},
                 [], id="any-code-of-the-test-file-counts"),
    pytest.param({"app/__init__.py": "",
                  "tests/test_app.py": MOCKED + "from app.llm import answer\n\n\ndef test_a():\n"
                                                "    with patch('app.llm.client'):\n        assert answer\n"},
                 [(*CALL, "AIL401")], id="naming-a-function-is-not-calling-it"),
    pytest.param({"app/__init__.py": "",
                  "tests/test_app.py": MOCKED + "from app.llm import build_messages\n\n\ndef answer(q):\n    return q\n\n\n"
                                                "def test_a():\n    with patch('app.llm.client'):\n"
                                                "        answer(build_messages('q'))\n"},
                 [(*CALL, "AIL401")], id="a-local-function-of-the-same-name"),
])
def test_reachability(files, expected, tmp_path):
    write_files(tmp_path, {".git/HEAD": "", "app/llm.py": LLM, "app/prompts/answer.txt": "Be brief.\n", **files})
    assert reach_findings(tmp_path) == sorted(expected)


def test_module_level_llm_call_is_reached_by_importing_it(tmp_path):
    script = "from openai import OpenAI\n\nREPLY = OpenAI(timeout=5).chat.completions.create(model='m', messages=[])\n"
    write_files(tmp_path, {".git/HEAD": "", "app/__init__.py": "", "app/warmup.py": script,
                           "app/other.py": LLM.replace("def answer", "def other_answer"),
                           "tests/test_warmup.py": MOCKED + "\n@patch('openai.OpenAI')\ndef test_warmup(openai):\n"
                                                   "    import app.warmup  # noqa: F401\n"})
    # importing app.warmup runs its call; nothing reaches app/other.py
    assert reach_findings(tmp_path) == [("app/other.py", 27, "AIL401")]


def test_nearest_module_wins_in_a_monorepo(tmp_path):
    test = MOCKED + "from app.llm import answer\n\n\n@patch('app.llm.client')\ndef test_a(c):\n    answer('q')\n"
    write_files(tmp_path, {".git/HEAD": "",
                           "services/billing/app/__init__.py": "", "services/billing/app/llm.py": LLM,
                           "services/billing/tests/test_llm.py": test,
                           "services/support/app/__init__.py": "", "services/support/app/llm.py": LLM})
    assert reach_findings(tmp_path) == [("services/support/app/llm.py", 27, "AIL401")]


# -- AIL403: which CI runs which harness -----------------------------------------------------

TEST = MOCKED + "from app.llm import answer\n\n\n@patch('app.llm.client')\ndef test_answer(client):\n    answer('q')\n"
LIVE = "import pytest\n\nfrom app.llm import answer\n\n\n@pytest.mark.live\ndef test_answer():\n    answer('q')\n"
PROMPTFOO = "prompts: ['{{q}}']\nproviders:\n  - file://../app/llm.py:answer\n"


def workflow(*runs: str) -> str:
    steps = "".join(f"      - run: {run}\n" for run in runs)
    return f"on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}"


def project_with(tmp_path: Path, files: dict) -> Path:
    return write_files(tmp_path, {".git/HEAD": "", "app/__init__.py": "", "app/llm.py": LLM,
                                  "app/prompts/answer.txt": "Be brief.\n", **files})


@pytest.mark.parametrize("files,expected", [
    pytest.param({"tests/evals/test_llm.py": TEST}, [("tests/evals/test_llm.py", 6, "AIL403")], id="no-ci-at-all"),
    pytest.param({"tests/evals/test_llm.py": TEST, ".github/workflows/ci.yml": workflow("pytest tests/unit")},
                 [("tests/evals/test_llm.py", 6, "AIL403")], id="pytest-on-other-paths"),
    pytest.param({"tests/evals/test_llm.py": TEST, ".github/workflows/ci.yml": workflow("pytest tests/")},
                 [], id="pytest-on-the-folder"),
    pytest.param({"tests/evals/test_llm.py": TEST, ".github/workflows/ci.yml": workflow("pytest --ignore=tests/evals")},
                 [("tests/evals/test_llm.py", 6, "AIL403")], id="pytest-ignores-it"),
    pytest.param({"tests/test_llm.py": LIVE, ".github/workflows/ci.yml": workflow("pytest -m 'not live and not slow'")},
                 [("tests/test_llm.py", 6, "AIL403")], id="live-test-deselected"),
    pytest.param({"tests/test_llm.py": LIVE, ".github/workflows/ci.yml": workflow("uv run pytest -m 'live or smoke'")},
                 [], id="live-test-selected"),
    pytest.param({"tests/test_llm.py": TEST, "Makefile": "test: lint\n\tpython -m pytest -q\nlint:\n\truff check .\n",
                  ".gitlab-ci.yml": "stages: [test]\nunit:\n  stage: test\n  script:\n    - pip install -e .\n    - make test\n"},
                 [], id="gitlab-make-test"),
    pytest.param({"tests/test_llm.py": TEST, ".github/workflows/ci.yml": workflow("tox -e py312")}, [], id="tox"),
    pytest.param({"tests/test_llm.py": TEST, "Jenkinsfile": "pipeline {}\n"}, [], id="unreadable-ci-stays-quiet"),
    pytest.param({"evals/promptfooconfig.yaml": PROMPTFOO,
                  ".github/workflows/ci.yml": "on: push\njobs:\n  evals:\n    runs-on: ubuntu-latest\n    steps:\n"
                                              "      - uses: promptfoo/promptfoo-action@v1\n        with:\n"
                                              "          config: evals/promptfooconfig.yaml\n"},
                 [], id="promptfoo-action"),
    pytest.param({"evals/promptfooconfig.yaml": PROMPTFOO, ".github/workflows/ci.yml": workflow("promptfoo eval")},
                 [("evals/promptfooconfig.yaml", 1, "AIL403")], id="promptfoo-eval-in-another-folder"),
    pytest.param({"evals/promptfooconfig.yaml": PROMPTFOO,
                  ".github/workflows/ci.yml": "on: push\njobs:\n  e:\n    runs-on: ubuntu-latest\n    defaults:\n"
                                              "      run:\n        working-directory: evals\n    steps:\n"
                                              "      - run: npx promptfoo@latest eval --no-cache\n"},
                 [], id="promptfoo-eval-working-directory"),
    pytest.param({"evals/registry/evals/support.yaml": "support:\n  id: support.dev.v0\nsupport.dev.v0:\n"
                                                       "  class: evals.elsuite.basic.match:Match\n",
                  ".github/workflows/ci.yml": workflow("oaieval gpt-4o-mini other-eval")},
                 [("evals/registry/evals/support.yaml", 1, "AIL403")], id="oaieval-runs-another-eval"),
    pytest.param({"evals/task.py": "from inspect_ai import Task, task\n\nfrom app.llm import answer\n\n\n@task\ndef t():\n"
                                   "    return Task(dataset=[], solver=answer)\n",
                  ".github/workflows/ci.yml": workflow("cd evals && inspect eval task.py")},
                 [], id="inspect-eval-after-cd"),
])
def test_evaluation_not_run_in_ci(files, expected, tmp_path):
    project = project_with(tmp_path, files)
    assert [f for f in ail4(project, ".")[1] if f[2] == "AIL403"] == sorted(expected)


def test_deselected_live_test_points_at_the_ci_command(tmp_path):
    project = project_with(tmp_path, {"tests/test_llm.py": LIVE,
                                      ".github/workflows/ci.yml": workflow("pip install .", "pytest -m 'not live'")})
    [finding] = [f for f in full_report(project, ".")["findings"] if f["code"] == "AIL403"]
    assert "deselects" in finding["message"] and "pytest" in finding["message"]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [(".github/workflows/ci.yml", 8)]


def test_markexpr():
    assert markexpr_accepts("not live", set()) and not markexpr_accepts("not live", {"live"})
    assert markexpr_accepts("live or (smoke and not slow)", {"smoke"})
    assert not markexpr_accepts("live and not slow", {"live", "slow"})
    assert markexpr_accepts("what ever (", {"x"})  # unreadable: assume it runs


# -- speed: files without an SDK import are never parsed -------------------------------------

def test_only_candidate_files_are_parsed(tmp_path):
    files = {".git/HEAD": "", "app/__init__.py": "", "app/llm.py": LLM, "tests/test_llm.py": TEST}
    for index in range(400):  # plain modules; some mention the SDK in prose only
        files[f"lib/mod_{index}.py"] = f'"""Helpers (not openai related) #{index}."""\n\n\ndef f_{index}(x):\n    return x + {index}\n'
    write_files(tmp_path, files)
    root = tmp_path.resolve()
    sources = Discovery(root).collect([str(root)])
    project = ProjectContext(root, [ProjectFile(s.path, s.relpath, s.kind) for s in sources],
                             frozenset(s.relpath for s in sources))
    started = time.perf_counter()
    result = coverage(project, DEFAULT_LIVE_MARKERS)
    elapsed = time.perf_counter() - started
    parsed = sorted(key for key, value in project.cache.items() if isinstance(value, FileContext))
    assert parsed == ["app/llm.py", "tests/test_llm.py"]
    assert set(result.llm_sites) == {"app/llm.py"} and result.reaching("app/llm.py")
    assert coverage(project, DEFAULT_LIVE_MARKERS) is result  # computed once, shared by AIL401-AIL403
    assert elapsed < 10, elapsed
