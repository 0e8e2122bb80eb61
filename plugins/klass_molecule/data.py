"""Training molecules: the MOSES training split shipped inside the ``molsets`` wheel."""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

MOSES_TRAIN = ("dataset", "data", "train.csv.gz")


def moses_train_file() -> Path:
    """Path of MOSES's ``train.csv.gz``, found without importing ``moses``."""
    spec = importlib.util.find_spec("moses")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location).joinpath(*MOSES_TRAIN)
        if path.is_file():
            return path
    raise FileNotFoundError(
        "MOSES training data not found: install the 'molsets' wheel without its dependencies "
        "(pip install --no-deps molsets)"
    )


@lru_cache(maxsize=1)
def moses_smiles() -> tuple[str, ...]:
    """Every SMILES of the MOSES training split (canonical RDKit SMILES, no stereo)."""
    with gzip.open(moses_train_file(), "rt", encoding="utf-8") as fh:
        lines = fh.read().split()
    if not lines or lines[0] != "SMILES":
        raise ValueError(f"unexpected header in {moses_train_file()}")
    return tuple(lines[1:])


def training_molecules(
    representation: str, max_tokens: int, limit: int | None = None, seed: int = 0
) -> list[tuple[str, str]]:
    """``(smiles, text)`` pairs of MOSES molecules short enough for a canvas of ``max_tokens``,
    in a seeded random order, at most ``limit`` of them.

    A molecule is kept when both its SMILES and its SELFIES have at most ``max_tokens``
    symbols, so the SMILES and SELFIES models (same seed and limit) learn the same molecules.
    ``text`` is the molecule in ``representation``.
    """
    import random

    from .tokenizer import SelfiesTokenizer, SmilesTokenizer, smiles_to, tokenizer_class

    tokenizer_class(representation)
    short = [s for s in moses_smiles() if len(SmilesTokenizer.split(s)) <= max_tokens]
    random.Random(seed).shuffle(short)
    kept = []
    for smiles in short:
        if limit is not None and len(kept) >= limit:
            break
        selfies = smiles_to("selfies", smiles)
        if len(SelfiesTokenizer.split(selfies)) > max_tokens:
            continue
        kept.append((smiles, selfies if representation == "selfies" else smiles))
    return kept
