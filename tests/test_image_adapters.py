"""klass_image adapters on tiny aMUSEd-layout folders built offline, and on the digits model."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from klass_core.testing import AdapterContract
from klass_image import plugin
from klass_image.adapters import (
    DEFAULT_DIGITS_MODEL,
    AmusedAdapter,
    DigitsAdapter,
    adapter_class_for,
)
from klass_image.tiny import (
    CODEBOOK_SIZE,
    LATENT_SIDE,
    MASK_ID,
    VOCAB_SIZE,
    build_tiny_amused,
    build_tiny_digits,
)

PROMPTS = ["a photo of the cat", "a small blue dog"]


@pytest.fixture(scope="module")
def text_folder(tmp_path_factory):
    return build_tiny_amused(tmp_path_factory.mktemp("amused_text"), text=True)


@pytest.fixture(scope="module")
def plain_folder(tmp_path_factory):
    return build_tiny_amused(tmp_path_factory.mktemp("amused_plain"), text=False)


class TestTextAmusedContract(AdapterContract):
    @pytest.fixture(autouse=True)
    def _folder(self, text_folder):
        self.folder = text_folder

    def make_adapter(self):
        return AmusedAdapter(model=str(self.folder), guidance_scale=3.0)

    def make_inputs(self):
        return PROMPTS


class TestUnconditionalAmusedContract(AdapterContract):
    @pytest.fixture(autouse=True)
    def _folder(self, plain_folder):
        self.folder = plain_folder

    def make_adapter(self):
        return AmusedAdapter(model=str(self.folder))

    def make_inputs(self):
        return 3


@pytest.fixture(scope="module")
def digits_folder(tmp_path_factory):
    return build_tiny_digits(tmp_path_factory.mktemp("digits"))


class TestDigitsContract(AdapterContract):
    @pytest.fixture(autouse=True)
    def _folder(self, digits_folder):
        self.folder = digits_folder

    def make_adapter(self):
        return DigitsAdapter(model=str(self.folder))

    def make_inputs(self):
        return [0, 7]


def test_vocabulary_of_tiny_folder(text_folder):
    adapter = AmusedAdapter(model=str(text_folder))
    assert (adapter.vocab_size, adapter.mask_id, adapter.codebook_size) == (
        VOCAB_SIZE,
        MASK_ID,
        CODEBOOK_SIZE,
    )
    assert adapter.never_sample_ids == tuple(range(CODEBOOK_SIZE, VOCAB_SIZE))
    assert adapter.scale == 2


def test_logits_are_the_guided_transformer_output_position_aligned(text_folder):
    adapter = AmusedAdapter(model=str(text_folder), guidance_scale=4.0)
    canvas = adapter.encode(PROMPTS[:1])
    tokens = canvas.tokens.clone()
    tokens[0, 5] = 3  # one known token, so positions are distinguishable
    grid = tokens.view(1, LATENT_SIDE, LATENT_SIDE)
    e = canvas.extras
    with torch.no_grad():
        cond = adapter.transformer(grid, e["hidden"], e["pooled"], e["micro_conds"])
        uncond = adapter.transformer(grid, e["null_hidden"], e["null_pooled"], e["micro_conds"])
    expected = uncond + 4.0 * (cond - uncond)  # [1, codebook, H, W]
    logits = adapter.logits(tokens, **canvas.extras)
    assert logits.shape == (1, LATENT_SIDE * LATENT_SIDE, VOCAB_SIZE)
    row, col = divmod(6, LATENT_SIDE)
    torch.testing.assert_close(logits[0, 6, :CODEBOOK_SIZE], expected[0, :, row, col])
    assert torch.isneginf(logits[..., CODEBOOK_SIZE:]).all()


def test_micro_conditioning_matches_amused(text_folder):
    adapter = AmusedAdapter(model=str(text_folder), aesthetic_score=5.0, crop_coord=(1, 2))
    micro = adapter.encode(PROMPTS).extras["micro_conds"]
    side = LATENT_SIDE * 2
    assert micro.tolist() == [[side, side, 1, 2, 5.0]] * 2


@pytest.mark.parametrize(("seed", "steps", "guidance"), [(0, 6, 3.0), (1, 4, 1.0), (7, 9, 10.0)])
def test_maskgit_matches_diffusers_amused_end_to_end(text_folder, seed, steps, guidance):
    """Same tokens and same decoded pixels as diffusers' aMUSEd pipeline (AmusedScheduler)."""
    try:
        from diffusers import AmusedPipeline
    except ImportError:
        pytest.skip("this diffusers has no AmusedPipeline")
    pipe = AmusedPipeline.from_pretrained(text_folder)
    pipe.set_progress_bar_config(disable=True)
    prompt = PROMPTS[0]
    reference = pipe(
        prompt,
        num_inference_steps=steps,
        guidance_scale=guidance,
        generator=torch.Generator().manual_seed(seed),
        output_type="latent",
    ).images
    reference_image = pipe(
        prompt,
        num_inference_steps=steps,
        guidance_scale=guidance,
        generator=torch.Generator().manual_seed(seed),
    ).images[0]

    adapter = AmusedAdapter(model=str(text_folder), guidance_scale=guidance)
    canvas = adapter.encode([prompt])
    out = adapter.sample(
        canvas, sampler="maskgit", steps=steps, generator=[torch.Generator().manual_seed(seed)]
    )
    assert torch.equal(out.tokens, reference.reshape(1, -1))
    assert out.nfe.tolist() == [steps]
    np.testing.assert_array_equal(
        np.asarray(adapter.decode(out.tokens)[0]), np.asarray(reference_image)
    )


