"""Property tests over random toy models, canvases, block geometries and sampler options."""

from __future__ import annotations

import os

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klass_core import sample
from klass_core.samplers import BUILTIN_SAMPLERS
from tests.helpers import CountingModel, toy

settings.register_profile("ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("KLASS_HYPOTHESIS_PROFILE", "ci"))

SAMPLERS = [s.name for s in BUILTIN_SAMPLERS]


def _options(draw, sampler: str) -> dict:
    temperature = draw(st.sampled_from([0.0, 0.0, 0.7]))
    if sampler == "klass":
        return {
            "temperature": temperature,
            "conf_threshold": draw(st.sampled_from([0.0, 0.3, 0.9, 1.0])),
            "kl_threshold": draw(st.sampled_from([0.0, 0.01, 0.5, float("inf")])),
            "history_length": draw(st.integers(1, 3)),
            "strategy": draw(st.sampled_from(["all", "max_conf", "min_kl", "random"])),
            "block_warmup": draw(st.booleans()),
            "state_dtype": draw(st.sampled_from(["float32", "bfloat16"])),
        }
    if sampler == "threshold":
        return {"temperature": temperature, "threshold": draw(st.floats(0, 1))}
    if sampler == "eb":
        return {"temperature": temperature, "gamma": draw(st.sampled_from([0.0, 0.01, 1.0]))}
    if sampler == "maskgit":
        return {"schedule": draw(st.sampled_from(["cosine", "linear"]))}
    return {"temperature": temperature}


@st.composite
def problems(draw):
    vocab = draw(st.integers(3, 9))
    mask_id = vocab - 1
    batch = draw(st.integers(1, 4))
    prompt = draw(st.integers(0, 4))
    sampler = draw(st.sampled_from(SAMPLERS))
    use_blocks = sampler != "maskgit" and draw(st.booleans())
    if use_blocks:
        block_length = draw(st.integers(1, 4))
        blocks = draw(st.integers(1, 3))
        span = block_length * blocks
    else:
        block_length, blocks, span = None, 1, draw(st.integers(1, 10))
    length = prompt + span
    # Random canvas: the span is mostly masked, with some context tokens; the first span
    # position of row 0 is masked so the span starts where the blocks say.
    mask = torch.tensor(draw(st.lists(st.booleans(), min_size=batch * length, max_size=batch * length))).view(batch, length)
    mask[:, :prompt] = False
    mask[:, prompt:] |= torch.tensor(draw(st.lists(st.booleans(), min_size=span, max_size=span)))
    mask[0, prompt] = True
    values = torch.tensor(draw(st.lists(st.integers(0, mask_id - 1), min_size=batch * length, max_size=batch * length)))
    canvas = torch.where(mask, mask_id, values.view(batch, length))
    steps = draw(st.one_of(st.none(), st.integers(1, 3).map(lambda k: k * blocks)))
    seeds = draw(st.lists(st.integers(0, 2**31), min_size=batch, max_size=batch))
    return {
        "model": toy(vocab, seed=draw(st.integers(0, 5))),
        "canvas": canvas,
        "mask_id": mask_id,
        "sampler": sampler,
        "steps": steps,
        "block_length": block_length,
        "seeds": seeds,
        "options": _options(draw, sampler),
    }


@given(problems())
def test_sampling_invariants(p) -> None:
    canvas, mask_id = p["canvas"], p["mask_id"]
    counting = CountingModel(p["model"], canvas.shape[0])
    kwargs = dict(steps=p["steps"], block_length=p["block_length"], **p["options"])
    out = sample(counting, canvas, mask_id, p["sampler"], generator=p["seeds"], **kwargs)

    masked = canvas == mask_id
    assert not (out.tokens == mask_id).any(), "a mask was left"
    assert torch.equal(out.tokens[~masked], canvas[~masked]), "context was rewritten"
    assert torch.equal(out.nfe, counting.counts), "nfe must equal the counted forward passes"
    limit = masked.sum(-1) if p["steps"] is None else torch.full_like(out.nfe, p["steps"])
    if p["sampler"] != "maskgit" or p["steps"] is None:
        assert (out.nfe <= limit).all(), "nfe exceeded the step budget"
    else:  # MaskGIT runs exactly its schedule on every row that has something to fill, except
        # on a one-position canvas, where it cannot keep a position masked (diffusers fails there)
        passes = p["steps"] if canvas.shape[-1] > 1 else 1
        assert torch.equal(out.nfe, torch.where(masked.any(-1), passes, 0))

    for j in range(canvas.shape[0]):
        # Blocks start at the batch's first masked position; alone, a row's own first masked
        # position may lie later, so compare only rows that keep the same geometry.
        if p["block_length"] is None or _first_masked(canvas, mask_id) == _first_masked(canvas[j : j + 1], mask_id):
            alone = sample(p["model"], canvas[j : j + 1], mask_id, p["sampler"], generator=[p["seeds"][j]], **kwargs)
            assert torch.equal(alone.tokens[0], out.tokens[j]), f"row {j} depends on the batch"
            assert alone.nfe.item() == out.nfe[j].item()


def _first_masked(canvas, mask_id: int) -> int:
    masked = (canvas == mask_id).any(0).nonzero()
    return int(masked[0, 0]) if masked.numel() else -1
