"""Sampler overhead at LLaDA's shape: step time of ``klass`` against ``topk`` on synthetic
logits, and the memory of KLASS's state against the authors' layout."""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch

from klass_core.samplers import KlassSampler, Sampler, TopKSampler
from klass_core.samplers.base import StepView

__all__ = ["measure_overhead"]


def _view(logits: torch.Tensor, masked: torch.Tensor, block: int) -> StepView:
    b, length, vocab = logits.shape
    device = logits.device
    candidates = masked.clone()
    candidates[:, block:] = False
    zeros = torch.zeros(b, dtype=torch.long, device=device)
    generators = [torch.Generator(device=device).manual_seed(0) for _ in range(b)]
    return StepView(0, logits, zeros.new_zeros(b, length), torch.arange(b, device=device), masked, candidates,
                    zeros + 1, zeros, zeros, zeros + length, generators, torch.tensor([vocab - 1], device=device))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed_step(make: type[Sampler], logits: torch.Tensor, block: int) -> float:
    """Seconds of the second step of a fresh sampler (KLASS then has a previous distribution
    for every masked position and computes every KL)."""
    sampler = make(make.Config())
    masked = torch.ones(logits.shape[:2], dtype=torch.bool, device=logits.device)
    first = sampler.step(_view(logits, masked, block))
    view = _view(logits, masked & ~first.commit, block)
    _sync(logits.device)
    start = time.perf_counter()
    sampler.step(view)
    _sync(logits.device)
    return time.perf_counter() - start


def measure_overhead(
    batches: tuple[int, ...] = (1, 4),
    span: int = 256,
    vocab: int = 126_464,
    block: int = 32,
    repeats: int = 5,
    device: str = "cpu",
    prompt: int = 0,
) -> dict[str, Any]:
    """Median sampler step time of ``klass`` and ``topk`` on random logits ``[b, span, vocab]``
    (model time excluded), and KLASS's state size per row.

    The authors' layout keeps a float64 ``[prompt + span, vocab]`` copy of the previous
    distribution per row; KLASS keeps float32 (or bfloat16) log-probs of the masked positions
    only, measured here at its peak.
    """
    dev = torch.device(device)
    out: dict[str, Any] = {"span": span, "vocab": vocab, "block": block, "device": device, "rows": []}
    for b in batches:
        logits = torch.randn(b, span, vocab, generator=torch.Generator().manual_seed(0)).to(dev)
        times: dict[str, list[float]] = {"topk": [], "klass": []}
        for _ in range(repeats + 1):  # interleaved; the first round only warms caches
            times["topk"].append(_timed_step(TopKSampler, logits, block))
            times["klass"].append(_timed_step(KlassSampler, logits, block))
        topk, klass = (statistics.median(times[k][1:]) for k in ("topk", "klass"))
        out["rows"].append({"batch": b, "topk_step_s": topk, "klass_step_s": klass, "ratio": klass / topk})
        del logits
    # State memory measured on one row at its peak: after the first step, all but one masked.
    logits = torch.randn(1, span, vocab, generator=torch.Generator().manual_seed(1)).to(dev)
    masked = torch.ones(1, span, dtype=torch.bool, device=dev)
    authors = (prompt + span) * vocab * 8
    memory: dict[str, float] = {"authors_float64_bytes": authors}
    for dtype in ("float32", "bfloat16"):
        sampler = KlassSampler(KlassSampler.Config(state_dtype=dtype))
        sampler.step(_view(logits, masked, block))
        state = sampler.prev_logp.nbytes + sampler.streak.nbytes
        memory[f"klass_{dtype}_bytes"] = state
        memory[f"ratio_{dtype}"] = state / authors
    out["memory_per_row"] = memory
    return out
