"""Hostile input: no file a repository can hold crashes, hangs or traceback-kills ailint.

Two parts. Generated tests (hypothesis, and hypothesmith for random valid Python) run every
registered Python rule on parseable input and assert that none raises (no AIL002), and that
the engine's read-only walk visits exactly what libcst's own traversal visits. The hostile
suite runs the real command line on each bad file with a time bound and asserts exit 0 or 1,
no traceback, and a clear note or engine finding.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cli_helpers import run_ailint

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TIME_BOUND = 90  # seconds per command-line case; each normally takes one or two

# -- generated tests -----------------------------------------------------------------------

_REGISTRY = None


def _registry():
    global _REGISTRY
    if _REGISTRY is None:
        from ailint.plugins import load_registry

        _REGISTRY = load_registry(None)[0]
    return _REGISTRY


def _python_rules():
    from ailint.rule import PythonRule

    return [info for info in _registry() if issubclass(info.rule, PythonRule)]


def _check_source(source: str, tmp: Path):
    """Every registered Python rule at once on one file; the findings."""
    from ailint.config import Config
    from ailint.engine import Engine
    from ailint.files import SourceFile
    from ailint.selection import Selection
    from ailint.types import FileKind

    path = tmp / "generated.py"
    path.write_text(source, encoding="utf-8")
    config = Config(root=tmp, select=tuple(info.code for info in _registry()))
    engine = Engine(Selection(config, _registry()), max_file_size=config.max_file_size)
    return engine.check(SourceFile(path, "generated.py", FileKind.PYTHON)).findings


# Needles of every rule, so that the generated code is actually parsed and visited.
_PRELUDE = ("import os, json, subprocess, requests, httpx, openai, anthropic\n"
            "from openai import OpenAI\nclient = OpenAI()\n")


def _assert_no_crash(source: str, tmp: Path) -> None:
    crashed = [f for f in _check_source(source, tmp) if f.code == "AIL002"]
    assert not crashed, "\n".join(f.message for f in crashed) + "\n--- source ---\n" + source


_SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                            HealthCheck.filter_too_much, HealthCheck.data_too_large])


def _hypothesmith():
    return pytest.importorskip("hypothesmith", reason="hypothesmith is not installed (pip install -e '.[test]')")


def test_no_rule_raises_on_random_valid_python(tmp_path):
    hypothesmith = _hypothesmith()

    @_SETTINGS
    @given(hypothesmith.from_grammar())
    def check(source):
        _assert_no_crash(_PRELUDE + source, tmp_path)

    check()


def test_no_rule_raises_on_random_module_shapes(tmp_path):
    hypothesmith = _hypothesmith()

    @_SETTINGS
    @given(hypothesmith.from_node())
    def check(source):
        _assert_no_crash(_PRELUDE + source, tmp_path)

    check()


# AI-shaped code from a small grammar: calls on SDK clients with odd arguments, in odd places.
_names = st.sampled_from(["client", "openai", "anthropic", "requests", "httpx", "c", "self.client", "x", "os"])
_attrs = st.lists(st.sampled_from(["chat", "completions", "create", "messages", "responses", "get", "post",
                                   "with_options", "embeddings", "stream", "Session", "Client"]), max_size=4)
_values = st.sampled_from(["None", "0", "30", "1e9", "-1", "'x'", "input()", "[]", "{}", "x", "(1, 2)",
                           "float('inf')", "httpx.Timeout(None)", "os.environ['K']", "lambda: 1", "*args",
                           "**kwargs", "{'timeout': None}"])
_kwnames = st.sampled_from(["timeout", "max_retries", "max_tokens", "messages", "model", "http_client", "input",
                            "api_key", "trust_remote_code", "stream"])


@st.composite
def _calls(draw):
    func = draw(_names) + "".join("." + a for a in draw(_attrs))
    args = []
    for _ in range(draw(st.integers(0, 3))):
        value = draw(_values)
        if value.startswith("*"):
            args.append(value)
        elif draw(st.booleans()):
            args.append(f"{draw(_kwnames)}={value}")
        else:
            args.append(value)
    # keyword arguments must follow positional ones: keep the order Python accepts
    positional = [a for a in args if "=" not in a and not a.startswith("**")]
    keyword = [a for a in args if "=" in a and not a.startswith("*")]
    stars = [a for a in args if a.startswith("**")]
    return f"{func}({', '.join(positional + keyword + stars)})"


@st.composite
def _programs(draw):
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        call = draw(_calls())
        shape = draw(st.sampled_from(["plain", "assign", "def", "class", "with", "loop", "try", "lambda", "await"]))
        if shape == "plain":
            lines.append(call)
        elif shape == "assign":
            lines.append(f"{draw(st.sampled_from(['client', 'c', 'x', 'reply']))} = {call}")
        elif shape == "def":
            lines.append(f"def f(x, *args, **kwargs):\n    return {call}")
        elif shape == "class":
            lines.append(f"class K:\n    client = {call}\n    def m(self, x):\n        return {call}")
        elif shape == "with":
            lines.append(f"with {call} as c:\n    c.get('u')")
        elif shape == "loop":
            lines.append(f"while True:\n    r = {call}\n    eval(r)")
        elif shape == "try":
            lines.append(f"try:\n    {call}\nexcept Exception:\n    pass")
        elif shape == "lambda":
            lines.append(f"g = lambda *args, **kwargs: {call}")
        else:
            lines.append(f"async def h(x, *args, **kwargs):\n    return await {call}")
    return "\n".join(lines) + "\n"


@_SETTINGS
@given(source=_programs())
def test_no_rule_raises_on_generated_ai_code(source, tmp_path_factory):
    import ast

    try:
        ast.parse(source)
    except SyntaxError:
        return  # only parseable input is the contract
    _assert_no_crash(_PRELUDE + source, tmp_path_factory.mktemp("gen"))


def _events(module, walk: bool):
    import libcst as cst

    from ailint.engine import _Dispatcher

    class Recorder:
        def __init__(self):
            self.events = []

        def get_visitors(self):
            names = [n for n in dir(cst.CSTVisitor) if n.startswith(("visit_", "leave_")) and n.count("_") == 1]
            return {name: (lambda node, name=name: self.events.append((name, id(node)))) for name in names}

    recorder = Recorder()
    dispatcher = _Dispatcher([recorder], lambda rule, exc: (_ for _ in ()).throw(exc))
    dispatcher.walk(module) if walk else module.visit(dispatcher)
    return recorder.events


def test_the_engine_walk_visits_what_libcst_visits():
    hypothesmith = _hypothesmith()

    @_SETTINGS
    @given(hypothesmith.from_node())
    def check(source):
        _same_walk(source)

    check()


def _same_walk(source: str) -> None:
    import libcst as cst

    module = cst.parse_module(source)  # one tree for both: events name nodes by identity
    assert _events(module, walk=True) == _events(module, walk=False)


def test_the_engine_walk_on_the_fixtures():
    root = Path(__file__).resolve().parent.parent / "fixtures"
    files = sorted(root.rglob("*.py"))[:60]
    assert files
    for path in files:
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            _same_walk(source)
        except Exception as exc:  # noqa: BLE001 - fixtures with deliberate syntax errors
            if type(exc).__name__ != "ParserSyntaxError":
                raise


# -- the hostile suite, through the real command line ----------------------------------------

def _run(tmp: Path, *args: str, timeout: float = TIME_BOUND):
    (tmp / ".git").mkdir(exist_ok=True)  # the project root: nothing above tmp is read
    proc = run_ailint(["check", "--no-cache", "-v", *args], tmp, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-3000:]
    assert proc.returncode in (0, 1), f"exit {proc.returncode}\n{output[-3000:]}"
    return proc, output


def _json(tmp: Path, *args: str, timeout: float = TIME_BOUND):
    proc, _ = _run(tmp, "--format", "json", *args, timeout=timeout)
    return json.loads(proc.stdout)


def _notes(report) -> str:
    return "\n".join(f"{n['path']}: {n['message']}" for n in report.get("notes", []))


FLAWED = "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\n"


def _ail101_lines(report, path):
    return sorted(f["line"] for f in report["findings"] if f["code"] == "AIL101" and f["path"] == path)


@pytest.mark.parametrize("opener,closer", [("(", ")"), ("[", "]"), ("{", "}")])
def test_python_nested_ten_thousand_deep(tmp_path, opener, closer):
    (tmp_path / "deep.py").write_text("import openai\nx = " + opener * 10_000 + closer * 10_000 + "\n")
    (tmp_path / "ok.py").write_text(FLAWED)
    report = _json(tmp_path)
    assert "deep.py: skipped: nested too deeply" in _notes(report)
    assert _ail101_lines(report, "ok.py") == [3]  # the rest of the project is still checked


@pytest.mark.parametrize("link,count", [("not ", 10_000), ("-", 9_000), ("lambda: ", 5_000), ("a if b else ", 9_000)])
def test_python_long_chains_without_brackets(tmp_path, link, count):
    # Each of these kills libcst's parser (SIGSEGV, or minutes of work) on this machine.
    (tmp_path / "chain.py").write_text("import openai\nx = " + link * count + "y\n")
    report = _json(tmp_path)
    assert "chain.py: skipped:" in _notes(report)


def test_json_and_yaml_nested_ten_thousand_deep(tmp_path):
    (tmp_path / "deep.json").write_text('{"api_key": "x", "k": ' + "[" * 10_000 + "]" * 10_000 + "}")
    (tmp_path / "deep.yaml").write_text("api_key: x\nk: " + "[" * 10_000 + "]" * 10_000 + "\n")
    (tmp_path / "deep.ipynb").write_text('{"api_key": "x", "cells": ' + "[" * 10_000 + "]" * 10_000 + "}")
    report = _json(tmp_path, "--select", "AIL0,AIL5")
    told = {f["path"] for f in report["findings"] if f["code"] == "AIL005"} | {
        n["path"] for n in report["notes"]}
    assert {"deep.json", "deep.yaml", "deep.ipynb"} <= told, report


def test_fifty_megabyte_file_is_skipped_quickly(tmp_path):
    with open(tmp_path / "huge.py", "wb") as handle:
        handle.write(b"import openai\n")
        handle.truncate(50 * 1024 * 1024)
    proc, output = _run(tmp_path, timeout=30)
    assert "huge.py: skipped: 52,428,800 bytes is over max-file-size" in output


def _minified(tmp: Path) -> None:
    blob = "var api_key=process.env.K;" + "".join(f"var a{i}=function(b){{return b+{i}}};" for i in range(170_000))
    (tmp / "app.min.js").write_text(blob[:5_000_000])
    data = {f"k{i}": "v" * 20 for i in range(180_000)}
    data["api_key"] = "x"
    (tmp / "data.json").write_text(json.dumps(data, separators=(",", ":")))
    (tmp / "gen.py").write_text("import openai\nx = [" + ",".join(str(i) for i in range(800_000)) + "]\n")


def test_five_megabyte_one_line_minified_files_are_skipped_by_default(tmp_path):
    _minified(tmp_path)
    report = _json(tmp_path, timeout=60)
    notes = _notes(report)
    assert all(f"{name}: skipped:" in notes for name in ("app.min.js", "data.json", "gen.py")), notes


def test_five_megabyte_one_line_json_parses_in_bounded_time_with_a_raised_limit(tmp_path):
    # The engine's own JSON reader (positions for every scalar) on 5 MB in one line.
    _minified(tmp_path)
    (tmp_path / "gen.py").unlink()
    (tmp_path / "app.min.js").unlink()
    (tmp_path / "ailint.toml").write_text("max-file-size = 8388608\n")
    report = _json(tmp_path, "--select", "AIL0", timeout=60)
    assert "over max-file-size" not in _notes(report)


def test_five_megabyte_one_line_js_and_json_with_a_raised_limit(tmp_path):
    # every rule, secrets included (their context was once built per pair: 73 s and 117 s)
    _minified(tmp_path)
    (tmp_path / "gen.py").unlink()
    (tmp_path / "ailint.toml").write_text("max-file-size = 8388608\n")
    report = _json(tmp_path, timeout=60)
    assert "over max-file-size" not in _notes(report)


def test_five_megabyte_one_line_minified_files_with_a_raised_limit(tmp_path):
    # gen.py is a generated list of 800,000 numbers that imports an SDK: libcst would take
    # 80 s and 3 GB for it, so it is skipped (with a note) before any parse; the secrets
    # rules still read it. Peak memory is that of the largest process of the run.
    import subprocess
    import sys

    _minified(tmp_path)
    (tmp_path / "ailint.toml").write_text("max-file-size = 8388608\n")
    script = ("import resource, subprocess, sys\n"
              "proc = subprocess.run([sys.executable, '-m', 'ailint', 'check', '--no-cache', '-v', '--format', 'json'],"
              " capture_output=True, text=True, timeout=120)\n"
              "sys.stderr.write(proc.stderr)\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
              "print(proc.returncode)\n"
              "print(proc.stdout)\n")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    elapsed = time.monotonic() - started
    peak_kb, code, output = proc.stdout.split("\n", 2)
    assert "Traceback" not in proc.stderr and code in ("0", "1"), proc.stderr[-3000:]
    notes = _notes(json.loads(output))
    assert "over max-file-size" not in notes
    assert "gen.py: skipped: too large to analyse (800,0" in notes, notes
    assert elapsed < 60 and int(peak_kb) < 400 * 1024, (elapsed, int(peak_kb) // 1024)


def test_nul_bytes_invalid_utf8_and_a_bad_cookie(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"import openai\x00\nx = 1\n")
    (tmp_path / "late_nul.py").write_bytes(FLAWED.encode() + b"#" * 9000 + b"\x00\n")
    (tmp_path / "bad.py").write_bytes(b"import openai\nx = '\xff\xfe'\n")
    (tmp_path / "cookie.py").write_bytes(b"# -*- coding: klingon -*-\nimport openai\n")
    (tmp_path / "bad.yaml").write_bytes(b"api_key: \xff\xfe\n")
    report = _json(tmp_path)
    notes = _notes(report)
    assert "nul.py: skipped: binary file" in notes
    assert "bad.py: skipped: not valid utf-8" in notes
    assert "cookie.py: skipped:" in notes
    assert "bad.yaml: skipped: not valid" in notes
    assert "late_nul.py" in notes or any(f["path"] == "late_nul.py" for f in report["findings"])


@pytest.mark.parametrize("name,data", [
    ("bom.py", b"\xef\xbb\xbf" + FLAWED.encode()),
    ("crlf.py", FLAWED.replace("\n", "\r\n").encode()),
    ("cr.py", FLAWED.replace("\n", "\r").encode()),
    ("cookie.py", b"# -*- coding: latin-1 -*-\n" + FLAWED.replace("'m'", "'m\xe9'").encode("latin-1")),
])
def test_encodings_and_line_endings_keep_positions(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    report = _json(tmp_path)
    expected = [4] if name == "cookie.py" else [3]
    assert _ail101_lines(report, name) == expected, report


def test_symlink_loop(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(FLAWED)
    os.symlink("..", tmp_path / "pkg" / "loop")
    os.symlink(".", tmp_path / "pkg" / "self")
    os.symlink("missing.py", tmp_path / "pkg" / "broken.py")
    report = _json(tmp_path, timeout=30)
    paths = [f["path"] for f in report["findings"] if f["code"] == "AIL101"]
    assert paths == ["pkg/app.py"], paths  # once, not once per loop


def test_unreadable_file(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading (see the FIFO test)")
    (tmp_path / "secret.py").write_text(FLAWED)
    os.chmod(tmp_path / "secret.py", 0)
    try:
        report = _json(tmp_path)
    finally:
        os.chmod(tmp_path / "secret.py", 0o644)
    assert "secret.py: skipped: cannot read" in _notes(report)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_and_a_folder_named_like_source_files(tmp_path):
    # A FIFO would block a read forever; a folder named app.py is a folder.
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "app.py").mkdir()
    (tmp_path / "app.py" / "inner.py").write_text(FLAWED)
    report = _json(tmp_path, timeout=30)
    assert _ail101_lines(report, "app.py/inner.py") == [3]
    report = _json(tmp_path, "pipe.py", timeout=30)  # named explicitly, as pre-commit would
    assert "pipe.py: skipped: not a regular file" in _notes(report)


def test_yaml_alias_bomb_and_recursive_aliases(tmp_path):
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    (tmp_path / "bomb.yaml").write_text("api_key: sk-test\n" + "\n".join(levels) + "\n")
    (tmp_path / "recursive.yaml").write_text("token: x\na: &a [*a]\nb: &b {key: *b}\n")
    proc, output = _run(tmp_path, timeout=30)
    assert "bomb.yaml" not in output or "Traceback" not in output


def test_huge_json_file(tmp_path):
    data = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"], "api_key": None} for i in range(30_000)]}
    (tmp_path / "huge.json").write_text(json.dumps(data, indent=1))
    assert (tmp_path / "huge.json").stat().st_size < 2 * 1024 * 1024 * 2
    _run(tmp_path, timeout=60)


@pytest.mark.parametrize("content", [
    b"{not json",
    b"[1, 2, 3]",
    b'"a string"',
    b'{"cells": "nope"}',
    b'{"cells": [1, null, "x", {"cell_type": "code"}]}',
    b'{"cells": [{"cell_type": "code", "source": 42}, {"cell_type": "code", "source": null},'
    b' {"cell_type": "code", "source": {"a": 1}}, {"cell_type": "code", "source": [1, null, "import openai\\n"]}]}',
    b'{"cells": [{"cell_type": "code", "source": ["from openai import OpenAI\\n", "OpenAI().chat.completions'
    b'.create(model=\\"m\\", messages=[])\\n"], "outputs": [{"output_type": "display_data", "data": {"image/png":'
    b' "' + b"iVBORw0KGgo" * 5000 + b'"}}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    b"\x89PNG\r\n\x1a\n\x00\x00binary",
])
def test_malformed_notebooks(tmp_path, content):
    (tmp_path / "nb.ipynb").write_bytes(content)
    proc, output = _run(tmp_path, timeout=30)


def test_max_file_size_is_configurable(tmp_path):
    (tmp_path / "big.py").write_text(FLAWED + "#" * 5000 + "\n")
    (tmp_path / "ailint.toml").write_text("max-file-size = 1000\n")
    report = _json(tmp_path)
    assert "big.py: skipped: 5,1" in _notes(report) and "over max-file-size (1,000)" in _notes(report)


def test_the_element_limit_leaves_real_modules_alone():
    from ailint.parsing import PYTHON_MAX_ELEMENTS, python_nesting_problem

    for module in sorted(Path(__file__).resolve().parent.parent.joinpath("ailint").rglob("*.py")):
        assert python_nesting_problem(module.read_bytes()) is None, module
    under = b"x = [" + b",".join(b"1" for _ in range(PYTHON_MAX_ELEMENTS // 2)) + b"]\n"
    over = b"x = [" + b",".join(b"1" for _ in range(PYTHON_MAX_ELEMENTS)) + b"]\n"
    assert python_nesting_problem(under) is None
    assert "too large to analyse" in python_nesting_problem(over)
