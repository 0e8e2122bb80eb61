"""``finish``: filling masks outside the sampler (e.g. EOS early exit) saves forward passes
and keeps KLASS's per-position state consistent."""

from __future__ import annotations

import pytest
import torch

from klass_core import TraceRecorder, sample
from tests.helpers import toy
from tests.test_limits import _peaked_model

MASK = 7


def fill_from_first_zero(tokens: torch.Tensor) -> torch.Tensor:
    """Once a row holds a committed 0, every mask after it becomes 0 (an EOS stand-in)."""
    pos = torch.arange(tokens.shape[1])
    first = torch.where(tokens == 0, pos, tokens.shape[1]).amin(-1, keepdim=True)
    return torch.where((tokens == MASK) & (pos > first), 0, tokens)


@pytest.mark.parametrize("sampler", ["klass", "topk", "eb"])
def test_finish_fills_masks_and_counts_fewer_passes(sampler) -> None:
    model = toy(vocab=8, seed=2)
    canvas = torch.full((4, 12), MASK)
    plain = sample(model, canvas, MASK, sampler, generator=0)
    trace = TraceRecorder()
    early = sample(model, canvas, MASK, sampler, generator=0, finish=fill_from_first_zero, callback=trace)
    assert not (early.tokens == MASK).any()
    assert (early.nfe <= plain.nfe).all()
    assert torch.equal(fill_from_first_zero(early.tokens), early.tokens)
    # The trace reports what finish filled as committed at that step.
    total = sum(int(info.committed.sum()) for info in trace.steps)
    assert total == 4 * 12


def test_klass_state_survives_external_fills() -> None:
    model = _peaked_model(12)

    def fill_last(tokens):
        out = tokens.clone()
        last = (tokens == MASK).nonzero()
        if last.numel():
            out[last[-1, 0], last[-1, 1]] = 1
        return out

    out = sample(model, torch.full((2, 12), MASK), MASK, "klass", steps=12, generator=0,
                 history_length=2, finish=fill_last)
    assert not (out.tokens == MASK).any()
    # Constant logits: every position still stabilises after n + 1 = 3 passes.
    assert out.nfe.tolist() == [3, 3]


def test_finish_may_not_rewrite_context() -> None:
    canvas = torch.full((1, 6), MASK)
    canvas[0, 0] = 3
    with pytest.raises(ValueError, match="finish changed a position that was not masked"):
        sample(toy(), canvas, MASK, finish=lambda t: torch.zeros_like(t))
    with pytest.raises(TypeError, match="finish must return a LongTensor of shape"):
        sample(toy(), canvas, MASK, finish=lambda t: t.float())
