"""Configuration: finding the project root and its settings, and validating every key.

Settings come from `[tool.ailint]` in `pyproject.toml` or from `ailint.toml` (top level, or
under `[tool.ailint]` as well), found upward from the checked paths, or from `--config FILE`.
Command-line flags replace the key of the same name (flags > file > defaults).
Unknown keys and invalid values raise `ConfigError` with the key's path and a suggestion.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from ailint.types import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

CONFIG_FILES = ("ailint.toml", "pyproject.toml")
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024


class ConfigError(Exception):
    """Invalid configuration; the message names the file and the key path."""


@dataclass(frozen=True)
class Config:
    path: Optional[Path] = None  # the file the settings came from
    root: Path = Path(".")
    select: Tuple[str, ...] = ("ALL",)
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    severity: Tuple[Tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.WARNING
    options: Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...] = ()
    plugins: Optional[Tuple[str, ...]] = None  # allow-list of distributions; None: all installed
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    extends: Tuple[str, ...] = ()
    policies: Tuple[Any, ...] = ()  # ailint.policies.PolicySpec
    waivers: Tuple[Any, ...] = ()  # ailint.waivers.Waiver
    clients: Tuple[Any, ...] = ()  # in-house clients: ailint.sdk.catalog ClientSpec / FunctionSpec

    def options_for(self, key: str) -> Dict[str, Any]:
        return dict(dict(self.options).get(key, ()))


def _str_list(value: Any, key: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(key, value, "a list of strings")
    return tuple(value)


def _severity(value: Any, key: str) -> Severity:
    try:
        return Severity.parse(value)
    except (ValueError, AttributeError):
        raise _invalid(key, value, "one of " + ", ".join(repr(s.value) for s in Severity)) from None


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(key, value, "true or false")
    return value


def _positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _invalid(key, value, "a positive whole number of bytes")
    return value


def _table(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(key, value, "a table")
    return value


def _invalid(key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{key}: expected {expected}, got {value!r}")


def suggestion(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# key -> (field name, converter)
_KEYS = {
    "select": ("select", _str_list),
    "extend-select": ("extend_select", _str_list),
    "ignore": ("ignore", _str_list),
    "exclude": ("exclude", _str_list),
    "force-exclude": ("force_exclude", _bool),
    "respect-gitignore": ("respect_gitignore", _bool),
    "fail-on": ("fail_on", _severity),
    "plugins": ("plugins", _str_list),
    "max-file-size": ("max_file_size", _positive_int),
    "per-file-ignores": ("per_file_ignores", None),
    "severity": ("severity", None),
    "options": ("options", None),
    "extends": ("extends", _str_list),
    "policies": ("policies", None),
    "waivers": ("waivers", None),
    "clients": ("clients", None),
}


def parse_settings(data: Mapping[str, Any], prefix: str = "tool.ailint", origin: str = "config") -> Dict[str, Any]:
    """Validate a `[tool.ailint]` table into Config field values (rule codes are checked later,
    once the plugins are loaded: see `check_rule_references`)."""
    values: Dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}"
        if key not in _KEYS:
            raise ConfigError(f"unknown key {path}{suggestion(key, list(_KEYS))}")
        field_name, convert = _KEYS[key]
        if convert is not None:
            values[field_name] = convert(value, path)
        elif key == "per-file-ignores":
            values[field_name] = tuple(
                (glob, _str_list(codes, f"{path}.{glob!r}")) for glob, codes in _table(value, path).items()
            )
        elif key == "severity":
            values[field_name] = tuple(
                (code, _severity(level, f"{path}.{code}")) for code, level in _table(value, path).items()
            )
        elif key == "options":
            values[field_name] = tuple(
                (rule, tuple(_table(opts, f"{path}.{rule}").items())) for rule, opts in _table(value, path).items()
            )
        elif key == "policies":
            from ailint.policies import PolicyError, parse_policies

            try:
                values[field_name] = parse_policies(value, path, origin)
            except PolicyError as exc:
                raise ConfigError(str(exc)) from None
        elif key == "clients":
            from ailint.sdk.custom import CatalogEntryError, parse_clients

            try:
                values[field_name] = parse_clients(value, path)
            except CatalogEntryError as exc:
                raise ConfigError(str(exc)) from None
        elif key == "waivers":
            from ailint.waivers import WaiverError, parse_waivers

            try:
                values[field_name] = parse_waivers(value, path)
            except WaiverError as exc:
                raise ConfigError(str(exc)) from None
    return values


def read_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def settings_table(path: Path) -> Optional[Mapping[str, Any]]:
    """The ailint table of a config file, or None when a pyproject.toml has none."""
    data = read_toml(path)
    table = data.get("tool", {}).get("ailint") if isinstance(data.get("tool"), dict) else None
    if path.name == "pyproject.toml":
        return table
    if table is not None:
        return table
    return data


def _git_root(paths: Sequence[str], cwd: Optional[Path]) -> Optional[Path]:
    cwd = (cwd or Path.cwd()).resolve()
    start = (cwd / (paths[0] if paths else ".")).resolve()
    start = start if start.is_dir() else start.parent
    return next((folder for folder in [start, *start.parents] if (folder / ".git").exists()), None)


def find_project(paths: Sequence[str], cwd: Optional[Path] = None) -> Tuple[Path, Optional[Path]]:
    """Find (root, config file) from the paths checked: walk up from their common folder to the
    first `ailint.toml`, or `pyproject.toml` with a `[tool.ailint]` table; stop at a `.git`.
    The root is the folder of the config file, else of `.git`, else the current folder."""
    cwd = (cwd or Path.cwd()).resolve()
    absolute = [(cwd / p).resolve() for p in (paths or ["."])]
    try:
        start = Path(os.path.commonpath([str(p) for p in absolute]))
    except ValueError:  # different drives
        start = cwd
    if not start.is_dir():
        start = start.parent
    git_root = None
    for folder in [start, *start.parents]:
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                if name == "ailint.toml" or settings_table(candidate) is not None:
                    return folder, candidate
        if (folder / ".git").exists():
            git_root = folder
            break
    return (git_root or cwd), None


def locate_config(paths: Sequence[str], config_file: Optional[str] = None,
                  cwd: Optional[Path] = None) -> Tuple[Path, Optional[Path], Dict[str, Any]]:
    """(root, config file or None, its raw ailint table). Raises ConfigError."""
    if config_file:
        config_path = Path(config_file).resolve()
        if not config_path.is_file():
            raise ConfigError(f"--config: no such file {config_file}")
        table = settings_table(config_path) or {}
        # An explicit config file does not move the root: report paths stay relative to the
        # checkout (the folder holding .git), else to the current folder.
        root = _git_root(paths, cwd) or (cwd or Path.cwd()).resolve()
    else:
        root, config_path = find_project(paths, cwd)
        table = settings_table(config_path) if config_path else {}
    return root, config_path, dict(table or {})


def _prefix(config_path: Optional[Path]) -> str:
    return "tool.ailint" if config_path is not None and config_path.name == "pyproject.toml" else "ailint"


def plugin_allow_list(config_path: Optional[Path], table: Mapping[str, Any]) -> Optional[Tuple[str, ...]]:
    if "plugins" not in table:
        return None
    try:
        return _str_list(table["plugins"], f"{_prefix(config_path)}.plugins")
    except ConfigError as exc:
        raise ConfigError(f"{config_path}: {exc}") from None


def build_config(root: Path, config_path: Optional[Path], table: Mapping[str, Any],
                 packs: Optional[Mapping[str, Tuple[Mapping[str, Any], str]]] = None) -> Config:
    """Validate a table into a Config, after applying `extends`: each entry is a policy pack a
    plugin registered (by name) or a TOML file (a path relative to the config file); the packs'
    settings come first and local settings override them key by key, while policies and
    waivers accumulate (a local policy replaces a pack's policy with the same code)."""
    prefix = _prefix(config_path)
    where = f"{config_path}: " if config_path else ""
    origin = config_path.name if config_path else "config"
    try:
        merged: Dict[str, Any] = {}
        policies: Dict[str, Any] = {}
        waivers: list = []
        for name in _str_list(table.get("extends", []), f"{prefix}.extends"):
            pack_table, pack_origin = _load_pack(name, config_path, packs or {})
            pack_values = parse_settings(pack_table, f"{pack_origin}", pack_origin)
            for policy in pack_values.pop("policies", ()):
                policies[policy.code] = policy
            waivers.extend(pack_values.pop("waivers", ()))
            merged.update(pack_values)
        local = parse_settings(table, prefix, origin)
        for policy in local.pop("policies", ()):
            policies[policy.code] = policy
        waivers.extend(local.pop("waivers", ()))
        merged.update(local)
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None
    merged["policies"] = tuple(policies.values())
    merged["waivers"] = tuple(waivers)
    return Config(path=config_path, root=root, **merged)


def _load_pack(name: str, config_path: Optional[Path], packs) -> Tuple[Mapping[str, Any], str]:
    if name in packs:
        pack_table, distribution = packs[name]
        if "extends" in pack_table:
            raise ConfigError(f"policy pack {name!r} from {distribution} uses extends, which packs may not")
        return pack_table, f"pack {name} ({distribution})"
    if name.endswith(".toml") or "/" in name:
        base = config_path.parent if config_path else Path.cwd()
        pack_path = (base / name).resolve()
        if not pack_path.is_file():
            raise ConfigError(f"extends: no policy pack file {name} (looked at {pack_path})")
        pack_table = settings_table(pack_path) or {}
        if "extends" in pack_table:
            raise ConfigError(f"extends: {name} itself uses extends; packs may not nest")
        return pack_table, f"pack {name}"
    raise ConfigError(f"extends: no policy pack named {name!r}{suggestion(name, list(packs))}"
                      + ("" if packs else " (no installed plugin registers policy packs)"))


def load_config(paths: Sequence[str], config_file: Optional[str] = None, cwd: Optional[Path] = None,
                packs: Optional[Mapping[str, Tuple[Mapping[str, Any], str]]] = None) -> Config:
    """The configuration for checking `paths`. Raises ConfigError."""
    root, config_path, table = locate_config(paths, config_file, cwd)
    return build_config(root, config_path, table, packs)


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Apply command-line values (None means: flag not given)."""
    return replace(config, **{key: value for key, value in overrides.items() if value is not None})


def check_rule_references(config: Config, registry) -> None:
    """Every code, prefix or name the config mentions must match a registered rule."""
    known = registry.codes() + registry.names()

    def check(selector: str, key: str) -> None:
        if not registry.matching(selector):
            raise ConfigError(f"{_where(config)}{key}: {selector!r} matches no rule{suggestion(selector, known)}")

    prefix = "tool.ailint." if config.path and config.path.name == "pyproject.toml" else ""
    for key, selectors in (("select", config.select), ("extend-select", config.extend_select), ("ignore", config.ignore)):
        for selector in selectors:
            check(selector, prefix + key)
    for glob, codes in config.per_file_ignores:
        for code in codes:
            check(code, f"{prefix}per-file-ignores.{glob!r}")
    for code, _ in config.severity:
        check(code, f"{prefix}severity.{code}")
    for rule_key, options in config.options:
        info = registry.get(rule_key)
        if info is None:
            raise ConfigError(f"{_where(config)}{prefix}options.{rule_key}: no such rule{suggestion(rule_key, known)}")
        declared = info.rule.options
        for option, value in options:
            path = f"{prefix}options.{rule_key}.{option}"
            if option not in declared:
                hint = suggestion(option, list(declared)) or (
                    f" ({info.code} takes: {', '.join(sorted(declared))})" if declared else f" ({info.code} takes no options)"
                )
                raise ConfigError(f"{_where(config)}unknown option {path}{hint}")
            if not declared[option].accepts(value):
                raise ConfigError(f"{_where(config)}{path}: expected {declared[option].describe_type()}, got {value!r}")


def _where(config: Config) -> str:
    return f"{config.path}: " if config.path else ""


def rule_options(config: Config, info) -> Dict[str, Any]:
    """The options configured for a rule, under its code or its name."""
    merged: Dict[str, Any] = {}
    for key, options in config.options:
        if key.upper() == info.code or key.lower() == info.name:
            merged.update(dict(options))
    return merged


__all__ = [
    "Config",
    "ConfigError",
    "check_rule_references",
    "find_project",
    "load_config",
    "rule_options",
    "with_overrides",
]
