"""Per-step information given to ``callback`` and a recorder that keeps it for plots."""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from torch import Tensor

__all__ = ["StepInfo", "TraceRecorder"]


@dataclass(frozen=True)
class StepInfo:
    """One forward pass of :func:`klass_core.sample` (``b`` active rows, ``L`` positions).

    Attributes:
        step: forward-pass index (0-based).
        rows: ``[b]`` indices of the active rows in the caller's batch.
        committed: ``[b, L]`` positions committed at this step.
        candidates: ``[b, L]`` the positions the sampler could commit.
        confidence: ``[b, L]`` confidence of the masked positions (NaN elsewhere).
        kl: ``[b, L]`` KL to the previous step (KLASS only; NaN where unknown), else ``None``.
        nfe: ``[b]`` forward passes of each active row so far, this one included.
        canvas: ``[b, L]`` tokens after this step's commits.
    """

    step: int
    rows: Tensor
    committed: Tensor
    candidates: Tensor
    confidence: Tensor
    kl: Tensor | None
    nfe: Tensor
    canvas: Tensor

    def to(self, device: str | torch.device) -> StepInfo:
        moved = {
            f.name: v.to(device) if isinstance(v := getattr(self, f.name), Tensor) else v
            for f in fields(self)
        }
        return StepInfo(**moved)


class TraceRecorder:
    """A ``callback`` that keeps every :class:`StepInfo` on the CPU.

    >>> trace = TraceRecorder()
    >>> out = sample(model, canvas, mask_id, callback=trace)       # doctest: +SKIP
    >>> trace.committed_per_step(0)                                 # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.steps: list[StepInfo] = []

    def __call__(self, info: StepInfo) -> None:
        self.steps.append(info.to("cpu"))

    def _of_row(self, row: int) -> list[tuple[StepInfo, int]]:
        found = []
        for info in self.steps:
            hit = (info.rows == row).nonzero()
            if hit.numel():
                found.append((info, int(hit[0, 0])))
        return found

    def committed_per_step(self, row: int) -> list[int]:
        """How many tokens ``row`` committed at each of its forward passes."""
        return [int(info.committed[i].sum()) for info, i in self._of_row(row)]

    def canvases(self, row: int) -> list[Tensor]:
        """``row``'s canvas after each of its forward passes (``[L]`` each)."""
        return [info.canvas[i] for info, i in self._of_row(row)]

    def kl(self, row: int) -> list[Tensor]:
        """``row``'s KL per position after each pass (``[L]``, NaN where unknown); KLASS only."""
        return [info.kl[i] for info, i in self._of_row(row) if info.kl is not None]
