"""Built-in samplers: one algorithm per module, all sharing :class:`Sampler`'s step signature."""

from klass_core.samplers.base import Sampler, SamplerConfig, ScoreSampler, Selection, StepView
from klass_core.samplers.eb import EBSampler
from klass_core.samplers.entropy import EntropySampler
from klass_core.samplers.klass import KlassSampler
from klass_core.samplers.margin import MarginSampler
from klass_core.samplers.maskgit import MaskGitSampler
from klass_core.samplers.random_order import RandomSampler
from klass_core.samplers.threshold import ThresholdSampler
from klass_core.samplers.topk import TopKSampler

BUILTIN_SAMPLERS: tuple[type[Sampler], ...] = (
    KlassSampler,
    TopKSampler,
    RandomSampler,
    MarginSampler,
    EntropySampler,
    ThresholdSampler,
    EBSampler,
    MaskGitSampler,
)

__all__ = [
    "BUILTIN_SAMPLERS",
    "EBSampler",
    "EntropySampler",
    "KlassSampler",
    "MarginSampler",
    "MaskGitSampler",
    "RandomSampler",
    "Sampler",
    "SamplerConfig",
    "ScoreSampler",
    "Selection",
    "StepView",
    "ThresholdSampler",
    "TopKSampler",
]
