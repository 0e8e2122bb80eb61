"""klass plugin hooks of ``klass_image`` (entry point ``image = "klass_image.plugin"``)."""

from __future__ import annotations

from typing import Any

from klass_core import hookimpl


@hookimpl
def register_adapters(register: Any) -> None:
    """``maskgit`` (aMUSEd-layout folders) and ``digits`` (the embedded digits model)."""
    from klass_image.adapters import AmusedAdapter, DigitsAdapter

    register(AmusedAdapter.name, AmusedAdapter)
    register(DigitsAdapter.name, DigitsAdapter)


@hookimpl
def resolve_adapter(model_ref: str, config: dict[str, Any]) -> str | None:
    """Claim local folders whose ``model_index.json`` names aMUSEd or a digits model."""
    from klass_image.adapters import PIPELINE_ADAPTERS, pipeline_name

    adapter = PIPELINE_ADAPTERS.get(pipeline_name(model_ref) or "")
    return adapter.name if adapter is not None else None


@hookimpl
def register_commands(generate: Any) -> None:
    """``klass generate image``."""
    from klass_image.cli import image

    generate.command("image")(image)


@hookimpl
def register_tasks(register: Any) -> None:
    """``digits``: the embedded digits model for ``klass demo`` and ``klass bench``."""
    from klass_image.benchmark import DigitsTask

    register(DigitsTask.name, DigitsTask)
