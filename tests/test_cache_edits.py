"""Edits after which a cached result must not be reused: each test builds a project, runs
`ailint check` with the cache, edits files, and requires the cached findings to equal the
`--no-cache` findings on the final tree (cases found by an adversarial review of the cache
keyed by the project modules a file's analysis consulted)."""

from __future__ import annotations

import json

import pytest

from cli_helpers import check_json, run_ailint, write_files

ASK = "\n\ndef ask(q):\n    return client.chat.completions.create(model='m', messages=[])\n"


def _full_findings(cwd, *args):
    """Every field of every finding of `ailint check --format json ARGS` (messages, related locations)."""
    proc = run_ailint(["check", *args, "--format", "json"], cwd)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return sorted(json.dumps(finding, sort_keys=True) for finding in json.loads(proc.stdout)["findings"])


# -- a consulted module is recorded by its file, not only by its name and content -------------

def test_a_client_module_becoming_a_package_with_the_same_bytes_is_read_again(tmp_path):
    # app/llm.py re-exports `.base`'s client: from app/llm.py that is app/base.py (timeout=20);
    # the same bytes in app/llm/__init__.py read app/llm/base.py (no timeout). The entry of
    # app/service.py recorded app.llm and app.base by name and content alone, both would still
    # hold, and the stale result (no AIL101) would be served.
    llm = "import openai\nfrom .base import client\n"
    write_files(tmp_path, {
        "app/__init__.py": "",
        "app/base.py": "from openai import OpenAI\nclient = OpenAI(timeout=20)\n",
        "app/llm.py": llm,
        "app/service.py": "from app.llm import client" + ASK,
    })
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == []
    (tmp_path / "app/llm.py").unlink()
    write_files(tmp_path, {
        "app/llm/__init__.py": llm,
        "app/llm/base.py": "from openai import OpenAI\nclient = OpenAI()\n",
    })
    expected = check_json(tmp_path, ".", "--select", "AIL101", "--no-cache")[1]
    assert expected == [("app/service.py", 4, "AIL101")]
    assert check_json(tmp_path, "app/service.py", "--select", "AIL101")[1] == expected
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == expected


def test_moving_a_client_module_with_the_same_bytes_moves_the_findings_that_point_at_it(tmp_path):
    # app/llm.py -> app/llm/__init__.py (or src/app/llm.py), same module name, same bytes: the
    # cached AIL101 must not say "the client built at app/llm.py:2", a file that no longer exists
    llm = "from openai import OpenAI\nclient = OpenAI()\n"
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": llm, "app/service.py": "from app.llm import client" + ASK})
    assert check_json(tmp_path, ".", "--select", "AIL101")[1] == [("app/service.py", 4, "AIL101")]
    (tmp_path / "app/llm.py").unlink()
    write_files(tmp_path, {"app/llm/__init__.py": llm})
    expected = _full_findings(tmp_path, ".", "--select", "AIL101", "--no-cache")
    assert "app/llm/__init__.py:2" in expected[0]
    assert _full_findings(tmp_path, ".", "--select", "AIL101") == expected


# -- files outside the project scan, and the configuration -----------------------------------

# .pyi files are checked as Python but are not in the project scan, nor is a file named on the
# command line that the configuration excludes: their key's gate kinds come from their own
# bytes, as the gate's answer for them does
OUTSIDE_THE_SCAN = {
    "a stub": ({}, "app/service.pyi", "."),
    "an excluded file named on the command line": (
        {"ailint.toml": 'exclude = ["app/legacy.py"]\n'}, "app/legacy.py", "app/legacy.py"),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE_THE_SCAN))
def test_a_file_outside_the_scan_follows_a_client_module_that_starts_handing_out_a_client(case, tmp_path):
    extra, relpath, target = OUTSIDE_THE_SCAN[case]
    write_files(tmp_path, {**extra, "app/__init__.py": "", "app/llm.py": "client = None\n",
                           relpath: "from app.llm import client" + ASK})
    assert check_json(tmp_path, target, "--select", "AIL101")[1] == []
    write_files(tmp_path, {"app/llm.py": "from openai import OpenAI\nclient = OpenAI()\n"})
    expected = check_json(tmp_path, target, "--select", "AIL101", "--no-cache")[1]
    assert expected == [(relpath, 4, "AIL101")]
    assert check_json(tmp_path, target, "--select", "AIL101")[1] == expected


def test_editing_a_declared_policy_misses_the_cache(tmp_path):
    # the cache context (runner._cache_context) holds the policies' settings: a forbid-call
    # policy whose `calls` (or `message`) changed must not keep its old findings
    policy = ('[[policies]]\nkind = "forbid-call"\ncode = "ACME802"\nname = "direct-provider-sdk"\n'
              'message = "call providers through acme_gateway"\ncalls = ["%s"]\n')
    write_files(tmp_path, {"ailint.toml": policy % "requests.get",
                           "app/x.py": "import requests\nrequests.get('u', timeout=3)\nrequests.post('u', timeout=3)\n"})
    assert check_json(tmp_path, ".", "--select", "ACME802")[1] == [("app/x.py", 2, "ACME802")]
    write_files(tmp_path, {"ailint.toml": policy % "requests.post"})
    expected = check_json(tmp_path, ".", "--select", "ACME802", "--no-cache")[1]
    assert expected == [("app/x.py", 3, "ACME802")]
    assert check_json(tmp_path, ".", "--select", "ACME802")[1] == expected
