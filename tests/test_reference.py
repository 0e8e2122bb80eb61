"""Parity with independent references: LLaDA's low-confidence remasking and diffusers'
AmusedScheduler."""

from __future__ import annotations

import pytest
import torch

from klass_core import sample
from tests.helpers import toy

MASK = 7


def llada_low_confidence(model, x, mask_id, gen_length, block_length, steps):
    """LLaDA's `generate` with remasking='low_confidence' and temperature 0, written plainly
    (mask id excluded from the argmax and the softmax, as the spec requires)."""
    x = x.clone()
    prompt_length = x.shape[1] - gen_length
    num_blocks = gen_length // block_length
    steps_per_block = steps // num_blocks
    nfe = 0
    for b in range(num_blocks):
        start = prompt_length + b * block_length
        end = start + block_length
        mask_num = (x[:, start:end] == mask_id).sum(1, keepdim=True)
        base, rem = mask_num // steps_per_block, mask_num % steps_per_block
        transfer_counts = base.repeat(1, steps_per_block)
        for j in range(x.shape[0]):
            transfer_counts[j, : rem[j]] += 1
        for i in range(steps_per_block):
            mask_index = x == mask_id
            logits = model(x).clone()
            nfe += 1
            logits[..., mask_id] = float("-inf")
            x0 = logits.argmax(-1)
            p = torch.softmax(logits.float(), dim=-1)
            x0_p = torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)
            x0_p[:, end:] = float("-inf")
            x0 = torch.where(mask_index, x0, x)
            confidence = torch.where(mask_index, x0_p, torch.tensor(float("-inf")))
            transfer = torch.zeros_like(x0, dtype=torch.bool)
            for j in range(x.shape[0]):
                _, idx = torch.topk(confidence[j], k=int(transfer_counts[j, i]))
                transfer[j, idx] = True
            x[transfer] = x0[transfer]
    return x, nfe


@pytest.mark.parametrize(("gen_length", "block_length", "steps"), [(16, 16, 16), (16, 4, 16), (12, 4, 6), (15, 5, 9)])
def test_topk_equals_llada_low_confidence_remasking(gen_length, block_length, steps) -> None:
    model = toy(vocab=8, seed=3)
    prompt = torch.tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]])
    canvas = torch.cat([prompt, torch.full((2, gen_length), MASK)], dim=1)
    expected, nfe = llada_low_confidence(model, canvas, MASK, gen_length, block_length, steps)
    out = sample(model, canvas, MASK, "topk", steps=steps, block_length=block_length)
    assert torch.equal(out.tokens, expected)
    assert out.nfe.tolist() == [nfe, nfe]


@pytest.mark.parametrize(("steps", "schedule", "temperature"), [(8, "cosine", (2.0, 0.0)), (12, "linear", (1.0, 0.5)), (5, "cosine", (3.0, 1.0))])
def test_maskgit_equals_diffusers_amused_scheduler(steps, schedule, temperature) -> None:
    from diffusers import AmusedScheduler

    vocab, length, seed = 9, 16, 1234
    mask_id = vocab - 1
    model = toy(vocab=vocab, seed=5)

    # As with aMUSEd: the transformer scores the codebook only (ids < mask_id); the core sees
    # the full vocabulary and excludes the mask id itself.
    def codebook_logits(tokens):
        return model(tokens)[..., :mask_id]

    scheduler = AmusedScheduler(mask_token_id=mask_id, masking_schedule=schedule)
    scheduler.set_timesteps(steps, temperature=temperature)
    g = torch.Generator().manual_seed(seed)
    x = torch.full((1, length), mask_id)
    history = []
    for t in scheduler.timesteps:
        x = scheduler.step(codebook_logits(x), t, x, generator=g).prev_sample
        history.append(x.clone())

    trace = []
    out = sample(model, torch.full((1, length), mask_id), mask_id, "maskgit", steps=steps,
                 generator=[torch.Generator().manual_seed(seed)], callback=lambda info: trace.append(info.canvas),
                 schedule=schedule, temperature=temperature)
    assert out.nfe.item() == steps
    assert [h[0].tolist() for h in history] == [c[0].tolist() for c in trace]
    assert torch.equal(out.tokens, x)
