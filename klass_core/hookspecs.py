"""The hooks a klass plugin can implement (pluggy project name ``klass``).

A plugin is a module (or object) whose functions carry :data:`klass_core.hookimpl` and match
these names and signatures. Plugins are found through the ``klass`` entry-point group.
"""


from collections.abc import Iterable
from typing import Any, Protocol

import pluggy

__all__ = ["Register", "hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("klass")
hookimpl = pluggy.HookimplMarker("klass")



class Register(Protocol):
    """The callback that ``register_adapters`` and ``register_samplers`` receive."""

    def __call__(self, name: str, obj: type, *, aliases: Iterable[str] = (), override: bool = False) -> None:
        """Register ``obj`` under ``name`` (and ``aliases``); ``override=True`` replaces another
        plugin's registration of the same name instead of conflicting with it."""


@hookspec
def register_adapters(register: Register) -> None:
    """Register modality adapters.

    Call ``register(name, adapter_class, aliases=(), override=False)`` once per adapter, where
    ``adapter_class`` subclasses :class:`klass_core.ModalityAdapter`. A name taken by another
    plugin is a conflict (reported with both distributions) unless exactly one of them passes
    ``override=True``, which then wins. Return nothing.
    """


@hookspec
def register_samplers(register: Register) -> None:
    """Register samplers.

    Call ``register(name, sampler_class, aliases=(), override=False)`` once per sampler, where
    ``sampler_class`` subclasses :class:`klass_core.Sampler` and has a ``Config``. Conflicts are
    handled as in :func:`register_adapters`. Return nothing.
    """


@hookspec(firstresult=True)
def resolve_adapter(model_ref: str, config: dict[str, Any]) -> str | None:
    """Pick the adapter for a model reference.

    ``model_ref`` is a local folder or a hub id; ``config`` is its ``config.json`` as a dict
    (empty when it has none). Return the registered adapter name that serves this model
    (e.g. from ``config["architectures"]``), or ``None`` to let other plugins decide. The first
    non-``None`` answer wins; plugins registered later are asked first.
    """


@hookspec
def register_tasks(register: Register) -> None:
    """Register benchmark tasks for ``klass demo``, ``klass bench`` and ``klass tune``.

    Call ``register(name, task_class)`` where ``task_class`` subclasses
    :class:`klass_core.bench.BenchTask`: an embedded model plus a scorer (exact match,
    validity, class accuracy...). Conflicts are handled as in :func:`register_adapters`.
    """


@hookspec
def register_commands(generate: Any) -> None:
    """Add subcommands to the command line.

    ``generate`` is the ``typer.Typer`` behind ``klass generate``; add a command with
    ``@generate.command("mymodality")``. Import heavy libraries inside the command body so
    ``klass --help`` stays fast. Return nothing.
    """
