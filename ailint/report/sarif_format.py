"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

The log is built from sarif-om's classes and serialized by `to_json`, which takes the JSON
property names from the classes' attrs metadata. sarif-om gives some properties non-None
defaults (a result's `level` is "warning"); a value passed explicitly to `_om` is always
written, even when it equals that default, and a default nobody asked for never is.

What GitHub needs (see DESIGN.md, "SARIF"): one run, every enabled rule in
`tool.driver.rules`, relative percent-encoded URIs under `%SRCROOT%`, UTF-16 columns,
`partialFingerprints`, and no more than GitHub's limits (truncated, with a notification).
No source text is ever written: no snippets, only the rules' (already masked) messages.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

import attr
import sarif_om as om

from ailint import __version__
from ailint.docs import doc_sections, rule_markdown, rule_text
from ailint.report.linehash import line_hashes
from ailint.report.source import repository_prefix
from ailint.types import Finding, RunResult, Severity, Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/ailint/ailint"
RULES_DOC_URI = INFORMATION_URI + "/blob/main/README.md#rules"  # the rule table
SRCROOT = "%SRCROOT%"

# GitHub code scanning's upload limits (docs: "SARIF support for code scanning").
MAX_RESULTS = 25_000
MAX_RELATED_LOCATIONS = 1_000

LINE_HASH_KEY = "primaryLocationLineHash"
FINGERPRINT_KEY = "ailintFingerprint/v1"

SECURITY_CATEGORIES = frozenset({"secrets", "unsafe-output"})
# Inside GitHub's bands (low 0.1-3.9, medium 4.0-6.9, high 7.0-8.9), away from their edges.
_SECURITY_SEVERITY = {Severity.ERROR: 7.5, Severity.WARNING: 5.5, Severity.NOTE: 2.5}

_EXPLICIT = "_ailint_explicit"  # instance attribute: the fields passed to `_om`
_EXTRA = "_ailint_extra"  # instance attribute: property bag entries beyond `tags`
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's and GitHub's line numbering


# -- serialization ---------------------------------------------------------------------------
def _om(cls: type, **fields: Any) -> Any:
    """Build a sarif-om object and remember which fields were set explicitly."""
    obj = cls(**fields)
    setattr(obj, _EXPLICIT, frozenset(fields))
    return obj


def _property_bag(tags: Sequence[str], **extra: Any) -> om.PropertyBag:
    """A property bag with tags and extra entries (whose names need not be identifiers)."""
    bag = _om(om.PropertyBag, tags=list(tags))
    setattr(bag, _EXTRA, dict(extra))
    return bag


_UNSET = object()


@functools.lru_cache(maxsize=None)
def _schema_fields(cls: type) -> Tuple[Tuple[str, str, Any], ...]:
    """(attribute, JSON property name, default) of every field of a sarif-om class."""
    fields = []
    for field in attr.fields(cls):
        default = field.default
        if isinstance(default, attr.Factory):  # type: ignore[arg-type]
            default = default.factory()
        elif default is attr.NOTHING:
            default = _UNSET
        fields.append((field.name, field.metadata["schema_property_name"], default))
    return tuple(fields)


def to_json(value: Any) -> Any:
    """Turn sarif-om objects (and the dicts and lists holding them) into JSON values.

    Property names come from each attrs field's `schema_property_name`. None is dropped; a
    value equal to the class default is dropped unless it was set explicitly.
    """
    if attr.has(type(value)):
        explicit = getattr(value, _EXPLICIT, frozenset())
        out: Dict[str, Any] = {}
        for name, json_name, default in _schema_fields(type(value)):
            item = getattr(value, name)
            if item is None or (name not in explicit and item == default):
                continue
            out[json_name] = to_json(item)
        for key, item in getattr(value, _EXTRA, {}).items():
            if item is not None:
                out[key] = to_json(item)
        return out
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, Severity):
        return value.value
    return value


