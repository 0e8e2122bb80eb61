"""pytest plugin (entry point ``pytest11: klass``): fresh plugin managers per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def klass_plugin_manager() -> Any:
    """A fresh :func:`klass_core.plugins.make_plugin_manager` with the installed entry points."""
    from klass_core.plugins import make_plugin_manager

    return make_plugin_manager()


@pytest.fixture
def klass_registry() -> Iterator[Callable[..., Any]]:
    """``build(*plugins, entry_points=True) -> Registry``: a registry from a fresh plugin
    manager plus the given plugin objects, installed process-wide for this test only (so
    ``klass_core.sample``, ``get_adapter`` and the CLI see it)."""
    from klass_core.plugins import Registry, make_plugin_manager
    from klass_core.registry import reset_registry

    def build(*plugins: Any, entry_points: bool = True) -> Registry:
        registry = Registry(make_plugin_manager(entry_points=entry_points, plugins=plugins))
        reset_registry(registry)
        return registry

    yield build
    reset_registry(None)
