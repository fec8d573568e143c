"""Report formats. Each module renders a `RunResult` to a string: text, json, sarif, github,
markdown. `render(format, result, ...)` picks one."""

from __future__ import annotations

import importlib

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(fmt: str, result, **options) -> str:
    module = importlib.import_module(f"ailint.report.{fmt}_format")
    return module.render(result, **options)
