"""Every SDK in the catalog, flagged and clean, through the real command line
(fixtures/sdk_cases/<sdk>/flagged.py and clean.py, expectations written as `# expect:` markers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdk_helpers import describe, expected_findings, found_findings, run_check

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "sdk_cases"
SDKS = sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    report, _ = run_check(CASES, tmp_path_factory.mktemp("sdk-cases"))
    return report


def test_every_sdk_has_flagged_and_clean_fixtures():
    assert len(SDKS) >= 18
    for sdk in SDKS:
        assert (CASES / sdk / "flagged.py").is_file() and (CASES / sdk / "clean.py").is_file(), sdk
        assert expected_findings(CASES / sdk), f"{sdk}/flagged.py marks no finding"
        assert not any(path == "clean.py" for path, _, _ in expected_findings(CASES / sdk))


@pytest.mark.parametrize("sdk", SDKS)
def test_sdk_findings_match_the_markers(results, sdk):
    found = {t for t in found_findings(results) if t[0].startswith(f"{sdk}/")}
    expected = {(f"{sdk}/{path}", line, code) for path, line, code in expected_findings(CASES / sdk)}
    assert found == expected, (f"{sdk}: missing\n{describe(expected - found)}\nunexpected\n{describe(found - expected)}")


def test_related_location_points_at_the_client(results):
    by_place = {(f["path"], f["line"], f["code"]): f for f in results["findings"]}
    finding = by_place[("openai/flagged.py", 12, "AIL101")]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("openai/flagged.py", 8)]
    assert "600 s" in finding["message"] and "openai/flagged.py:8" in finding["message"]


def test_messages_name_the_default_and_the_trap(results):
    messages = {(f["path"], f["line"], f["code"]): f["message"] for f in results["findings"]}
    assert "no timeout at all" in messages[("langchain/flagged.py", 19, "AIL101")]
    assert "timeout=None" in messages[("langchain/flagged.py", 53, "AIL101")]
    assert "with_retry" in messages[("langchain/flagged.py", 31, "AIL201")]
    assert "cannot take one" in messages[("ollama/flagged.py", 7, "AIL101")]
    assert "60 s" in messages[("bedrock/flagged.py", 13, "AIL101")]
    assert "300 s" in messages[("google_genai/flagged.py", 18, "AIL104")]  # 300 000 ms
    assert "6000 s" in messages[("litellm/flagged.py", 17, "AIL101")]
    assert "max_retries=0" in messages[("openai/flagged.py", 25, "AIL202")]
    assert "maxTokens" in messages[("bedrock/flagged.py", 13, "AIL601")]
