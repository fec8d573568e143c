"""The dataflow core (`ailint.dataflow`): what it follows, what bounds a value, how far it goes
across functions, how it explains a flow, and a plugin rule built on it through the real CLI."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from ailint.context import FileContext
from ailint.dataflow import INPUT, MODEL_OUTPUT, Flow, Source, explain, path_words
from ailint.imports import ImportTable
from ailint.types import FileKind

from cli_helpers import make_plugin, run_ailint, write_files

HEAD = """\
from fastapi import FastAPI
from openai import OpenAI
from pydantic import BaseModel, Field
import textwrap, tiktoken

app = FastAPI()
client = OpenAI(timeout=10)
enc = tiktoken.get_encoding("o200k_base")

class Body(BaseModel):
    text: str
    short: str = Field(max_length=100)
    n: int = 3
"""


def file_of(code: str) -> FileContext:
    module = cst.parse_module(code)
    return FileContext("t.py", FileKind.PYTHON, code, module, ImportTable.from_module(module))


def prompt_taints(body: str, kind: str = INPUT, head: str = HEAD):
    """Taints of `kind` reaching the prompt arguments of the last LLM call in the code."""
    flow = Flow.of(file_of(head + textwrap.dedent(body)))
    call = flow.llm_calls[-1]
    found = []
    for _, expr in call.prompt_arguments():
        found.extend(flow.sources_reaching(expr, call.node).of_kind(kind))
    return found


def unbounded(body: str) -> bool:
    return any(not t.bounded for t in prompt_taints(body))


ROUTE = "@app.post('/x')\ndef handler(body: Body):\n"


@pytest.mark.parametrize("lines", [
    "    p = body.text\n    q = p\n",
    "    q = f'Q: {body.text}'\n",
    "    q = 'Q: {}'.format(body.text)\n",
    "    q = 'Q: %s' % body.text\n",
    "    q = 'Q: ' + body.text\n",
    "    q = '\\n'.join([body.text, 'x'])\n",
    "    q = ''\n    q += body.text\n",
    "    d = {'t': body.text}\n    q = d['t']\n",
    "    parts = [s.strip() for s in body.text.split('.')]\n    q = ' '.join(parts)\n",
    "    if body.n > 2:\n        q = body.text\n    else:\n        q = 'none'\n",
    "    q = ''\n    for word in body.text.split():\n        q += word\n",
    "    with open('x') as f:\n        q = body.text\n",
    "    q = (body.text or '').strip().lower()\n",
])
def test_values_are_followed_through_each_construct(lines):
    code = ROUTE + lines + "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    assert unbounded(code), code


@pytest.mark.parametrize("lines", [
    "    q = body.text[:4000]\n",
    "    q = body.text[-4000:]\n",
    "    q = textwrap.shorten(body.text, 4000)\n",
    "    q = enc.decode(enc.encode(body.text)[:1000])\n",
    "    q = truncate(body.text)\n",
    "    q = body.text\n    if len(q) > 4000:\n        raise ValueError('long')\n",
    "    q = body.text\n    if len(q) > 4000:\n        q = q[:4000]\n",
    "    q = body.text\n    if len(q) <= 4000:\n        return client.responses.create(model='m', input=q)\n    q = 'too long'\n",
    "    limit = min(body.n, 4000)\n    q = body.text[:limit]\n",
    "    q = body.short\n",
    "    q = f'{body.n} items'\n",
])
def test_each_kind_of_bound_clears_the_value(lines):
    code = ROUTE + lines + "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    assert not unbounded(code), code


@pytest.mark.parametrize("lines", [
    "    q = body.text[:]\n",                               # a slice with no bound at all
    "    q = body.text\n    if len(q) > 4000:\n        print('long')\n",  # a check that neither rejects nor truncates
    "    q = body.text[10:]\n",                             # a slice with no upper bound
])
def test_look_alikes_of_bounds_do_not_bound(lines):
    code = ROUTE + lines + "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    assert unbounded(code), code


def test_one_level_across_functions_both_ways():
    helper = ("def build(text):\n    return 'Q: ' + text\n\n" + ROUTE +
              "    return client.responses.create(model='m', input=build(body.text))\n")
    [taint] = prompt_taints(helper)
    assert "`build()`" in path_words(taint) and not taint.bounded
    callee = ("def ask(question):\n    return client.responses.create(model='m', input=question)\n\n" + ROUTE +
              "    return ask(body.text)\n")
    flow = Flow.of(file_of(HEAD + callee))
    call = flow.llm_calls[0]
    [taint] = flow.sources_reaching(call.node.args[1].value, call.node)
    assert taint.source.label == "request body (parameter `body`)"
    assert [step.note for step in taint.steps] == ["passed to `ask()`"]
    bounded_helper = ("def build(text):\n    return text[:100]\n\n" + ROUTE +
                      "    return client.responses.create(model='m', input=build(body.text))\n")
    assert not unbounded(bounded_helper)


def test_sources_besides_route_parameters():
    cases = {
        "import sys\ndef f():\n    q = sys.argv[1]\n": "command-line arguments (`sys.argv`)",
        "def f():\n    q = input('> ')\n": "`input()`",
        "from flask import request\ndef f():\n    q = request.form['q']\n": "request form (`request.form`)",
        "def f(path):\n    q = open(path).read()\n": "file contents (`open()`)",
        "import requests\ndef f(u):\n    q = requests.get(u, timeout=5).text\n": "HTTP response of requests.get()",
        "def f(store):\n    q = store.similarity_search('x')[0].page_content\n": "retrieved document (`page_content`)",
        "def f(store):\n    q = str(store.similarity_search('x'))\n": "retrieved documents (`similarity_search()`)",
        "import json\ndef f(call):\n    q = json.loads(call.function.arguments)['x']\n": "tool input (function-call arguments)",
    }
    for body, label in cases.items():
        code = HEAD + body + "    return client.responses.create(model='m', input=q)\n"
        labels = [t.source.label for t in prompt_taints(code, head="")]
        assert label in labels, (body, labels)


def test_constant_files_and_module_level_templates_are_not_input():
    code = HEAD + "SYSTEM = open('prompts/system.txt').read()\n\ndef f():\n" \
                  "    q = open('prompts/user.txt').read()\n    return client.responses.create(model='m', instructions=SYSTEM, input=q)\n"
    assert prompt_taints(code, head="") == []


def test_model_output_and_explanations():
    code = HEAD + "def f(q):\n    r = client.chat.completions.create(model='m', messages=[])\n" \
                  "    text = r.choices[0].message.content\n    cmd = f'echo {text}'\n    return client.responses.create(model='m', input=cmd)\n"
    [taint] = prompt_taints(code, MODEL_OUTPUT, head="")
    assert taint.source.label == "output of openai.chat.completions.create"
    assert taint.formatted
    assert path_words(taint) == " through `r` → `text` → `cmd`"
    related = explain(taint)
    assert related[0][1] == "model output: output of openai.chat.completions.create"
    assert [note for _, note in related[1:]] == ["flows into `r`", "flows into `text`", "flows into `cmd`"]


def test_flow_is_cached_per_file_and_configuration():
    file = file_of(HEAD)
    assert Flow.of(file) is Flow.of(file)
    assert Flow.of(file, bound_helpers=("x",)) is not Flow.of(file)


def test_custom_sources_for_plugins():
    def secrets(expr, ctx):
        if isinstance(expr, cst.Call) and ctx.imports.qualify(expr.func) == "vault.read":
            return [Source("secret", "a vault secret", expr)]
        return []

    code = HEAD + "import vault\ndef f():\n    key = vault.read('k')\n    return client.responses.create(model='m', input=f'{key}')\n"
    flow = Flow.of(file_of(code), sources=(secrets,))
    call = flow.llm_calls[0]
    [taint] = flow.sources_reaching(call.node.args[1].value, call.node).of_kind("secret")
    assert taint.source.label == "a vault secret"


# -- a plugin rule built on the dataflow core, installed by hand and run through the real CLI ------------
PLUGIN = '''
import ailint
from ailint.dataflow import MODEL_OUTPUT, Flow, LlmNeedles, explain
from ailint.rule import Invalid, PythonRule, Valid


class LlmOutputToUrl(PythonRule):
    """
    ## What it does
    Flags model output used as the URL of a `requests` call.

    ## Why is this bad?
    A prompt-injected model can make the service fetch internal addresses (SSRF).

    ## Example
    ```python
    requests.get(reply.output_text)
    ```

    ## Use instead
    Map the model's choice to an allow-listed URL.

    ## Options
    None.

    ## References
    - https://owasp.org/www-community/attacks/Server_Side_Request_Forgery
    """

    code = "ACME701"
    name = "llm-output-to-url"
    needles = LlmNeedles()
    VALID = [Valid("import requests\\nrequests.get('https://example.com', timeout=5)\\n")]
    INVALID = [Invalid("import requests\\nfrom openai import OpenAI\\nclient = OpenAI()\\n"
                       "r = client.responses.create(model='m', input='a url')\\n"
                       "requests.get(r.output_text, timeout=5)\\n", lines=[5], message="example.py:4")]

    def end_file(self):
        flow = Flow.of(self.file)
        for site in flow.index.calls:
            if self.file.imports.qualify(site.node.func) in ("requests.get", "requests.post"):
                url = site.node.args[0].value if site.node.args else None
                for taint in flow.sources_reaching(url, site.node).of_kind(MODEL_OUTPUT) if url else ():
                    self.report(site.node, f"{taint.source.label} ({{related}}) is used as a URL",
                                related=explain(taint))
                    break


@ailint.hookimpl
def ailint_register_rules(register):
    register(LlmOutputToUrl)
'''

APP = """\
import requests
from openai import OpenAI

