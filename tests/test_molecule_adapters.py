"""The smiles and selfies adapters on tiny untrained models: contract, templates, decoding."""

from __future__ import annotations

import shutil

import pytest
import torch

import klass_core.samplers.plugin
import klass_molecule.plugin
from klass_core.testing import AdapterContract
from klass_molecule.adapters import SelfiesAdapter, SmilesAdapter
from klass_molecule.testing import tiny_model
from klass_molecule.tokenizer import TokenizerError

pytest.importorskip("rdkit")
pytest.importorskip("selfies")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("molecule-models")
    return {r: tiny_model(root / r, r) for r in ("smiles", "selfies")}


@pytest.fixture(scope="module")
def smiles(folders):
    return SmilesAdapter(model=str(folders["smiles"]))


@pytest.fixture(scope="module")
def selfies_adapter(folders):
    return SelfiesAdapter(model=str(folders["selfies"]))


class TestSmilesContract(AdapterContract):
    @pytest.fixture(autouse=True)
    def _folders(self, folders):
        self.folder = folders["smiles"]

    def make_adapter(self):
        return SmilesAdapter(model=str(self.folder))

    def make_inputs(self):
        return [6, "c1ccc(__)cc1", "CC(=O)N..."]


class TestSelfiesContract(AdapterContract):
    @pytest.fixture(autouse=True)
    def _folders(self, folders):
        self.folder = folders["selfies"]

    def make_adapter(self):
        return SelfiesAdapter(model=str(self.folder))

    def make_inputs(self):
        return [6, "[C][=C]__[Ring1]", "[C][N]..."]


def test_vocabulary_facts(smiles):
    assert smiles.special_ids == {"pad": 0, "mask": 1, "end": 2}
    assert smiles.never_sample_ids == (0,)
    assert smiles.canvas_length == 32


def test_templates_fix_and_mask_symbols(smiles):
    tok = smiles.tokenizer
    row = smiles.template_ids("c1ccc(__)cc1")
    assert len(row) == 32
    assert row[:8] == [*tok.encode_string("c1ccc("), tok.mask_id, tok.mask_id]
    assert row[8:13] == [*tok.encode_string(")cc1"), tok.end_id]
    assert set(row[13:]) == {tok.end_id}
    open_row = smiles.template_ids("CC...")
    assert open_row[:2] == tok.encode_string("CC") and set(open_row[2:]) == {tok.mask_id}
    length_row = smiles.template_ids(5)
    assert length_row == [tok.mask_id] * 5 + [tok.end_id] * 27


def test_closed_templates_keep_fixed_symbols_and_length(smiles):
    canvas = smiles.encode(["c1ccc(__)cc1"] * 3)
    out = smiles.sample(canvas, sampler="topk", generator=0, temperature=1.0)
    fixed = canvas.tokens != smiles.mask_id
    assert torch.equal(out.tokens[fixed], canvas.tokens[fixed])
    assert not (out.tokens[~fixed] == smiles.tokenizer.end_id).any()  # end never drawn inside
    assert out.nfe.tolist() == [2, 2, 2]
    full = smiles.encode([32, 3])  # a full-length row is closed too: no end drawn anywhere
    assert full.meta["open_end"] is False
    filled = smiles.sample(full, sampler="topk", generator=0, temperature=1.0)
    assert not (filled.tokens[0] == smiles.tokenizer.end_id).any()
    assert smiles.encode([3, "C..."]).meta["open_end"] is True
    texts = [m.text for m in smiles.decode(out.tokens)]
    assert all(t.startswith("c1ccc(") and t.endswith(")cc1") and len(t) >= 10 for t in texts)


