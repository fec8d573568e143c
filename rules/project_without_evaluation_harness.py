from __future__ import annotations

from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.llm_code_without_evaluation import LLM_MODULE, MOCKED_TEST
from ailint_rules.support.evaluation import LIVE_MARKERS_OPTION, CoverageRule, coverage

# How many other LLM files the finding lists as related locations.
MAX_RELATED = 10


class ProjectWithoutEvaluationHarness(CoverageRule):
    """
    ## What it does
    Flags a project that calls LLMs and has no evaluation harness at all: no promptfoo config,
    no deepeval, ragas, inspect-ai or LangSmith evaluation, no OpenAI evals registry, and no
    pytest test that imports LLM code and exercises it with a mocked, recorded or live-marked
    client (see `llm-code-without-evaluation`, AIL401, for what counts). Reported once, at the
    first LLM call of the project (the first file by path), with the other files' first LLM
    calls as related locations. In such a project AIL401 stays quiet, so each gap is
    reported once.

    ## Why is this bad?
    Without any evaluation, nothing tells you whether a prompt edit, a model upgrade or a
    provider change made the product worse. Teams that ship LLM features keep an eval set
    and run it on every change; a repository without one is still a prototype.

    ## Example
    ```
    app/llm.py        # calls client.chat.completions.create(...)
    tests/test_api.py # tests the HTTP layer only
    ```

    ## Use instead
    ```yaml
    # promptfooconfig.yaml
    prompts: ["{{question}}"]
    providers: ["file://app/llm.py:call_api"]
    tests:
      - vars: {question: "Capital of France?"}
        assert: [{type: contains, value: Paris}]
    ```
    or a pytest test that calls `answer()` with the client mocked (`unittest.mock.patch`),
    recorded (`@pytest.mark.vcr`) or live (`@pytest.mark.live`).

    ## Options
    - `live-markers` (list of str, default `["live", "integration", "e2e", "llm", "eval", "evals"]`):
      pytest markers that mean a test calls the real provider.

    ## References
    - promptfoo: https://www.promptfoo.dev/docs/getting-started/
    - deepeval: https://docs.confident-ai.com/docs/evaluation-introduction
    - OpenAI, "Evaluation best practices": https://platform.openai.com/docs/guides/evaluation-best-practices
    """

    code = "AIL402"
    name = "project-without-evaluation-harness"
    severity = Severity.WARNING
    options = {"live-markers": LIVE_MARKERS_OPTION}

    VALID = [
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST}),
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE,
               "evals/promptfooconfig.yaml": "prompts: [file://prompts/answer.txt]\nproviders: [openai:gpt-4o-mini]\n"}),
        # No LLM calls: nothing to evaluate.
        Valid({"app/__init__.py": "", "app/util.py": "def add(a, b):\n    return a + b\n"}),
    ]
    INVALID = [
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE}, lines=["app/llm.py:11"],
                message="no evaluation harness"),
        # Plain tests of other code are no harness.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "app/util.py": "def add(a, b):\n    return a + b\n",
                 "tests/test_util.py": "from app.util import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"},
                lines=["app/llm.py:11"]),
    ]

    def check_project(self, project) -> None:
        result = coverage(project, self.settings["live-markers"])
        if not result.llm_sites or result.llm_harnesses:
            return
        sites = sorted(result.llm_sites.values(), key=lambda site: site.path)
        first = sites[0]
        count = len(sites)
        files = "1 file" if count == 1 else f"{count} files"
        related = [((site.path, site.first), "LLM call") for site in sites[1:1 + MAX_RELATED]]
        self.report(first.first, f"this project calls LLMs in {files} and has no evaluation harness: no promptfoo, "
                                 f"deepeval, ragas, inspect-ai, OpenAI evals or LangSmith evaluation, and no test that "
                                 f"exercises LLM code with a mocked, recorded or live client",
                    path=first.path, related=related, snippet=f"{self.name} {first.snippet}")

