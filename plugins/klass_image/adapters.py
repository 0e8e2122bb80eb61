"""Adapters for MaskGIT-style token models on a diffusers ``UVit2DModel``.

- ``maskgit``: an aMUSEd-layout folder (``transformer/`` UVit2D, ``vqvae/`` VQModel,
  ``scheduler/`` AmusedScheduler config, optionally ``text_encoder/`` + ``tokenizer/`` CLIP).
- ``digits``: the embedded class-conditional digits model (grey levels are the tokens).

Both share the forward pass: the ``(B, codebook, H, W)`` logits, with classifier-free guidance,
become position-aligned ``[B, H*W, vocab_size]`` logits whose columns outside the codebook
(the mask id among them) are ``-inf`` and listed in ``never_sample_ids``.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import Tensor

from klass_core import AdapterConfig, Canvas, ModalityAdapter, read_sampler_defaults
from klass_image import digits

DEFAULT_DIGITS_MODEL = Path(__file__).parent / "default_model"


class UVitConfig(AdapterConfig):
    guidance_scale: float = Field(
        10.0, ge=0, description="Classifier-free guidance; on when > 1 (as in diffusers' aMUSEd)."
    )


class UVitAdapter(ModalityAdapter):
    """Shared forward pass and previews; subclasses load the parts and encode their inputs.

    :meth:`load` of a subclass sets ``transformer``, ``mask_id`` and ``scale`` (pixels per
    token side in decoded images) and calls :meth:`_set_vocabulary`.
    """

    Config: ClassVar[type[AdapterConfig]] = UVitConfig
    config: UVitConfig
    transformer: Any
    scale: int = 1
    default_steps: ClassVar[int] = 12

    def _set_vocabulary(self) -> None:
        cfg = self.transformer.config
        self.codebook_size = cfg.codebook_size
        self.height = self.width = cfg.sample_size
        self.vocab_size = max(cfg.vocab_size, self.mask_id + 1)
        self.special_ids = {"mask": self.mask_id}
        self.never_sample_ids = tuple(range(self.codebook_size, self.vocab_size))
        self.transformer.to(self.config.device).eval()

    @property
    def guided(self) -> bool:
        return self.config.guidance_scale > 1.0

    def blank(self, batch: int) -> Tensor:
        """``[batch, H*W]`` all-mask canvas."""
        return torch.full(
            (batch, self.height * self.width), self.mask_id, device=self.config.device
        )

    def conditioning_extras(
        self,
        pooled: Tensor,
        hidden: Tensor,
        null_pooled: Tensor,
        null_hidden: Tensor,
        micro: Tensor,
    ) -> dict[str, Tensor]:
        """Canvas extras for :meth:`logits` (the null ones are kept only under guidance)."""
        extras = {"pooled": pooled, "hidden": hidden, "micro_conds": micro}
        if self.guided:
            extras |= {"null_pooled": null_pooled, "null_hidden": null_hidden}
        return extras

    @torch.no_grad()
    def logits(
        self,
        tokens: Tensor,
        pooled: Tensor,
        hidden: Tensor,
        micro_conds: Tensor,
        null_pooled: Tensor | None = None,
        null_hidden: Tensor | None = None,
    ) -> Tensor:
        b = tokens.shape[0]
        grid = tokens.view(b, self.height, self.width)
        if self.guided:
            out = self.transformer(
                torch.cat([grid, grid]),
                torch.cat([null_hidden, hidden]),
                torch.cat([null_pooled, pooled]),
                torch.cat([micro_conds, micro_conds]),
            )
            uncond, cond = out.chunk(2)
            out = uncond + self.config.guidance_scale * (cond - uncond)
        else:
            out = self.transformer(grid, hidden, pooled, micro_conds)
        out = out.float().reshape(b, self.codebook_size, -1).transpose(1, 2)
        outside = out.new_full(
            (*out.shape[:2], self.vocab_size - self.codebook_size), float("-inf")
        )
        return torch.cat([out, outside], dim=-1)

    @abstractmethod
    def pixels(self, tokens: Tensor) -> Tensor:
        """``[B, H*W]`` codebook tokens -> ``[B, 3, H*s, W*s]`` floats in ``[0, 1]``."""

    def decode(self, tokens: Tensor, canvas: Canvas | None = None) -> list[Any]:
        """Completed tokens -> one ``PIL.Image`` per row."""
        if (tokens >= self.codebook_size).any():
            raise ValueError("decode needs completed tokens; use preview() for canvases with masks")
        return _to_pil(self.pixels(tokens))

    def preview(self, tokens: Tensor) -> list[Any]:
        """Partly masked canvases -> images whose still-masked cells are painted over."""
        from klass_image.render import MASK_COLOUR

        masked = tokens >= self.codebook_size
        rgb = self.pixels(tokens.masked_fill(masked, 0))
        cells = masked.view(-1, 1, self.height, self.width).float()
        cells = torch.nn.functional.interpolate(cells, scale_factor=self.scale).bool()
        colour = torch.tensor(MASK_COLOUR, dtype=rgb.dtype).view(1, 3, 1, 1) / 255
        return _to_pil(torch.where(cells, colour, rgb))


def _to_pil(rgb: Tensor) -> list[Any]:
    from PIL import Image

    arrays = (rgb.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a, mode="RGB") for a in arrays]


class DigitsAdapter(UVitAdapter):
    """``digits``: the embedded class-conditional 8x8 digits model (labels 0-9 in, images out).

    ``model`` may name another folder written by ``python -m klass_image.train``.
    """

    name = "digits"

    class Config(UVitConfig):
        guidance_scale: float = Field(
            3.0, ge=0, description="Classifier-free guidance; on when > 1."
        )

    def load(self) -> None:
        folder = Path(self.config.model) if self.config.model else DEFAULT_DIGITS_MODEL
        require_parts(folder, ("transformer", "class_embedder"))
        self.transformer, self.embedder = digits.load_models(folder)
        self.embedder.to(self.config.device)
        self.mask_id = digits.MASK_ID
        self.sampler_defaults = read_sampler_defaults(folder)
        self._set_vocabulary()

    def encode(self, inputs: Sequence[int]) -> Canvas:
        """``inputs``: digit labels 0-9 (one image each)."""
        if not isinstance(inputs, Sequence):
            raise ValueError(f"labels: give a list of digits 0-9 such as [3, 7], got {inputs!r}")
        labels = check_digits(list(inputs))
        ids = torch.tensor(labels, device=self.config.device)
        null = torch.full_like(ids, digits.NULL_CLASS)
        with torch.no_grad():
            pooled, hidden = self.embedder(ids)
            null_pooled, null_hidden = self.embedder(null)
        micro = digits.micro_conds(len(labels)).to(self.config.device)
        extras = self.conditioning_extras(pooled, hidden, null_pooled, null_hidden, micro)
        return Canvas(self.blank(len(labels)), extras, {"labels": labels})

    def pixels(self, tokens: Tensor) -> Tensor:
        ink = tokens.view(-1, 1, self.height, self.width).float() / (digits.GREY_LEVELS - 1)
        return (1 - ink).expand(-1, 3, -1, -1)


def check_digits(labels: list[Any]) -> list[int]:
    """Validate digit labels: ints 0-9, at least one."""
    if not labels:
        raise ValueError("labels: give at least one digit 0-9")
    for i, label in enumerate(labels):
        if isinstance(label, bool) or not isinstance(label, Integral) or not 0 <= label <= 9:
            raise ValueError(f"labels[{i}] = {label!r}: a digit label must be an integer 0-9")
    return [int(label) for label in labels]


def require_parts(folder: Path, parts: Sequence[str]) -> None:
    """Raise a clear error when ``folder`` or one of its component sub-folders is missing."""
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {folder} does not exist")
    missing = [p for p in parts if not (folder / p).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"model folder {folder} lacks {', '.join(f'{p}/' for p in missing)}; an aMUSEd-layout "
            f"folder needs {', '.join(f'{p}/' for p in parts)} (each saved with save_pretrained)"
        )


class AmusedAdapter(UVitAdapter):
    """``maskgit``: an aMUSEd-layout folder; text prompts when it has a CLIP text encoder.

    ``encode`` takes a list of prompts, or a number of images for an unconditional model (a
    text model then gets empty prompts, as diffusers' negative prompt).
    """

    name = "maskgit"

    class Config(UVitConfig):
        aesthetic_score: float = Field(
            6.0, description="aMUSEd micro-conditioning aesthetic score."
        )
        crop_coord: tuple[int, int] = Field((0, 0), description="aMUSEd micro-conditioning crop.")

    config: Config

    def load(self) -> None:
        from diffusers import UVit2DModel, VQModel
        from transformers.utils import logging as hf_logging

        if not self.config.model:
            raise ValueError(
                "the maskgit adapter needs model=<aMUSEd-layout folder>; "
                "for the embedded digits model use the 'digits' adapter"
            )
        folder = Path(self.config.model)
        require_parts(folder, ("transformer", "vqvae", "scheduler"))
        hf_logging.disable_progress_bar()
        self.folder = folder
        self.sampler_defaults = read_sampler_defaults(folder)
        self.transformer = UVit2DModel.from_pretrained(folder / "transformer")
        self.vqvae = VQModel.from_pretrained(folder / "vqvae").to(self.config.device).eval()
        scheduler = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
        self.mask_id = int(scheduler["mask_token_id"])
        self.scale = 2 ** (len(self.vqvae.config.block_out_channels) - 1)
        self.text_encoder = self.tokenizer = None
        has_text = [(folder / p).is_dir() for p in ("text_encoder", "tokenizer")]
        if any(has_text) and not all(has_text):
            require_parts(folder, ("text_encoder", "tokenizer"))
        if all(has_text):
            from transformers import CLIPTextModelWithProjection, CLIPTokenizer

            self.tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer")
            self.text_encoder = CLIPTextModelWithProjection.from_pretrained(folder / "text_encoder")
            self.text_encoder.to(self.config.device).eval()
        self._set_vocabulary()

    def encode(self, inputs: int | Sequence[str]) -> Canvas:
        """Prompts (text models) or a number of images (any model)."""
        if isinstance(inputs, int) and not isinstance(inputs, bool):
            if inputs < 1:
                raise ValueError(f"number of images must be >= 1, got {inputs}")
            prompts = [""] * inputs if self.text_encoder is not None else None
            batch = inputs
        else:
            prompts = [inputs] if isinstance(inputs, str) else list(inputs)
            if not prompts or not all(isinstance(p, str) for p in prompts):
                raise ValueError("inputs: give a list of prompt strings or a number of images")
            if self.text_encoder is None:
                raise ValueError(
                    f"model {self.folder} is unconditional (no text_encoder/ and tokenizer/): "
                    "drop the prompt and ask for a number of images instead"
                )
            batch = len(prompts)
        if prompts is None:
            cfg = self.transformer.config
            pooled = torch.zeros(batch, cfg.cond_embed_dim, device=self.config.device)
            hidden = torch.zeros(batch, 1, cfg.encoder_hidden_size, device=self.config.device)
            null_pooled, null_hidden = pooled, hidden
        else:
            pooled, hidden = self._embed(prompts)
            null_pooled, null_hidden = self._embed([""] * batch)
        side = self.height * self.scale
        y, x = self.config.crop_coord
        micro = torch.tensor([[side, side, y, x, self.config.aesthetic_score]] * batch)
        extras = self.conditioning_extras(
            pooled, hidden, null_pooled, null_hidden, micro.to(self.config.device)
        )
        return Canvas(self.blank(batch), extras, {"prompts": prompts})

    @torch.no_grad()
    def _embed(self, prompts: list[str]) -> tuple[Tensor, Tensor]:
        """``(pooled text_embeds, penultimate hidden states)`` as diffusers' aMUSEd uses them."""
        ids = self.tokenizer(
            prompts,
            return_tensors="pt",
            padding="max_length",
            truncation=True,
            max_length=self.tokenizer.model_max_length,
        ).input_ids.to(self.config.device)
        out = self.text_encoder(ids, return_dict=True, output_hidden_states=True)
        return out.text_embeds, out.hidden_states[-2]

    @torch.no_grad()
    def pixels(self, tokens: Tensor) -> Tensor:
        shape = (tokens.shape[0], self.height, self.width, self.vqvae.config.latent_channels)
        return self.vqvae.decode(tokens, force_not_quantize=True, shape=shape).sample.clamp(0, 1)


#: ``model_index.json`` ``_class_name`` -> the adapter serving such a folder.
PIPELINE_ADAPTERS: dict[str, type[UVitAdapter]] = {
    "AmusedPipeline": AmusedAdapter,
    digits.PIPELINE_NAME: DigitsAdapter,
}


def pipeline_name(model_ref: str | Path) -> str | None:
    """The ``_class_name`` of a local folder's ``model_index.json``, if it has one."""
    index = Path(model_ref).expanduser() / "model_index.json"
    return json.loads(index.read_text()).get("_class_name") if index.is_file() else None


def adapter_class_for(model: str | Path | None) -> type[UVitAdapter]:
    """The adapter class serving ``model`` (``None``: the embedded digits model)."""
    if model is None:
        return DigitsAdapter
    if not Path(model).expanduser().is_dir():
        raise FileNotFoundError(f"model folder {model} does not exist")
    name = pipeline_name(model)
    if name not in PIPELINE_ADAPTERS:
        raise ValueError(
            f"model folder {model} is not an aMUSEd-layout folder: its model_index.json should name "
            f"one of {', '.join(PIPELINE_ADAPTERS)} as _class_name (found {name!r})"
        )
    return PIPELINE_ADAPTERS[name]
