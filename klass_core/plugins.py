"""Plugin manager, entry-point discovery and the registries built from the hooks.

Every adapter and sampler, first-party or not, arrives through the ``klass`` entry-point
group and the hooks of :mod:`klass_core.hookspecs`. A plugin that fails to import or raises in
a hook is recorded in :attr:`Registry.errors` (and warned about); the others keep working.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from klass_core import hookspecs

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginConflictError",
    "PluginError",
    "PluginInfo",
    "Registry",
    "make_plugin_manager",
]

ENTRY_POINT_GROUP = "klass"
ALLOWLIST_ENV = "KLASS_LOAD_PLUGINS"
TRACE_ENV = "KLASS_TRACE_HOOKS"
logger = logging.getLogger("klass.plugins")


class PluginConflictError(LookupError):
    """Two plugins registered the same name and neither (or both) asked to override."""


@dataclass(frozen=True)
class PluginError:
    """A plugin that failed to load or raised inside a hook."""

    plugin: str
    distribution: str
    stage: str  # "import" or the hook name
    error: str


@dataclass
class PluginInfo:
    """What ``klass plugins`` shows about one plugin."""

    name: str
    distribution: str
    version: str
    hooks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _allowlist() -> set[str] | None:
    raw = os.environ.get(ALLOWLIST_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def make_plugin_manager(
    entry_points: bool = True, plugins: Iterable[Any] = (), trace: bool | None = None
) -> pluggy.PluginManager:
    """A fresh plugin manager with the klass hook specs.

    Args:
        entry_points: load the ``klass`` entry points of installed distributions, restricted to
            the comma-separated names in ``$KLASS_LOAD_PLUGINS`` when it is set (empty: none).
        plugins: extra plugin objects to register (e.g. a module or class in a test).
        trace: log every hook call to the ``klass.plugins`` logger (default: ``$KLASS_TRACE_HOOKS``).

    Import failures are recorded on ``pm.klass_errors`` instead of raised.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    pm.klass_errors = []  # type: ignore[attr-defined]
    pm.klass_dists = {}  # type: ignore[attr-defined]
    if entry_points:
        allow = _allowlist()
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allow is not None and ep.name not in allow:
                continue
            dist = ep.dist.name if ep.dist is not None else "unknown"
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken plugin must not break the host
                _record(pm, PluginError(ep.name, dist, "import", f"{type(exc).__name__}: {exc}"))
                continue
            pm.klass_dists[ep.name] = (dist, ep.dist.version if ep.dist is not None else "")  # type: ignore[attr-defined]
    for plugin in plugins:
        pm.register(plugin)
    pm.klass_trace = trace if trace is not None else os.environ.get(TRACE_ENV, "") not in ("", "0")  # type: ignore[attr-defined]
    return pm


def _record(pm: pluggy.PluginManager, error: PluginError) -> None:
    pm.klass_errors.append(error)  # type: ignore[attr-defined]
    warnings.warn(
        f"klass plugin {error.plugin!r} ({error.distribution}) failed at {error.stage}: {error.error}",
        RuntimeWarning,
        stacklevel=3,
    )


def _distribution(pm: pluggy.PluginManager, plugin_name: str) -> str:
    return pm.klass_dists.get(plugin_name, (plugin_name, ""))[0]  # type: ignore[attr-defined]


