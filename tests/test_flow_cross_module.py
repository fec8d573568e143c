"""Flow rules on calls through a client built in another module: the related location points
into that module (regression: AIL301 used to crash with a KeyError on the foreign node)."""

from __future__ import annotations

import json

from cli_helpers import run_ailint, write_files


def test_llm_call_without_logging_through_an_imported_client(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10, max_retries=2)\n",
        "app/use.py": (
            "from app.llm import client\n\n\n"
            "def ask(question):\n"
            "    return client.chat.completions.create(model='m', max_tokens=50, messages=[])\n"
        ),
    })
    # AIL101 asks for the project index that resolves the imported client
    proc = run_ailint(["check", ".", "--select", "AIL0,AIL101,AIL301", "--format", "json"], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = [f for f in json.loads(proc.stdout)["findings"] if f["code"] != "AIL101"]
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [("app/use.py", 5, "AIL301")]
    assert [(r["path"], r["line"]) for r in findings[0]["related"]] == [("app/llm.py", 3)]
