"""The per-file cache: same findings warm and cold, invalidated by content and configuration,
tolerant of damage."""

from __future__ import annotations

import json

from cli_helpers import run_ailint, write_files

FLAWED = "import requests\n\nrequests.get('https://example.com')\n"


def report(project, *args):
    proc = run_ailint(["check", ".", "--format", "json", "-v", *args], project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc


def findings(document):
    return [(f["path"], f["line"], f["code"], f["fingerprint"]) for f in document["findings"]]


def test_warm_run_gives_the_same_findings_from_the_cache(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED, "b.py": FLAWED.replace("get", "post")})
    cold, _ = report(tmp_path)
    assert (tmp_path / ".ailint_cache" / ".gitignore").read_text().strip().endswith("*")
    warm, _ = report(tmp_path)
    assert findings(warm) == findings(cold) and len(findings(cold)) == 2
    text = run_ailint(["check", ".", "-v"], tmp_path).stdout
    assert "2 files checked, 0 parsed fully, 2 from the cache" in text


def test_changed_file_and_changed_config_miss_the_cache(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED})
    report(tmp_path)
    (tmp_path / "a.py").write_text(FLAWED + "requests.put('x')\n")
    assert [f[1] for f in findings(report(tmp_path)[0])] == [3, 4]
    (tmp_path / "pyproject.toml").write_text('[tool.ailint.severity]\nAIL102 = "error"\n')
    assert {f["severity"] for f in report(tmp_path)[0]["findings"]} == {"error"}


def test_damaged_cache_entries_are_misses(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED})
    cold, _ = report(tmp_path)
    for entry in (tmp_path / ".ailint_cache").rglob("*.json"):
        entry.write_text("{not json")
    again, _ = report(tmp_path)
    assert findings(again) == findings(cold)


def test_no_cache_writes_nothing(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED})
    report(tmp_path, "--no-cache")
    assert not (tmp_path / ".ailint_cache").exists()


# -- findings that depend on other files ----------------------------------------------------

CLIENT = "from openai import OpenAI\n\nclient = OpenAI(timeout=20)\n"
USER = ("from app.llm import client\n\n\ndef ask(q):\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n")


def codes(project, *args):
    return sorted((f[0], f[2]) for f in findings(report(project, "--select", "AIL101", *args)[0]))


def test_editing_a_client_module_rechecks_the_files_importing_it(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": CLIENT, "app/service.py": USER,
                           "app/other.py": FLAWED})
    assert codes(tmp_path) == []
    (tmp_path / "app/llm.py").write_text(CLIENT.replace("timeout=20", ""))
    assert codes(tmp_path) == [("app/service.py", "AIL101")]
    text = run_ailint(["check", ".", "-v", "--select", "AIL101"], tmp_path).stdout
    assert "0 parsed fully" in text  # and nothing else is re-checked once warm