def call_each(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Call every implementation of ``hook`` on its own, newest first, so that a plugin that
    raises is recorded and skipped; yields ``(plugin_name, result)`` for the others.

    A keyword whose value is a :class:`PerPlugin` is called with the plugin's name first
    (a register callback that knows who registers).
    """
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        args = {
            name: value(impl.plugin_name) if isinstance(value, PerPlugin) else value
            for name, value in kwargs.items()
            if name in impl.argnames
        }
        if pm.klass_trace:  # type: ignore[attr-defined]
            logger.info("klass hook %s -> plugin %s", hook, impl.plugin_name)
        try:
            yield impl.plugin_name, impl.function(**args)
        except Exception as exc:
            dist = _distribution(pm, impl.plugin_name)
            _record(pm, PluginError(impl.plugin_name, dist, hook, f"{type(exc).__name__}: {exc}"))


@dataclass(frozen=True)
class PerPlugin:
    """Wraps ``factory(plugin_name) -> value`` for :func:`call_each`."""

    factory: Callable[[str], Any]

    def __call__(self, plugin_name: str) -> Any:
        return self.factory(plugin_name)


@dataclass
class _Entry:
    obj: Any
    plugin: str
    override: bool


class _Table:
    """Names to registered objects, with aliases, overrides and conflicts."""

    def __init__(self, kind: str, base: type, pm: pluggy.PluginManager) -> None:
        self.kind, self.base, self.pm = kind, base, pm
        self.entries: dict[str, _Entry] = {}
        self.aliases: dict[str, str] = {}
        self.conflicts: dict[str, str] = {}

    def register_for(self, plugin: str) -> Callable[..., None]:
        def register(name: str, obj: Any, *, aliases: Iterable[str] = (), override: bool = False) -> None:
            if not isinstance(obj, type) or not issubclass(obj, self.base):
                raise TypeError(f"{self.kind} {name!r} must be a subclass of {self.base.__name__}, got {obj!r}")
            self._add(name, _Entry(obj, plugin, override))
            for alias in aliases:
                self.aliases[alias] = name

        return register

    def _add(self, name: str, entry: _Entry) -> None:
        old = self.entries.get(name)
        if old is None or (entry.override and not old.override):
            self.entries[name] = entry
        elif old.override and not entry.override:
            return
        else:
            dists = sorted({_distribution(self.pm, old.plugin), _distribution(self.pm, entry.plugin)})
            self.conflicts[name] = (
                f"{self.kind} {name!r} is registered by both {dists[0]!r} and {dists[-1]!r}; "
                "uninstall one, restrict plugins with $KLASS_LOAD_PLUGINS, or register with override=True"
            )
            warnings.warn(self.conflicts[name], RuntimeWarning, stacklevel=2)

    def get(self, name: str) -> Any:
        name = self.aliases.get(name, name)
        if name in self.conflicts:
            raise PluginConflictError(self.conflicts[name])
        try:
            return self.entries[name].obj
        except KeyError:
            known = ", ".join(sorted(self.entries)) or "(none)"
            raise KeyError(f"unknown {self.kind} {name!r}; registered {self.kind}s: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.entries or name in self.aliases or name in self.conflicts

    def names(self) -> list[str]:
        return sorted(n for n in self.entries if n not in self.conflicts)


class Registry:
    """Adapters, samplers and benchmark tasks gathered from a plugin manager's hooks."""

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        from klass_core.adapter import ModalityAdapter
        from klass_core.bench.task import BenchTask
        from klass_core.samplers.base import Sampler

        self.pm = pm if pm is not None else make_plugin_manager()
        self.adapters = _Table("adapter", ModalityAdapter, self.pm)
        self.samplers = _Table("sampler", Sampler, self.pm)
        self.tasks = _Table("task", BenchTask, self.pm)
        hooks = {"register_adapters": self.adapters, "register_samplers": self.samplers, "register_tasks": self.tasks}
        for hook, table in hooks.items():
            for _ in call_each(self.pm, hook, register=PerPlugin(table.register_for)):
                pass  # the hooks only call register

    @property
    def errors(self) -> list[PluginError]:
        return list(self.pm.klass_errors)  # type: ignore[attr-defined]

    def resolve_adapter(self, model_ref: str, config: dict[str, Any]) -> str | None:
        for _, name in call_each(self.pm, "resolve_adapter", model_ref=model_ref, config=config):
            if name is not None:
                return name
        return None

    def plugins(self) -> list[PluginInfo]:
        infos: dict[str, PluginInfo] = {}
        for name, plugin in self.pm.list_name_plugin():
            dist, version = self.pm.klass_dists.get(name, (name, ""))  # type: ignore[attr-defined]
            hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
            infos[name] = PluginInfo(name, dist, version, hooks)
        for error in self.errors:
            info = infos.setdefault(error.plugin, PluginInfo(error.plugin, error.distribution, ""))
            info.errors.append(f"{error.stage}: {error.error}")
        for table in (self.adapters, self.samplers, self.tasks):
            for message in table.conflicts.values():
                for info in infos.values():
                    if repr(info.distribution) in message:
                        info.errors.append(message)
        return sorted(infos.values(), key=lambda i: i.name)
