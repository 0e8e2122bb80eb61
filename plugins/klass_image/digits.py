"""The embedded digits model: scikit-learn's 8x8 digits as 17 grey-level tokens.

Every pixel of a digit is an integer grey level 0..16, so the grey levels are the tokens
(``codebook_size = 17``) and the mask token is ``17``; no VQ model is needed. The backbone is a
diffusers ``UVit2DModel``; the class is given through its own conditioning inputs by a learned
:class:`ClassEmbedder` (ten digits plus a null class for classifier-free guidance).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

GREY_LEVELS = 17
MASK_ID = GREY_LEVELS
SIDE = 8
NUM_CLASSES = 10
PIPELINE_NAME = "KlassDigits"  # model_index.json _class_name of a digits model folder
NULL_CLASS = NUM_CLASSES
MICRO_CONDS = 5  # aMUSEd's (width, height, crop y, crop x, aesthetic score); zeros here

TRANSFORMER_CONFIG: dict[str, Any] = {
    "hidden_size": 128,
    "use_bias": False,
    "hidden_dropout": 0.0,
    "cond_embed_dim": 64,
    "micro_cond_encode_dim": 4,
    "micro_cond_embed_dim": 4 * MICRO_CONDS,
    "encoder_hidden_size": 64,
    "vocab_size": GREY_LEVELS + 1,
    "codebook_size": GREY_LEVELS,
    "in_channels": 64,
    "block_out_channels": 64,
    "num_res_blocks": 1,
    "downsample": False,
    "upsample": False,
    "block_num_heads": 4,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "attention_dropout": 0.0,
    "intermediate_size": 256,
    "layer_norm_eps": 1e-6,
    "ln_elementwise_affine": True,
    "sample_size": SIDE,
}


def class_embedder_class() -> type[nn.Module]:
    """Return :class:`ClassEmbedder`, a diffusers model class (defined lazily: diffusers is heavy)."""
    from diffusers import ConfigMixin, ModelMixin
    from diffusers.configuration_utils import register_to_config

    class ClassEmbedder(ModelMixin, ConfigMixin):
        """Learned class embedding feeding ``UVit2DModel``'s pooled and cross-attention inputs.

        Class ``num_classes`` is the null class used for classifier-free guidance.
        """

        config_name = "config.json"

        @register_to_config
        def __init__(self, num_classes: int = NUM_CLASSES, embed_dim: int = 64, tokens: int = 1):
            super().__init__()
            self.table = nn.Embedding(num_classes + 1, embed_dim * (tokens + 1))

        def forward(self, labels: torch.LongTensor) -> tuple[torch.Tensor, torch.Tensor]:
            """Return ``(pooled [B, D], encoder_hidden_states [B, tokens, D])`` for class ids."""
            dim = self.config.embed_dim
            rows = self.table(labels).view(labels.shape[0], self.config.tokens + 1, dim)
            return rows[:, 0], rows[:, 1:]

    return ClassEmbedder


def load_digit_tokens() -> tuple[torch.LongTensor, torch.LongTensor]:
    """Return scikit-learn's digits as ``(tokens [N, 8, 8] in 0..16, labels [N])``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    tokens = torch.as_tensor(data.images, dtype=torch.long)
    return tokens, torch.as_tensor(data.target, dtype=torch.long)


def split_indices(
    n: int, held_out: float = 0.15, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Deterministic ``(train, held_out)`` index split of ``n`` examples."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    cut = round(n * (1 - held_out))
    return order[:cut], order[cut:]


def micro_conds(batch: int) -> torch.Tensor:
    """The all-zero micro-conditioning the digits model was trained with."""
    return torch.zeros(batch, MICRO_CONDS)


def build_models(seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """Fresh ``(UVit2DModel, ClassEmbedder)`` pair for the digits model."""
    from diffusers import UVit2DModel

    torch.manual_seed(seed)
    transformer = UVit2DModel(**TRANSFORMER_CONFIG)
    embedder = class_embedder_class()(
        num_classes=NUM_CLASSES, embed_dim=TRANSFORMER_CONFIG["cond_embed_dim"]
    )
    return transformer, embedder


def load_models(folder: str | Path) -> tuple[nn.Module, nn.Module]:
    """Load ``(UVit2DModel, ClassEmbedder)`` from a digits model folder."""
    from diffusers import UVit2DModel

    folder = Path(folder)
    transformer = UVit2DModel.from_pretrained(folder / "transformer")
    embedder = class_embedder_class().from_pretrained(folder / "class_embedder")
    return transformer.eval(), embedder.eval()