# -- reading the checked files back -------------------------------------------------------------
class _Sources:
    """Checked files as GitHub reads them (UTF-8, undecodable bytes replaced, newlines kept),
    for line hashes and UTF-16 columns. Each file is read once."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.prefix = repository_prefix(root)
        self._lines: Dict[str, Optional[List[str]]] = {}
        self._hashes: Dict[str, Optional[List[str]]] = {}

    def _read(self, path: str) -> None:
        try:
            text: Optional[str] = (self.root / path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            text = None
        self._lines[path] = _LINE_BREAK.split(text) if text is not None else None
        self._hashes[path] = line_hashes(text) if text is not None else None

    def line(self, path: str, number: int) -> Optional[str]:
        if path not in self._lines:
            self._read(path)
        lines = self._lines[path]
        if lines is None or not 0 < number <= len(lines):
            return None
        line = lines[number - 1]
        return line[1:] if number == 1 and line.startswith("\ufeff") else line  # the engine drops a BOM

    def line_hash(self, path: str, number: int) -> Optional[str]:
        if path not in self._hashes:
            self._read(path)
        hashes = self._hashes[path]
        return hashes[number - 1] if hashes is not None and 0 < number <= len(hashes) else None


def utf16_column(line: Optional[str], column: int) -> int:
    """Convert a 1-based column counted in code points to one counted in UTF-16 code units."""
    if line is None or column <= 1:
        return max(column, 1)
    prefix = line[: column - 1]
    astral = sum(1 for char in prefix if ord(char) > 0xFFFF)
    return column + astral


def artifact_uri(path: str) -> str:
    """A forward-slash path relative to the root as a percent-encoded relative URI reference."""
    return quote(path.replace("\\", "/"), safe="/")


# -- building the log ----------------------------------------------------------------------------
def is_security_rule(rule: type) -> bool:
    return getattr(rule, "security_severity", None) is not None or getattr(rule, "category", "") in SECURITY_CATEGORIES


def security_severity(rule: type) -> str:
    """GitHub's `security-severity` as a numeric string (one decimal)."""
    value = getattr(rule, "security_severity", None)
    if value is None:
        value = _SECURITY_SEVERITY[rule.severity]
    return f"{float(value):.1f}"


def help_uri(rule: type, distribution: str) -> Optional[str]:
    """Where a rule is documented: the rule's own `help_uri` if it has one, else the README's
    rule table for built-in rules (`help.markdown` carries the full documentation anyway)."""
    own = getattr(rule, "help_uri", None)
    if own:
        return own
    return RULES_DOC_URI if distribution == "ailint" else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def rule_descriptor(info: Any) -> om.ReportingDescriptor:
    """`tool.driver.rules[i]` for a registered rule (a `RuleInfo`)."""
    rule = info.rule
    summary = rule.summary() or info.name
    what = _one_line(doc_sections(rule.__doc__ or "").get("What it does", "")) or summary
    tags = [info.category]
    extra: Dict[str, Any] = {}
    if is_security_rule(rule):
        tags.append("security")
        extra["security-severity"] = security_severity(rule)
    return _om(
        om.ReportingDescriptor,
        id=info.code,
        name=info.name,
        short_description=_om(om.MultiformatMessageString, text=summary),
        full_description=_om(om.MultiformatMessageString, text=what),
        help=_om(om.MultiformatMessageString, text=rule_text(rule), markdown=rule_markdown(rule)),
        help_uri=help_uri(rule, info.distribution),
        default_configuration=_om(om.ReportingConfiguration, level=info.severity.value),
        properties=_property_bag(tags, **extra),
    )


def _region(path: str, span: Span, sources: _Sources) -> om.Region:
    """A 1-based region with UTF-16 columns (SARIF's end column is exclusive, as ailint's)."""
    end_line = span.end_line or span.line
    fields: Dict[str, Any] = {
        "start_line": span.line,
        "start_column": utf16_column(sources.line(path, span.line), span.column),
        "end_line": end_line,
    }
    if span.end_column:
        fields["end_column"] = utf16_column(sources.line(path, end_line), span.end_column)
    return _om(om.Region, **fields)


def _physical_location(path: str, region: Optional[om.Region] = None, prefix: str = "") -> om.PhysicalLocation:
    """`prefix` is the project root's folder inside the repository ("" at its top), so that
    URIs are relative to the checkout, as GitHub resolves them."""
    location = _om(om.ArtifactLocation, uri=artifact_uri(prefix + path), uri_base_id=SRCROOT)
    return _om(om.PhysicalLocation, artifact_location=location, region=region)


