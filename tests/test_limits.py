"""The degenerate limits of the spec, with their exact NFE formulas."""

from __future__ import annotations

import pytest
import torch

from klass_core import TraceRecorder, sample
from tests.helpers import ConstantModel, toy

MASK = 7


def _peaked_model(length: int, vocab: int = 8, seed: int = 0) -> ConstantModel:
    g = torch.Generator().manual_seed(seed)
    best = torch.randint(0, vocab - 1, (length,), generator=g)
    logits = torch.randn(length, vocab, generator=g) + 12 * torch.nn.functional.one_hot(best, vocab)
    return ConstantModel(logits)


@pytest.mark.parametrize(("block_length", "steps"), [(None, None), (4, None), (4, 6), (6, 2), (None, 5)])
def test_never_confident_klass_equals_topk(block_length, steps) -> None:
    model = toy()
    canvas = torch.full((3, 16), MASK)
    canvas[:, :4] = torch.tensor([1, 2, 3, 4])
    canvas[1, 9] = 4  # a context token inside the generation span
    kw = dict(steps=steps, block_length=block_length)
    klass = sample(model, canvas, MASK, "klass", conf_threshold=1.0, generator=0, **kw)
    topk = sample(model, canvas, MASK, "topk", generator=0, **kw)
    assert torch.equal(klass.tokens, topk.tokens)
    assert torch.equal(klass.nfe, topk.nfe)


@pytest.mark.parametrize(("length", "block_length"), [(12, None), (12, 4), (12, 3), (12, 6)])
def test_zero_conf_inf_kl_commits_everything_at_second_sight(length, block_length) -> None:
    canvas = torch.full((2, length), MASK)
    trace = TraceRecorder()
    out = sample(toy(), canvas, MASK, "klass", block_length=block_length, generator=0, callback=trace,
                 conf_threshold=0.0, kl_threshold=float("inf"), history_length=1)
    blocks = 1 if block_length is None else length // block_length
    # First pass: one token (u = 1); second: the rest of block 1; each later block: one pass.
    assert out.nfe.tolist() == [2 + (blocks - 1)] * 2
    block = length if block_length is None else block_length
    assert trace.committed_per_step(0) == [1, block - 1] + [block] * (blocks - 1)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize(("length", "block_length", "warmup"), [
    (12, None, False), (12, 4, False), (12, 4, True), (16, 8, True), (16, 8, False),
])
def test_constant_confident_model_nfe_formula(n, length, block_length, warmup) -> None:
    canvas = torch.full((2, length), MASK)
    out = sample(_peaked_model(length), canvas, MASK, "klass", steps=length, block_length=block_length,
                 generator=0, history_length=n, block_warmup=warmup)
    blocks = 1 if block_length is None else length // block_length
    expected = n + 1 + (n if warmup else 1) * (blocks - 1)
    assert out.nfe.tolist() == [expected] * 2


def test_klass_commits_argmax_of_constant_model() -> None:
    model = _peaked_model(10)
    out = sample(model, torch.full((1, 10), MASK), MASK, "klass", generator=0)
    assert torch.equal(out.tokens[0], model.logits.argmax(-1))


@pytest.mark.parametrize("strategy", ["max_conf", "min_kl", "random"])
def test_single_token_strategies_commit_one_ready_token_per_step(strategy) -> None:
    trace = TraceRecorder()
    out = sample(_peaked_model(8), torch.full((1, 8), MASK), MASK, "klass", generator=0, callback=trace,
                 strategy=strategy, history_length=1)
    # pass 1: fallback commits 1; from pass 2 on every remaining token is ready, one per pass.
    assert trace.committed_per_step(0) == [1] * 8
    assert out.nfe.item() == 8


def test_no_mask_returns_at_once() -> None:
    calls = []
    canvas = torch.arange(6).reshape(2, 3)
    out = sample(lambda x: calls.append(1), canvas, 9, block_length=5, steps=3)
    assert out.nfe.tolist() == [0, 0] and torch.equal(out.tokens, canvas) and not calls


def test_threshold_commits_all_confident_at_once() -> None:
    out = sample(_peaked_model(10), torch.full((2, 10), MASK), MASK, "threshold", generator=0)
    assert out.nfe.tolist() == [1, 1]


def test_eb_with_zero_gamma_is_entropy_order_one_per_step() -> None:
    model = toy()
    canvas = torch.full((2, 9), MASK)
    eb = sample(model, canvas, MASK, "eb", gamma=0.0, generator=0)
    ent = sample(model, canvas, MASK, "entropy", generator=0)
    assert torch.equal(eb.tokens, ent.tokens) and eb.nfe.tolist() == [9, 9]


class FlippingModel:
    """Positions 1-2 alternate between two different distributions at every call; the others
    are fixed: position 0 mildly confident, positions 3-5 very confident."""

    def __init__(self) -> None:
        self.calls = 0
        base = torch.zeros(6, 8)
        base[0, 1] = 1.0
        base[3:, 2] = 10.0
        self.base = base

    def __call__(self, tokens: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        logits = self.base.clone()
        logits[1:3, 3 + self.calls % 2] = 5.0
        return logits.expand(tokens.shape[0], -1, -1).clone()


@pytest.mark.parametrize(("respect_budget", "nfe"), [(True, 2), (False, 3)])
def test_ready_set_smaller_than_fallback_count(respect_budget, nfe) -> None:
    # Pass 1 commits the three confident positions (u = 3). Pass 2 has one budgeted step left
    # and three candidates, of which only position 0 is stable: the spec's literal rule commits
    # it alone and overruns the budget; respect_budget fills up to u = 3.
    out = sample(FlippingModel(), torch.full((1, 6), MASK), MASK, "klass", steps=2, generator=0,
                 conf_threshold=0.0, kl_threshold=0.01, history_length=1, respect_budget=respect_budget)
    assert out.nfe.tolist() == [nfe]
    assert out.tokens[0, 3:].tolist() == [2, 2, 2] and out.tokens[0, 0].item() == 1
