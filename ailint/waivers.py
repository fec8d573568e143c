"""Waivers: owned, dated exceptions declared in config.

```toml
[[tool.ailint.waivers]]
codes = ["AIL101"]            # codes, prefixes or names
paths = ["legacy/**"]         # globs relative to the project root
reason = "vendored client, replaced in Q1"
owner = "platform-team@acme.example"
expires = 2027-03-31          # a TOML date
```

An active waiver suppresses the findings it matches. After its expiry date the waiver no
longer suppresses anything and is itself a finding (AIL801); a waiver that matches nothing in
the files checked is reported (AIL802). A waiver without codes, paths, reason, owner or expiry
is a configuration error. Tests inject "today" with the `AILINT_TODAY` environment variable.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ailint.globs import matches
from ailint.types import Finding, Severity, Span

EXPIRED_WAIVER = "AIL801"
UNUSED_WAIVER = "AIL802"
_KEYS = ("codes", "paths", "reason", "owner", "expires")


class WaiverError(Exception):
    pass


@dataclass
class Waiver:
    index: int
    codes: Tuple[str, ...]
    paths: Tuple[str, ...]
    reason: str
    owner: str
    expires: datetime.date
    used: int = field(default=0, compare=False)

    def covers(self, finding: Finding, registry) -> bool:
        if not any(matches(pattern, finding.path) for pattern in self.paths):
            return False
        return any(finding.code in {info.code for info in registry.matching(selector)} for selector in self.codes)


def today() -> datetime.date:
    injected = os.environ.get("AILINT_TODAY")
    if injected:
        try:
            return datetime.date.fromisoformat(injected)
        except ValueError:
            raise WaiverError(f"AILINT_TODAY: expected a date like 2027-03-31, got {injected!r}") from None
    return datetime.date.today()


def parse_waivers(value: Any, path: str) -> Tuple[Waiver, ...]:
    from ailint.config import suggestion

    if not isinstance(value, list):
        raise WaiverError(f"{path}: expected an array of tables ([[...waivers]]), got {value!r}")
    waivers = []
    for index, table in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(table, dict):
            raise WaiverError(f"{where}: expected a table, got {table!r}")
        for key in table:
            if key not in _KEYS:
                raise WaiverError(f"unknown key {where}.{key}{suggestion(key, list(_KEYS))}")
        missing = [key for key in _KEYS if key not in table]
        if missing:
            raise WaiverError(f"{where}: a waiver needs {', '.join(missing)} (every waiver has codes, paths, "
                              f"a reason, an owner and an expiry date)")
        lists = {}
        for key in ("codes", "paths"):
            items = [table[key]] if isinstance(table[key], str) else table[key]
            if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
                raise WaiverError(f"{where}.{key}: expected a non-empty list of strings, got {table[key]!r}")
            lists[key] = tuple(items)
        for key in ("reason", "owner"):
            if not isinstance(table[key], str) or not table[key].strip():
                raise WaiverError(f"{where}.{key}: expected a non-empty string, got {table[key]!r}")
        expires = table["expires"]
        if isinstance(expires, str):
            try:
                expires = datetime.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if isinstance(expires, datetime.datetime):
            expires = expires.date()
        if not isinstance(expires, datetime.date):
            raise WaiverError(f"{where}.expires: expected a date like 2027-03-31, got {table['expires']!r}")
        waivers.append(Waiver(index, lists["codes"], lists["paths"], table["reason"].strip(), table["owner"].strip(), expires))
    return tuple(waivers)


def apply_waivers(findings: List[Finding], waivers, registry, checked, config_relpath: Optional[str],
                  config_lines: Dict[int, int], selection) -> List[Finding]:
    """Drop findings covered by active waivers; add AIL801/AIL802 findings about the waivers.
    `config_lines` maps a waiver's index to its line in the config file."""
    if not waivers:
        return findings
    now = today()
    active = [w for w in waivers if w.expires >= now]
    kept = []
    for finding in findings:
        waiver = next((w for w in active if w.covers(finding, registry)), None)
        if waiver is not None and not finding.code.startswith("AIL0"):
            waiver.used += 1
            continue
        kept.append(finding)
    path = config_relpath or "pyproject.toml"
    for waiver in waivers:
        span = Span(config_lines.get(waiver.index, 1), 1)
        if waiver.expires < now:
            code = EXPIRED_WAIVER
            message = (f"waiver for {', '.join(waiver.codes)} on {', '.join(waiver.paths)} (owner {waiver.owner}) "
                       f"expired on {waiver.expires.isoformat()}; fix the findings or renew it with a new date")
        elif waiver.used == 0 and any(any(matches(p, relpath) for p in waiver.paths) for relpath in checked):
            code = UNUSED_WAIVER
            message = (f"waiver for {', '.join(waiver.codes)} on {', '.join(waiver.paths)} (owner {waiver.owner}) "
                       f"matches no finding; remove it")
        else:
            continue
        if code not in selection.enabled_codes:
            continue
        info = registry.get(code)
        severity = selection.severity_of(code, info.severity if info else Severity.ERROR)
        kept.append(Finding(code, info.name if info else code, "governance", severity, message, path, span,
                            snippet=f"{code}:{waiver.codes}:{waiver.paths}"))
    return kept


def waiver_lines(config_path, root) -> Dict[int, int]:
    """The line of each waiver table in the config file (index -> line)."""
    from ailint.parsing import ParseError, parse_toml

    try:
        _, entries = parse_toml(config_path.read_text(encoding="utf-8"))
    except (OSError, ParseError, UnicodeDecodeError):
        return {}
    lines: Dict[int, int] = {}
    for entry in entries:
        key = entry.key
        for position, part in enumerate(key[:-1]):
            if part == "waivers" and isinstance(key[position + 1], int):
                index = key[position + 1]
                lines[index] = min(lines.get(index, entry.span.line), entry.span.line)
    return lines
