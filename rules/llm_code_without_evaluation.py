from __future__ import annotations

from ailint.rule import Invalid, Valid
from ailint.types import Severity, Span

from ailint_rules.support.evaluation import LIVE_MARKERS_OPTION, CoverageRule, coverage

LLM_MODULE = '''from openai import OpenAI

client = OpenAI(timeout=30)


def build_messages(question):
    return [{"role": "user", "content": question}]


def answer(question):
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=build_messages(question))
    return reply.choices[0].message.content
'''

MOCKED_TEST = '''from unittest.mock import patch

from app.llm import answer


def test_answer_returns_the_model_text():
    with patch("app.llm.client") as client:
        client.chat.completions.create.return_value.choices[0].message.content = "Paris"
        assert answer("Capital of France?") == "Paris"
'''

# Imports the module and mocks the client, but only ever calls the prompt helper.
HELPER_ONLY_TEST = '''from unittest.mock import patch

from app import llm


def test_messages_carry_the_question():
    with patch("app.llm.client"):
        assert llm.build_messages("hi") == [{"role": "user", "content": "hi"}]
'''

SERVICE = '''from app.llm import answer


def handle(request):
    return {"answer": answer(request["question"])}
'''


class LlmCodeWithoutEvaluation(CoverageRule):
    """
    ## What it does
    Flags each Python file whose LLM calls no evaluation harness and no test reaches, at the
    file's first LLM call. A call is reached when a harness calls, directly or through the
    project's own functions, the function holding it:

    - a **promptfoo** config (`promptfooconfig.yaml`, `*.promptfoo.yaml`) whose provider or
      prompt names the module (`file://app/llm.py:call_api`, `python:app/llm.py`), or a prompt
      file the module loads;
    - a **deepeval** test (`assert_test` / `evaluate`), a **ragas** `evaluate`, an
      **inspect-ai** `@task` file, a **LangSmith** `evaluate` / `aevaluate`;
    - an **OpenAI evals** registry entry (`registry/evals/*.yaml`, `registry/completion_fns/*.yaml`)
      whose `class:` is project code;
    - a **pytest** test (`test_*.py`, `*_test.py`, files under `tests/`) that exercises the code
      with a mocked or recorded client (`unittest.mock`, pytest-mock, `monkeypatch.setattr`,
      `respx`, pytest-httpx's `httpx_mock`, vcrpy `use_cassette`, pytest-recording
      `@pytest.mark.vcr`) or is marked live (`@pytest.mark.live`, see Options).

    A test that imports the module but only calls helpers that never lead to the LLM call
    does not count; the finding then names that test as a related location.
    When the project has no harness at all, `project-without-evaluation-harness` (AIL402)
    reports once instead, and this rule stays quiet.

    ## Why is this bad?
    Code that talks to a model changes behaviour when the prompt, the model version or the
    provider changes, and nothing but an evaluation or a test notices. An LLM call no eval or
    test exercises is a prototype: its regressions reach users first.

    ## Example
    ```python
    # app/llm.py
    def answer(question):
        return client.chat.completions.create(model="gpt-4o-mini", messages=build_messages(question))

    # tests/test_llm.py: imports the module, never reaches the call
    def test_messages():
        assert llm.build_messages("hi")[0]["content"] == "hi"
    ```

    ## Use instead
    ```python
    # tests/test_llm.py
    from unittest.mock import patch

    def test_answer():
        with patch("app.llm.client") as client:
            client.chat.completions.create.return_value.choices[0].message.content = "Paris"
            assert answer("Capital of France?") == "Paris"
    ```
    or a promptfoo config whose provider calls it: `providers: ["file://app/llm.py:call_api"]`.

    ## Options
    - `live-markers` (list of str, default `["live", "integration", "e2e", "llm", "eval", "evals"]`):
      pytest markers that mean a test calls the real provider, so it counts without a mock.

    Known limits: reachability is by name (no type inference): a method called on an object
    counts when a class the test file, or a module it imports, defines or imports has a
    method of that name; calls through dependency injection, `getattr` or registries are
    not followed. Mocks and markers count per test file (or a `conftest.py` above it).

    ## References
    - promptfoo Python providers: https://www.promptfoo.dev/docs/providers/python/
    - deepeval: https://docs.confident-ai.com/docs/evaluation-introduction
    - inspect-ai tasks: https://inspect.aisi.org.uk/tasks.html
    - OpenAI evals registry: https://github.com/openai/evals/blob/main/docs/build-eval.md
    - LangSmith evaluate: https://docs.smith.langchain.com/evaluation
    - vcrpy: https://vcrpy.readthedocs.io/ ; pytest-recording: https://github.com/kiwicom/pytest-recording
    """

    code = "AIL401"
    name = "llm-code-without-evaluation"
    severity = Severity.WARNING
    options = {"live-markers": LIVE_MARKERS_OPTION}

    VALID = [
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST}),
        # Reached through another module of the project.
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "app/service.py": SERVICE,
               "tests/test_service.py": "from unittest.mock import MagicMock, patch\n\nfrom app.service import handle\n\n\n"
                                        "@patch('app.llm.client', new_callable=MagicMock)\ndef test_handle(client):\n"
                                        "    handle({'question': 'q'})\n"}),
        # A promptfoo provider that calls the module.
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE + "\n\ndef call_api(prompt, options, context):\n"
                                                            "    return {'output': answer(prompt)}\n",
               "promptfooconfig.yaml": "prompts: ['{{question}}']\nproviders:\n  - id: file://app/llm.py:call_api\n"}),
        # No harness at all: AIL402 reports, once, instead.
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE}),
        # A live-marked test needs no mock.
        Valid({"app/__init__.py": "", "app/llm.py": LLM_MODULE,
               "tests/test_live.py": "import pytest\n\nfrom app.llm import answer\n\n\n@pytest.mark.live\n"
                                     "def test_answer_live():\n    assert 'Paris' in answer('Capital of France?')\n"}),
    ]
    INVALID = [
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": HELPER_ONLY_TEST},
                lines=["app/llm.py:11"], message="no evaluation or test reaches"),
        # One file covered, one not.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": MOCKED_TEST,
                 "app/summary.py": "import anthropic\n\nclaude = anthropic.Anthropic(timeout=30)\n\n\n"
                                   "def summarize(text):\n    return claude.messages.create(model='claude-3-5-haiku-latest', "
                                   "max_tokens=200, messages=[{'role': 'user', 'content': text}])\n"},
                lines=["app/summary.py:7"]),
        # A test that reaches the call without mocking, recording or a live marker does not count.
        Invalid({"app/__init__.py": "", "app/llm.py": LLM_MODULE, "tests/test_llm.py": HELPER_ONLY_TEST,
                 "tests/test_plain.py": "from app.llm import answer\n\n\ndef test_answer():\n    assert answer('q')\n"},
                lines=["app/llm.py:11"]),
    ]

    def check_project(self, project) -> None:
        result = coverage(project, self.settings["live-markers"])
        if not result.llm_harnesses:
            return  # AIL402 reports the project once
        for path, site in sorted(result.llm_sites.items()):
            if path not in project.checked or result.reaching(path):  # findings elsewhere are not shown
                continue
            related = []
            miss = result.near_miss(path)
            if miss is not None:
                related.append(((miss.path, Span(miss.line)),
                                f"{miss.describe()} imports this code but calls nothing that reaches its LLM calls"))
            calls = "1 LLM call" if site.count == 1 else f"{site.count} LLM calls"
            self.report(site.first, f"no evaluation or test reaches the {calls} in this file (the first in "
                                    f"{site.function}); add an eval (promptfoo, deepeval, ragas, inspect-ai, OpenAI evals, "
                                    f"LangSmith) or a test with a mocked, recorded or live client that calls into it",
                        path=path, related=related, snippet=site.snippet)
