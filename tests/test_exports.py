"""What a client module may hand out (`ailint.sdk.exports`), and the SDK gate that uses it: a file
importing only other names from a client module is not parsed, and never loses a finding."""

from __future__ import annotations

import textwrap
import warnings

import pytest

from ailint.import_scan import import_facts
from ailint.sdk.exports import exported_clients, module_facts
from cli_helpers import check_json, run_ailint, write_files

SDKS = ("httpx", "openai", "requests")


def exports(source: str):
    """The exported names of a module whose imports of SDKS (and of `app.http`) may be clients."""
    facts = module_facts(textwrap.dedent(source).encode("utf-8"))
    return exported_clients(facts, lambda dotted: dotted.split(".")[0] in SDKS or dotted.startswith("app.http"))


@pytest.mark.parametrize("source, expected", [
    ("import httpx\nclient = httpx.Client(timeout=5)\n", {"client", "httpx"}),
    ("import httpx\ndef get_client():\n    return httpx.Client()\n", {"get_client", "httpx"}),
    # a lazily initialised global, and the function handing it out
    ("from openai import OpenAI\n_client = None\n\ndef get():\n    global _client\n    if _client is None:\n"
     "        _client = OpenAI()\n    return _client\n", {"OpenAI", "_client", "get"}),
    # through another module-level name, in any order
    ("def get():\n    return _c\nfrom openai import OpenAI\n_c = OpenAI()\n", {"OpenAI", "_c", "get"}),
    # an import inside a function counts (the analysis's import table records it)
    ("def get():\n    from openai import OpenAI\n    return OpenAI()\n", {"OpenAI", "get"}),
    # module-level blocks: try/except, if, with, for
    ("try:\n    import httpx\n    session = httpx.Client()\nexcept ImportError:\n    session = None\n",
     {"httpx", "session"}),
    ("import requests\nif True:\n    a, b = requests.Session(), 1\n", {"requests", "a", "b"}),
    ("import requests\nwith requests.Session() as s:\n    pass\n", {"requests", "s"}),
    ("import requests\nif (s := requests.Session()):\n    pass\n", {"requests", "s"}),
    # a method assigning a module global
    ("import httpx\nclass Holder:\n    def setup(self):\n        global shared\n        shared = httpx.Client()\n",
     {"httpx", "shared"}),
    # from another client module of the project
    ("from app.http import session as s\nmine = s\n", {"s", "mine"}),
])
def test_names_that_may_stand_for_a_client_are_exported(source, expected):
    assert exports(source) == frozenset(expected)


@pytest.mark.parametrize("source, absent", [
    # only annotations mention the SDK: they never run into a value
    ("import httpx\ndef make_options(timeout: httpx.Timeout = None) -> httpx.Timeout:\n    return {'t': timeout}\n",
     "make_options"),
    ("import httpx\nDEFAULT: httpx.Timeout\nLIMIT: int = 5\n", "LIMIT"),
    ("import httpx\nDEFAULT: httpx.Timeout = None\n", "DEFAULT"),
    # classes are never followed across modules
    ("import httpx\nclass Wrapper(httpx.Client):\n    pass\n", "Wrapper"),
    ("import httpx\nVERSION = '1.0'\ndef helper(x):\n    return x + 1\n", "helper"),
    ("import httpx\nVERSION = '1.0'\n", "VERSION"),
    # names from a module that is neither an SDK nor a client module
    ("from app.util import fmt\nlabel = fmt('x')\n", "label"),
])
def test_names_that_cannot_stand_for_a_client_are_not(source, absent):
    found = exports(source)
    assert found is not None and absent not in found


def test_unknown_modules_export_everything():
    assert exports("from openai import *\n") is None
    assert exports("def broken(:\n") is None
    assert exports("from typing import *\nx = 1\n") == frozenset()  # a star from elsewhere binds no client


def test_facts_keep_only_names_that_can_carry_a_client():
    facts = module_facts(b"import httpx\nimport os\n\ndef f(a, b):\n    return os.path.join(a, b)\n"
                         b"def g():\n    local = 1\n    return f(local, 2)\n")
    assert facts["bindings"] == {"f": ["os"], "g": ["f"]}
    assert facts["imports"] == {"httpx": ["httpx"], "os": ["os"]}


@pytest.mark.parametrize("source, from_only", [
    (b"from a.b import c\n", ("a.b",)),
    (b"from a.b import c\nimport a.b\n", ()),
    (b"from a.b import c\nfrom a import b\n", ("a",)),  # `from a import b` binds a.b
    (b"from a.b import *\n", ()),
    (b"from . import llm\nfrom .llm import y as z\n", (".",)),
    (b"import a\n", ()),
])
def test_the_import_scan_tells_modules_only_named_by_from_imports(source, from_only):
    assert import_facts(source)[1] == from_only


