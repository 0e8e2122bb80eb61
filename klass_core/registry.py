"""The process-wide registry and the public lookups built on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from klass_core.plugins import Registry

__all__ = [
    "get_adapter",
    "get_registry",
    "get_sampler_class",
    "list_adapters",
    "list_samplers",
    "reset_registry",
    "resolve_adapter_name",
]

_registry: Registry | None = None


def get_registry() -> Registry:
    """The registry of installed plugins, built on first use."""
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Replace the process-wide registry (``None``: rebuild from entry points on next use)."""
    global _registry
    _registry = registry


def list_samplers() -> list[str]:
    """Names of the registered samplers."""
    return get_registry().samplers.names()


def list_adapters() -> list[str]:
    """Names of the registered adapters."""
    return get_registry().adapters.names()


def get_sampler_class(name: str) -> type:
    """The sampler class registered under ``name``."""
    return get_registry().samplers.get(name)


def _read_config(model_ref: str) -> dict[str, Any]:
    path = Path(model_ref).expanduser()
    if path.is_dir():
        config = path / "config.json"
        return json.loads(config.read_text()) if config.is_file() else {}
    if path.exists():
        raise ValueError(f"model reference {model_ref!r} is a file; give a model folder or a hub id")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:
        raise ValueError(
            f"{model_ref!r} is neither a registered adapter nor a local folder, and huggingface_hub "
            "is not installed to read a hub id's config"
        ) from exc
    try:
        return json.loads(Path(hf_hub_download(model_ref, "config.json")).read_text())
    except Exception as exc:
        raise ValueError(
            f"{model_ref!r} is neither a registered adapter ({', '.join(list_adapters())}) nor a local "
            f"folder, and its config could not be fetched from the hub ({type(exc).__name__}); check the "
            "path, or name the adapter explicitly: get_adapter('<adapter>', model=...)"
        ) from None


def resolve_adapter_name(model_ref: str) -> str:
    """The adapter that serves ``model_ref`` (a folder or hub id), asked of the plugins."""
    registry = get_registry()
    config = _read_config(model_ref)
    name = registry.resolve_adapter(model_ref, config)
    if name is None:
        arch = config.get("architectures")
        raise ValueError(
            f"no installed plugin recognises the model {model_ref!r} (architectures={arch}); "
            f"name the adapter explicitly, one of: {', '.join(list_adapters())}"
        )
    return name


def get_adapter(name_or_model_ref: str, **config: Any) -> Any:
    """Build an adapter by registered name, or by model reference resolved through the plugins.

    ``get_adapter("llada", model="path")`` and ``get_adapter("path")`` are equivalent when the
    folder's config names a LLaDA architecture.
    """
    registry = get_registry()
    if name_or_model_ref in registry.adapters:
        return registry.adapters.get(name_or_model_ref)(**config)
    if "model" in config:
        raise ValueError(
            f"{name_or_model_ref!r} is not a registered adapter; registered: {', '.join(list_adapters())}"
        )
    name = resolve_adapter_name(name_or_model_ref)
    return registry.adapters.get(name)(model=name_or_model_ref, **config)
