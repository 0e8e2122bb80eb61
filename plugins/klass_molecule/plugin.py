"""klass plugin hooks of the molecule plugin: adapters, model resolution, CLI command."""

from __future__ import annotations

from typing import Any

from klass_core import hookimpl


@hookimpl
def register_adapters(register: Any) -> None:
    from .adapters import SelfiesAdapter, SmilesAdapter

    register(SmilesAdapter.name, SmilesAdapter)
    register(SelfiesAdapter.name, SelfiesAdapter)


# Asked before the text plugin, which claims every *ForMaskedLM config.
@hookimpl(tryfirst=True)
def resolve_adapter(model_ref: str, config: dict[str, Any]) -> str | None:
    info = config.get("klass_molecule")
    if isinstance(info, dict) and info.get("representation") in ("smiles", "selfies"):
        return str(info["representation"])
    return None


@hookimpl
def register_commands(generate: Any) -> None:
    from .cli import molecule

    generate.command("molecule")(molecule)


@hookimpl
def register_tasks(register: Any) -> None:
    from .benchmark import SelfiesTask, SmilesTask

    register(SelfiesTask.name, SelfiesTask)
    register(SmilesTask.name, SmilesTask)