def _result(finding: Finding, rule_index: int, sources: _Sources) -> om.Result:
    """One result: level always written, one location, fingerprints, related locations."""
    fingerprints = {FINGERPRINT_KEY: finding.fingerprint} if finding.fingerprint else {}
    line_hash = sources.line_hash(finding.path, finding.line)
    if line_hash is not None:
        fingerprints[LINE_HASH_KEY] = line_hash
    related = [
        _om(om.Location, id=number, message=_om(om.Message, text=item.message),
            physical_location=_physical_location(item.path, _region(item.path, item.span, sources), sources.prefix))
        for number, item in enumerate(finding.related[:MAX_RELATED_LOCATIONS], start=1)
    ]
    fields: Dict[str, Any] = {
        "rule_id": finding.code,
        "level": finding.severity.value,
        "message": _om(om.Message, text=finding.message),
        "locations": [_om(om.Location, physical_location=_physical_location(
            finding.path, _region(finding.path, finding.span, sources), sources.prefix))],
        "partial_fingerprints": dict(sorted(fingerprints.items())),
    }
    if rule_index >= 0:
        fields["rule_index"] = rule_index
    if related:
        fields["related_locations"] = related
    return _om(om.Result, **fields)


def _notification(message: str, level: str, path: Optional[str] = None, prefix: str = "") -> om.Notification:
    """A tool execution notification, located at `path` unless it is about the whole run (".")."""
    locations = None
    if path and path != ".":
        locations = [_om(om.Location, physical_location=_physical_location(path, prefix=prefix))]
    return _om(om.Notification, message=_om(om.Message, text=message), level=level, locations=locations)


def _rules_for(result: RunResult, registry: Any) -> List[Any]:
    """Every enabled rule, plus any rule a finding names that is not enabled (sorted by code)."""
    infos = {info.code: info for info in result.rules}
    for finding in result.findings:
        if finding.code not in infos and registry is not None:
            info = registry.get(finding.code)
            if info is not None:
                infos[info.code] = info
    return [infos[code] for code in sorted(infos)]


def _truncation_notes(findings: Sequence[Finding]) -> List[om.Notification]:
    """Notifications saying what GitHub's limits made `build_log` leave out."""
    notes = []
    if len(findings) > MAX_RESULTS:
        left_out = len(findings) - MAX_RESULTS
        notes.append(_notification(
            f"{left_out} of {len(findings)} findings were left out of this SARIF log: GitHub code "
            f"scanning accepts at most {MAX_RESULTS} results per run. Run with --format json to see them all.",
            "warning"))
    cut = [f for f in findings[:MAX_RESULTS] if len(f.related) > MAX_RELATED_LOCATIONS]
    if cut:
        dropped = sum(len(f.related) - MAX_RELATED_LOCATIONS for f in cut)
        notes.append(_notification(
            f"{dropped} related locations were left out of this SARIF log ({len(cut)} finding(s) had more): "
            f"GitHub code scanning accepts at most {MAX_RELATED_LOCATIONS} per result.",
            "warning"))
    return notes


def build_log(result: RunResult, registry: Any = None) -> om.SarifLog:
    """The SARIF log of one run, as sarif-om objects. Findings must already be sorted."""
    infos = _rules_for(result, registry)
    index = {info.code: number for number, info in enumerate(infos)}
    sources = _Sources(result.root)
    findings = list(result.findings)
    results = [_result(f, index.get(f.code, -1), sources) for f in findings[:MAX_RESULTS]]
    notifications = [_notification(note.message, note.level, note.path, sources.prefix) for note in result.notes]
    notifications += _truncation_notes(findings)
    driver = _om(
        om.ToolComponent,
        name="ailint",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[rule_descriptor(info) for info in infos],
    )
    invocation = _om(
        om.Invocation,
        execution_successful=not result.internal_error,
        tool_execution_notifications=notifications or None,
    )
    checkout = Path(result.root).resolve()
    for _ in range(sources.prefix.count("/")):
        checkout = checkout.parent
    root_uri = checkout.as_uri().rstrip("/") + "/"
    run = _om(
        om.Run,
        tool=_om(om.Tool, driver=driver),
        invocations=[invocation],
        original_uri_base_ids={SRCROOT: _om(om.ArtifactLocation, uri=root_uri)},
        column_kind="utf16CodeUnits",
        results=results,
    )
    return _om(om.SarifLog, schema_uri=SCHEMA_URI, version=SARIF_VERSION, runs=[run])


def sarif_dict(result: RunResult, registry: Any = None) -> Dict[str, Any]:
    """The SARIF log of one run as a JSON-ready dict, `$schema` and `version` first."""
    log = to_json(build_log(result, registry))
    return {"$schema": log.pop("$schema"), "version": log.pop("version"), **log}


def render(result: RunResult, registry: Any = None, **_: Any) -> str:
    return json.dumps(sarif_dict(result, registry), indent=2, ensure_ascii=False) + "\n"


__all__ = ["build_log", "sarif_dict", "render", "to_json", "utf16_column", "artifact_uri"]
