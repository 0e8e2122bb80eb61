"""klass_image.generate, pictures, the CLI command and the quality scorer."""

from __future__ import annotations

import json
import os

import pytest
import torch
from PIL import Image

pytest.importorskip("diffusers")
pytest.importorskip("sklearn")

import klass_image
from klass_core.cli_options import parse_options
from klass_image import quality, render
from klass_image.digits import load_digit_tokens
from klass_image.tiny import build_tiny_amused


@pytest.fixture(scope="module")
def text_folder(tmp_path_factory):
    return build_tiny_amused(tmp_path_factory.mktemp("amused_text"), text=True)


def test_generate_digits_returns_images_labels_and_nfe():
    images = klass_image.generate(labels=[3, 3, 7], sampler="klass", steps=8, seed=0)
    assert [g.label for g in images] == [3, 3, 7]
    assert all(g.image.size == (8, 8) and g.image.mode == "RGB" for g in images)
    assert all(1 <= g.nfe <= 8 for g in images)
    assert all(
        g.tokens.shape == (64,) and g.tokens.min() >= 0 and g.tokens.max() <= 16 for g in images
    )


def test_generate_maskgit_spends_exactly_its_steps():
    images = klass_image.generate(labels=[1, 2], sampler="maskgit", steps=5)
    assert [g.nfe for g in images] == [5, 5]


def test_each_image_depends_only_on_its_own_seed():
    pair = klass_image.generate(labels=[3, 7], sampler="klass", steps=8, seed=10)
    alone = klass_image.generate(labels=[7], sampler="klass", steps=8, seed=11)
    assert torch.equal(pair[1].tokens, alone[0].tokens)
    assert pair[1].nfe == alone[0].nfe


def test_token_temperature_gives_different_images_per_seed():
    images = klass_image.generate(labels=[5, 5], sampler="topk", steps=8)
    assert not torch.equal(images[0].tokens, images[1].tokens)
    argmax = klass_image.generate(labels=[5, 5], sampler="topk", steps=8, temperature=0.0)
    assert torch.equal(argmax[0].tokens, argmax[1].tokens)


