"""Scale-out on Ray (klass_core.distributed): same samples as one process, each exactly once.

The plugin-level checks call the actors in-process (no cluster); the ``ray`` tests start a
local 2-CPU cluster once for the module.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
from pathlib import Path

import pytest
import torch

from klass_core.distributed import generate, in_order
from klass_core.distributed.sinks import IMAGE_MANIFEST, check_out, open_sink
from klass_core.distributed.workers import (
    ImageShards,
    MoleculeShards,
    TextShards,
    consecutive_runs,
    schema,
)

pa = pytest.importorskip("pyarrow", reason="comes with the ray extra: pip install 'klass[ray]'")

TEMPLATE = "[C][C]..."  # molecules with a fixed start: lengths are not drawn
#: few forward passes: the shared test machine is slow, and equality does not need many
STEPS = 4


@pytest.fixture(scope="module")
def mol_model(tmp_path_factory) -> str:
    from klass_molecule.testing import tiny_model

    return str(tiny_model(tmp_path_factory.mktemp("distributed") / "selfies", "selfies"))


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray", reason="needs the ray extra: pip install 'klass[ray]'")
    ray.init(num_cpus=2, include_dashboard=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invoke(*args: str):
    from typer.testing import CliRunner

    from klass_core.cli import build_app

    return CliRunner().invoke(build_app(), ["generate", *args])


def pixels(image) -> torch.Tensor:
    """The pixels of a PIL image, of PNG bytes, or of a PNG file."""
    import numpy as np
    from PIL import Image

    if isinstance(image, Path):
        image = image.read_bytes()
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return torch.from_numpy(np.asarray(image).copy())


def molecule_rows(mols) -> list[dict]:
    return [{"index": i, **m.to_dict()} for i, m in enumerate(mols)]


# -- pure pieces -------------------------------------------------------------------------------


def test_consecutive_runs():
    assert consecutive_runs([4, 5, 6, 0, 1, 9]) == [(0, 3), (3, 5), (5, 6)]
    assert consecutive_runs([7]) == [(0, 1)]
    assert consecutive_runs([]) == []


def test_in_order_drops_repeats_and_refuses_gaps():
    batches = [[{"index": 0}, {"index": 1}], [{"index": 1}, {"index": 2}], [{"index": 2}]]
    assert [[r["index"] for r in b] for b in in_order(batches, 3)] == [[0, 1], [2]]
    with pytest.raises(RuntimeError, match="request 1 is missing"):
        list(in_order([[{"index": 0}], [{"index": 2}]], 3))
    with pytest.raises(RuntimeError, match="only 1 of 3 requests"):
        list(in_order([[{"index": 0}]], 3))


def test_default_actor_count_fills_the_cluster():
    from klass_core.distributed import _actors_that_fit

    cluster = {"CPU": 16.0, "GPU": 4.0}
    assert _actors_that_fit(cluster, cpus=1, gpus=0, batches=100) == 16
    assert _actors_that_fit(cluster, cpus=4, gpus=0, batches=100) == 4
    assert _actors_that_fit(cluster, cpus=1, gpus=0.5, batches=100) == 8
    assert _actors_that_fit(cluster, cpus=1, gpus=0, batches=3) == 3
    assert _actors_that_fit(cluster, cpus=0, gpus=0, batches=100) == 16
    assert _actors_that_fit({"CPU": 2.0}, cpus=1, gpus=1, batches=100) == 1  # no GPU: Ray waits


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_sinks_write_every_row_and_publish_only_complete_files(tmp_path, suffix):
    rows = [{"index": i, "prompt": f"p{i}", "text": "t", "nfe": i + 1} for i in range(3)]
    table_schema = schema(TextShards.columns)
    done = tmp_path / f"done{suffix}"
    sink = open_sink(check_out(done, images=False), table_schema, images=False)
    sink.write(rows[:2])
    sink.write(rows[2:])
    sink.close(complete=True)
    if suffix == ".jsonl":
        back = [json.loads(line) for line in done.read_text().splitlines()]
    elif suffix == ".csv":
        import csv

        back = [{**r, "index": int(r["index"]), "nfe": int(r["nfe"])} for r in csv.DictReader(done.open())]
    else:
        import pyarrow.parquet as pq

        back = pq.read_table(done).to_pylist()
    assert back == rows
    failed = tmp_path / f"failed{suffix}"
    sink = open_sink(failed, table_schema, images=False)
    sink.write(rows[:1])
    sink.close(complete=False)
    assert not failed.exists() and failed.with_name(failed.name + ".partial").exists()


def test_bad_arguments_are_clear_errors(tmp_path):
    out = tmp_path / "o.jsonl"
    cases = [
        (("audio", 3), {"out": out}, "modality must be one of"),
        (("molecule", 0), {"out": out}, "number of molecules"),
        (("text", "a prompt"), {"out": out}, "non-empty list of prompts"),
        (("image", [1, "two"]), {"out": tmp_path / "img"}, "same kind"),
        (("molecule", 3), {"out": tmp_path / "o.txt"}, r"\.jsonl, \.csv, \.parquet"),
        (("molecule", 3), {"out": tmp_path / "no" / "o.csv"}, "does not exist"),
        (("image", [1]), {"out": out}, "images go to a folder"),
        (("molecule", 3), {"out": out, "batch_size": 0}, "batch_size must be a positive int"),
        (("molecule", 3), {"out": out, "num_gpus_per_actor": -1}, "num_gpus_per_actor"),
        (("molecule", 3), {"out": out, "n": 5}, "n: set per request"),
        (("molecule", 3), {"out": out, "sampler": "nope"}, "sampler: unknown sampler 'nope'"),
    ]
    out.write_text("")  # a file where the image case wants a folder
    for args, kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            generate(*args, **kwargs)


def test_missing_ray_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'klass\[ray\]'"):
        generate("molecule", 2, out=tmp_path / "m.jsonl")


def test_unreachable_or_malformed_address_is_a_clear_error(tmp_path, closed_port):
    pytest.importorskip("ray")
    port = closed_port
    with pytest.raises(ConnectionError, match=f"cannot reach the Ray head node at 127.0.0.1:{port}"):
        generate("molecule", 2, out=tmp_path / "m.jsonl", address=f"127.0.0.1:{port}")
    with pytest.raises(ValueError, match="not HOST:PORT"):
        generate("molecule", 2, out=tmp_path / "m.jsonl", address="head-node-without-port")
    assert not (tmp_path / "m.jsonl").exists()


@pytest.mark.parametrize(
    ("modality", "args", "out"),
    [("molecule", ["-n", "2"], "m.csv"), ("text", ["1+2="], "t.jsonl"), ("image", ["-n", "2"], "imgs")],
)
def test_cli_ray_options_report_bad_input(tmp_path, closed_port, modality, args, out):
    pytest.importorskip("ray")
    address = f"127.0.0.1:{closed_port}"
    result = invoke(modality, *args, "--out", str(tmp_path / out), "--ray-address", address)
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Ray head node at {address}" in result.output
    if modality != "image":  # --out is required there anyway
        result = invoke(modality, *args, "--ray")
        assert result.exit_code == 2 and "--ray writes its results to --out" in result.output


# -- the plugins' seed rule, through the actors but without a cluster ---------------------------

#: a batch whose indices are neither sorted nor contiguous: three plugin calls
SHUFFLED = [5, 6, 2, 3, 0]


def run_actor(actor, payload=None, index=SHUFFLED):
    columns = {"index": pa.array(index, pa.int64())}
    if payload is not None:
        columns["request"] = pa.array([payload[i] for i in index])
    return actor(pa.table(columns)).to_pylist()


def test_text_actor_matches_single_call():
    import klass_text

    prompts = ["1+2=", "12+30=", "7+7=", "100+1=", "5+5=", "3+40=", "9+9="]
    whole = klass_text.generate(prompts, seed=11)
    got = run_actor(TextShards(11, {}), prompts)
    assert got == [{"index": i, "prompt": prompts[i], "text": whole[i].text, "nfe": whole[i].nfe} for i in SHUFFLED]


@pytest.mark.parametrize("template", [TEMPLATE, None])
def test_molecule_actor_matches_single_call(mol_model, template):
    import klass_molecule

    options = {"model": mol_model, "template": template, "steps": STEPS}
    whole = molecule_rows(klass_molecule.generate(7, seed=3, **options))
    assert run_actor(MoleculeShards(3, options)) == [whole[i] for i in SHUFFLED]


def test_image_actor_matches_single_call():
    from klass_image.generation import generate as generate_images

    labels, index = [3, 1, 4, 1], [2, 3, 0]
    whole = generate_images(labels=labels, seed=7, steps=STEPS)
    got = run_actor(ImageShards(7, {"steps": STEPS}), labels, index)
    assert [(r["index"], r["digit"], r["nfe"]) for r in got] == [(i, labels[i], whole[i].nfe) for i in index]
    for row in got:
        assert torch.equal(pixels(row["png"]), pixels(whole[row["index"]].image))


# -- on a local Ray cluster ---------------------------------------------------------------------


@pytest.mark.ray
def test_images_on_ray_from_the_cli_equal_one_process(cluster, tmp_path):
    from klass_image.generation import generate as generate_images

    folder = tmp_path / "digits"
    result = invoke("image", "-n", "3", "--steps", str(STEPS), "--seed", "21", "--out", str(folder), "--ray")
    assert result.exit_code == 0, result.output
    assert f"wrote 3 samples to {folder}" in result.output
    whole = generate_images(labels=[0, 1, 2], seed=21, steps=STEPS)
    manifest = [json.loads(line) for line in (folder / IMAGE_MANIFEST).read_text().splitlines()]
    assert manifest == [
        {"index": i, "digit": i, "prompt": None, "nfe": g.nfe, "file": f"{i:08d}.png"}
        for i, g in enumerate(whole)
    ]
    for entry, g in zip(manifest, whole, strict=True):
        assert torch.equal(pixels(folder / entry["file"]), pixels(g.image))


def flaky_molecules(marker: Path) -> type[MoleculeShards]:
    """Molecule actors whose first attempt at the batch holding request 2 kills the actor."""

    class FlakyMolecules(MoleculeShards):
        def __call__(self, batch):
            if 2 in batch.column("index").to_pylist() and not marker.exists():
                marker.touch()
                os._exit(1)  # the actor process dies mid-batch
            return super().__call__(batch)

    return FlakyMolecules


@pytest.mark.ray
def test_killed_actor_still_gives_every_molecule_once(cluster, tmp_path, mol_model):
    import pyarrow.parquet as pq

    import klass_molecule

    marker = tmp_path / "killed-once"
    options = {"model": mol_model, "template": TEMPLATE, "steps": STEPS}
    out = generate(
        flaky_molecules(marker), 5, seed=5, out=tmp_path / "mols.parquet", batch_size=2,
        num_actors=2, progress=False, **options,
    )
    assert marker.exists(), "the injected failure did not happen"
    whole = molecule_rows(klass_molecule.generate(5, seed=5, **options))
    assert pq.read_table(out).to_pylist() == whole
