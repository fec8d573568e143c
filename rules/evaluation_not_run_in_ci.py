from __future__ import annotations

from ailint.rule import Invalid, Valid
from ailint.types import Severity, Span

from ailint_rules.llm_code_without_evaluation import LLM_MODULE, MOCKED_TEST
from ailint_rules.support.evaluation import (
    CoverageRule,
    DEEPEVAL,
    INSPECT,
    LIVE_MARKERS_OPTION,
    OPENAI_EVALS,
    PROMPTFOO,
    PYTEST,
    Harness,
    ci_runs,
    coverage,
    deselected_by,
)

PYTEST_WORKFLOW = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e ".[test]"
      - run: python -m pytest -q
"""

LIVE_TEST = """import pytest

from app.llm import answer


@pytest.mark.live
def test_answer_live():
    assert "Paris" in answer("Capital of France?")
"""


class EvaluationNotRunInCi(CoverageRule):
    """
    ## What it does
    Flags an evaluation harness, or a test that counts as evaluating LLM code, that no CI
    workflow runs. ailint reads the `run:` steps of `.github/workflows/*.yml` (and
    `promptfoo/promptfoo-action`) and the `script:` lines of `.gitlab-ci.yml`, follows
    `make TARGET` into the Makefile, and matches:

    - pytest tests (including deepeval tests) against `pytest` / `python -m pytest` commands:
      their paths, `--ignore`, and the `-m` marker expression (`-m "not live"` deselects a
      live-marked test); `tox`, `nox` and make targets ailint cannot read count as running
      every test;
    - promptfoo configs against `promptfoo eval` (`-c/--config`, else the default
      `promptfooconfig.yaml` of the working directory);
    - `deepeval test run PATH`, `inspect eval PATH`, `python FILE.py`, `python -m MODULE`;
    - OpenAI evals registry entries against `oaieval COMPLETION_FN EVAL`.

    Reported at the harness: line 1 of a config, the `@task` decorator, the harness call
    (`assert_test`, `evaluate`), or the first test of a test file. When the repository also
    uses a CI system ailint does not read (CircleCI, Jenkins, Azure Pipelines, Bitbucket,
    Travis, Buildkite...), the rule stays quiet.

    ## Why is this bad?
    An eval that only runs on a developer's laptop stops guarding anything the day someone
    forgets to run it. Evaluations protect a product when every change runs them, and a red
    eval blocks the merge.

    ## Example
    ```yaml
    # .github/workflows/ci.yml
    - run: pytest tests/unit
    # evals/promptfooconfig.yaml exists, but nothing runs it
    ```

    ## Use instead
    ```yaml
    - run: pytest tests/unit
    - run: npx promptfoo@latest eval -c evals/promptfooconfig.yaml
    ```

    ## Options
    - `live-markers` (list of str, default `["live", "integration", "e2e", "llm", "eval", "evals"]`):
      pytest markers that mean a test calls the real provider.

    ## References
    - promptfoo in CI: https://www.promptfoo.dev/docs/integrations/github-action/
    - deepeval in CI: https://docs.confident-ai.com/docs/evaluation-unit-testing-in-ci-cd
    - pytest marker expressions: https://docs.pytest.org/en/stable/example/markers.html
    """

    code = "AIL403"
    name = "evaluation-not-run-in-ci"
    severity = Severity.WARNING
    options = {"live-markers": LIVE_MARKERS_OPTION}

    VALID = [
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST,
               ".github/workflows/ci.yml": PYTEST_WORKFLOW}),
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE,
               "evals/promptfooconfig.yaml": "prompts: ['{{question}}']\nproviders: [openai:gpt-4o-mini]\n",
               ".gitlab-ci.yml": "evals:\n  image: node:20\n  script:\n    - npx promptfoo@latest eval -c evals/promptfooconfig.yaml\n"}),
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": LIVE_TEST,
               "Makefile": "test:\n\tpytest tests\n\n.PHONY: test\n",
               ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                           "      - run: make test\n"}),
        # Another CI system ailint cannot read may run it: stay quiet.
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST,
               "Jenkinsfile": "pipeline { }\n"}),
    ]
    INVALID = [
        # No CI at all.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST},
                lines=["tests/test_llm.py:6"], message="no CI workflow runs"),
        # CI deselects the live test.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": LIVE_TEST,
                 ".github/workflows/ci.yml": PYTEST_WORKFLOW.replace("pytest -q", "pytest -q -m 'not live'")},
                lines=["tests/test_llm.py:6"], message="-m"),
        # CI runs pytest, not promptfoo.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST,
                 "evals/promptfooconfig.yaml": "prompts: ['{{question}}']\nproviders: [openai:gpt-4o-mini]\n",
                 ".github/workflows/ci.yml": PYTEST_WORKFLOW},
                lines=["evals/promptfooconfig.yaml:1"]),
    ]

    def check_project(self, project) -> None:
        result = coverage(project, self.settings["live-markers"])
        ci = result.ci
        if ci.unreadable_ci:
            return
        for harness in result.harnesses:
            if harness.path not in project.checked:
                continue  # not shown (pre-commit passed other files)
            if harness.kind == PYTEST and not harness.reaches:
                continue  # a test that evaluates no LLM code is not this rule's business
            if ci_runs(harness, ci):
                continue
            related = []
            if not ci.found:
                why = "the project has no .github/workflows or .gitlab-ci.yml"
            else:
                run = deselected_by(harness, ci) if harness.kind in (PYTEST, DEEPEVAL) else None
                if run is not None:
                    why = f"the CI's pytest deselects its tests with -m {run.markexpr!r}"
                    related.append((run.where, f"pytest -m {run.markexpr!r} deselects {harness.path}"))
                else:
                    why = f"{', '.join(ci.files)} never run{'s' if len(ci.files) == 1 else ''} it"
            self.report(Span(harness.line), f"no CI workflow runs this {harness.describe()}: {why}; "
                                            f"add `{_suggestion(harness)}` to CI",
                        path=harness.path, related=related, snippet=f"{harness.kind} {harness.path}")


def _suggestion(harness: Harness) -> str:
    path = harness.path
    if harness.kind == PROMPTFOO:
        return f"npx promptfoo@latest eval -c {path}"
    if harness.kind == DEEPEVAL:
        return f"deepeval test run {path}"
    if harness.kind == INSPECT:
        return f"inspect eval {path}"
    if harness.kind == OPENAI_EVALS:
        name = sorted(harness.names)[0] if harness.names else "EVAL"
        return f"oaieval COMPLETION_FN {name}"
    if harness.kind == PYTEST:
        if harness.detail.startswith("@pytest.mark."):  # a live test: select it explicitly
            return f"pytest -m {harness.detail.rsplit('.', 1)[-1]} {path}"
        return f"pytest {path}"
    return f"python {path}"
