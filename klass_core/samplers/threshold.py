"""``threshold``: Fast-dLLM parallel decoding: commit every confident candidate."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from torch import Tensor

from klass_core.samplers.base import SamplerConfig, StepView, TokenChoiceConfig
from klass_core.samplers.topk import TopKSampler


class ThresholdConfig(TokenChoiceConfig):
    threshold: float = Field(0.9, ge=0, le=1, description="Commit candidates with p(token) >= this.")


class ThresholdSampler(TopKSampler):
    """Commits candidates with ``p(token) >= threshold``, at least the fallback count."""

    name = "threshold"
    Config: ClassVar[type[SamplerConfig]] = ThresholdConfig
    config: ThresholdConfig

    def count(self, view: StepView, scores: Tensor) -> Tensor:
        confident = ((scores >= self.config.threshold) & view.candidates).sum(-1)
        return confident.maximum(view.fallback)
