"""klass_core: modality-agnostic sampling for masked diffusion models.

>>> from klass_core import sample
>>> from klass_core.testing import ToyModel
>>> model = ToyModel()
>>> canvas = torch.full((2, 8), model.mask_id)
>>> out = sample(model, canvas, mask_id=model.mask_id, sampler="klass")   # doctest: +SKIP
"""

from klass_core.adapter import AdapterConfig, Canvas, ModalityAdapter, read_sampler_defaults
from klass_core.hookspecs import hookimpl
from klass_core.loop import SampleOutput, sample
from klass_core.registry import (
    get_adapter,
    get_sampler_class,
    list_adapters,
    list_samplers,
    resolve_adapter_name,
)
from klass_core.samplers.base import Sampler, SamplerConfig, Selection, StepView
from klass_core.trace import StepInfo, TraceRecorder

__version__ = "0.1.0"

__all__ = [
    "AdapterConfig",
    "Canvas",
    "ModalityAdapter",
    "SampleOutput",
    "Sampler",
    "SamplerConfig",
    "Selection",
    "StepInfo",
    "StepView",
    "TraceRecorder",
    "get_adapter",
    "get_sampler_class",
    "hookimpl",
    "list_adapters",
    "list_samplers",
    "read_sampler_defaults",
    "resolve_adapter_name",
    "sample",
]
