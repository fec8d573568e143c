"""The decision layer: which rules run, on which files, at what severity, and what fails the run.

Rules only record findings; everything that depends on the user's settings is decided here
(select and ignore, per-file ignores, severity overrides, the failing severity).
Select and ignore follow the most specific selector: `select = ["AIL"]`, `ignore = ["AIL1"]`,
`select = ["AIL101"]` enables AIL101 and no other AIL1 rule.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

from ailint.config import Config
from ailint.globs import matches
from ailint.registry import Registry, RuleInfo
from ailint.types import Severity

# Never silent: a crashing rule is always reported.
ALWAYS_ON = frozenset({"AIL002"})


def _specificity(selector: str, info: RuleInfo) -> Optional[int]:
    """How precisely a selector names a rule (None: not at all). A name is exact."""
    if selector.upper() == "ALL":
        return 0
    if selector.lower() == info.name:
        return 100
    if info.code.startswith(selector.upper()):
        return len(selector)
    return None


def _best(selectors, info: RuleInfo) -> Optional[int]:
    scores = [s for s in (_specificity(sel, info) for sel in selectors) if s is not None]
    return max(scores) if scores else None


class Selection:
    def __init__(self, config: Config, registry: Registry) -> None:
        self.config = config
        self.registry = registry
        selected = tuple(config.select) + tuple(config.extend_select)
        self.enabled: List[RuleInfo] = []
        for info in registry:
            chosen = _best(selected, info)
            dropped = _best(config.ignore, info)
            if info.code in ALWAYS_ON or (chosen is not None and (dropped is None or chosen > dropped)):
                self.enabled.append(info)
        self.enabled_codes: FrozenSet[str] = frozenset(info.code for info in self.enabled)
        self._severity: Dict[str, Severity] = {}
        for selector, level in config.severity:
            for info in registry.matching(selector):
                self._severity[info.code] = level
        self._per_file: Tuple[Tuple[str, Tuple[str, ...]], ...] = config.per_file_ignores
        self._per_file_cache: Dict[str, FrozenSet[str]] = {}

    def ignored_for(self, path: str) -> FrozenSet[str]:
        """Codes switched off for one file by `per-file-ignores`."""
        cached = self._per_file_cache.get(path)
        if cached is None:
            codes = set()
            for glob, selectors in self._per_file:
                if matches(glob, path):
                    for selector in selectors:
                        codes.update(info.code for info in self.registry.matching(selector))
            cached = self._per_file_cache[path] = frozenset(codes - ALWAYS_ON)
        return cached

    def engine_enabled_for(self, path: str) -> FrozenSet[str]:
        """Engine codes (AIL0xx) on for a file. Unregistered ones (a test run with an explicit
        rule list) are on."""
        from ailint.engine_codes import NAMES

        ignored = self.ignored_for(path)
        return frozenset(
            code for code in NAMES
            if code not in ignored and (code in self.enabled_codes or self.registry.get(code) is None)
        )

    def rules_for(self, path: str) -> List[RuleInfo]:
        ignored = self.ignored_for(path)
        return [info for info in self.enabled if info.code not in ignored]

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self._severity.get(code, default)

    def fails(self, severity: Severity) -> bool:
        return severity.rank >= self.config.fail_on.rank
