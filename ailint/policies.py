"""Declarative policies: rules an organisation writes in config instead of Python.

Each `[[tool.ailint.policies]]` table becomes a rule class, registered like any other rule (it
appears in `ailint rules`, `explain` and SARIF, with its origin), with generated documentation
and generated VALID/INVALID examples, so the test suite checks every policy the same way it
checks built-in rules. Four kinds:

* `require-keyword`: calls to a qualified name must pass a keyword, optionally bounded
  (`min`/`max` for numeric literals).
* `forbid-call`: calls to qualified names (globs allowed) are banned.
* `allowed-models`: model-name literals passed as `model=`, `model_name=`, `model_id=`,
  `modelId=`, `deployment_name=` or `azure_deployment=` in Python must match a pattern.
* `require-file`: the project must contain a file or folder matching a glob.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

import libcst as cst

from ailint.rule import CODE_RE, NAME_RE, Invalid, ProjectRule, PythonRule, Valid
from ailint.types import FileKind, Severity, Span

POLICY_DISTRIBUTION = "config"
MODEL_KEYWORDS = ("model", "model_name", "model_id", "modelId", "deployment_name", "azure_deployment")
_COMMON = {"kind", "code", "name", "message", "severity", "description"}
_KIND_KEYS = {
    "require-keyword": {"calls", "keyword", "min", "max"},
    "forbid-call": {"calls"},
    "allowed-models": {"models"},
    "require-file": {"path"},
}


class PolicyError(Exception):
    pass


@dataclass(frozen=True)
class PolicySpec:
    kind: str
    code: str
    name: str
    message: str
    severity: Severity
    settings: Tuple[Tuple[str, Any], ...]
    origin: str  # "pyproject.toml" or "pack acme-ailint:strict"
    description: str = ""

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.settings).get(key, default)


def parse_policies(value: Any, path: str, origin: str) -> Tuple[PolicySpec, ...]:
    from ailint.config import suggestion

    if not isinstance(value, list):
        raise PolicyError(f"{path}: expected an array of tables ([[...policies]]), got {value!r}")
    specs = []
    for index, table in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(table, dict):
            raise PolicyError(f"{where}: expected a table, got {table!r}")
        kind = table.get("kind")
        if kind not in _KIND_KEYS:
            raise PolicyError(f"{where}.kind: expected one of {', '.join(sorted(_KIND_KEYS))}, got {kind!r}"
                              f"{suggestion(str(kind), list(_KIND_KEYS))}")
        allowed = _COMMON | _KIND_KEYS[kind]
        for key in table:
            if key not in allowed:
                raise PolicyError(f"unknown key {where}.{key}{suggestion(key, sorted(allowed))}")
        for key in ("code", "name", "message"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise PolicyError(f"{where}.{key}: required (a non-empty string)")
        if not CODE_RE.match(table["code"]):
            raise PolicyError(f"{where}.code: {table['code']!r} must be an uppercase prefix and three digits, like ACME101")
        if table["code"].startswith("AIL") and not ("810" <= table["code"][3:] <= "899"):
            raise PolicyError(f"{where}.code: policies may use AIL810-AIL899 or their own prefix, not {table['code']}")
        if not NAME_RE.match(table["name"]):
            raise PolicyError(f"{where}.name: {table['name']!r} must be kebab-case words, like gateway-call-without-deadline")
        try:
            severity = Severity.parse(table.get("severity", "warning"))
        except ValueError:
            raise PolicyError(f"{where}.severity: expected note, warning or error, got {table.get('severity')!r}") from None
        settings = {key: table[key] for key in _KIND_KEYS[kind] if key in table}
        _check_kind_settings(kind, settings, where)
        specs.append(PolicySpec(kind, table["code"], table["name"], table["message"].strip(), severity,
                                tuple(sorted(settings.items())), origin, str(table.get("description", ""))))
    return tuple(specs)


def _check_kind_settings(kind: str, settings: Dict[str, Any], where: str) -> None:
    def strings(key: str) -> None:
        value = settings.get(key)
        if isinstance(value, str):
            settings[key] = [value]
            value = settings[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise PolicyError(f"{where}.{key}: required (a non-empty list of strings)")
        settings[key] = tuple(value)

    if kind in ("require-keyword", "forbid-call"):
        strings("calls")
    if kind == "require-keyword":
        if not isinstance(settings.get("keyword"), str):
            raise PolicyError(f"{where}.keyword: required (the keyword argument name)")
        for bound in ("min", "max"):
            if bound in settings and (isinstance(settings[bound], bool) or not isinstance(settings[bound], (int, float))):
                raise PolicyError(f"{where}.{bound}: expected a number, got {settings[bound]!r}")
    if kind == "allowed-models":
        strings("models")
    if kind == "require-file" and not isinstance(settings.get("path"), str):
        raise PolicyError(f"{where}.path: required (a glob relative to the project root, e.g. 'evals/**')")


# -- the rule classes each kind produces ----------------------------------------------------

def _doc(spec: PolicySpec, what: str, example: str, instead: str) -> str:
    return f"""
    ## What it does
    {what}

    {spec.description or spec.message}

    ## Why is this bad?
    It breaks a policy declared in configuration ({spec.origin}): {spec.message}

    ## Example
    ```python
    {example}
    ```

    ## Use instead
    ```python
    {instead}
    ```

    ## Options
    Declared in `[[tool.ailint.policies]]` ({spec.kind}): {dict(spec.settings)!r}.

    ## References
    - README, "Declarative policies"
    """


def _split(qualname: str) -> Tuple[str, str]:
    module, _, attribute = qualname.rpartition(".")
    return module or qualname, attribute


def _call_example(qualname: str, extra: str = "") -> str:
    """A two-line program calling `qualname`; the call is on line 2 (3 for client methods)."""
    from ailint.sdk.catalog import CLIENTS_BY_NAME

    qualname = qualname.replace("*", "x")
    for client in sorted(CLIENTS_BY_NAME, key=len, reverse=True):
        if qualname.startswith(client + "."):
            module, klass = _split(client)
            method = qualname[len(client) + 1:]
            return f"import {module}\nclient = {module}.{klass}()\nclient.{method}({extra})\n"
    module, attribute = _split(qualname)
    return f"import {module}\n{module}.{attribute}({extra})\n"


def _call_line(qualname: str) -> int:
    return _call_example(qualname).count("\n")


def _call_matches(patterns, call: cst.Call, file) -> Optional[str]:
    """The qualified name of a call (a function, constructor, or a method of a catalogued client,
    as `openai.OpenAI.chat.completions.create`) when it matches a pattern."""
    names = []
    qualified = file.imports.qualify(call.func)
    if qualified:
        names.append(qualified)
    from ailint.sdk.analysis import NetworkCalls

    for network in NetworkCalls.of(file).calls:
        if network.node is call and network.client is not None:
            names.append(f"{network.spec.qualname}.{network.method}")
    for name in names:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return name
    return None


def _literal_number(node) -> Optional[float]:
    from ailint.sdk.values import number

    return number(node)


def build_rule(spec: PolicySpec) -> type:
    """A rule class implementing one declared policy."""
    base = {"code": spec.code, "name": spec.name, "severity": spec.severity, "category": "governance"}
    if spec.kind == "require-keyword":
        calls, keyword = spec.get("calls"), spec.get("keyword")
        low, high = spec.get("min"), spec.get("max")
        good_value = high if high is not None else (low if low is not None else 1)
        bad = _call_example(calls[0])
        good = _call_example(calls[0], f"{keyword}={good_value!r}")
        examples_invalid = [Invalid(bad, lines=[_call_line(calls[0])])]
        if high is not None:
            examples_invalid.append(Invalid(_call_example(calls[0], f"{keyword}={high + 1!r}"), lines=[_call_line(calls[0])]))

        class RequireKeyword(PythonRule):
            def visit_Call(self, node: cst.Call) -> None:
                matched = _call_matches(calls, node, self.file)
                if matched is None:
                    return
                values = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
                if any(arg.star == "**" for arg in node.args) and keyword not in values:
                    return  # may come through **kwargs: precision first
                if keyword not in values:
                    self.report(node, f"{spec.message} ({matched} without {keyword}=)")
                    return
                value = _literal_number(values[keyword])
                if value is not None and ((high is not None and value > high) or (low is not None and value < low)):
                    bounds = " and ".join(part for part in (f">= {low}" if low is not None else "",
                                                            f"<= {high}" if high is not None else "") if part)
                    self.report(node, f"{spec.message} ({keyword}={value:g}, policy requires {bounds})")

        cls = _finish(RequireKeyword, base, spec, f"Requires `{keyword}=` on calls to {', '.join(calls)}.", bad, good,
                      [Valid(good)], examples_invalid)
        cls.needles = tuple({pattern.split(".")[0].encode() for pattern in calls if not pattern.startswith("*")})
        return cls
    if spec.kind == "forbid-call":
        calls = spec.get("calls")

        class ForbidCall(PythonRule):
            def visit_Call(self, node: cst.Call) -> None:
                matched = _call_matches(calls, node, self.file)
                if matched is not None:
                    self.report(node, f"{spec.message} ({matched} is forbidden)")

        bad = _call_example(calls[0])
        cls = _finish(ForbidCall, base, spec, f"Forbids calls to {', '.join(calls)}.", bad, "# call the approved gateway",
                      [Valid("import json\njson.dumps({})\n")], [Invalid(bad, lines=[_call_line(calls[0])])])
        cls.needles = tuple({pattern.split(".")[0].encode() for pattern in calls if not pattern.startswith("*")})
        return cls
    if spec.kind == "allowed-models":
        patterns = spec.get("models")
        allowed_example = patterns[0].replace("*", "x").replace("?", "x")

        def allowed(model: str) -> bool:
            return any(fnmatch.fnmatchcase(model, pattern) for pattern in patterns)

        class AllowedModelsPython(PythonRule):
            def visit_Arg(self, node: cst.Arg) -> None:
                if node.keyword is None or node.keyword.value not in MODEL_KEYWORDS:
                    return
                if isinstance(node.value, cst.SimpleString) and isinstance(node.value.evaluated_value, str):
                    model = node.value.evaluated_value
                    if not allowed(model):
                        self.report(node.value, f"{spec.message} (model {model!r} is not in the allowed list)")

        bad = "client.chat.completions.create(model='unapproved-model-x', messages=[])"
        good = f"client.chat.completions.create(model={allowed_example!r}, messages=[])"
        cls = _finish(AllowedModelsPython, base, spec, f"Allows only the models {', '.join(patterns)}.", bad, good,
                      [Valid(good + "\n")], [Invalid(bad + "\n", lines=[1])])
        cls.kinds = frozenset({FileKind.PYTHON, FileKind.NOTEBOOK})
        return cls
    if spec.kind == "require-file":
        pattern = spec.get("path")
        sample = pattern.replace("**", "x").replace("*", "x").rstrip("/") or "x"

        class RequireFile(ProjectRule):
            def check_project(self, project) -> None:
                from ailint.globs import matches

                present = any(matches(pattern, file.relpath) for file in project.files) or \
                    (project.root / pattern.rstrip("/")).exists()
                if not present:
                    target = next((f.relpath for f in project.files if f.relpath in ("pyproject.toml", "ailint.toml")),
                                  None) or next(iter(sorted(project.checked)), None)
                    if target is not None:
                        self.report(Span(1, 1), f"{spec.message} (no file matches {pattern!r})", path=target)

        sample_file = sample if "." in sample.rsplit("/", 1)[-1] else sample + "/README.md"
        cls = _finish(RequireFile, base, spec, f"Requires a file matching `{pattern}` in the project.",
                      "# no file matching the pattern", f"# add {sample_file}",
                      [Valid({"pyproject.toml": "[project]\nname = 'x'\n", sample_file: "x\n"})],
                      [Invalid({"pyproject.toml": "[project]\nname = 'x'\n"}, lines=["pyproject.toml:1"])])
        return cls
    raise PolicyError(f"unknown policy kind {spec.kind!r}")


def _finish(cls: type, base: Mapping[str, Any], spec: PolicySpec, what: str, example: str, instead: str,
            valid: List[Valid], invalid: List[Invalid]) -> type:
    for key, value in base.items():
        setattr(cls, key, value)
    cls.__name__ = cls.__qualname__ = "Policy_" + spec.code
    cls.__doc__ = _doc(spec, what, example.strip().replace("\n", "\n    "), instead.strip().replace("\n", "\n    "))
    cls.VALID = valid
    cls.INVALID = invalid
    cls.policy = spec
    return cls


def register_policies(registry, specs) -> None:
    """Add the rule of every policy to the registry, with its origin as distribution."""
    from ailint.registry import RegistryError

    for spec in specs:
        try:
            registry.register(build_rule(spec), f"{POLICY_DISTRIBUTION} ({spec.origin})", "policy")
        except RegistryError as exc:
            raise PolicyError(str(exc)) from None


__all__ = ["PolicyError", "PolicySpec", "parse_policies", "register_policies", "build_rule"]