def test_the_import_scan_tells_plain_imports():
    assert import_facts(b"import app.llm.prompts as p, os\nfrom app import llm\n")[2] == ("app.llm.prompts", "os")


HTTP_PROJECT = {
    "pyproject.toml": "[tool.ailint]\n",
    "app/__init__.py": "",
    "app/http.py": "import requests\n\nsession = requests.Session()\n\n\ndef make_url(path):\n"
                   "    return 'https://example.com/' + path\n",
    "app/pages.py": "from app.http import make_url\n\n\ndef page(name):\n    return make_url(name).get(name)\n",
    "app/fetch.py": "from app.http import session\n\n\ndef fetch(url):\n    return session.get(url)\n",
    "app/whole.py": "import app.http\n\n\ndef fetch(url):\n    return app.http.session.get(url)\n",
}


def test_a_file_taking_no_client_from_a_client_module_is_not_parsed(tmp_path):
    write_files(tmp_path, HTTP_PROJECT)
    proc = run_ailint(["check", ".", "--no-cache", "-v", "--select", "AIL102"], tmp_path)
    # app/http.py (imports requests), fetch.py and whole.py; not pages.py nor __init__.py
    assert "5 files checked, 3 parsed fully" in proc.stdout, proc.stdout
    fast = check_json(tmp_path, ".", "--no-cache", "--select", "AIL102")
    slow = check_json(tmp_path, ".", "--no-cache", "--select", "AIL102", env={"AILINT_NO_PREFILTER": "1"})
    assert fast == slow
    assert ("app/fetch.py", 5, "AIL102") in fast[1] and ("app/whole.py", 5, "AIL102") in fast[1]


def test_a_module_that_starts_handing_out_a_client_re_checks_its_importers(tmp_path):
    write_files(tmp_path, HTTP_PROJECT)
    assert ("app/pages.py", 5, "AIL102") not in check_json(tmp_path, ".", "--select", "AIL102")[1]
    # make_url now hands out the session: pages.py calls it without a timeout
    (tmp_path / "app/http.py").write_text("import requests\n\nsession = requests.Session()\n\n\n"
                                          "def make_url(path):\n    return session\n")
    cached = check_json(tmp_path, ".", "--select", "AIL102")
    assert cached == check_json(tmp_path, ".", "--no-cache", "--select", "AIL102")
    assert ("app/pages.py", 5, "AIL102") in cached[1]
    # and a pre-commit run on pages.py alone agrees
    (tmp_path / "app/pages.py").write_text(HTTP_PROJECT["app/pages.py"] + "# edited\n")
    assert ("app/pages.py", 5, "AIL102") in check_json(tmp_path, "app/pages.py", "--select", "AIL102")[1]


def test_the_files_holding_llm_facts_follow_what_modules_export(tmp_path):
    """Which files a partial run reads facts from (for the project rules) depends on what client
    modules export, which an edit of a function body can change without changing any import."""
    write_files(tmp_path, {
        "pyproject.toml": "[tool.ailint]\n",
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n\n\ndef fmt(x):\n    return x\n",
        "app/chat.py": "from app.llm import fmt\n\n\ndef ask(q):\n"
                       "    return fmt(q).chat.completions.create(model='m', messages=[])\n",
        "app/other.py": "x = 1\n",
    })
    run_ailint(["check", "."], tmp_path)
    before = run_ailint(["check", "app/other.py", "-v"], tmp_path).stdout
    assert "facts about 1 other file:" in before, before  # app/llm.py only
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n\n\n"
                                         "def fmt(x):\n    return client\n")
    after = run_ailint(["check", "app/other.py", "-v"], tmp_path).stdout
    assert "facts about 2 other files" in after, after  # app/chat.py now takes a client


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_generated_sources_never_break_the_facts():
    pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def check(source):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            facts = module_facts(source.encode("utf-8", "surrogatepass"))
        exported_clients(facts, lambda dotted: True)
        exported_clients(facts, lambda dotted: False)

    check()


def test_damaged_export_facts_are_read_again(tmp_path):
    import json

    write_files(tmp_path, HTTP_PROJECT)
    expected = check_json(tmp_path, ".", "--no-cache", "--select", "AIL102")
    assert check_json(tmp_path, ".", "--select", "AIL102") == expected
    (state_path,) = (tmp_path / ".ailint_cache").rglob("project-*.json")
    (content_path,) = (tmp_path / ".ailint_cache").rglob("content-*.json")
    state, content = json.loads(state_path.read_text()), json.loads(content_path.read_text())
    from ailint.sdk.exports import _KEPT, _MEMO

    assert content["by_content"][_KEPT] and state["values"][_MEMO]
    content["by_content"][_KEPT] = {sha: {"imports": {"x": 5}, "bindings": [], "star": None}
                                    for sha in content["by_content"][_KEPT]}
    state["values"][_MEMO] = {"sha": "not a list"}
    state["values"]["exports.digest"] = 5
    state_path.write_text(json.dumps(state))
    content_path.write_text(json.dumps(content))
    (tmp_path / "app/fetch.py").write_text(HTTP_PROJECT["app/fetch.py"] + "# edited\n")
    assert check_json(tmp_path, ".", "--select", "AIL102") == expected


