"""``random``: commit ``u`` candidates chosen uniformly at random."""

from __future__ import annotations

from torch import Tensor

from klass_core.samplers.base import ScoreSampler, StepView, row_uniform


class RandomSampler(ScoreSampler):
    """Unmasks positions in a random order drawn from each row's generator."""

    name = "random"

    def scores(self, view: StepView, tokens: Tensor) -> Tensor:
        return row_uniform(view)
