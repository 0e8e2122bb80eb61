"""Tiny untrained molecule models for tests (seconds to build, no training data needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: A few drug-like molecules covering rings, branches, charges-free heteroatoms and halogens.
SAMPLE_SMILES: tuple[str, ...] = (
    "CC(=O)Oc1ccccc1C(=O)O",
    "CCN(CC)C(=O)c1ccc(Cl)cc1",
    "Cc1ccc(S(N)(=O)=O)cc1",
    "O=C(O)c1ccc(Br)nc1",
    "CC#N",
    "FC(F)(F)c1cccs1",
    "C1CCC2CCCCC2C1",
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
)


def tiny_model(
    out: str | Path,
    representation: str,
    smiles: Sequence[str] = SAMPLE_SMILES,
    canvas: int = 32,
    hidden: int = 32,
    layers: int = 1,
    heads: int = 2,
    seed: int = 0,
) -> Path:
    """Write an untrained (randomly initialised) model folder for ``representation``."""
    import random

    import torch

    from .tokenizer import smiles_to, tokenizer_class
    from .train import build_model, molecule_stats, save

    texts = [smiles_to(representation, s) for s in smiles]
    tokenizer = tokenizer_class(representation).build(texts)
    lengths = [0] * (canvas + 1)
    for text in texts:
        n = len(tokenizer.split(text))
        if n > canvas:
            raise ValueError(f"{text!r} has {n} symbols, more than the canvas ({canvas})")
        lengths[n] += 1
    meta = {"representation": representation, "canvas_length": canvas, "length_counts": lengths,
            "training_molecules": len(texts), **molecule_stats(list(smiles), random.Random(seed))}
    torch.manual_seed(seed)
    model = build_model(len(tokenizer), canvas, hidden, layers, heads, meta)
    save(model, tokenizer, Path(out), {"untrained": True})
    return Path(out)
