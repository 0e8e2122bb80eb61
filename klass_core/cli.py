"""The ``klass`` command line: registry listings, and ``klass generate ...`` from plugins."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from klass_core.config import describe_options
from klass_core.registry import get_registry

__all__ = ["app", "build_app"]



def console() -> Console:
    # Made per call so that the width follows $COLUMNS (and test runners).
    return Console()


def adapters() -> None:
    """List the registered adapters."""
    registry = get_registry()
    table = Table("adapter", "class", "plugin")
    for name in registry.adapters.names():
        entry = registry.adapters.entries[name]
        table.add_row(name, f"{entry.obj.__module__}.{entry.obj.__qualname__}", entry.plugin)
    console().print(table)


def samplers() -> None:
    """List the registered samplers with their options and defaults."""
    registry = get_registry()
    table = Table("sampler", "option", "default", "range", "meaning")
    for name in registry.samplers.names():
        options = describe_options(registry.samplers.get(name).Config)
        for i, opt in enumerate(options or [dict.fromkeys(("name", "default", "range", "description"), "")]):
            table.add_row(name if i == 0 else "", opt["name"], opt["default"], opt["range"], opt["description"])
    console().print(table)


def plugins() -> None:
    """List the loaded plugins: distribution, version, hooks and errors."""
    table = Table("plugin", "distribution", "version", "hooks", "errors")
    for info in get_registry().plugins():
        table.add_row(info.name, info.distribution, info.version, ", ".join(info.hooks),
                      "\n".join(info.errors) or "-", style="red" if info.errors else None)
    console().print(table)


def build_app() -> typer.Typer:
    """The CLI with every plugin's ``register_commands`` applied."""
    from klass_core.plugins import call_each

    cli = typer.Typer(help="Fast sampling from masked diffusion models with KLASS.", no_args_is_help=True)
    cli.command()(adapters)
    cli.command()(samplers)
    cli.command()(plugins)
    from klass_core.bench import commands

    for command in (commands.demo, commands.bench, commands.tune, commands.overhead):
        cli.command()(command)
    generate = typer.Typer(help="Generate samples with an adapter's embedded or given model.", no_args_is_help=True)
    cli.add_typer(generate, name="generate")
    for _ in call_each(get_registry().pm, "register_commands", generate=generate):
        pass  # plugins add their subcommands to `generate` (and may add top-level ones via it)
    return cli


def app() -> None:
    """Console-script entry point."""
    build_app()()
