"""Finding and loading plugins: the entry point group `ailint`, through one pluggy manager.

Discovery (reading installed metadata) is separate from loading (importing), so that the
allow-list is applied before any plugin code runs. Plugins load in a deterministic order
(distribution name, then entry point name). The built-in rules come through this same path:
ailint's own distribution lists them under the same entry point group.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

import pluggy

from ailint import hookspecs
from ailint.registry import BUILTIN_DISTRIBUTION, Registry, RegistryError

ENTRY_POINT_GROUP = "ailint"


class PluginError(Exception):
    """A plugin could not be loaded or registered something invalid; names the distribution."""


@dataclass(frozen=True)
class PluginSpec:
    distribution: str
    version: str
    name: str  # entry point name
    value: str  # "module" or "module:attribute"

    @property
    def label(self) -> str:
        return f"{self.distribution}:{self.name}"

    def load(self):
        return importlib.metadata.EntryPoint(self.name, self.value, ENTRY_POINT_GROUP).load()


def discover() -> List[PluginSpec]:
    """Every installed `ailint` entry point, sorted, one per (distribution, name)."""
    found = {}
    for dist in importlib.metadata.distributions():
        try:
            entry_points = dist.entry_points
        except Exception:  # a broken METADATA file of some unrelated package
            continue
        for ep in entry_points:
            if ep.group != ENTRY_POINT_GROUP:
                continue
            dist_name = _canonical(dist.metadata["Name"] or "unknown")
            found.setdefault((dist_name, ep.name), PluginSpec(dist_name, dist.version, ep.name, ep.value))
    return [found[key] for key in sorted(found)]


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def make_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("ailint")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(allow: Optional[Sequence[str]] = None, specs: Optional[Iterable[PluginSpec]] = None):
    """Import the allowed plugins and register them with a fresh manager.

    `allow` lists distribution names; ailint's own distribution is always loaded.
    Returns (manager, loaded specs). Raises `PluginError` naming the distribution.
    """
    manager = make_manager()
    allowed = None if allow is None else {_canonical(name) for name in allow} | {BUILTIN_DISTRIBUTION}
    specs = list(specs) if specs is not None else discover()
    if allowed is not None:
        installed = {spec.distribution for spec in specs}
        for name in sorted(allowed - installed):
            from ailint.config import suggestion

            raise PluginError(f"plugins: {name!r} is in the allow-list but no installed distribution provides "
                              f"ailint plugins{suggestion(name, sorted(installed))}")
    loaded = []
    for spec in specs:
        if allowed is not None and spec.distribution not in allowed:
            continue
        try:
            module = spec.load()
        except BaseException as exc:  # noqa: B036 - a plugin may raise anything, even SystemExit
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PluginError(
                f"plugin {spec.name!r} from distribution {spec.distribution!r} failed to import "
                f"({spec.value}): {type(exc).__name__}: {exc}"
            ) from exc
        try:
            manager.register(module, name=spec.label)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(f"plugin {spec.name!r} from distribution {spec.distribution!r} is invalid: {exc}") from exc
        loaded.append(spec)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin = manager.get_name(exc.plugin) or "?"
        raise PluginError(f"plugin {plugin} implements an unknown hook: {exc}") from exc
    return manager, loaded


def _in_load_order(hook, specs: Sequence[PluginSpec]) -> list:
    """A hook's implementations in plugin load order, ailint's own first: so a plugin that
    reuses a code or name is the one blamed, never the plugin that registered it first."""
    order = {spec.label: index for index, spec in enumerate(specs)}
    return sorted(hook.get_hookimpls(), key=lambda impl: (
        not impl.plugin_name.startswith(BUILTIN_DISTRIBUTION + ":"), order.get(impl.plugin_name, len(order))))


def collect_rules(manager: pluggy.PluginManager, specs: Sequence[PluginSpec]) -> Registry:
    """Call every plugin's `ailint_register_rules` with a callback that records the origin."""
    by_label = {spec.label: spec for spec in specs}
    registry = Registry()
    for impl in _in_load_order(manager.hook.ailint_register_rules, specs):
        spec = by_label.get(impl.plugin_name)
        distribution = spec.distribution if spec else impl.plugin_name
        plugin = spec.name if spec else impl.plugin_name

        def register(rule, _distribution=distribution, _plugin=plugin):
            registry.register(rule, _distribution, _plugin)

        try:
            impl.function(register=register)
        except RegistryError as exc:
            raise PluginError(str(exc)) from exc
        except Exception as exc:
            raise PluginError(
                f"plugin {plugin!r} from distribution {distribution!r} raised while registering rules: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return registry


def collect_policy_packs(manager: pluggy.PluginManager, specs: Sequence[PluginSpec]):
    """{pack name: (settings table, distribution)} from every plugin's `ailint_policy_packs`."""
    by_label = {spec.label: spec for spec in specs}
    packs = {}
    for impl in _in_load_order(manager.hook.ailint_policy_packs, specs):
        spec = by_label.get(impl.plugin_name)
        distribution = spec.distribution if spec else impl.plugin_name

        def register(name, settings, _distribution=distribution):
            if not isinstance(name, str) or not isinstance(settings, dict):
                raise PluginError(f"distribution {_distribution!r} registered a policy pack that is not (name, table)")
            if name in packs:
                raise PluginError(f"distribution {_distribution!r} registered policy pack {name!r}, which "
                                  f"distribution {packs[name][1]!r} already registered")
            packs[name] = (settings, _distribution)

        try:
            impl.function(register=register)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"distribution {distribution!r} raised while registering policy packs: "
                              f"{type(exc).__name__}: {exc}") from exc
    return packs


def collect_catalog(manager: pluggy.PluginManager, specs: Sequence[PluginSpec]) -> list:
    """Call every plugin's `ailint_sdk_catalog` with a callback that validates each in-house
    client entry and records which distribution it came from."""
    from ailint.sdk.custom import CatalogEntryError, hook_entry

    by_label = {spec.label: spec for spec in specs}
    entries: list = []
    for impl in _in_load_order(manager.hook.ailint_sdk_catalog, specs):
        spec = by_label.get(impl.plugin_name)
        distribution = spec.distribution if spec else impl.plugin_name

        def register(qualname, _distribution=distribution, **settings):
            entries.append(hook_entry(qualname, f"distribution {_distribution!r}", **settings))

        try:
            impl.function(register=register)
        except CatalogEntryError as exc:
            raise PluginError(f"plugin from distribution {distribution!r} registered an invalid client: {exc}") from exc
        except Exception as exc:
            raise PluginError(
                f"plugin from distribution {distribution!r} raised while registering SDK catalog entries: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return entries


def load_registry(allow: Optional[Sequence[str]] = None):
    """Discover, load and collect: the registry of every rule this run can use."""
    manager, specs = load_plugins(allow)
    return collect_rules(manager, specs), specs
