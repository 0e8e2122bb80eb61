"""RDKit-backed validity reasons and metrics on hand-picked molecules with known values."""

from __future__ import annotations

import pytest

from klass_molecule.adapters import Molecule
from klass_molecule.chem import canonical, internal_diversity, molecule_metrics

pytest.importorskip("rdkit")

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


@pytest.mark.parametrize(
    ("smiles", "reason"),
    [
        ("C1CC", "unclosed ring"),
        ("C(C", "extra open parentheses"),
        ("CN(C)(C)(C)C", "Explicit valence for atom # 1 N, 5"),
        ("c1cccc1", "Can't kekulize"),
        ("", "empty molecule"),
    ],
)
def test_invalid_strings_carry_rdkit_reason(smiles, reason):
    checked = canonical(smiles)
    assert not checked.valid and checked.smiles is None
    assert reason in checked.error


def test_valid_strings_become_canonical():
    assert canonical("OC(=O)c1ccccc1").smiles == "O=C(O)c1ccccc1"
    assert canonical("CN1C=NC2=C1C(=O)N(C(=O)N2C)C").smiles == "Cn1c(=O)c2c(ncn2C)n(C)c1=O"


def test_known_property_values():
    one = molecule_metrics([ASPIRIN])
    assert one["qed_mean"] == pytest.approx(0.550, abs=1e-3)  # Bickerton et al. 2012: 0.55
    assert one["sa_mean"] == pytest.approx(1.580, abs=1e-3)
    assert one["heavy_atoms_mean"] == 13
    assert one["ring_fraction"] == 1.0
    benzene = molecule_metrics(["c1ccccc1"])
    assert benzene["sa_mean"] == pytest.approx(1.0)  # the SA score's floor
    assert benzene["qed_mean"] == pytest.approx(0.443, abs=1e-3)


def test_internal_diversity_known_values():
    # benzene's 3 Morgan bits are a subset of toluene's 11: Tanimoto 3/11
    assert internal_diversity(["c1ccccc1", "Cc1ccccc1"]) == pytest.approx(1 - 3 / 11)
    assert internal_diversity(["c1ccccc1", "CCO"]) == pytest.approx(1.0)
    assert internal_diversity(["CCO"]) is None


def test_rates_and_training_comparison():
    out = molecule_metrics(
        ["c1ccccc1", "CCO", "CCO", None],
        reference={"CCO"},
        training={"heavy_atoms_mean": 6.0, "ring_fraction": 0.5},
    )
    assert out["n"] == 4
    assert out["validity"] == 0.75
    assert out["uniqueness"] == pytest.approx(2 / 3)
    assert out["novelty"] == 0.5  # benzene is new, ethanol is in the reference
    assert out["heavy_atoms_mean"] == 4.0  # (6 + 3 + 3) / 3
    assert out["heavy_atoms_ratio"] == pytest.approx(4 / 6)
    assert out["ring_fraction"] == pytest.approx(1 / 3)
    assert out["training_ring_fraction"] == 0.5


def test_all_invalid_and_empty_inputs():
    out = molecule_metrics([None, None])
    assert out["validity"] == 0.0 and out["uniqueness"] is None and out["qed_mean"] is None
    with pytest.raises(ValueError, match="at least one molecule"):
        molecule_metrics([])


def test_api_metrics_on_molecule_objects():
    import klass_molecule

    mols = [Molecule(ASPIRIN, ASPIRIN, None, "smiles", nfe=10),
            Molecule("C1CC", None, "unclosed ring", "smiles", nfe=20)]
    out = klass_molecule.metrics(mols, training={"heavy_atoms_mean": 13.0})
    assert out["validity"] == 0.5
    assert out["nfe_mean"] == 15
    assert out["heavy_atoms_ratio"] == 1.0
    assert out["novelty"] == 1.0  # aspirin is not in the MOSES training split


def test_api_metrics_compare_with_the_generating_model_folder(tmp_path):
    import json

    import klass_molecule

    stats = {"heavy_atoms_mean": 26.0, "ring_fraction": 0.5}
    (tmp_path / "config.json").write_text(json.dumps({"klass_molecule": stats}))
    mols = [Molecule(ASPIRIN, ASPIRIN, None, "smiles", nfe=10)]
    out = klass_molecule.metrics(mols, novelty=False, model=tmp_path)
    assert out["training_heavy_atoms_mean"] == 26.0
    assert out["heavy_atoms_ratio"] == 0.5  # aspirin has 13 heavy atoms
