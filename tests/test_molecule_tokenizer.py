"""SMILES/SELFIES tokenizers: exact round trips on RDKit's bundled sets and on MOSES."""

from __future__ import annotations

import json
import os
import random

import pytest

from klass_molecule.data import moses_smiles
from klass_molecule.tokenizer import (
    SPECIAL_TOKENS,
    SelfiesTokenizer,
    SmilesTokenizer,
    TokenizerError,
    smiles_to,
    tokenizer_class,
)

pytest.importorskip("rdkit")


def rdkit_smiles() -> list[str]:
    """SMILES of RDKit's bundled NCI set (as written) and of its SDF sample (canonical)."""
    from rdkit import Chem, RDConfig

    with open(os.path.join(RDConfig.RDDataDir, "NCI", "first_5K.smi"), encoding="utf-8") as fh:
        out = [line.split()[0] for line in fh]
    supplier = Chem.SDMolSupplier(os.path.join(RDConfig.RDDataDir, "NCI", "first_200.props.sdf"))
    out += [Chem.MolToSmiles(m) for m in supplier if m is not None]
    return out


@pytest.fixture(scope="module")
def moses_sample() -> list[str]:
    return random.Random(0).sample(moses_smiles(), 2000)


def test_smiles_symbols_of_known_molecules():
    assert SmilesTokenizer.split("CC(=O)Oc1ccccc1C(=O)O")[:6] == ["C", "C", "(", "=", "O", ")"]
    assert SmilesTokenizer.split("Clc1ccc(Br)cc1") == ["Cl", "c", "1", "c", "c", "c", "(", "Br",
                                                       ")", "c", "c", "1"]
    assert SmilesTokenizer.split("[C@@H]1CC%12[NH3+]") == ["[C@@H]", "1", "C", "C", "%12", "[NH3+]"]
    assert SmilesTokenizer.split("C/C=C\\C#N.O") == ["C", "/", "C", "=", "C", "\\", "C", "#", "N",
                                                     ".", "O"]


def test_rdkit_sets_round_trip_exactly():
    smiles = rdkit_smiles()
    assert len(smiles) > 5000
    for text in smiles:
        assert "".join(SmilesTokenizer.split(text)) == text


def test_rdkit_sets_round_trip_through_selfies():
    from rdkit import Chem

    checked = 0
    for text in rdkit_smiles()[:1000]:
        try:
            encoded = smiles_to("selfies", text)
        except Exception:  # SELFIES cannot encode some valences; not a tokenizer matter
            continue
        assert "".join(SelfiesTokenizer.split(encoded)) == encoded
        checked += 1
    assert checked > 900
    assert Chem.MolToSmiles(Chem.MolFromSmiles("c1ccccc1O")) == "Oc1ccccc1"


@pytest.mark.parametrize("representation", ["smiles", "selfies"])
def test_moses_sample_reconstructs_exactly(representation, moses_sample):
    texts = [smiles_to(representation, s) for s in moses_sample]
    tok = tokenizer_class(representation).build(texts)
    assert tok.symbols[:3] == SPECIAL_TOKENS
    for text in texts:
        ids = tok.encode_string(text)
        assert tok.mask_id not in ids and tok.end_id not in ids
        assert tok.decode([*ids, tok.end_id, tok.end_id]) == text


def test_selfies_of_moses_decode_to_the_same_molecule(moses_sample):
    import selfies
    from rdkit import Chem

    for smiles in moses_sample[:300]:
        back = selfies.decoder(smiles_to("selfies", smiles))
        assert Chem.MolToSmiles(Chem.MolFromSmiles(back)) == smiles


@pytest.mark.parametrize("representation", ["smiles", "selfies"])
def test_default_vocabularies_cover_the_training_molecules(representation):
    from klass_molecule.adapters import default_model
    from klass_molecule.data import training_molecules

    folder = default_model(representation)
    if not (folder / "vocab.txt").is_file():
        pytest.skip("default models not trained yet")
    tok = tokenizer_class(representation).from_folder(folder)
    info = json.loads((folder / "config.json").read_text())["klass_molecule"]
    canvas = info["canvas_length"]
    pairs = training_molecules(representation, canvas, limit=300, seed=0)
    assert len(pairs) == 300
    unknown = 0
    for _, text in pairs:
        try:
            ids = tok.encode_string(text)
        except TokenizerError:
            unknown += 1
            continue
        assert len(ids) <= canvas and tok.decode(ids) == text
    # training leaves out the rare molecules with a symbol outside the vocabulary, and counts them
    assert unknown <= 3 and info.get("left_out_unknown_symbols", 0) <= 0.002 * info["training_molecules"]


def test_unknown_symbol_is_a_clear_error():
    tok = SmilesTokenizer.build(["CCO"])
    with pytest.raises(TokenizerError, match=r"unknown smiles symbol\(s\) \['N'\]"):
        tok.encode_string("CCN")
    with pytest.raises(TokenizerError, match="bad character at 2"):
        SmilesTokenizer.split("CC&C")
    with pytest.raises(TokenizerError, match="outside"):
        SelfiesTokenizer.split("[C]x[C]")
    with pytest.raises(ValueError, match="representation must be one of"):
        tokenizer_class("inchi")


def test_vocabulary_file_round_trip(tmp_path):
    tok = SelfiesTokenizer.build(["[C][=C][Ring1]"])
    tok.save(tmp_path)
    again = SelfiesTokenizer.from_folder(tmp_path)
    assert again.symbols == tok.symbols == (*SPECIAL_TOKENS, "[=C]", "[C]", "[Ring1]")
    with pytest.raises(FileNotFoundError, match=r"no vocab\.txt"):
        SelfiesTokenizer.from_folder(tmp_path / "missing")
    with pytest.raises(TokenizerError, match="must start with"):
        SmilesTokenizer(["C", "<pad>", "<mask>", "<end>"])
