"""``margin``: commit the candidates with the widest gap between their two best tokens."""

from __future__ import annotations

from torch import Tensor

from klass_core.functional import margin
from klass_core.samplers.base import ScoreSampler, StepView


class MarginSampler(ScoreSampler):
    """Top-``u`` by ``p(top1) - p(top2)``."""

    name = "margin"

    def scores(self, view: StepView, tokens: Tensor) -> Tensor:
        return view.dense(margin(view.dist.logp))
