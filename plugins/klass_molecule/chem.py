"""RDKit helpers: canonical SMILES with the reason a string is invalid, and the metrics."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MORGAN_RADIUS = 2
MORGAN_BITS = 2048


@dataclass(frozen=True)
class Checked:
    """A string checked by RDKit: canonical SMILES when valid, RDKit's reason when not."""

    smiles: str | None
    error: str | None

    @property
    def valid(self) -> bool:
        return self.smiles is not None


def _rdkit_messages():
    """Context manager capturing RDKit's error log (a no-op on RDKit versions without it)."""
    from rdkit import rdBase

    capture = getattr(rdBase, "CaptureErrorLog", None)
    return capture() if capture is not None else contextlib.nullcontext()


def canonical(smiles: str) -> Checked:
    """Canonical SMILES of ``smiles`` after sanitisation, or RDKit's reason for rejecting it."""
    from rdkit import Chem

    if not smiles:
        return Checked(None, "empty molecule")
    with _rdkit_messages() as capture:
        mol = Chem.MolFromSmiles(smiles, sanitize=False)
    if mol is None:
        lines = (getattr(capture, "messages", "") or "").strip().splitlines()
        return Checked(None, _first_reason(lines) or "SMILES parse error")
    try:
        with _rdkit_messages():
            Chem.SanitizeMol(mol)
    except Exception as exc:  # RDKit's sanitisation exceptions carry the reason
        return Checked(None, f"{type(exc).__name__}: {exc}")
    if mol.GetNumAtoms() == 0:
        return Checked(None, "empty molecule")
    return Checked(Chem.MolToSmiles(mol), None)


def _first_reason(lines: list[str]) -> str | None:
    """RDKit's first log line, without its time stamp."""
    return re.sub(r"^\[[0-9:]+\]\s*", "", lines[0]) if lines else None


@lru_cache(maxsize=1)
def _sascorer() -> Any:
    """RDKit's contributed SA_Score module (``RDConfig.RDContribDir/SA_Score``)."""
    import os

    from rdkit.Chem import RDConfig

    folder = os.path.join(RDConfig.RDContribDir, "SA_Score")
    if not os.path.isfile(os.path.join(folder, "sascorer.py")):
        raise FileNotFoundError(f"RDKit's SA_Score contribution is missing from {folder}")
    if folder not in sys.path:
        sys.path.append(folder)
    import sascorer

    return sascorer


def internal_diversity(smiles: Sequence[str]) -> float | None:
    """1 - mean Tanimoto similarity of Morgan fingerprints over all pairs of distinct entries."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    if len(smiles) < 2:
        return None
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=MORGAN_RADIUS, fpSize=MORGAN_BITS)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    total = sum(sum(DataStructs.BulkTanimotoSimilarity(fps[i], fps[i + 1:]))
                for i in range(len(fps) - 1))
    pairs = len(fps) * (len(fps) - 1) / 2
    return 1.0 - total / pairs


def molecule_metrics(
    smiles: Sequence[str | None],
    reference: Iterable[str] | None = None,
    training: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Metrics of generated molecules given as canonical SMILES (None for an invalid one).

    ``reference``: canonical SMILES of the training set, for novelty (None: not computed).
    ``training``: the training set's ``heavy_atoms_mean`` and ``ring_fraction``, for comparison.
    """
    from rdkit import Chem
    from rdkit.Chem import QED

    n = len(smiles)
    if n == 0:
        raise ValueError("metrics need at least one molecule")
    valid = [s for s in smiles if s is not None]
    unique = sorted(set(valid))
    mols = [Chem.MolFromSmiles(s) for s in valid]
    out: dict[str, Any] = {
        "n": n,
        "validity": len(valid) / n,
        "uniqueness": len(unique) / len(valid) if valid else None,
        "novelty": None,
        "internal_diversity": internal_diversity(unique),
        "qed_mean": _mean(QED.qed(m) for m in mols),
        "sa_mean": _mean(_sascorer().calculateScore(m) for m in mols),
        "heavy_atoms_mean": _mean(m.GetNumHeavyAtoms() for m in mols),
        "ring_fraction": _mean(float(m.GetRingInfo().NumRings() > 0) for m in mols),
    }
    if reference is not None and unique:
        known = reference if isinstance(reference, (set, frozenset)) else set(reference)
        out["novelty"] = sum(s not in known for s in unique) / len(unique)
    if training:
        out["training_heavy_atoms_mean"] = training.get("heavy_atoms_mean")
        out["training_ring_fraction"] = training.get("ring_fraction")
        if out["heavy_atoms_mean"] is not None and training.get("heavy_atoms_mean"):
            out["heavy_atoms_ratio"] = out["heavy_atoms_mean"] / training["heavy_atoms_mean"]
    return out


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None
