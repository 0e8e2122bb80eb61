"""Molecule generation with masked diffusion models (SMILES and SELFIES).

>>> import klass_molecule
>>> mols = klass_molecule.generate(10, representation="selfies")   # doctest: +SKIP
>>> klass_molecule.metrics(mols)["validity"]                        # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["Molecule", "generate", "iter_generate", "load_adapter", "metrics"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package must not import torch, transformers or RDKit.
    if name in ("generate", "iter_generate", "load_adapter", "metrics"):
        from . import api

        return getattr(api, name)
    if name == "Molecule":
        from .adapters import Molecule

        return Molecule
    raise AttributeError(f"module 'klass_molecule' has no attribute {name!r}")
