"""klass_molecule.generate / metrics and `klass generate molecule`, on tiny models and on the
embedded defaults (slow)."""

from __future__ import annotations

import csv
import json

import pytest

import klass_core.samplers.plugin
import klass_molecule
import klass_molecule.plugin
from klass_molecule.adapters import default_model
from klass_molecule.testing import tiny_model

pytest.importorskip("rdkit")

#: Floors a little under the values measured for these 150 samples (topk, temperature 1,
#: seed 0): SMILES validity 0.567, uniqueness 1.0; SELFIES validity 1.0, uniqueness 0.993.
#: (On 1,000 samples: SMILES 0.637 / 0.958, SELFIES 1.0 / 0.974.)
SMILES_FLOORS = {"validity": 0.52, "uniqueness": 0.93}
SELFIES_FLOORS = {"validity": 1.0, "uniqueness": 0.93}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("molecule-api")
    return {r: tiny_model(root / r, r) for r in ("smiles", "selfies")}


@pytest.fixture
def cli(klass_registry):
    from typer.testing import CliRunner

    from klass_core.cli import build_app

    klass_registry(klass_core.samplers.plugin, klass_molecule.plugin, entry_points=False)
    app, runner = build_app(), CliRunner()
    return lambda *args: runner.invoke(app, ["generate", "molecule", *args])


def test_generate_returns_every_row_with_nfe(folders):
    mols = klass_molecule.generate(7, representation="selfies", model=folders["selfies"],
                                   sampler="topk", seed=3)
    assert len(mols) == 7
    assert all(m.valid for m in mols)  # SELFIES always decode to a molecule
    lengths = [len(m.text.split("]")) - 1 for m in mols]
    assert [m.nfe for m in mols] == lengths  # topk: one symbol per forward pass


def test_generate_is_seeded_and_batch_size_free(folders):
    kwargs = dict(representation="smiles", model=folders["smiles"], sampler="klass", seed=5)
    a = klass_molecule.generate(6, batch_size=6, **kwargs)
    b = klass_molecule.generate(6, batch_size=4, **kwargs)
    c = klass_molecule.generate(6, batch_size=6, **{**kwargs, "seed": 6})
    assert [m.text for m in a] == [m.text for m in b]
    assert [m.nfe for m in a] == [m.nfe for m in b]
    assert [m.text for m in a] != [m.text for m in c]


def test_temperature_and_sampler_options_reach_the_sampler(folders):
    base = dict(representation="smiles", model=folders["smiles"], seed=0)
    greedy = klass_molecule.generate(4, sampler="topk", temperature=0.0, **base)
    assert len({m.text for m in greedy}) <= len(greedy)
    slow = klass_molecule.generate(3, sampler="klass", conf_threshold=1.0, temperature=0.0, **base)
    topk = klass_molecule.generate(3, sampler="topk", temperature=0.0, **base)
    assert [m.text for m in slow] == [m.text for m in topk]  # tau >= 1: KLASS == topk
    assert [m.nfe for m in slow] == [m.nfe for m in topk]
    with pytest.raises(ValueError, match="unknown option 'bogus'"):
        klass_molecule.generate(2, sampler="klass", bogus=1, **base)
    with pytest.raises(ValueError, match="no token temperature"):
        klass_molecule.generate(2, sampler="maskgit", temperature=0.5, **base)
    assert len(klass_molecule.generate(2, sampler="maskgit", **base)) == 2


def test_template_generation(folders):
    mols = klass_molecule.generate(4, representation="smiles", model=folders["smiles"],
                                   template="c1ccc(_)cc1", sampler="topk")
    assert all(m.text.startswith("c1ccc(") and m.text.endswith(")cc1") for m in mols)
    assert all(m.nfe == 1 for m in mols)