def test_prompt_to_unconditional_model_is_rejected(plain_folder):
    adapter = AmusedAdapter(model=str(plain_folder))
    with pytest.raises(ValueError, match=r"unconditional.*drop the prompt"):
        adapter.encode(["a cat"])


@pytest.mark.parametrize("part", ["vqvae", "transformer", "scheduler", "tokenizer"])
def test_missing_folder_part_is_named(text_folder, tmp_path, part):
    broken = tmp_path / "broken"
    shutil.copytree(text_folder, broken)
    shutil.rmtree(broken / part)
    with pytest.raises(FileNotFoundError, match=f"lacks {part}/"):
        AmusedAdapter(model=str(broken))


def test_maskgit_adapter_needs_a_folder(tmp_path):
    with pytest.raises(ValueError, match="needs model=<aMUSEd-layout folder>"):
        AmusedAdapter()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        AmusedAdapter(model=str(tmp_path / "nowhere"))


def test_folders_resolve_to_their_adapter(text_folder, tmp_path):
    assert plugin.resolve_adapter(str(text_folder), {}) == "maskgit"
    assert plugin.resolve_adapter(str(DEFAULT_DIGITS_MODEL), {}) == "digits"
    assert plugin.resolve_adapter(str(tmp_path), {}) is None
    assert adapter_class_for(None) is DigitsAdapter
    with pytest.raises(ValueError, match="not an aMUSEd-layout folder"):
        adapter_class_for(tmp_path)


def test_plugin_registers_both_adapters():
    names = {}
    plugin.register_adapters(lambda name, cls, **kw: names.setdefault(name, cls))
    assert names == {"maskgit": AmusedAdapter, "digits": DigitsAdapter}


@pytest.mark.parametrize("bad", [[10], [-1], [3.0], [True], []])
def test_digit_labels_are_checked(bad):
    with pytest.raises(ValueError, match="digit"):
        DigitsAdapter().encode(bad)


def test_preview_paints_masked_cells(text_folder):
    adapter = AmusedAdapter(model=str(text_folder))
    tokens = torch.zeros(1, LATENT_SIDE * LATENT_SIDE, dtype=torch.long)
    tokens[0, 0] = MASK_ID
    image = np.asarray(adapter.preview(tokens)[0])
    assert image.shape == (2 * LATENT_SIDE, 2 * LATENT_SIDE, 3)
    assert (image[:2, :2] == (214, 64, 64)).all()
    assert not (image[2:, 2:] == (214, 64, 64)).all(-1).any()
    with pytest.raises(ValueError, match="completed tokens"):
        adapter.decode(tokens)