client = OpenAI(timeout=10)


def follow(question):
    reply = client.responses.create(model="gpt-4o-mini", input=question[:200])
    link = reply.output_text.strip()
    return requests.get(link, timeout=5).text


def fixed():
    return requests.get("https://example.com/status", timeout=5).text
"""


def test_readme_plugin_example_matches_this_plugin():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Dataflow for plugin authors")[1].split("\n## ")[0]
    body = PLUGIN.split("    def end_file(self):")[1].split("@ailint.hookimpl")[0].strip()
    assert body in section


def test_a_plugin_rule_on_the_dataflow_core_runs_through_the_cli(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    make_plugin(site, "acme-flow", "acme_flow", PLUGIN)
    project = write_files(tmp_path / "project", {"ailint.toml": "", "app.py": APP})
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    proc = run_ailint(["check", ".", "--select", "ACME701", "--no-cache", "--format", "json"], project, env)
    assert proc.returncode == 1, proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["code"]) == ("app.py", 10, "ACME701")
    assert finding["message"] == "output of openai.responses.create (app.py:8) is used as a URL"
    assert [(r["line"], r["message"]) for r in finding["related"]] == [
        (8, "model output: output of openai.responses.create"), (8, "flows into `reply`"), (9, "flows into `link`")]
    listed = run_ailint(["rules", "--format", "json"], project, env)
    assert "acme-flow" in listed.stdout and "ACME701" in listed.stdout