def test_generate_from_a_text_folder(text_folder):
    images = klass_image.generate(
        prompts=["a cat", "a dog"], model=str(text_folder), sampler="klass", steps=4
    )
    assert [g.label for g in images] == ["a cat", "a dog"]
    assert all(g.image.size == (8, 8) for g in images)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": [12]}, "integer 0-9"),
        ({"prompts": ["a cat"]}, "class-conditional"),
        ({"labels": [1], "n": 2}, "exactly one of"),
        ({"labels": [1], "model": "/nonexistent/folder"}, "does not exist"),
        ({"labels": [1], "sampler": "klass", "bogus_option": 1}, "unknown option 'bogus_option'"),
    ],
)
def test_generate_bad_input(kwargs, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        klass_image.generate(**kwargs)


def test_labels_to_a_text_model_are_rejected(text_folder):
    with pytest.raises(ValueError, match="labels are for the digits model"):
        klass_image.generate(labels=[1], model=str(text_folder))


def test_sheet_and_gif_sizes(tmp_path):
    tiles = [Image.new("RGB", (8, 8), "white")] * 12
    sheet = render.sheet(tiles, columns=10)
    assert sheet.size == (4 + 10 * (96 + 4), 4 + 2 * (96 + 4))
    png = render.save_png(sheet, tmp_path / "grid.png")
    frames = [
        render.sheet([Image.new("RGB", (8, 8), shade)] * 12, columns=10)
        for shade in ("red", "grey", "black")
    ]
    gif = render.save_gif(frames, tmp_path / "anim.gif")
    with Image.open(png) as image:
        assert (image.format, image.size) == ("PNG", sheet.size)
    with Image.open(gif) as image:
        assert (image.format, image.size, image.n_frames) == ("GIF", sheet.size, 3)
        assert image.info["loop"] == 0


def test_unwritable_outputs_fail_before_work(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render.check_writable(tmp_path / "missing" / "out.png")
    with pytest.raises(NotADirectoryError, match="is a file"):
        render.check_writable(tmp_path / "file.txt" / "out.png")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        render.check_writable(tmp_path)
    assert render.check_writable(tmp_path / "new.png") == tmp_path / "new.png"
    assert not (tmp_path / "new.png").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder_is_reported(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            render.check_writable(tmp_path / "out.png")
    finally:
        tmp_path.chmod(0o700)


@pytest.fixture
def cli(klass_registry):
    """The real ``klass`` app with the core samplers and this plugin registered."""
    from typer.testing import CliRunner

    from klass_core.cli import build_app
    from klass_core.samplers import plugin as core_samplers
    from klass_image import plugin

    klass_registry(core_samplers, plugin, entry_points=False)
    app = build_app()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["generate", "image", *map(str, args)])


def test_cli_writes_png_gif_and_json(cli, tmp_path):
    png, gif = tmp_path / "grid.png", tmp_path / "unmasking.gif"
    result = cli(
        "--digit",
        4,
        "-n",
        3,
        "--steps",
        8,
        "--sampler",
        "klass",
        "--out",
        png,
        "--gif",
        gif,
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["images"] == 3 and report["steps"] == 8 and len(report["nfe"]) == 3
    assert 0 <= report["class_accuracy"] <= 1 and report["diversity"] > 0
    with Image.open(png) as image:
        assert (image.format, image.size) == ("PNG", (4 + 3 * 100, 104))
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.size == (4 + 3 * 100, 104)
        assert image.n_frames == max(report["nfe"]) + 1


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], {"temperature": [0.5, 0.0]}),  # the embedded model's sampler_defaults.json
        (["-o", "temperature=[2, 0]"], {"temperature": [2, 0]}),
    ],
)
def test_cli_json_reports_the_options_maskgit_ran_with(cli, tmp_path, options, expected):
    result = cli("-n", 2, "--sampler", "maskgit", "--steps", 4, *options,
                 "--out", tmp_path / "g.png", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sampler_options"] == expected


def test_cli_json_reports_the_token_temperature(cli, tmp_path):
    result = cli("-n", 1, "--sampler", "klass", "--out", tmp_path / "g.png", "--json")
    assert json.loads(result.stdout)["sampler_options"] == {"temperature": 1.0}


def test_cli_text_model_and_sampler_options(cli, tmp_path, text_folder):
    png = tmp_path / "grid.png"
    result = cli(
        "--model",
        text_folder,
        "--prompt",
        "a cat",
        "-n",
        2,
        "--steps",
        4,
        "-o",
        "conf_threshold=0.5",
        "--out",
        png,
    )
    assert result.exit_code == 0, result.output
    with Image.open(png) as image:
        assert image.size == (4 + 2 * 100, 104)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--digit", 11], "integer 0-9"),
        (["--digit", 1, "--out", "/nonexistent/dir/g.png"], "does not exist"),
        (["--prompt", "a cat"], "class-conditional"),
        (["-o", "novalue"], "KEY=VALUE"),
    ],
)
def test_cli_bad_input_exits_with_a_message(cli, tmp_path, args, message):
    if "--out" not in args:
        args = [*args, "--out", tmp_path / "g.png"]
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_parse_options_reads_json_values():
    assert parse_options(["conf_threshold=0.8", "strategy=all", "temperature=[1, 0]"]) == {
        "conf_threshold": 0.8,
        "strategy": "all",
        "temperature": [1, 0],
    }


def test_classifier_reads_real_digits():
    tokens, labels = load_digit_tokens()
    assert quality.class_accuracy(tokens[:300], labels[:300].tolist()) > 0.95


def test_diversity_is_the_mean_within_class_distance():
    a = torch.zeros(8, 8, dtype=torch.long)
    b = torch.full((8, 8), 16)
    images = torch.stack([a, b, a, a])
    # class 0: one pair at distance 8 (64 pixels differing by 1); class 1: one pair at 0
    assert quality.diversity(images, [0, 0, 1, 1]) == pytest.approx(4.0)
    assert quality.diversity(images[:2], [0, 1]) is None
    with pytest.raises(ValueError, match="differ in length"):
        quality.class_accuracy(images, [0])
