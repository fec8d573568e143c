"""The findings the engine itself reports (AIL0xx). The engine emits them; these classes carry
their documentation and examples so they appear in `ailint rules`, `ailint explain` and SARIF."""

from __future__ import annotations

from ailint.rule import EngineRule, Invalid, Valid
from ailint.types import FileKind, Severity


class PythonSyntaxError(EngineRule):
    """
    ## What it does
    Reports a Python file that ailint cannot parse, at the position of the error.

    ## Why is this bad?
    A file that does not parse cannot be checked: every other rule is blind to it. It usually
    means a merge accident, a file written for another language version than the project's,
    or a template that is not really Python.

    ## Known problems
    ailint skips the parse of files in which no enabled rule can match (for example a file
    that imports no AI SDK or HTTP library), so syntax errors are reported only for files
    ailint reads fully. It is not a replacement for running the interpreter or a compiler.

    ## Example
    ```python
    import openai
    def complete(prompt)
        ...
    ```

    ## Use instead
    ```python
    import openai
    def complete(prompt):
        ...
    ```

    ## Options
    None.

    ## References
    - https://docs.python.org/3/reference/grammar.html
    """

    code = "AIL001"
    name = "python-syntax-error"
    severity = Severity.ERROR
    kinds = frozenset({FileKind.PYTHON})
    VALID = [Valid("import openai\n\ndef complete(prompt):\n    return prompt\n")]
    INVALID = [
        Invalid("import openai\n\ndef complete(prompt)\n    return prompt\n", lines=[3]),
        Invalid("import requests\n\ndef fetch():\nreturn requests\n", lines=[4], message="indented block"),
    ]


class RuleCrashed(EngineRule):
    """
    ## What it does
    Reports that a rule raised an exception on a file. The other rules and files still run;
    the run exits with status 2 so the failure is never silent.

    ## Why is this bad?
    A crashed rule checked nothing in that file: its findings are missing. The message names
    the rule, the plugin distribution it came from, and the exception.

    ## Example
    A plugin rule that assumes every call has a positional argument raises `IndexError` on
    `client.models.list()`.

    ## Use instead
    Report the crash to the rule's authors (the finding names the distribution) and run with
    `--verbose` for the traceback. This finding cannot be ignored or suppressed.

    ## Options
    None.

    ## References
    - README, "Exit codes"
    """

    code = "AIL002"
    name = "rule-crashed"
    severity = Severity.ERROR
    kinds = frozenset(FileKind) - {FileKind.PROJECT}
    EXAMPLES_NOT_APPLICABLE = "needs a rule that raises; covered by tests/test_engine.py"


class UnusedSuppression(EngineRule):
    """
    ## What it does
    Reports an inline `# ailint: ignore[...]` or `ignore-file[...]` directive that suppressed
    nothing: the code it names did not fire where the directive applies.

    ## Why is this bad?
    Stale suppressions hide the next real problem on that line and make reviewers believe a
    risk was accepted when none exists. Like ruff's RUF100, keep suppressions honest.

    ## Example
    ```python
    client = OpenAI(timeout=30)  # ailint: ignore[AIL101] vendor default is fine
    ```

    ## Use instead
    ```python
    client = OpenAI(timeout=30)
    ```

    ## Options
    None.

    ## References
    - README, "Suppressing findings"
    """

    code = "AIL003"
    name = "unused-suppression"
    severity = Severity.WARNING
    kinds = frozenset({FileKind.PYTHON, FileKind.YAML, FileKind.TOML, FileKind.ENV, FileKind.INI, FileKind.DOCKERFILE})
    VALID = [Valid("import openai\ndef f(:  # ailint: ignore[AIL001] generated file\n")]
    INVALID = [Invalid("x = 1  # ailint: ignore[AIL001] not needed\n", lines=[1])]


class InvalidSuppression(EngineRule):
    """
    ## What it does
    Reports an inline directive ailint cannot honour: `# ailint: ignore` without codes in
    brackets, empty brackets, an unknown directive, or a code, prefix or name that matches no
    registered rule.

    ## Why is this bad?
    A blanket or misspelled suppression either hides everything on the line or nothing at
    all; in both cases the author's intent is lost.

    ## Example
    ```python
    client = OpenAI()  # ailint: ignore
    ```

    ## Use instead
    ```python
    client = OpenAI()  # ailint: ignore[AIL101] batch job, the scheduler kills it after 10 min
    ```

    ## Options
    None.

    ## References
    - README, "Suppressing findings"
    """

    code = "AIL004"
    name = "invalid-suppression"
    severity = Severity.WARNING
    kinds = frozenset({FileKind.PYTHON, FileKind.YAML, FileKind.TOML, FileKind.ENV, FileKind.INI, FileKind.DOCKERFILE})
    VALID = [Valid("x = 1  # ailint: ignore[AIL001] reason\n")]
    INVALID = [
        Invalid("x = 1  # ailint: ignore\n", lines=[1], message="needs the codes"),
        Invalid("x = 1  # ailint: ignore[NOPE123] typo\n", lines=[1], message="matches no rule"),
    ]


class UnparsableConfigFile(EngineRule):
    """
    ## What it does
    Reports a YAML, JSON, TOML file or notebook that cannot be parsed, at the error's position.

    ## Why is this bad?
    ailint cannot check a file it cannot read, so keys or policies in it go unchecked. Note
    that templated YAML (Helm charts, Jinja) is often not valid YAML: exclude such folders.

    ## Example
    ```yaml
    model: gpt-4o
    fallbacks: [claude-sonnet
    ```

    ## Use instead
    ```yaml
    model: gpt-4o
    fallbacks: [claude-sonnet]
    ```

    ## Options
    None. Set `exclude = ["charts/**"]` for templates.

    ## References
    - https://yaml.org/spec/1.2.2/
    """

    code = "AIL005"
    name = "unparsable-config-file"
    severity = Severity.NOTE
    kinds = frozenset({FileKind.YAML, FileKind.JSON, FileKind.TOML, FileKind.NOTEBOOK})
    VALID = [Valid("model: gpt-4o\nfallbacks: [claude-sonnet]\n", path="llm.yaml")]
    INVALID = [Invalid("model: gpt-4o\nfallbacks: [claude-sonnet\n", path="llm.yaml", lines=[3])]
