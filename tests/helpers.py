"""Shared fixtures: a counting wrapper around the toy model."""

from __future__ import annotations

import torch
from torch import Tensor

from klass_core.testing import ToyModel


class CountingModel:
    """Wraps a model and counts, per original row, the forward passes it took part in."""

    def __init__(self, model, batch: int) -> None:
        self.model = model
        self.counts = torch.zeros(batch, dtype=torch.long)

    def __call__(self, tokens: Tensor, rows: Tensor | None = None) -> Tensor:
        self.counts[rows] += 1
        return self.model(tokens)


class ConstantModel:
    """Logits that never change: ``[L, V]`` broadcast over rows."""

    def __init__(self, logits: Tensor) -> None:
        self.logits = logits

    def __call__(self, tokens: Tensor) -> Tensor:
        return self.logits[: tokens.shape[1]].expand(tokens.shape[0], -1, -1).clone()


def toy(vocab: int = 8, seed: int = 0) -> ToyModel:
    return ToyModel(vocab_size=vocab, seed=seed)
