"""``topk``: LLaDA's low-confidence remasking: commit the most probable chosen tokens."""

from __future__ import annotations

from torch import Tensor

from klass_core.samplers.base import ScoreSampler, StepView


class TopKSampler(ScoreSampler):
    """Commits the ``u`` candidates whose chosen token has the highest clean probability."""

    name = "topk"

    def scores(self, view: StepView, tokens: Tensor) -> Tensor:
        chosen = view.dist.logp.gather(-1, tokens.unsqueeze(-1)).squeeze(-1).exp()
        return view.dense(chosen)
