"""An example klass plugin: one adapter and one sampler, registered through entry points.

- ``bigram`` adapter: a tiny fixed bigram model over the letters ``a``-``h``; each masked
  position is scored from its left neighbour. Inputs are prefixes (strings).
- ``left-to-right`` sampler: commits the leftmost ``u`` candidates at each step, the
  autoregressive order, for comparison with confidence-based samplers.
"""

from __future__ import annotations

from typing import Any

import torch
from pydantic import Field

from klass_core import AdapterConfig, Canvas, ModalityAdapter, hookimpl
from klass_core.samplers import ScoreSampler, StepView

LETTERS = "abcdefgh"


class BigramConfig(AdapterConfig):
    length: int = Field(12, ge=1, description="Canvas length in letters.")
    seed: int = Field(0, description="Seed of the bigram table.")


class BigramAdapter(ModalityAdapter):
    """Letters ``a``-``h`` (ids 0-7) and a mask (id 8); position ``i`` is scored from ``i - 1``."""

    name = "bigram"
    Config = BigramConfig
    config: BigramConfig

    def load(self) -> None:
        g = torch.Generator().manual_seed(self.config.seed)
        self.vocab_size = len(LETTERS) + 1
        self.mask_id = len(LETTERS)
        self.special_ids = {"mask": self.mask_id}
        self.never_sample_ids = (self.mask_id,)
        # Row m of the table scores the letter after a mask: uniform, so context matters.
        self.table = torch.randn(self.vocab_size, self.vocab_size, generator=g) * 4
        self.table[self.mask_id] = 0

    def encode(self, inputs: list[str]) -> Canvas:
        if not inputs:
            raise ValueError("inputs: give at least one prefix")
        rows = []
        for j, prefix in enumerate(inputs):
            if len(prefix) > self.config.length or set(prefix) - set(LETTERS):
                raise ValueError(f"inputs[{j}]: at most {self.config.length} letters from {LETTERS!r}")
            ids = [LETTERS.index(c) for c in prefix]
            rows.append(ids + [self.mask_id] * (self.config.length - len(ids)))
        return Canvas(torch.tensor(rows))

    def logits(self, tokens: torch.Tensor, **extras: Any) -> torch.Tensor:
        left = torch.nn.functional.pad(tokens, (1, 0), value=self.mask_id)[:, :-1]
        return self.table.to(tokens.device)[left]

    def decode(self, tokens: torch.Tensor, canvas: Canvas | None = None) -> list[str]:
        return ["".join(LETTERS[t] for t in row) for row in tokens.tolist()]


class LeftToRightSampler(ScoreSampler):
    """Commits the leftmost ``u`` candidates: autoregressive order inside the MDM loop."""

    name = "left-to-right"

    def scores(self, view: StepView, tokens: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(view.canvas.shape[-1], device=view.canvas.device)
        return (-positions.float()).expand(view.canvas.shape)


@hookimpl
def register_adapters(register) -> None:
    register(BigramAdapter.name, BigramAdapter)


@hookimpl
def register_samplers(register) -> None:
    register(LeftToRightSampler.name, LeftToRightSampler)
