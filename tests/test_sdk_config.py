"""In-house clients declared without Python (config) and by a plugin (the ailint_sdk_catalog
hook), through the real command line."""

from __future__ import annotations

import os
from pathlib import Path

from cli_helpers import check_json, make_plugin, run_ailint, write_files

SERVICE = '''
import acme_llm

client = acme_llm.Client()
fast = acme_llm.Client(deadline_s=10, max_attempts=3)


def ask(q):
    return client.complete(q)


def ask_fast(q):
    return fast.complete(q, max_tokens=100)


def embed(q):
    return client.embed(q, deadline_s=5, max_attempts=2)


def quick(q):
    return acme_llm.complete(q)
'''

CONFIG = '''
[tool.ailint]
select = ["AIL101", "AIL201", "AIL601"]

[tool.ailint.clients."acme_llm.Client"]
kind = "llm"
calls = ["complete", "chat", "embed"]
timeout-keywords = ["deadline_s"]
default-timeout = 600
retry-keywords = ["max_attempts"]
call-retry-keywords = ["max_attempts"]
output-cap = ["max_tokens"]
output-cap-calls = ["complete", "chat"]

[tool.ailint.clients."acme_llm.complete"]
kind = "llm"
timeout-keywords = ["deadline_s"]
'''


def test_config_declared_client_is_checked(tmp_path: Path):
    project = write_files(tmp_path / "svc", {"pyproject.toml": CONFIG, "app.py": SERVICE})
    code, findings = check_json(project, ".", "--no-cache")
    assert code == 1
    assert sorted(findings) == [("app.py", 8, "AIL101"), ("app.py", 8, "AIL201"), ("app.py", 8, "AIL601"),
                                ("app.py", 20, "AIL101"), ("app.py", 20, "AIL201")]
    proc = run_ailint(["check", ".", "--no-cache", "--no-source"], project)
    assert "acme_llm.Client defaults to a 600 s timeout; set deadline_s=" in proc.stdout
    assert "acme_llm.complete has no timeout by default" in proc.stdout


def test_without_the_declaration_the_wrapper_is_unknown(tmp_path: Path):
    project = write_files(tmp_path / "svc", {"pyproject.toml": "[tool.ailint]\nselect = [\"AIL1\", \"AIL2\", \"AIL6\"]\n",
                                             "app.py": SERVICE})
    assert check_json(project, ".", "--no-cache") == (0, [])


def test_invalid_declarations_exit_2_with_the_key_and_a_suggestion(tmp_path: Path):
    bad_key = CONFIG.replace("timeout-keywords = [\"deadline_s\"]\ndefault", "timeout-keyword = [\"deadline_s\"]\ndefault")
    project = write_files(tmp_path / "a", {"pyproject.toml": bad_key, "app.py": SERVICE})
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2
    assert 'tool.ailint.clients."acme_llm.Client".timeout-keyword' in proc.stderr
    assert "did you mean 'timeout-keywords'" in proc.stderr
    bad_kind = CONFIG.replace('kind = "llm"\ncalls', 'kind = "llms"\ncalls')
    project = write_files(tmp_path / "b", {"pyproject.toml": bad_kind, "app.py": SERVICE})
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2 and '.kind: expected "llm" or "http"' in proc.stderr
    bad_cap = CONFIG.replace('output-cap-calls = ["complete", "chat"]', 'output-cap-calls = ["complet"]')
    project = write_files(tmp_path / "c", {"pyproject.toml": bad_cap, "app.py": SERVICE})
    proc = run_ailint(["check", "."], project)
    assert proc.returncode == 2 and "did you mean 'complete'" in proc.stderr


PLUGIN = '''
import ailint


@ailint.hookimpl
def ailint_sdk_catalog(register):
    register("acme_llm.Client", kind="llm", calls=["complete", "chat", "embed"],
             timeout_keywords=["deadline_s"], default_timeout=600, retry_keywords=["max_attempts"],
             output_cap=["max_tokens"], output_cap_calls=["complete", "chat"])
'''


def test_plugin_hook_declares_a_client(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    make_plugin(site, "acme-gateway-ailint", "acme_gateway_ailint", PLUGIN)
    project = write_files(tmp_path / "svc", {"pyproject.toml": "[tool.ailint]\nselect = [\"AIL101\", \"AIL601\"]\n",
                                             "app.py": SERVICE})
    env = {"PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code, findings = check_json(project, ".", "--no-cache", env=env)
    assert code == 1
    assert sorted(findings) == [("app.py", 8, "AIL101"), ("app.py", 8, "AIL601")]
    # Without the plugin the same project is clean.
    assert check_json(project, ".", "--no-cache") == (0, [])


def test_invalid_hook_entry_names_the_distribution(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    make_plugin(site, "broken-gateway-ailint", "broken_gateway_ailint",
                PLUGIN.replace("timeout_keywords=", "timeout_keyword="))
    project = write_files(tmp_path / "svc", {"pyproject.toml": "[tool.ailint]\n", "app.py": SERVICE})
    env = {"PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = run_ailint(["check", "."], project, env=env)
    assert proc.returncode == 2
    assert "broken-gateway-ailint" in proc.stderr and "did you mean 'timeout-keywords'" in proc.stderr
