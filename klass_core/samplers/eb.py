"""``eb``: EB-Sampler: commit the lowest-entropy prefix whose entropy excess stays below gamma."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from torch import Tensor

from klass_core.functional import eb_prefix_count
from klass_core.samplers.base import SamplerConfig, StepView, TokenChoiceConfig
from klass_core.samplers.entropy import EntropySampler


class EBConfig(TokenChoiceConfig):
    gamma: float = Field(0.01, ge=0, description="Error bound on the summed entropy of a step.")


class EBSampler(EntropySampler):
    """Entropy-ordered; commits ``max(prefix, u)`` candidates per step."""

    name = "eb"
    Config: ClassVar[type[SamplerConfig]] = EBConfig
    config: EBConfig

    def count(self, view: StepView, scores: Tensor) -> Tensor:
        prefix = eb_prefix_count(-scores, view.candidates, self.config.gamma)
        return prefix.maximum(view.fallback)
