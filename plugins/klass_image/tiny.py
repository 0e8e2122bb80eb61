"""A tiny aMUSEd-layout folder built offline, with random weights.

Used by the tests and handy for trying the ``maskgit`` adapter without a model hub: a small
``UVit2DModel`` over a ``VQModel`` codebook, optionally with a CLIP text encoder and a CLIP
tokenizer made from a vocabulary dict and merges.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

CODEBOOK_SIZE = 16
VOCAB_SIZE = CODEBOOK_SIZE + 2  # one id outside the codebook, then the mask id
MASK_ID = VOCAB_SIZE - 1
LATENT_SIDE = 4
TEXT_HIDDEN = 32
TEXT_PROJECTION = 24

_WORDS = ["a", "digit", "photo", "of", "the", "cat", "dog", "red", "blue", "small"]


def _tokenizer(max_length: int):
    """CLIP tokenizer over a handful of words (characters plus whole-word merges)."""
    from transformers import CLIPTokenizer

    letters = sorted({ch for word in _WORDS for ch in word})
    symbols = [*letters, *(f"{ch}</w>" for ch in letters)]
    merges: list[tuple[str, str]] = []
    for word in _WORDS:  # merge left to right: ("c", "a"), ("ca", "t</w>") ...
        head = word[0] if len(word) > 1 else f"{word}</w>"
        for i, ch in enumerate(word[1:], start=1):
            tail = f"{ch}</w>" if i == len(word) - 1 else ch
            rule = (head, tail)
            if rule not in merges:
                merges.append(rule)
            head += tail
            symbols.append(head)
    specials = ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: i for i, token in enumerate(dict.fromkeys([*symbols, *specials]))}
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=max_length)


def build_tiny_amused(folder: str | Path, text: bool = True, seed: int = 0) -> Path:
    """Write a tiny aMUSEd-layout folder (random weights) and return its path.

    ``text=False`` leaves out the text encoder and tokenizer: an unconditional model.
    """
    from diffusers import AmusedScheduler, UVit2DModel, VQModel

    folder = Path(folder)
    torch.manual_seed(seed)
    max_length = 8
    UVit2DModel(
        hidden_size=32,
        cond_embed_dim=TEXT_PROJECTION,
        micro_cond_encode_dim=2,
        micro_cond_embed_dim=10,
        encoder_hidden_size=TEXT_HIDDEN,
        vocab_size=VOCAB_SIZE,
        codebook_size=CODEBOOK_SIZE,
        in_channels=16,
        block_out_channels=16,
        num_res_blocks=1,
        block_num_heads=2,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        sample_size=LATENT_SIDE,
    ).save_pretrained(folder / "transformer")
    VQModel(
        block_out_channels=(8, 8),
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        vq_embed_dim=4,
        num_vq_embeddings=CODEBOOK_SIZE,
        norm_num_groups=4,
        sample_size=2 * LATENT_SIDE,
        lookup_from_codebook=True,
    ).save_pretrained(folder / "vqvae")
    AmusedScheduler(mask_token_id=MASK_ID).save_pretrained(folder / "scheduler")
    components = {
        "transformer": ["diffusers", "UVit2DModel"],
        "vqvae": ["diffusers", "VQModel"],
        "scheduler": ["diffusers", "AmusedScheduler"],
    }
    if text:
        from transformers import CLIPTextConfig, CLIPTextModelWithProjection

        tokenizer = _tokenizer(max_length)
        config = CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=TEXT_HIDDEN,
            intermediate_size=48,
            projection_dim=TEXT_PROJECTION,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=max_length,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        CLIPTextModelWithProjection(config).save_pretrained(folder / "text_encoder")
        tokenizer.save_pretrained(folder / "tokenizer")
        components |= {
            "text_encoder": ["transformers", "CLIPTextModelWithProjection"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
        }
    index = {"_class_name": "AmusedPipeline", **components}
    (folder / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    return folder


def build_tiny_digits(folder: str | Path, seed: int = 0) -> Path:
    """Write an untrained, tiny digits-model folder (the embedded model's layout) and return it."""
    from diffusers import UVit2DModel

    from klass_image import digits
    from klass_image.train import save

    folder = Path(folder)
    torch.manual_seed(seed)
    small = {
        "hidden_size": 32,
        "cond_embed_dim": 16,
        "encoder_hidden_size": 16,
        "in_channels": 16,
        "block_out_channels": 16,
        "block_num_heads": 2,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 32,
    }
    transformer = UVit2DModel(**{**digits.TRANSFORMER_CONFIG, **small})
    embedder = digits.class_embedder_class()(embed_dim=small["cond_embed_dim"])
    save(folder, transformer, embedder, {"steps_done": 0})
    return folder
