"""What a project's CI runs: the shell commands of GitHub Actions workflows and GitLab CI jobs,
read into a few plain facts (which pytest paths and marker expressions, which promptfoo
configs, which files run as scripts...). Used by `evaluation-not-run-in-ci` (AIL403).

Only `.github/workflows/*.yml|yaml` and `.gitlab-ci.yml` are read. `make TARGET` is expanded
from the root Makefile; `tox`, `nox` and make targets ailint cannot read count as running
every pytest test (precision first: a command ailint does not understand never makes a
finding).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ailint.types import Span

# CI systems ailint does not read: when one is present, AIL403 stays quiet.
OTHER_CI_FILES = (
    ".circleci/config.yml", ".circleci/config.yaml", "Jenkinsfile", "azure-pipelines.yml", "azure-pipelines.yaml",
    "bitbucket-pipelines.yml", ".travis.yml", ".drone.yml", ".buildkite/pipeline.yml", "cloudbuild.yaml",
    "buildspec.yml", ".woodpecker.yml",
)

_RUNNER_PREFIXES = (
    ("poetry", "run"), ("uv", "run"), ("pdm", "run"), ("hatch", "run"), ("pipenv", "run"), ("rye", "run"),
    ("conda", "run"), ("npx",), ("pnpm", "dlx"), ("pnpm", "exec"), ("yarn", "dlx"), ("bunx",), ("uvx",),
    ("pipx", "run"), ("time",), ("xvfb-run",), ("sudo",), ("exec",), ("coverage", "run", "-m"),
)
# pytest options that take a separate value (`-m live`, `--ignore tests/x`).
_PYTEST_VALUE_OPTIONS = frozenset({
    "-m", "-k", "-c", "-p", "-n", "-o", "-W", "--maxfail", "--tb", "--rootdir", "--junitxml", "--junit-xml",
    "--cov", "--cov-report", "--cov-config", "--cov-fail-under", "--log-level", "--log-cli-level", "--timeout",
    "--ignore", "--ignore-glob", "--deselect", "--durations", "--basetemp", "--confcutdir", "--override-ini",
    "--reruns", "--dist", "--html", "--json-report-file", "--splits", "--group", "--randomly-seed",
    "--record-mode", "--import-mode", "--capture", "--color",
})
_SHELL_SPLIT = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class PytestRun:
    """One pytest invocation: the paths it collects (empty: everything under its folder),
    the paths it ignores, and its `-m` marker expression."""

    where: Tuple[str, Span]
    folder: str
    paths: List[str] = field(default_factory=list)
    ignored: List[str] = field(default_factory=list)
    markexpr: Optional[str] = None


@dataclass
class CiCommands:
    """Everything the CI runs that matters for evaluations."""

    files: List[str] = field(default_factory=list)  # the CI files read
    unreadable_ci: List[str] = field(default_factory=list)  # other CI systems present
    pytest: List[PytestRun] = field(default_factory=list)
    promptfoo: List[Tuple[Tuple[str, Span], str, List[str]]] = field(default_factory=list)  # (where, folder, configs)
    path_runs: List[Tuple[Tuple[str, Span], str, str]] = field(default_factory=list)  # (where, tool, path)
    modules: List[Tuple[Tuple[str, Span], str]] = field(default_factory=list)  # python -m module
    oaieval: List[Tuple[Tuple[str, Span], List[str]]] = field(default_factory=list)  # names (completion fns, evals)

    @property
    def found(self) -> bool:
        return bool(self.files)


def read_ci(root_files: Dict[str, "object"], read_yaml, read_text) -> CiCommands:
    """`root_files` maps relpath -> ProjectFile; `read_yaml(relpath)` returns parsed entries
    (a list of `ailint.parsing.Entry`) or None; `read_text(relpath)` returns text or None."""
    ci = CiCommands()
    ci.unreadable_ci = [path for path in OTHER_CI_FILES if path in root_files]
    makefile = read_text("Makefile") if "Makefile" in root_files else None
    targets = _make_targets(makefile or "")
    for relpath in sorted(root_files):
        if re.match(r"^\.github/workflows/[^/]+\.ya?ml$", relpath):
            entries = read_yaml(relpath)
            ci.files.append(relpath)
            for script, span, folder in _github_scripts(entries or []):
                _read_script(ci, script, (relpath, span), folder, targets)
        elif relpath == ".gitlab-ci.yml":
            entries = read_yaml(relpath)
            ci.files.append(relpath)
            for script, span in _gitlab_scripts(entries or []):
                _read_script(ci, script, (relpath, span), "", targets)
    return ci


def _github_scripts(entries) -> List[Tuple[str, Span, str]]:
    """(run script, where, working directory) of every step; promptfoo's action becomes a
    `promptfoo eval -c CONFIG` command."""
    folders: Dict[Tuple, str] = {}
    for entry in entries:
        key = entry.key
        if key and key[-1] == "working-directory" and isinstance(entry.value, str):
            folders[key[:-1]] = entry.value
    out = []
    for entry in entries:
        key = entry.key
        if len(key) >= 5 and key[0] == "jobs" and key[2] == "steps" and key[-1] == "run" and isinstance(entry.value, str):
            step = key[:-1]
            folder = folders.get(step) or folders.get(("jobs", key[1], "defaults", "run")) or \
                folders.get(("defaults", "run")) or ""
            out.append((entry.value, entry.span, folder))
        elif len(key) >= 5 and key[2] == "steps" and key[-1] == "uses" and isinstance(entry.value, str) \
                and entry.value.startswith("promptfoo/promptfoo-action"):
            config = next((e.value for e in entries if e.key == key[:-1] + ("with", "config")), None)
            out.append(("promptfoo eval" + (f" -c {config}" if config else ""), entry.span, ""))
    return out


def _gitlab_scripts(entries) -> List[Tuple[str, Span]]:
    out = []
    for entry in entries:
        key = entry.key
        if not isinstance(entry.value, str):
            continue
        names = [part for part in key if isinstance(part, str)]
        if names and names[-1] in ("script", "before_script", "after_script") and not (key[0] in ("variables", "include")):
            out.append((entry.value, entry.span))
    return out


def _make_targets(text: str) -> Dict[str, List[str]]:
    """Recipe lines of each target of a Makefile (enough for `make test` / `make eval`)."""
    targets: Dict[str, List[str]] = {}
    current: List[List[str]] = []
    for line in text.splitlines():
        if line.startswith("\t"):
            for recipe in current:
                recipe.append(line.strip().lstrip("@-").strip())
            continue
        match = re.match(r"^([A-Za-z0-9_.\- ]+):(?!=)(.*)$", line)
        if match and not line.startswith("."):
            current = []
            for name in match.group(1).split():
                recipe: List[str] = []
                targets[name] = recipe
                current.append(recipe)
            prerequisites = match.group(2).split("#")[0].split(";")[0].split()
            for recipe in current:
                recipe.extend(f"make {name}" for name in prerequisites if re.match(r"^[A-Za-z0-9_.\-]+$", name))
        elif line.strip() and not line.startswith("#"):
            current = []
    return targets


def _read_script(ci: CiCommands, script: str, where: Tuple[str, Span], folder: str,
                 targets: Dict[str, List[str]], depth: int = 0) -> None:
    cwd = _join("", folder)
    for line in script.replace("\\\n", " ").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        for command in _SHELL_SPLIT.split(line):
            words = _words(command)
            if not words:
                continue
            if words[0] == "cd" and len(words) > 1:
                cwd = _join(cwd, words[1])
                continue
            _read_command(ci, words, where, cwd, targets, depth)


def _words(command: str) -> List[str]:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    while words and _ENV_ASSIGNMENT.match(words[0]):
        words = words[1:]
    changed = True
    while changed and words:
        changed = False
        for prefix in _RUNNER_PREFIXES:
            if tuple(words[:len(prefix)]) == prefix:
                words = words[len(prefix):]
                changed = True
        if words and words[0] == "env":
            words = words[1:]
            while words and _ENV_ASSIGNMENT.match(words[0]):
                words = words[1:]
            changed = True
    return words


def _join(cwd: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(cwd or ".", path))
    return "" if joined == "." else joined.lstrip("/")


def _read_command(ci: CiCommands, words: List[str], where: Tuple[str, Span], cwd: str,
                  targets: Dict[str, List[str]], depth: int) -> None:
    program = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if re.match(r"^python(\d(\.\d+)?)?$", program):
        if len(args) >= 2 and args[0] == "-m":
            if args[1] in ("pytest", "py.test"):
                ci.pytest.append(_pytest_run(args[2:], where, cwd))
            elif args[1] in ("tox", "nox"):
                ci.pytest.append(PytestRun(where, ""))
            else:
                ci.modules.append((where, args[1]))
                if args[1] == "deepeval" or args[1].startswith("inspect_ai"):
                    _read_command(ci, [args[1].split(".")[0]] + args[2:], where, cwd, targets, depth)
            return
        scripts = [arg for arg in args if not arg.startswith("-")]
        if scripts and scripts[0].endswith(".py"):
            ci.path_runs.append((where, "python", _join(cwd, scripts[0])))
        return
    if program in ("pytest", "py.test"):
        ci.pytest.append(_pytest_run(args, where, cwd))
    elif program in ("tox", "nox") or (program == "hatch" and args[:1] == ["test"]):
        ci.pytest.append(PytestRun(where, ""))
    elif program in ("make", "gmake", "just", "task"):
        names = [arg for arg in args if not arg.startswith("-") and "=" not in arg] or ["all"]
        for name in names:
            recipe = targets.get(name) if program in ("make", "gmake") else None
            if recipe is None or depth > 4:
                if re.search(r"test|check|ci|eval", name):
                    ci.pytest.append(PytestRun(where, ""))  # cannot read it: assume it runs the tests
                continue
            for line in recipe:
                _read_script(ci, line.replace("$(MAKE)", "make").replace("${MAKE}", "make"), where, cwd, targets,
                             depth + 1)
    elif program.startswith("promptfoo") or (program in ("npm", "pnpm", "yarn") and any(a.startswith("promptfoo") for a in args)):
        rest = args if program.startswith("promptfoo") else args[[i for i, a in enumerate(args) if a.startswith("promptfoo")][0] + 1:]
        if rest[:1] == ["eval"]:
            configs: List[str] = []
            for index, arg in enumerate(rest):
                if arg in ("-c", "--config"):
                    for value in rest[index + 1:]:
                        if value.startswith("-"):
                            break
                        configs.extend(_join(cwd, part) for part in value.split(",") if part)
                elif arg.startswith("--config="):
                    configs.extend(_join(cwd, part) for part in arg.split("=", 1)[1].split(",") if part)
            ci.promptfoo.append((where, cwd, configs))
    elif program == "deepeval" and args[:2] == ["test", "run"]:
        paths = [arg for arg in args[2:] if not arg.startswith("-")]
        ci.path_runs.extend((where, "deepeval", _join(cwd, path.split("::")[0])) for path in paths[:1] or ["."])
    elif program == "inspect" and args[:1] == ["eval"] or program == "inspect-eval":
        rest = args[1:] if program == "inspect" else args
        paths = [arg for arg in rest if not arg.startswith("-")]
        ci.path_runs.extend((where, "inspect", _join(cwd, path.split("@")[0])) for path in paths[:1])
    elif program in ("oaieval", "oaievalset"):
        ci.oaieval.append((where, [arg for arg in args if not arg.startswith("-")][:2]))


def _pytest_run(args: Sequence[str], where: Tuple[str, Span], cwd: str) -> PytestRun:
    run = PytestRun(where, cwd)
    index = 0
    while index < len(args):
        arg = args[index]
        value: Optional[str] = None
        name = arg
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        elif arg in _PYTEST_VALUE_OPTIONS and index + 1 < len(args):
            value = args[index + 1]
            index += 1
        if name == "-m" and value is not None:
            run.markexpr = value
        elif name in ("--ignore", "--ignore-glob") and value is not None:
            run.ignored.append(_join(cwd, value))
        elif not arg.startswith("-"):
            run.paths.append(_join(cwd, arg.split("::")[0]))
        index += 1
    return run


def markexpr_accepts(expression: str, markers) -> bool:
    """pytest's `-m` expression (names, and/or/not, parentheses) against a test's markers.
    An expression ailint cannot read accepts every test."""
    tokens = re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S", expression)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def parse_or():
        value = parse_and()
        while peek() == "or":
            take()
            value = parse_and() or value
        return value

    def parse_and():
        value = parse_not()
        while peek() == "and":
            take()
            value = parse_not() and value
        return value

    def parse_not():
        if peek() == "not":
            take()
            return not parse_not()
        token = take()
        if token == "(":
            value = parse_or()
            if take() != ")":
                raise ValueError
            return value
        if token is None or not re.match(r"^[A-Za-z_]", token):
            raise ValueError
        return token in markers

    try:
        result = parse_or()
        if position != len(tokens):
            return True
        return result
    except (ValueError, IndexError):
        return True
