"""The sampling loop shared by every sampler: blocks, budgets, batching and NFE counting."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from klass_core.functional import fallback_count
from klass_core.randomness import GeneratorLike, row_generators
from klass_core.samplers.base import Sampler, StepView
from klass_core.trace import StepInfo

__all__ = ["SampleOutput", "sample"]

Model = Callable[..., Tensor]


@dataclass(frozen=True)
class SampleOutput:
    """Result of :func:`sample`.

    Attributes:
        tokens: ``[B, L]`` the completed canvas, no mask left.
        nfe: ``[B]`` forward passes each row took part in, counted.
    """

    tokens: Tensor
    nfe: Tensor


@dataclass(frozen=True)
class _Blocks:
    """Where the blocks lie and how many steps each may spend."""

    start: int  # first masked position of the batch
    length: int  # block length (the whole canvas when block_length is None)
    budget: int | None  # steps per block; None: one per masked position of the block

    @classmethod
    def plan(cls, masked: Tensor, steps: int | None, block_length: int | None) -> _Blocks:
        L = masked.shape[-1]
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
            raise ValueError(f"steps must be a positive int or None (one step per masked position), got {steps!r}")
        if block_length is None:
            return cls(0, L, steps)
        if isinstance(block_length, bool) or not isinstance(block_length, int) or block_length < 1:
            raise ValueError(f"block_length must be a positive int or None, got {block_length!r}")
        start = int(masked.any(0).nonzero()[0, 0])
        span = L - start
        if span % block_length:
            raise ValueError(
                f"block_length={block_length} does not tile the generation span: it runs from the "
                f"first masked position {start} to the end of the canvas ({span} positions); "
                f"choose a block_length that divides {span}"
            )
        blocks = span // block_length
        if steps is not None:
            if steps < blocks:
                raise ValueError(f"steps={steps} is fewer than the {blocks} blocks; give at least one step per block")
            if steps % blocks:
                raise ValueError(
                    f"steps={steps} cannot be split evenly over {blocks} blocks of {block_length}; "
                    f"use a multiple of {blocks}"
                )
            steps //= blocks
        return cls(start, block_length, steps)

    def current(self, masked: Tensor) -> tuple[Tensor, Tensor]:
        """``[b]`` block index of each row (the block of its first masked position) and the
        ``[b, L]`` candidates (masked positions of that block)."""
        L = masked.shape[-1]
        pos = torch.arange(L, device=masked.device)
        first = torch.where(masked, pos, L).amin(-1)
        index = torch.div(first - self.start, self.length, rounding_mode="floor").clamp(min=0)
        lo = (self.start + index * self.length).unsqueeze(-1)
        candidates = masked & (pos >= lo) & (pos < lo + self.length)
        return index, candidates


def _resolve_sampler(sampler: str | Sampler, options: dict[str, Any]) -> Sampler:
    if isinstance(sampler, Sampler):
        if options:
            raise ValueError(
                f"sampler options {sorted(options)} were given with a Sampler instance; "
                "put them in its config instead"
            )
        return sampler
    from klass_core.registry import get_sampler_class

    cls = get_sampler_class(sampler)
    return cls(cls.Config.parse(options, owner=f"sampler {sampler!r}"))


def _check_inputs(tokens: Tensor, mask_id: int) -> None:
    if not isinstance(tokens, Tensor):
        raise TypeError(f"tokens must be a torch.LongTensor [B, L], got {type(tokens).__name__}")
    if tokens.dtype != torch.long:
        raise TypeError(f"tokens must have dtype torch.long, got {tokens.dtype}; use tokens.long()")
    if tokens.ndim != 2:
        raise ValueError(f"tokens must have shape [B, L], got {tuple(tokens.shape)}")
    if tokens.shape[0] == 0:
        raise ValueError("tokens is an empty batch (B = 0); give at least one row")
    if tokens.shape[1] == 0:
        raise ValueError("tokens has no positions (L = 0)")
    if isinstance(mask_id, bool) or not isinstance(mask_id, int) or mask_id < 0:
        raise ValueError(f"mask_id must be a non-negative int, got {mask_id!r}")


def _excluded(mask_id: int, excluded_ids: Sequence[int] | Tensor | None, device: torch.device) -> Tensor:
    ids = {mask_id} | {int(i) for i in (excluded_ids if excluded_ids is not None else ())}
    if min(ids) < 0:
        raise ValueError(f"excluded_ids must be non-negative token ids, got {sorted(ids)}")
    return torch.tensor(sorted(ids), dtype=torch.long, device=device)


def _takes_rows(model: Model) -> bool:
    try:
        params = inspect.signature(model).parameters
    except (TypeError, ValueError):
        return False
    return "rows" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _check_logits(logits: Any, active: Tensor, length: int, excluded: Tensor) -> None:
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        raise TypeError(f"the model must return a floating-point tensor [b, L, V], got {type(logits).__name__}")
    if logits.device != active.device:
        raise ValueError(
            f"the model returned logits on {logits.device} for a canvas on {active.device}; "
            "put the canvas on the model's device (tokens.to(device))"
        )
    b = active.shape[0]
    if logits.ndim != 3 or logits.shape[:2] != (b, length):
        raise ValueError(
            f"the model returned logits of shape {tuple(logits.shape)} for input [{b}, {length}]; "
            "expected [b, L, V] with position i predicting token i"
        )
    if int(excluded.max()) >= logits.shape[-1]:
        raise ValueError(
            f"the vocabulary has {logits.shape[-1]} ids but mask_id/excluded_ids reach "
            f"{int(excluded.max())}; the mask id must be a token of the model's vocabulary"
        )


def _finished(finish: Callable[[Tensor], Tensor], canvas: Tensor, mask_id: int) -> Tensor:
    filled = finish(canvas)
    if not isinstance(filled, Tensor) or filled.shape != canvas.shape or filled.dtype != canvas.dtype:
        raise TypeError(f"finish must return a LongTensor of shape {tuple(canvas.shape)}, like its input")
    if bool(((filled != canvas) & (canvas != mask_id)).any()):
        raise ValueError("finish changed a position that was not masked; it may only fill masks")
    return filled


def _raise_step_error(sampler: Sampler, index: int, active: Tensor, bad: Tensor, overrun: Tensor) -> None:
    if bool(bad.any()):
        raise FloatingPointError(
            f"the model returned NaN or +inf logits (or no allowed token) at step {index} "
            f"for rows {active[bad].tolist()}; check the model and its inputs"
        )
    raise RuntimeError(
        f"sampler {sampler.name!r} left masks in rows {active[overrun].tolist()} after their step "
        f"budget ran out (step {index}); a sampler must finish a row within max(steps, masked positions) passes"
    )


def sample(
    model: Model,
    tokens: Tensor,
    mask_id: int,
    sampler: str | Sampler = "klass",
    steps: int | None = None,
    block_length: int | None = None,
    generator: GeneratorLike = None,
    callback: Callable[[StepInfo], None] | None = None,
    excluded_ids: Sequence[int] | Tensor | None = None,
    finish: Callable[[Tensor], Tensor] | None = None,
    **sampler_options: Any,
) -> SampleOutput:
    """Fill every ``mask_id`` of ``tokens`` by iterated forward passes of ``model``.

    Args:
        model: ``LongTensor[b, L] -> FloatTensor[b, L, V]``, position ``i`` predicting token ``i``.
            Finished rows leave the batch; a model taking ``rows=`` gets the ``[b]`` indices of
            the active rows in ``tokens``.
        tokens: ``[B, L]`` canvas; only positions holding ``mask_id`` are ever written.
        mask_id: the id marking positions to fill.
        sampler: a registered sampler name (see :func:`klass_core.list_samplers`) or an instance.
        steps: step budget (``None``: one step per masked position), split evenly over blocks.
        block_length: ``None`` for one block; else blocks of this length tile the span from the
            first masked position of the batch to the end (LLaDA's semi-autoregressive layout).
        generator: ``None``, an int seed (row ``j`` uses ``seed + j``), a ``torch.Generator``, or
            one seed or generator per row.
        callback: called with a :class:`~klass_core.trace.StepInfo` after every forward pass.
        excluded_ids: ids never to commit besides ``mask_id``.
        finish: ``[b, L] -> [b, L]``, called on the active rows' canvas after each step's
            commits; it may fill more masked positions without forward passes (e.g. EOS after
            a closed answer). Anything else it changes is an error.
        **sampler_options: the sampler's config fields (validated; unknown names rejected).

    Returns:
        :class:`SampleOutput` with the completed ``tokens`` and the counted ``nfe`` per row.
    """
    _check_inputs(tokens, mask_id)
    chosen = _resolve_sampler(sampler, sampler_options)
    masked = tokens == mask_id
    B, L = tokens.shape
    device = tokens.device
    nfe = torch.zeros(B, dtype=torch.long, device=device)
    if not bool(masked.any()):
        return SampleOutput(tokens.clone(), nfe)
    if block_length is not None and not chosen.supports_blocks:
        raise ValueError(f"sampler {chosen.name!r} has its own schedule over the whole canvas; use block_length=None")
    blocks = _Blocks.plan(masked, steps, block_length)
    generators = row_generators(generator, B, device)
    excluded = _excluded(mask_id, excluded_ids, device)
    takes_rows = _takes_rows(model)
    chosen.begin(tokens, masked, steps)

    x = tokens.clone()
    initial_masked = masked.sum(-1)
    # No sampler may need more passes than its budget (or one per masked position).
    pass_limit = initial_masked.clamp(min=steps or 0)
    block_index = torch.full((B,), -1, dtype=torch.long, device=device)
    steps_left = torch.zeros(B, dtype=torch.long, device=device)
    block_step = torch.zeros(B, dtype=torch.long, device=device)
    active = masked.any(-1).nonzero()[:, 0]
    index = 0
    while active.numel():
        canvas = x[active]
        masked = canvas == mask_id
        current, candidates = blocks.current(masked)
        new_block = current != block_index[active]
        budget = candidates.sum(-1) if blocks.budget is None else torch.full_like(current, blocks.budget)
        steps_left[active] = torch.where(new_block, budget, steps_left[active])
        block_step[active] = torch.where(new_block, 0, block_step[active])
        block_index[active] = current

        logits = model(canvas, rows=active) if takes_rows else model(canvas)
        _check_logits(logits, active, L, excluded)
        row_step = nfe[active]
        nfe[active] += 1
        view = StepView(
            index=index,
            logits=logits,
            canvas=canvas,
            rows=active,
            masked=masked,
            candidates=candidates,
            fallback=fallback_count(candidates.sum(-1), steps_left[active]),
            block_step=block_step[active],
            row_step=row_step,
            initial_masked=initial_masked[active],
            generators=[generators[j] for j in active.tolist()],
            excluded_ids=excluded,
        )
        selection = chosen.step(view)
        commit = selection.commit & candidates
        bad = (selection.confidence.isnan() & masked).any(-1)
        overrun = (nfe[active] >= pass_limit[active]) & (commit.sum(-1) < masked.sum(-1))
        if any(torch.stack([bad.any(), overrun.any()]).tolist()):
            _raise_step_error(chosen, index, active, bad, overrun)
        canvas = torch.where(commit, selection.tokens, canvas)
        if finish is not None:
            canvas = _finished(finish, canvas, mask_id)
            commit = masked & (canvas != mask_id)
        x[active] = canvas
        steps_left[active] -= 1
        block_step[active] += 1
        if callback is not None:
            confidence = torch.where(candidates, selection.confidence, float("nan"))
            callback(StepInfo(index, active, commit, candidates, confidence, selection.kl, nfe[active], canvas))
        active = active[(canvas == mask_id).any(-1)]
        index += 1
    return SampleOutput(x, nfe)
