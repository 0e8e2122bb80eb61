"""What every sampler sees and returns, and the pieces they share.

A sampler is a thin stateful shell around the pure functions of :mod:`klass_core.functional`:
the loop builds a :class:`StepView` per forward pass, the sampler returns a :class:`Selection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import torch
from pydantic import Field
from torch import Tensor

from klass_core.config import StrictConfig
from klass_core.functional import finite_log_softmax, select_top

__all__ = [
    "MaskedDistribution",
    "Sampler",
    "SamplerConfig",
    "ScoreSampler",
    "Selection",
    "StepView",
    "TokenChoiceConfig",
    "row_uniform",
]


class SamplerConfig(StrictConfig):
    """Base of sampler configs; subclasses declare their options as typed, ranged fields."""


class TokenChoiceConfig(SamplerConfig):
    """Options shared by samplers that choose tokens by argmax or by a tempered draw."""

    temperature: float = Field(
        0.0, ge=0, description="0 commits the argmax token; > 0 draws from softmax(logits / T)."
    )


@dataclass(frozen=True)
class MaskedDistribution:
    """The clean distribution at the masked positions of the active rows, gathered row-major.

    Attributes:
        row: ``[N]`` index of the active row of each masked position.
        col: ``[N]`` position in the canvas.
        logp: ``[N, V]`` float32 finite log-probabilities (excluded ids have probability 0).
        confidence: ``[N]`` ``max_v p(v)``.
        argmax: ``[N]`` ``argmax_v p(v)``.
    """

    row: Tensor
    col: Tensor
    logp: Tensor
    confidence: Tensor
    argmax: Tensor


@dataclass
class StepView:
    """Everything a sampler may read at one forward pass (``b`` active rows, ``L`` positions).

    Attributes:
        index: forward-pass index of this ``sample`` call (0-based).
        logits: ``[b, L, V]`` model output for the active rows.
        canvas: ``[b, L]`` tokens before this step's commits.
        rows: ``[b]`` indices of the active rows in the caller's batch.
        masked: ``[b, L]`` positions still holding the mask id.
        candidates: ``[b, L]`` masked positions of each row's current block.
        fallback: ``[b]`` the fallback count ``u`` of each row (see the spec).
        block_step: ``[b]`` passes already spent in each row's current block.
        row_step: ``[b]`` passes already spent by each row in this call.
        initial_masked: ``[b]`` masked positions each row started with.
        generators: one ``torch.Generator`` per active row.
        excluded_ids: ``[K]`` ids never to commit (the mask id among them).
    """

    index: int
    logits: Tensor
    canvas: Tensor
    rows: Tensor
    masked: Tensor
    candidates: Tensor
    fallback: Tensor
    block_step: Tensor
    row_step: Tensor
    initial_masked: Tensor
    generators: list[torch.Generator]
    excluded_ids: Tensor

    @cached_property
    def dist(self) -> MaskedDistribution:
        row, col = self.masked.nonzero(as_tuple=True)
        logp = finite_log_softmax(self.logits[row, col], self.excluded_ids, inplace=True)
        confidence, argmax = logp.max(-1)
        return MaskedDistribution(row, col, logp, confidence.exp(), argmax)

    def dense(self, values: Tensor, fill: float | bool = float("nan")) -> Tensor:
        """Scatter ``[N]`` values of the masked positions into a ``[b, L]`` tensor."""
        out = torch.full(self.masked.shape, fill, dtype=values.dtype, device=values.device)
        out[self.dist.row, self.dist.col] = values
        return out

    def tokens(self, temperature: float) -> Tensor:
        """``[N]`` token choice: argmax at temperature 0, else a draw from ``softmax(logits / T)``.

        The draw is Gumbel-max in float64 with each row's generator (LLaDA's noise), so a row's
        tokens do not depend on the other rows of the batch.
        """
        d = self.dist
        if temperature == 0:
            return d.argmax
        counts = self.masked.sum(-1).tolist()
        noise = torch.cat(
            [
                torch.rand((n, d.logp.shape[-1]), generator=g, dtype=torch.float64, device=d.logp.device)
                for n, g in zip(counts, self.generators, strict=True)
            ]
        )
        gumbel = -torch.log(-torch.log(noise.clamp_(min=torch.finfo(torch.float64).tiny)))
        return (d.logp.to(torch.float64) + temperature * gumbel).argmax(-1)


@dataclass(frozen=True)
class Selection:
    """A sampler's decision for one forward pass (``[b, L]`` each).

    Attributes:
        commit: positions to commit now (the loop keeps only candidates).
        tokens: the token to write at each committed position.
        confidence: confidence of each masked position (NaN elsewhere); also where the loop
            detects NaN/inf logits.
        kl: KL to the previous step at each masked position, where the sampler tracks it.
    """

    commit: Tensor
    tokens: Tensor
    confidence: Tensor
    kl: Tensor | None = None


def row_uniform(view: StepView) -> Tensor:
    """``[b, L]`` uniform numbers, each row drawn from its own generator."""
    length = view.canvas.shape[-1]
    return torch.stack(
        [torch.rand(length, generator=g, device=view.canvas.device) for g in view.generators]
    )


class Sampler:
    """Base of every sampler: subclasses set ``name`` and ``Config`` and implement :meth:`step`.

    A fresh instance serves one :func:`klass_core.sample` call, so it may keep per-call state.
    """

    name: ClassVar[str]
    Config: ClassVar[type[SamplerConfig]] = SamplerConfig
    #: ``False`` for samplers with their own schedule over the whole canvas (MaskGIT).
    supports_blocks: ClassVar[bool] = True

    def __init__(self, config: SamplerConfig) -> None:
        self.config = config

    def begin(self, canvas: Tensor, masked: Tensor, steps: int | None) -> None:
        """Called once per ``sample`` call before the first forward pass; no-op by default."""

    def step(self, view: StepView) -> Selection:
        raise NotImplementedError


class ScoreSampler(Sampler):
    """A sampler that commits, per row, the ``count`` candidates with the highest score.

    Subclasses give :meth:`scores` and may raise the count above the fallback with
    :meth:`count`. Tokens come from :meth:`StepView.tokens` at the config's temperature.
    """

    config: TokenChoiceConfig
    Config: ClassVar[type[SamplerConfig]] = TokenChoiceConfig

    def scores(self, view: StepView, tokens: Tensor) -> Tensor:
        """``[b, L]`` scores, higher first (only candidates are read)."""
        raise NotImplementedError

    def count(self, view: StepView, scores: Tensor) -> Tensor:
        """``[b]`` how many to commit; the fallback count by default."""
        return view.fallback

    def step(self, view: StepView) -> Selection:
        tokens = view.tokens(self.config.temperature)
        scores = self.scores(view, tokens)
        commit = select_top(scores, view.candidates, self.count(view, scores))
        return Selection(commit, view.dense(tokens, 0), view.dense(view.dist.confidence))
