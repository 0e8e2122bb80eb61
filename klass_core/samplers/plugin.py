"""The core's own plugin: registers the built-in samplers, the toy adapter and toy task through the
same ``klass`` entry point and hooks as any third-party plugin."""

from __future__ import annotations

from klass_core.hookspecs import Register, hookimpl


@hookimpl
def register_samplers(register: Register) -> None:
    from klass_core.samplers import BUILTIN_SAMPLERS

    for sampler in BUILTIN_SAMPLERS:
        register(sampler.name, sampler)


@hookimpl
def register_adapters(register: Register) -> None:
    from klass_core.testing.toy import ToyAdapter

    register(ToyAdapter.name, ToyAdapter)


@hookimpl
def register_tasks(register: Register) -> None:
    from klass_core.testing.toy import ToyTask

    register(ToyTask.name, ToyTask)
