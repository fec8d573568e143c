from __future__ import annotations

from ailint.context import ProjectContext
from ailint.files import Discovery, file_kind, relative
from ailint.parsing import parse_env
from ailint.rule import Invalid, ProjectRule, Valid
from ailint.types import FileKind, Severity, Span
from ailint.git_index import find_repository, tracked_paths
from ailint_rules.support.secret_hits import FIXTURE_PATHS, in_fixture

# `.env.example`, `.env.sample`, `example.env` ...: documentation of the variables, meant to be committed.
TEMPLATE_WORDS = ("example", "sample", "template", "tmpl", "tpl", "dist", "defaults", "schema")


def is_template(name: str) -> bool:
    parts = name.lower().replace("-", ".").replace("_", ".").split(".")
    return any(part in TEMPLATE_WORDS for part in parts)


class TrackedEnvFile(ProjectRule):
    """
    ## What it does
    Flags a `.env` file (`.env`, `.env.production`, `prod.env` ...) that is committed to git:
    listed in the git index, or not ignored by the project's `.gitignore` files (nor by the
    repository's `.git/info/exclude`), so the next
    `git add .` commits it. Templates meant to be committed (`.env.example`, `.env.sample`,
    `.env.template`, `.env.dist`, `example.env`) and files without any assignment are not
    flagged. The decision is made from `.git/index` and the `.gitignore` files, without running
    git; outside a git repository only the `.gitignore` files decide. The finding is at line 1.

    ## Why is this bad?
    `.env` files exist to keep secrets and per-machine settings out of the code. Once one is
    tracked, every key later added to it is committed and pushed, and it stays in the history
    even after the file is removed. Ignoring the file after it was committed does not untrack it.

    ## Example
    ```text
    $ git ls-files
    .env            <- OPENAI_API_KEY=sk-proj-…
    app.py
    ```

    ## Use instead
    Untrack it and ignore it, and commit a template without values instead:
    ```console
    $ git rm --cached .env
    $ echo ".env" >> .gitignore
    $ cp .env .env.example   # then blank out every value
    ```
    Rotate any secret the file held: it is still in git history.

    ## Options
    - `fixture-paths` (list of globs, default `[]`): `.env` files that are deliberate fixtures.

    ## References
    - git documentation, gitignore ("files already tracked by Git are not affected"):
      https://git-scm.com/docs/gitignore
    - git index format: https://git-scm.com/docs/index-format
    - The Twelve-Factor App, III. Config: https://12factor.net/config
    - GitHub's Python .gitignore template ignores `.env`:
      https://github.com/github/gitignore/blob/main/Python.gitignore
    """

    code = "AIL504"
    name = "tracked-env-file"
    severity = Severity.ERROR
    security_severity = 5.5
    kinds = frozenset({FileKind.PROJECT, FileKind.ENV})  # env: discovery must list .env files
    options = {"fixture-paths": FIXTURE_PATHS}

    VALID = [
        Valid({".gitignore": ".env\n.env.*\n!.env.example\n", ".env": "OPENAI_API_KEY=x\n",
               ".env.example": "OPENAI_API_KEY=\n", "app.py": "import os\n"}),
        Valid({".env.sample": "DATABASE_URL=postgres://localhost/app\n", "app.py": "import os\n"}),
        Valid({".env": "# set your variables here\n", "app.py": "import os\n"}),
    ]
    INVALID = [
        Invalid({".env": "OPENAI_API_KEY=x\n", "app.py": "import os\n"}, lines=[".env:1"], message=".gitignore"),
        Invalid({".gitignore": "*.pyc\n", "deploy/prod.env": "DEBUG=false\n"}, lines=["deploy/prod.env:1"]),
    ]

    def check_project(self, project: ProjectContext) -> None:
        candidates = [path for path in sorted(project.checked) if _is_env_file(path)]
        candidates = [path for path in candidates if not in_fixture(self.settings, path)]
        if not candidates:
            return
        root = project.root.resolve()
        repository = find_repository(root)
        worktree, tracked = (repository[0], tracked_paths(repository[1])) if repository else (root, None)
        ignores = Discovery(worktree, respect_gitignore=True)
        for path in candidates:
            if not _has_assignment(project.root / path):
                continue
            git_path = relative(root / path, worktree)
            if tracked is not None and git_path in tracked:
                message = ("this .env file is tracked by git, so every secret added to it is committed; "
                           "untrack it (`git rm --cached`), ignore it, and commit a `.env.example` without values")
            elif not ignores.is_ignored(git_path):
                message = ("this .env file is not ignored by .gitignore, so `git add .` commits it with its secrets; "
                           "add it to .gitignore and commit a `.env.example` without values")
            else:
                continue
            # The file is the finding; its first line may hold a secret, so never show it.
            self.report(Span(1, 1), message, path=path, redact=[(1, 100_000)])


def _is_env_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return file_kind(name) == FileKind.ENV and not is_template(name)


def _has_assignment(path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(parse_env(text)[1])
