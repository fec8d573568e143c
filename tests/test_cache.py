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
