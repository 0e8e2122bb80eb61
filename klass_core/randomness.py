"""Per-row random generators, so a row's draws never depend on the rest of its batch."""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["GeneratorLike", "row_generators"]

GeneratorLike = int | torch.Generator | Sequence[int | torch.Generator] | None


def _seeded(seed: int, device: torch.device) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def row_generators(generator: GeneratorLike, batch: int, device: torch.device) -> list[torch.Generator]:
    """One generator per row.

    - ``None``: seeds drawn from torch's global generator (``torch.manual_seed`` controls them).
    - ``int`` ``s``: row ``j`` gets seed ``s + j``, so row ``j`` matches a lone run with seed ``s + j``.
    - ``torch.Generator``: one seed per row drawn from it.
    - a sequence of ints or generators, one per row: used as given.
    """
    if generator is None or isinstance(generator, torch.Generator):
        seeds = torch.randint(0, 2**62, (batch,), generator=generator, device="cpu" if generator is None else generator.device)
        return [_seeded(int(s), device) for s in seeds.tolist()]
    if isinstance(generator, int) and not isinstance(generator, bool):
        return [_seeded(generator + j, device) for j in range(batch)]
    if isinstance(generator, Sequence) and not isinstance(generator, str):
        if len(generator) != batch:
            raise ValueError(
                f"generator: got {len(generator)} seeds/generators for a batch of {batch} rows; "
                "pass exactly one per row, or a single int seed"
            )
        out = []
        for j, item in enumerate(generator):
            if isinstance(item, torch.Generator):
                if item.device.type != torch.device(device).type:
                    raise ValueError(
                        f"generator[{j}] lives on {item.device} but the canvas is on {device}; "
                        "create it with torch.Generator(device=canvas.device)"
                    )
                out.append(item)
            elif isinstance(item, int) and not isinstance(item, bool):
                out.append(_seeded(item, device))
            else:
                raise TypeError(f"generator[{j}] must be an int seed or a torch.Generator, got {type(item).__name__}")
        return out
    raise TypeError(
        "generator must be None, an int seed, a torch.Generator or one seed/generator per row, "
        f"got {type(generator).__name__}"
    )