@pytest.mark.parametrize("n", [0, -3, 2.0, True])
def test_bad_counts_are_clear_errors(folders, n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        klass_molecule.generate(n, representation="smiles", model=folders["smiles"])


def test_bad_representation_and_template(folders):
    with pytest.raises(ValueError, match="representation must be one of"):
        klass_molecule.generate(2, representation="inchi")
    with pytest.raises(ValueError, match="unknown smiles symbol"):
        klass_molecule.generate(2, representation="smiles", model=folders["smiles"],
                                template="CC[Xe]_")


def test_partial_results_survive_a_later_failure(folders, monkeypatch):
    from klass_molecule import api

    batches = []
    adapter = api.load_adapter("smiles", str(folders["smiles"]))
    original = adapter.sample
    calls = {"n": 0}

    def failing_sample(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("out of memory")
        return original(*args, **kwargs)

    monkeypatch.setattr(adapter, "sample", failing_sample)
    with pytest.raises(RuntimeError, match="out of memory"):
        for batch in api.iter_generate(6, "smiles", folders["smiles"], batch_size=3):
            batches.append(batch)
    assert len(batches) == 1 and len(batches[0]) == 3


def test_cli_writes_csv_and_json(cli, folders, tmp_path):
    out = tmp_path / "mols.csv"
    result = cli("-n", "5", "--repr", "smiles", "--model", str(folders["smiles"]),
                 "--sampler", "topk", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert doc["n"] == 5 and len(doc["samples"]) == 5
    assert doc["metrics"]["n"] == 5 and 0.0 <= doc["metrics"]["validity"] <= 1.0
    assert doc["nfe"]["mean"] == pytest.approx(sum(s["nfe"] for s in doc["samples"]) / 5)
    rows = list(csv.DictReader(out.open()))
    assert [r["text"] for r in rows] == [s["text"] for s in doc["samples"]]
    assert all(r["error"] for r in rows if r["valid"] == "False")


def test_cli_writes_sdf_with_invalid_records(cli, folders, tmp_path):
    from rdkit import Chem

    out = tmp_path / "mols.sdf"
    result = cli("-n", "4", "--repr", "selfies", "--model", str(folders["selfies"]),
                 "--out", str(out), "--template", "[C][N]__", "-o", "conf_threshold=0.5")
    assert result.exit_code == 0, result.output
    records = list(Chem.SDMolSupplier(str(out)))
    assert len(records) == 4
    assert all(r.GetProp("text").startswith("[C][N]") for r in records)
    assert "validity" in result.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["-n", "0"], "must be a positive integer"),
        (["-n", "2", "--out", "/nonexistent-folder/x.csv"], "does not exist"),
        (["-n", "2", "--out", "x.txt"], "must end with .csv or .sdf"),
        (["-n", "2", "--repr", "inchi"], "must be smiles or selfies"),
        (["-n", "2", "-o", "oops"], "is not KEY=VALUE"),
        (["-n", "2", "--template", "CC&C"], "bad character"),
    ],
)
def test_cli_bad_input(cli, folders, args, match):
    result = cli(*args, "--model", str(folders["smiles"]), "--repr", "smiles") \
        if "--repr" not in args else cli(*args)
    assert result.exit_code != 0
    assert match in " ".join(result.output.split())


def _defaults_present() -> bool:
    return all((default_model(r) / "model.safetensors").is_file() for r in ("smiles", "selfies"))


@pytest.mark.slow
@pytest.mark.skipif(not _defaults_present(), reason="default models not trained yet")
@pytest.mark.parametrize(("representation", "floors"),
                         [("smiles", SMILES_FLOORS), ("selfies", SELFIES_FLOORS)])
def test_defaults_meet_measured_floors(representation, floors):
    mols = klass_molecule.generate(150, representation=representation, sampler="topk", seed=0)
    report = klass_molecule.metrics(mols, novelty=False)
    assert report["validity"] >= floors["validity"]
    assert report["uniqueness"] >= floors["uniqueness"]
    assert 0.85 <= report["heavy_atoms_ratio"] <= 1.15  # sizes follow the training set
    assert report["ring_fraction"] >= 0.9
    assert report["nfe_mean"] == pytest.approx(
        sum(len(default_model_tokens(representation, m.text)) for m in mols) / len(mols))


def default_model_tokens(representation: str, text: str) -> list[str]:
    from klass_molecule.tokenizer import tokenizer_class

    return tokenizer_class(representation).split(text)


@pytest.mark.slow
@pytest.mark.skipif(not _defaults_present(), reason="default models not trained yet")
def test_default_through_cli(cli):
    result = cli("-n", "8", "--repr", "selfies", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(doc["samples"]) == 8 and doc["metrics"]["validity"] == 1.0


@pytest.mark.parametrize("representation", ["smiles", "selfies"])
def test_model_folders_resolve_to_molecule_adapters(representation) -> None:
    """The molecule resolver runs before the text plugin's *ForMaskedLM catch-all."""
    from pathlib import Path

    import klass_core
    import klass_molecule

    folder = Path(klass_molecule.__file__).parent / "models" / representation
    assert klass_core.resolve_adapter_name(str(folder)) == representation
