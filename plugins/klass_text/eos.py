"""End-of-sequence handling: the early exit once a row's answer is closed by EOS."""

from __future__ import annotations

import torch
from torch import Tensor


def fill_after_eos(tokens: Tensor, start: int, mask_id: int, eos_ids: Tensor) -> Tensor:
    """Fill with EOS the masks of rows whose generation is already closed.

    A row is closed when some position ``>= start`` holds an EOS id and no position before
    the first such EOS is masked. Its remaining masks (all after that EOS) take the id of that
    EOS; other rows are returned unchanged.
    """
    gen = tokens[:, start:]
    length = gen.shape[1]
    pos = torch.arange(length, device=tokens.device)
    first_eos = torch.where(torch.isin(gen, eos_ids), pos, length).amin(-1)
    masked = gen == mask_id
    open_before = (masked & (pos < first_eos.unsqueeze(-1))).any(-1)
    open_before |= (tokens[:, :start] == mask_id).any(-1)
    closed = (first_eos < length) & ~open_before
    eos = gen.gather(1, first_eos.clamp(max=length - 1).unsqueeze(-1))
    filled = torch.where(closed.unsqueeze(-1) & masked, eos, gen)
    return torch.cat([tokens[:, :start], filled], dim=1)
