"""``maskgit``: MaskGIT / aMUSEd decoding, token for token as ``diffusers.AmusedScheduler``.

Tokens are drawn from ``softmax(logits)``; a cosine (or linear) schedule says how many stay
masked after each step; the lowest ``log p(token) + temperature * Gumbel`` stay masked, with
the temperature annealed linearly. A row runs ``steps`` passes (``None``: one per masked position).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor

from klass_core.samplers.base import Sampler, SamplerConfig, Selection, StepView


class MaskGitConfig(SamplerConfig):
    temperature: tuple[float, float] = Field(
        (2.0, 0.0), description="Gumbel temperature of the remasking at the first and last step."
    )
    schedule: Literal["cosine", "linear"] = Field("cosine", description="Masking schedule.")


class MaskGitSampler(Sampler):
    """Its own schedule over the whole canvas, so blocks are not supported."""

    name = "maskgit"
    Config: ClassVar[type[SamplerConfig]] = MaskGitConfig
    supports_blocks = False
    config: MaskGitConfig

    def begin(self, canvas: Tensor, masked: Tensor, steps: int | None) -> None:
        # Per-row schedules are built once here, outside the step loop: [B] lengths and
        # [B, T_max] temperatures made with torch.linspace exactly as diffusers does.
        counts = masked.sum(-1)
        lengths = counts.tolist() if steps is None else [steps] * canvas.shape[0]
        width = max(lengths)
        start, end = self.config.temperature
        self.num_steps = torch.tensor(lengths, device=canvas.device)
        self.temperatures = torch.stack(
            [
                torch.nn.functional.pad(
                    torch.linspace(start, end, n, device=canvas.device), (0, width - n)
                )
                for n in lengths
            ]
        )

    def step(self, view: StepView) -> Selection:
        logits = view.logits.to(torch.float32)
        keep = torch.ones(logits.shape[-1], dtype=torch.bool, device=logits.device)
        keep[view.excluded_ids] = False
        allowed = keep.nonzero()[:, 0]
        # Softmax and draw over the allowed ids only: zero-probability columns still consume
        # random numbers in torch.multinomial, and diffusers' aMUSEd sees only the codebook.
        allowed_probs = logits[..., allowed].softmax(-1)
        drawn = allowed[
            torch.stack(
                [torch.multinomial(p, 1, generator=g)[:, 0] for p, g in zip(allowed_probs, view.generators, strict=True)]
            )
        ]
        probs = torch.zeros_like(logits).index_copy_(-1, allowed, allowed_probs)
        tokens = torch.where(view.masked, drawn, view.canvas)
        chosen = probs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
        confidence = torch.where(view.masked, chosen, float("nan"))

        total = self.num_steps[view.rows]
        step = view.row_step
        ratio = (step + 1) / total
        if self.config.schedule == "cosine":
            mask_ratio = torch.cos(ratio * math.pi / 2)
        else:
            mask_ratio = 1 - ratio
        mask_len = (view.initial_masked * mask_ratio).floor()
        # diffusers keeps at least one masked until the last step; a 1-position canvas can't.
        mask_len = torch.minimum(view.masked.sum(-1) - 1, mask_len).clamp(min=1, max=view.canvas.shape[-1] - 1)

        temperature = self.temperatures[view.rows, step].unsqueeze(-1)
        keep_masked = self._remask(view, chosen, mask_len, temperature)
        keep_masked &= (step < total - 1).unsqueeze(-1)
        commit = view.masked & ~keep_masked
        return Selection(commit, tokens, confidence)

    @staticmethod
    def _remask(view: StepView, chosen: Tensor, mask_len: Tensor, temperature: Tensor) -> Tensor:
        fixed = torch.finfo(chosen.dtype).max
        chosen = torch.where(view.masked, chosen, fixed)
        uniform = torch.stack(
            [torch.zeros_like(c).uniform_(0, 1, generator=g) for c, g in zip(chosen, view.generators, strict=True)]
        )
        gumbel = -torch.log((-torch.log(uniform.clamp(1e-20))).clamp(1e-20))
        score = torch.log(chosen.clamp(1e-20)) + temperature * gumbel
        cutoff = score.sort(dim=-1).values.gather(-1, mask_len.long().unsqueeze(-1))
        return score < cutoff