@pytest.mark.parametrize(
    ("template", "error", "match"),
    [
        ("CC&C", TokenizerError, "template 'CC&C'.*bad character"),
        ("CC[Xe]_", TokenizerError, r"unknown smiles symbol\(s\) \['\[Xe\]'\]"),
        ("CCO", ValueError, "has no masked position"),
        ("C" * 33 + "_", ValueError, "has 34 symbols; the canvas holds 32"),
        (0, ValueError, "between 1 and 32"),
        (40, ValueError, "between 1 and 32"),
        (2.5, TypeError, "length \\(int\\) or a template"),
    ],
)
def test_bad_templates_are_clear_errors(smiles, template, error, match):
    with pytest.raises(error, match=match):
        smiles.encode([template])


def test_empty_input_and_wrong_representation(smiles, folders):
    with pytest.raises(ValueError, match="at least one input"):
        smiles.encode([])
    with pytest.raises(ValueError, match="is a selfies model; use the 'selfies' adapter"):
        SmilesAdapter(model=str(folders["selfies"]))
    with pytest.raises(FileNotFoundError, match=r"has no config\.json"):
        SmilesAdapter(model=str(folders["smiles"] / "missing"))


def test_decode_reports_invalid_with_reason(smiles):
    tok = smiles.tokenizer
    rows = [tok.encode_string(s) for s in ("C1CC", "c1ccccc1O", "C(C")]
    tokens = torch.full((3, 32), tok.end_id)
    for i, r in enumerate(rows):
        tokens[i, : len(r)] = torch.tensor(r)
    mols = smiles.decode(tokens)
    assert [m.valid for m in mols] == [False, True, False]
    assert mols[1].smiles == "Oc1ccccc1"
    assert "unclosed ring" in mols[0].error and "parentheses" in mols[2].error
    assert mols[0].text == "C1CC" and mols[0].smiles is None


def test_selfies_decode_goes_through_selfies_decoder(selfies_adapter):
    tok = selfies_adapter.tokenizer
    ids = tok.encode_string("[C][C][O]")
    tokens = torch.tensor([ids + [tok.end_id] * 29])
    (mol,) = selfies_adapter.decode(tokens)
    assert mol.valid and mol.smiles == "CCO" and mol.text == "[C][C][O]"


def test_a_row_that_fails_to_decode_does_not_lose_the_others(smiles, monkeypatch):
    tok = smiles.tokenizer
    good, bad = tok.encode_string("CCO"), tok.encode_string("CCN")
    tokens = torch.tensor([good + [tok.end_id] * 29, bad + [tok.end_id] * 29,
                           good + [tok.end_id] * 29])

    def explode(text):
        if text == "CCN":
            raise RuntimeError("decoder crashed")
        return text

    monkeypatch.setattr(smiles, "to_smiles", explode)
    mols = smiles.decode(tokens)
    assert [m.smiles for m in mols] == ["CCO", None, "CCO"]
    assert mols[1].error == "RuntimeError: decoder crashed" and mols[1].text == "CCN"


def test_plugin_registers_and_resolves(klass_registry, folders):
    registry = klass_registry(klass_core.samplers.plugin, klass_molecule.plugin, entry_points=False)
    assert {"smiles", "selfies"} <= set(registry.adapters.names())
    assert klass_core.resolve_adapter_name(str(folders["selfies"])) == "selfies"
    adapter = klass_core.get_adapter(str(folders["smiles"]))
    assert isinstance(adapter, SmilesAdapter)



def test_a_folders_sampler_defaults_apply(folders, tmp_path):
    folder = tmp_path / "smiles"
    shutil.copytree(folders["smiles"], folder)
    (folder / "sampler_defaults.json").write_text('{"topk": {"temperature": 3.0}}')
    tuned, plain = SmilesAdapter(model=str(folder)), SmilesAdapter(model=str(folders["smiles"]))
    assert tuned.sampler_defaults == {"topk": {"temperature": 3.0}}
    canvas = plain.encode([12, 12, "c1ccc(____)cc1"])

    def tokens(adapter, **options):
        return adapter.sample(canvas, sampler="topk", generator=0, **options).tokens

    assert torch.equal(tokens(tuned), tokens(plain, temperature=3.0))
    assert torch.equal(tokens(tuned, temperature=0.0), tokens(plain))
    assert not torch.equal(tokens(tuned), tokens(plain))
