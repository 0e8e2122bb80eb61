"""``klass``: KL-Adaptive Stability Sampling (Kim et al., NeurIPS 2025).

A masked position is *ready* when its last ``history_length`` KL values between consecutive
steps were all below ``kl_threshold`` and its confidence exceeds ``conf_threshold``; ready
candidates are committed together. With none ready, the top-``u`` candidates by confidence are.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor

from klass_core.functional import kl_divergence, select_top, update_streak
from klass_core.samplers.base import (
    Sampler,
    SamplerConfig,
    Selection,
    StepView,
    TokenChoiceConfig,
    row_uniform,
)


class KlassConfig(TokenChoiceConfig):
    conf_threshold: float = Field(0.9, ge=0, description="tau: a ready token's confidence must exceed it.")
    kl_threshold: float = Field(0.01, ge=0, description="eps: KL below it counts as stable (inf allowed).")
    history_length: int = Field(2, ge=1, description="n: consecutive stable steps required.")
    strategy: Literal["all", "max_conf", "min_kl", "random"] = Field(
        "all", description="Which ready tokens to commit: all, or the single best by a rule."
    )
    block_warmup: bool = Field(
        False, description="Skip the stability test in a block's first n-1 steps (authors' LLaDA code)."
    )
    respect_budget: bool = Field(
        True,
        description="When fewer tokens are ready than the fallback count u, add the most confident "
        "candidates up to u, so a block ends within its step budget (the spec's rule alone can overrun it).",
    )
    state_dtype: Literal["float32", "bfloat16"] = Field(
        "float32", description="Storage of the previous step's log-probs (bfloat16 halves memory)."
    )


class KlassSampler(Sampler):
    """Keeps, for the positions still masked, the previous log-probs and the stability streak,
    as ``[M, ...]`` arrays in row-major order with their positions' keys (``row * L + col``).

    Masks only disappear, so the positions masked at a step are a subset of those kept from
    the step before, in the same order; usually exactly those (then nothing is gathered). A
    ``finish`` callback of :func:`klass_core.sample` may fill more, which a key lookup handles.
    """

    name = "klass"
    Config: ClassVar[type[SamplerConfig]] = KlassConfig
    config: KlassConfig
    prev_logp: Tensor | None = None
    streak: Tensor | None = None
    keys: Tensor | None = None

    def begin(self, canvas: Tensor, masked: Tensor, steps: int | None) -> None:
        self.prev_logp = self.streak = self.keys = None

    def step(self, view: StepView) -> Selection:
        cfg = self.config
        d = view.dist
        keys = view.rows[d.row] * view.canvas.shape[-1] + d.col
        kl, streak = self._kl_and_streak(d.logp, keys)
        stable = streak >= cfg.history_length
        if cfg.block_warmup:
            stable &= view.block_step[d.row] >= cfg.history_length - 1
        ready = view.dense(stable & (d.confidence > cfg.conf_threshold), False) & view.candidates

        confidence = view.dense(d.confidence)
        kl_dense = view.dense(kl)
        if cfg.strategy != "all":
            one = torch.ones_like(view.fallback)
            ready = select_top(self._ready_score(view, confidence, kl_dense), ready, one)
        # Ready tokens first, then the most confident: the top-u when none is ready.
        count = ready.sum(-1)
        if cfg.respect_budget:
            count = count.maximum(view.fallback)
        count = torch.where(count > 0, count, view.fallback)
        commit = select_top(torch.where(ready, float("inf"), confidence), view.candidates, count)

        keep = ~commit[d.row, d.col]
        self.prev_logp = d.logp[keep].to(getattr(torch, cfg.state_dtype))
        self.streak = streak[keep]
        self.keys = keys[keep]
        tokens = view.tokens(cfg.temperature)
        return Selection(commit, view.dense(tokens, 0), confidence, kl_dense)

    def _kl_and_streak(self, logp: Tensor, keys: Tensor) -> tuple[Tensor, Tensor]:
        """``[N]`` KL to the previous step (NaN where unseen) and updated streaks."""
        if self.prev_logp is None:
            return torch.full_like(keys, float("nan"), dtype=logp.dtype), torch.zeros_like(keys, dtype=torch.int32)
        prev_logp, prev_streak = self.prev_logp, self.streak
        if prev_logp.shape[0] != keys.shape[0]:  # positions were filled outside the sampler
            index = torch.searchsorted(self.keys, keys)
            prev_logp, prev_streak = prev_logp[index], prev_streak[index]
        kl = kl_divergence(logp, prev_logp)
        return kl, update_streak(prev_streak, kl, self.config.kl_threshold)

    def _ready_score(self, view: StepView, confidence: Tensor, kl: Tensor) -> Tensor:
        if self.config.strategy == "max_conf":
            return confidence
        if self.config.strategy == "min_kl":
            return -kl
        return row_uniform(view)
