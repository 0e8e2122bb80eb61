"""``entropy``: commit the most certain candidates (lowest entropy first)."""

from __future__ import annotations

from torch import Tensor

from klass_core.functional import entropy
from klass_core.samplers.base import ScoreSampler, StepView


class EntropySampler(ScoreSampler):
    """Top-``u`` by negative entropy (the authors' code had the sign wrong)."""

    name = "entropy"

    def scores(self, view: StepView, tokens: Tensor) -> Tensor:
        return view.dense(-entropy(view.dist.logp))
