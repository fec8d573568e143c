"""The README tells the truth: every hook is documented, every built-in rule is listed."""

from __future__ import annotations

import inspect
from pathlib import Path

from ailint import hookspecs
from ailint.plugins import load_registry

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_hook_is_documented_in_the_readme():
    hooks = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("ailint_")]
    assert hooks, "no hooks found"
    for name in hooks:
        arguments = "(" + ", ".join(inspect.signature(getattr(hookspecs, name)).parameters) + ")"
        assert f"#### `{name}{arguments}`" in README, f"README lacks a '#### `{name}{arguments}`' section"
        section = README.split(f"#### `{name}")[1].split("\n#### ")[0]
        for part in ("**Arguments:**", "**Returns:**", "**Example:**"):
            assert part in section, f"README section for {name} lacks {part}"
        assert getattr(hookspecs, name).__doc__, f"{name} has no docstring"


def test_every_builtin_rule_is_in_the_readme_rule_table():
    registry, _ = load_registry()
    for info in registry:
        if info.distribution == "ailint":
            assert f"| {info.code} | {info.name} |" in README, f"README rule table lacks {info.code}"