def test_workers_build_a_remembered_table_on_demand(tmp_path):
    """While no client module changes, the table's digest is remembered and the table is built
    only where a file is gated: here in the forked workers checking 16 edited files."""
    files = dict(HTTP_PROJECT)
    for number in range(16):
        files[f"app/page{number}.py"] = HTTP_PROJECT["app/pages.py"] if number % 2 else HTTP_PROJECT["app/fetch.py"]
    write_files(tmp_path, files)
    first = check_json(tmp_path, ".", "--select", "AIL102")
    for number in range(16):
        path = tmp_path / f"app/page{number}.py"
        path.write_text(path.read_text() + "# edited\n")
    again = check_json(tmp_path, ".", "--select", "AIL102")
    assert again == first == check_json(tmp_path, ".", "--no-cache", "--select", "AIL102")
    assert ("app/page0.py", 5, "AIL102") in again[1] and not any(path == "app/page1.py" for path, _, _ in again[1])


# -- found by review: each lost a finding against AILINT_NO_PREFILTER=1 -------------------------

_ASK = ("def ask(question):\n    return {call}.chat.completions.create(model='gpt-4o', "
        "messages=[{{'role': 'user', 'content': question}}])\n")
_SESSION_API = "import requests\n\nfrom .config import session\n\n\ndef get_session():\n    return session\n"
REVIEW_CASES = {
    # `import app.llm.prompts` binds `app`: app.llm.client is readable through it
    "plain_import_of_a_submodule": ({
        "app/__init__.py": "", "app/llm/__init__.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        "app/llm/prompts.py": "SYSTEM = 'be brief'\n",
        "main.py": "import app.llm.prompts\n\n\n" + _ASK.format(call="app.llm.client"),
    }, ("main.py", 5, "AIL101")),
    # `import app` makes app.llm readable though `from app.llm import SYSTEM` takes no client
    "plain_import_beside_a_from_import": ({
        "app/__init__.py": "", "app/llm.py": "from openai import OpenAI\n\nSYSTEM = 'x'\nclient = OpenAI()\n",
        "main.py": "import app\nfrom app.llm import SYSTEM\n\n\n" + _ASK.format(call="app.llm.client"),
    }, ("main.py", 6, "AIL101")),
    # inside a client module, `import app.util` gives the factory access to app.llm.client
    "factory_reading_a_client_through_a_plain_import": ({
        "app/__init__.py": "", "app/util.py": "X = 1\n", "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        "app/factory.py": "import openai\n\nimport app.util\n\n\ndef get_client():\n    return app.llm.client\n",
        "main.py": "from app.factory import get_client\n\n\n" + _ASK.format(call="get_client()"),
    }, ("main.py", 5, "AIL101")),
    # the same bytes at two paths export different names (relative imports differ)
    "identical_modules_in_two_packages": ({
        "app/__init__.py": "", "app/one/__init__.py": "", "app/two/__init__.py": "",
        "app/one/config.py": "import requests\n\nsession = requests.Session()\n", "app/two/config.py": "session = None\n",
        "app/one/api.py": _SESSION_API, "app/two/api.py": _SESSION_API,
        "main.py": "from app.one.api import get_session\n\n\ndef fetch(url):\n    return get_session().get(url)\n",
    }, ("main.py", 5, "AIL102")),
}


def _as_without_prefilter(tmp_path, files, *args):
    """Write a project (its root fixed by a .git folder), check it with and without the
    prefilters (`--no-cache`), require the same findings, and return them."""
    write_files(tmp_path, {"pyproject.toml": "[tool.ailint]\n", **files})
    (tmp_path / ".git").mkdir()
    fast = check_json(tmp_path, ".", "--no-cache", *args)
    assert fast == check_json(tmp_path, ".", "--no-cache", *args, env={"AILINT_NO_PREFILTER": "1"})
    return fast


@pytest.mark.parametrize("name", sorted(REVIEW_CASES))
def test_review_cases_keep_their_findings(name, tmp_path):
    files, expected = REVIEW_CASES[name]
    fast = _as_without_prefilter(tmp_path, files)
    assert expected in fast[1]
    assert check_json(tmp_path, ".") == fast == check_json(tmp_path, ".")  # cold, then warm