def test_a_module_that_starts_handing_out_clients_rechecks_its_importers(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": "client = None\n", "app/service.py": USER})
    assert codes(tmp_path) == []
    (tmp_path / "app/llm.py").write_text(CLIENT.replace("timeout=20", ""))
    assert ("app/service.py", "AIL101") in codes(tmp_path)


def test_the_scan_manifest_survives_damage_and_notices_changes(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/__init__.py": "", "app/llm.py": "client = None\n", "app/service.py": USER})
    assert codes(tmp_path) == []
    manifest = tmp_path / ".ailint_cache" / "v2" / "scan.json"
    assert manifest.is_file()
    manifest.write_text("{broken")
    assert codes(tmp_path) == []
    (tmp_path / "app/llm.py").write_text(CLIENT.replace("timeout=20", ""))
    assert ("app/service.py", "AIL101") in codes(tmp_path, "--no-cache")
    assert ("app/service.py", "AIL101") in codes(tmp_path)


def test_concurrent_runs_share_the_cache_safely(tmp_path):
    import subprocess
    import sys

    (tmp_path / ".git").mkdir()
    files = {f"m{index}.py": FLAWED.replace("get", ("get", "post", "put")[index % 3]) for index in range(30)}
    write_files(tmp_path, files)
    expected, _ = report(tmp_path, "--no-cache")
    runs = [subprocess.Popen([sys.executable, "-m", "ailint", "check", ".", "--format", "json"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1, err
        assert findings(json.loads(out)) == findings(expected)
    warm, _ = report(tmp_path)
    assert findings(warm) == findings(expected)
    assert not list((tmp_path / ".ailint_cache").rglob(".tmp-*"))  # no half-written file left behind


def test_a_file_changed_without_changing_size_or_timestamp_is_read_again(tmp_path):
    """The scan trusts size and modification time, except for files modified within a moment
    of its last save (git's "racily clean" entries), which it reads again."""
    import os

    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED})
    before = (tmp_path / "a.py").stat()
    assert [f[1] for f in findings(report(tmp_path)[0])] == [3]
    fixed = FLAWED.replace("requests.get('https://example.com')", "requests.get('http://xy',timeout=9)")
    assert len(fixed) == len(FLAWED)
    (tmp_path / "a.py").write_text(fixed)
    os.utime(tmp_path / "a.py", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (tmp_path / "a.py").stat().st_size == before.st_size
    assert findings(report(tmp_path)[0]) == []


def test_a_cache_of_an_earlier_format_is_removed(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED, ".ailint_cache/v1/ab/abcdef.json": "{}"})
    report(tmp_path)
    assert not (tmp_path / ".ailint_cache" / "v1").exists()
    assert (tmp_path / ".ailint_cache" / "v2").is_dir()


# -- a run that changes a few entries writes a delta ------------------------------------------

def test_a_partial_run_writes_a_delta_that_the_next_run_reads(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {f"m{n}.py": FLAWED for n in range(6)})
    cold, _ = report(tmp_path)
    (results,) = [p for p in (tmp_path / ".ailint_cache").rglob("results-*.json") if ".delta" not in p.name]
    before = results.read_bytes()
    (tmp_path / "m0.py").write_text(FLAWED + "requests.put('x')\n")
    proc = run_ailint(["check", "m0.py", "--format", "json"], tmp_path)  # pre-commit: one file
    assert proc.returncode == 1
    assert results.read_bytes() == before  # not rewritten...
    (delta,) = (tmp_path / ".ailint_cache").rglob("results-*.delta.json")  # ...the change is here
    warm, proc = report(tmp_path)
    assert len(findings(warm)) == 7
    assert "6 files checked, 0 parsed fully, 6 from the cache" in run_ailint(["check", ".", "-v"], tmp_path).stdout
    assert findings(warm) == findings(report(tmp_path, "--no-cache")[0])
    # a damaged delta, or one naming another results file, is no delta: misses, not wrong findings
    delta.write_text("{not json")
    assert findings(report(tmp_path)[0]) == findings(warm)
    payload = json.loads(results.read_text())
    (tmp_path / "m1.py").write_text(FLAWED + "requests.put('y')\n")
    report(tmp_path)
    delta_payload = json.loads(delta.read_text())
    assert delta_payload["base"] == payload["written"]
    delta_payload["base"] = "another"
    delta.write_text(json.dumps(delta_payload))
    assert findings(report(tmp_path)[0]) == findings(report(tmp_path, "--no-cache")[0])


def test_a_delta_is_folded_in_when_it_grows(tmp_path, monkeypatch):
    from ailint import cache as cache_module
    from ailint.engine import FileResult

    cache = cache_module.Cache(tmp_path, "ctx")
    cache.store("a", FileResult("a.py"))
    cache.store("b", FileResult("b.py"))
    cache.save()
    again = cache_module.Cache(tmp_path, "ctx")
    again.store("c", FileResult("c.py"))
    again.load("a")
    again.save()  # b.py was not checked: kept; c.py is new: a delta
    assert again.delta_path.exists()
    third = cache_module.Cache(tmp_path, "ctx")
    assert set(third.entries) == {"a", "b", "c"}
    monkeypatch.setattr(cache_module, "_DELTA_MAX", 0)
    third.store("d", FileResult("d.py"))
    third.save()
    assert not third.delta_path.exists()
    assert set(cache_module.Cache(tmp_path, "ctx").entries) == {"a", "b", "c", "d"}


def test_an_entry_damaged_into_other_json_is_a_miss(tmp_path):
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"a.py": FLAWED})
    cold, _ = report(tmp_path)
    (results,) = [p for p in (tmp_path / ".ailint_cache").rglob("results-*.json") if ".delta" not in p.name]
    payload = json.loads(results.read_text())
    payload["entries"] = {key: 5 for key in payload["entries"]}
    results.write_text(json.dumps(payload))
    (tmp_path / "a.py").touch()
    for _ in range(2):
        again, proc = report(tmp_path)
        assert findings(again) == findings(cold) and "Traceback" not in proc.stderr
