"""A deterministic, cheap, context-dependent toy model and its adapter, for tests, docs and
the demo. It is not trained: its distributions sharpen as the canvas fills in, which is
enough for every sampler to behave like it does on a real model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from pydantic import Field
from torch import Tensor

from klass_core.adapter import AdapterConfig, Canvas, ModalityAdapter
from klass_core.bench.task import BenchTask, Setting, TaskRun
from klass_core.loop import sample

__all__ = ["ToyAdapter", "ToyModel", "ToyTask"]


class ToyModel:
    """``[b, L] -> [b, L, V]``: random but fixed embeddings; position ``i`` is scored from its
    own position, its two neighbours and the mean of the row's unmasked tokens.

    Attributes:
        calls: forward passes so far; ``rows_seen``: rows summed over those passes.
    """

    def __init__(self, vocab_size: int = 12, mask_id: int | None = None, hidden: int = 16,
                 seed: int = 0, sharpness: float = 10.0, max_length: int = 1024) -> None:
        g = torch.Generator().manual_seed(seed)
        self.vocab_size = vocab_size
        self.mask_id = vocab_size - 1 if mask_id is None else mask_id
        self.token_emb = torch.randn(vocab_size, hidden, generator=g) / hidden**0.5
        self.token_emb[self.mask_id] = 0
        self.pos_emb = torch.randn(max_length, hidden, generator=g)
        self.out = torch.randn(hidden, vocab_size, generator=g) * sharpness / hidden**0.5
        self.calls = 0
        self.rows_seen = 0

    def __call__(self, tokens: Tensor) -> Tensor:
        self.calls += 1
        self.rows_seen += tokens.shape[0]
        emb = self.token_emb.to(tokens.device)[tokens]  # [b, L, d]
        known = (tokens != self.mask_id).unsqueeze(-1)
        mean = (emb * known).sum(1, keepdim=True) / known.sum(1, keepdim=True).clamp(min=1)
        neighbours = torch.nn.functional.pad(emb, (0, 0, 1, 1))
        h = self.pos_emb[: tokens.shape[1]].to(tokens.device) + 0.5 * (neighbours[:, :-2] + neighbours[:, 2:] + mean)
        return torch.tanh(h) @ self.out.to(tokens.device)


class ToyAdapterConfig(AdapterConfig):
    vocab_size: int = Field(12, ge=3, description="Vocabulary size, the mask id being the last id.")
    length: int = Field(16, ge=1, description="Canvas length.")
    seed: int = Field(0, description="Seed of the toy model's fixed weights.")


class ToyAdapter(ModalityAdapter):
    """Adapter over :class:`ToyModel`; inputs are a row count or prefixes (lists of ids)."""

    name = "toy"
    Config = ToyAdapterConfig
    config: ToyAdapterConfig

    def load(self) -> None:
        cfg = self.config
        self.model = ToyModel(cfg.vocab_size, seed=cfg.seed)
        self.vocab_size = cfg.vocab_size
        self.mask_id = self.model.mask_id
        self.special_ids = {"mask": self.mask_id}
        self.never_sample_ids = (self.mask_id,)

    def encode(self, inputs: int | Sequence[Sequence[int]]) -> Canvas:
        prefixes: Sequence[Sequence[int]] = [[]] * inputs if isinstance(inputs, int) else inputs
        if not prefixes:
            raise ValueError("inputs: give a positive row count or at least one prefix")
        rows = []
        for j, prefix in enumerate(prefixes):
            if len(prefix) > self.config.length or any(not 0 <= t < self.mask_id for t in prefix):
                raise ValueError(
                    f"inputs[{j}]: a prefix must hold at most {self.config.length} ids in [0, {self.mask_id})"
                )
            rows.append(list(prefix) + [self.mask_id] * (self.config.length - len(prefix)))
        return Canvas(torch.tensor(rows, dtype=torch.long, device=self.config.device))

    def logits(self, tokens: Tensor, **extras: Any) -> Tensor:
        return self.model(tokens)

    def decode(self, tokens: Tensor, canvas: Canvas | None = None) -> list[list[int]]:
        return tokens.tolist()


class ToyTask(BenchTask):
    """Benchmark task on the toy model: quality is self-consistency, the share of positions
    whose token is the model's argmax given the completed rest of the row."""

    name = "toy"
    primary_metric = "self_consistency"

    def prepare(self) -> None:
        self.model = ToyModel(vocab_size=12, seed=0)

    def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
        offset = 0 if split == "test" else 10_000
        canvas = torch.full((n, 24), self.model.mask_id)
        out = sample(self.model, canvas, self.model.mask_id, setting.sampler, steps=setting.steps,
                     generator=seed + offset, **setting.options)
        logits = self.model(out.tokens)
        logits[..., self.model.mask_id] = float("-inf")
        agree = (logits.argmax(-1) == out.tokens).float().mean()
        return TaskRun(out.nfe.float().mean().item(), {"self_consistency": agree.item()})

    def sizes(self, quick: bool) -> int:
        return 32 if quick else 128