def test_a_cached_table_is_not_shared_by_identical_modules_at_two_paths(tmp_path):
    files = dict(REVIEW_CASES["identical_modules_in_two_packages"][0])
    files["app/one/config.py"], files["app/two/config.py"] = files["app/two/config.py"], files["app/one/config.py"]
    files["main.py"] = files["main.py"].replace("app.one", "app.two")
    files["app/two/api.py"] += "# one line more\n"
    write_files(tmp_path, {"pyproject.toml": "[tool.ailint]\n", **files})
    (tmp_path / ".git").mkdir()
    assert ("main.py", 5, "AIL102") in check_json(tmp_path, ".")[1]
    (tmp_path / "app/two/api.py").write_text(_SESSION_API)  # identical to app/one/api.py again
    assert ("main.py", 5, "AIL102") in check_json(tmp_path, ".")[1]
    assert check_json(tmp_path, ".") == check_json(tmp_path, ".", "--no-cache")


def test_relative_imports_in_a_package_init_resolve_from_the_package(tmp_path):
    """`from .net import session` in app/sub/__init__.py is app.sub.net, not app.net."""
    fast = _as_without_prefilter(tmp_path, {
        "app/__init__.py": "", "app/net.py": "import requests\n\nsession = requests.Session()\n",
        "app/sub/net.py": "import requests\n\nsession = None\n",
        "app/sub/__init__.py": "from .net import session\n\n\ndef fetch(url):\n    return session.get(url)\n",
        "app/other/__init__.py": "from ..net import session\n\n\ndef fetch(url):\n    return session.get(url)\n",
    }, "--select", "AIL102")
    assert fast[1] == [("app/other/__init__.py", 5, "AIL102")]


# -- found by the second review ---------------------------------------------------------------

def test_editing_a_module_read_through_a_bound_package_rechecks_its_readers(tmp_path):
    """`import app.util` reads app.llm.client: the cached result of main.py depends on app/llm.py."""
    write_files(tmp_path, {
        "pyproject.toml": "[tool.ailint]\n", "app/__init__.py": "", "app/util.py": "X = 1\n",
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n",
        "main.py": "import app.util\n\n\n" + _ASK.format(call="app.llm.client"),
        "app/sub/__init__.py": "", "app/sub/inner.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n",
        "other.py": "from app import sub\n\n\n" + _ASK.format(call="sub.inner.client"),
    })
    (tmp_path / ".git").mkdir()
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == []
    for module in ("app/llm.py", "app/sub/inner.py"):
        (tmp_path / module).write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    cached = check_json(tmp_path, ".", "--select", "AIL101")
    assert cached == check_json(tmp_path, ".", "--no-cache", "--select", "AIL101")
    assert ("main.py", 5, "AIL101") in cached[1] and ("other.py", 5, "AIL101") in cached[1]


def test_a_notebook_is_rechecked_when_a_client_module_changes(tmp_path):
    import json

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["from app.llm import client\n", "client.chat.completions.create(model='m', messages=[])\n"]}
    write_files(tmp_path, {
        "pyproject.toml": "[tool.ailint]\n", "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n",
        "nb.ipynb": json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
    })
    (tmp_path / ".git").mkdir()
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == []
    (tmp_path / "app/llm.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    cached = check_json(tmp_path, ".", "--select", "AIL101")
    assert cached == check_json(tmp_path, ".", "--no-cache", "--select", "AIL101") and cached[1]


def test_llm_call_chains_broken_over_lines_open_the_gate(tmp_path):
    fast = _as_without_prefilter(tmp_path, {
        "app/__init__.py": "", "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        "m1.py": "from app.llm import client\n\n\ndef ask(q):\n    return (client.chat.completions\n"
                 "            .create(model='m', messages=[]))\n",
        "m2.py": "from app.llm import client\n\n\ndef ask(q):\n    return client.chat.completions.create (model='m', messages=[])\n",
    }, "--select", "AIL101")
    assert {path for path, _, _ in fast[1]} == {"m1.py", "m2.py"}


def test_modules_with_non_ascii_names_are_imported(tmp_path):
    fast = _as_without_prefilter(tmp_path, {
        "app/__init__.py": "", "app/réseau.py": "import requests\n\nsession = requests.Session()\n",
        "main.py": "from app.réseau import session\n\n\ndef fetch(url):\n    return session.get(url)\n",
        "app/rel.py": "from .réseau import session\n\n\ndef fetch(url):\n    return session.get(url)\n",
    }, "--select", "AIL102")
    assert {path for path, _, _ in fast[1]} == {"main.py", "app/rel.py"}
