"""The klass plugin of the text modality: adapters, model resolution and the CLI command."""

from __future__ import annotations

from typing import Any

from klass_core import hookimpl

_ARCHITECTURES = {"LLaDAModelLM": "llada", "DreamModel": "dream"}


@hookimpl
def register_adapters(register: Any) -> None:
    from klass_text.adapters import DreamAdapter, LLaDAAdapter, MaskedLMAdapter

    for adapter in (LLaDAAdapter, DreamAdapter, MaskedLMAdapter):
        register(adapter.name, adapter)


def adapter_for_architectures(architectures: list[str] | None) -> str | None:
    """``llada``, ``dream`` or ``hf-masked-lm`` from a config's ``architectures``, else None."""
    for arch in architectures or ():
        if arch in _ARCHITECTURES:
            return _ARCHITECTURES[arch]
        if arch.endswith("ForMaskedLM"):
            return "hf-masked-lm"
    return None


@hookimpl
def resolve_adapter(model_ref: str, config: dict[str, Any]) -> str | None:
    return adapter_for_architectures(config.get("architectures"))


@hookimpl
def register_commands(generate: Any) -> None:
    from klass_text.cli import text_command

    generate.command("text")(text_command)


@hookimpl
def register_tasks(register: Any) -> None:
    from klass_text.benchmark import ArithmeticTask

    register(ArithmeticTask.name, ArithmeticTask)
