"""The ``smiles`` and ``selfies`` adapters: a BertForMaskedLM over a fixed canvas of symbols.

A row of the canvas holds one molecule, left-aligned and followed by end tokens. Inputs to
:meth:`MoleculeAdapter.encode` are, per row, either

- an ``int`` ``n``: an unconditional molecule of exactly ``n`` symbols (the end tokens after
  it are fixed), or
- a template string in the representation's own syntax where ``_`` marks one masked symbol and
  a trailing ``...`` masks the rest of the canvas (the model then also chooses where the
  molecule ends). Without ``...`` the molecule ends where the template ends. Examples:
  ``"c1ccc(___)cc1"`` (scaffold), ``"CC(=O)N..."`` (prefix),
  ``"[C][=C][C]______..."`` (SELFIES prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import Tensor

from klass_core import AdapterConfig, Canvas, ModalityAdapter, read_sampler_defaults

from .tokenizer import MoleculeTokenizer, TokenizerError, tokenizer_class

MASK_SYMBOL = "_"
REST_SYMBOL = "..."
MODELS_DIR = Path(__file__).parent / "models"


def default_model(representation: str) -> Path:
    """The embedded default model folder of ``representation``."""
    return MODELS_DIR / representation


@dataclass
class Molecule:
    """One generated molecule.

    Attributes:
        text: the generated string in the model's representation (SMILES or SELFIES).
        smiles: canonical RDKit SMILES, or None when the molecule is invalid.
        error: why the molecule is invalid (RDKit's or the decoder's reason), else None.
        nfe: forward passes spent on it (set by :func:`klass_molecule.generate`).
        representation: ``smiles`` or ``selfies``.
    """

    text: str
    smiles: str | None
    error: str | None
    representation: str
    nfe: int | None = None

    @property
    def valid(self) -> bool:
        return self.smiles is not None

    def to_dict(self) -> dict[str, Any]:
        return {"smiles": self.smiles, "valid": self.valid, "error": self.error,
                "nfe": self.nfe, "text": self.text, "representation": self.representation}


class MoleculeConfig(AdapterConfig):
    """Options of the molecule adapters."""

    model: str | None = Field(
        None, description="Model folder (config.json, model.safetensors, vocab.txt); None: embedded default."
    )


class MoleculeAdapter(ModalityAdapter):
    """Shared by the SMILES and SELFIES adapters; subclasses set ``representation``."""

    representation: ClassVar[str]
    Config: ClassVar[type[AdapterConfig]] = MoleculeConfig

    def load(self) -> None:
        from transformers import AutoModelForMaskedLM

        folder = Path(self.config.model) if self.config.model else default_model(self.representation)
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(f"model folder {folder} has no config.json")
        self.folder = folder
        self.tokenizer: MoleculeTokenizer = tokenizer_class(self.representation).from_folder(folder)
        self.model = AutoModelForMaskedLM.from_pretrained(folder, dtype=torch.float32)
        self.model.to(self.config.device).eval()
        self.sampler_defaults = read_sampler_defaults(folder)
        info = getattr(self.model.config, "klass_molecule", None) or {}
        if info.get("representation", self.representation) != self.representation:
            raise ValueError(
                f"model {folder} is a {info['representation']} model; use the "
                f"{info['representation']!r} adapter"
            )
        self.info: dict[str, Any] = dict(info)
        self.canvas_length: int = int(info.get("canvas_length",
                                               self.model.config.max_position_embeddings))
        if self.model.config.vocab_size != len(self.tokenizer):
            raise ValueError(
                f"{folder}: vocab.txt has {len(self.tokenizer)} symbols but the model "
                f"{self.model.config.vocab_size}"
            )
        tok = self.tokenizer
        self.vocab_size = len(tok)
        self.mask_id = tok.mask_id
        self.special_ids = {"pad": tok.pad_id, "mask": tok.mask_id, "end": tok.end_id}
        self.never_sample_ids = (tok.pad_id,)

    # -- canvas ------------------------------------------------------------------------------
    @staticmethod
    def is_open(template: str | int) -> bool:
        """Whether the input leaves the molecule's end to the model (a trailing ``...``)."""
        return isinstance(template, str) and template.endswith(REST_SYMBOL)

    def template_ids(self, template: str | int) -> list[int]:
        """The canvas row of one input (see the module docstring)."""
        tok, length = self.tokenizer, self.canvas_length
        if isinstance(template, bool) or not isinstance(template, (int, str)):
            raise TypeError(f"a molecule input must be a length (int) or a template (str), got {template!r}")
        if isinstance(template, int):
            if not 1 <= template <= length:
                raise ValueError(f"molecule length must be between 1 and {length}, got {template}")
            return [tok.mask_id] * template + [tok.end_id] * (length - template)
        open_end = template.endswith(REST_SYMBOL)
        body = template[: -len(REST_SYMBOL)] if open_end else template
        ids: list[int] = []
        for piece in re.split(f"({re.escape(MASK_SYMBOL)})", body):
            if piece == MASK_SYMBOL:
                ids.append(tok.mask_id)
            elif piece:
                try:
                    ids.extend(tok.encode_string(piece))
                except TokenizerError as exc:
                    raise TokenizerError(f"template {template!r}: {exc}") from None
        if len(ids) > length:
            raise ValueError(f"template {template!r} has {len(ids)} symbols; the canvas holds {length}")
        fill = tok.mask_id if open_end else tok.end_id
        ids += [fill] * (length - len(ids))
        if tok.mask_id not in ids:
            raise ValueError(
                f"template {template!r} has no masked position: mark symbols to generate with "
                f"{MASK_SYMBOL!r} or end it with {REST_SYMBOL!r}"
            )
        return ids

    def encode(self, inputs: Any) -> Canvas:
        """A canvas with one row per input (a length or a template); ``meta["open_end"]``
        tells whether any row leaves its end to the model."""
        if isinstance(inputs, (str, int)):
            inputs = [inputs]
        rows = [self.template_ids(item) for item in inputs]
        if not rows:
            raise ValueError("encode needs at least one input")
        tokens = torch.tensor(rows, dtype=torch.long, device=self.config.device)
        return Canvas(tokens, meta={"open_end": any(self.is_open(item) for item in inputs)})

    def excluded_ids(self, canvas: Canvas) -> tuple[int, ...]:
        """When no row leaves its end open (see :meth:`encode`), the end token is never drawn
        either, so every molecule keeps the length its input fixed."""
        if canvas.meta.get("open_end", True):
            return self.never_sample_ids
        return (*self.never_sample_ids, self.tokenizer.end_id)

    @torch.no_grad()
    def logits(self, tokens: Tensor, **extras: Tensor) -> Tensor:
        return self.model(input_ids=tokens).logits.float()

    # -- decoding ----------------------------------------------------------------------------
    def to_smiles(self, text: str) -> str:
        """The SMILES written by ``text`` (identity for SMILES)."""
        return text

    def decode(self, tokens: Tensor, canvas: Canvas | None = None) -> list[Molecule]:
        """One :class:`Molecule` per row; a row that fails to decode is an invalid molecule."""
        return [self.decode_row(row) for row in tokens.tolist()]

    def decode_row(self, ids: list[int]) -> Molecule:
        from .chem import canonical

        text = ""
        try:
            text = self.tokenizer.decode(ids)
            checked = canonical(self.to_smiles(text))
        except Exception as exc:  # never lose the other rows to one bad row
            return Molecule(text, None, f"{type(exc).__name__}: {exc}", self.representation)
        return Molecule(text, checked.smiles, checked.error, self.representation)


class SmilesAdapter(MoleculeAdapter):
    """Atom-level SMILES masked diffusion model."""

    name = "smiles"
    representation = "smiles"


class SelfiesAdapter(MoleculeAdapter):
    """SELFIES masked diffusion model; strings are decoded with ``selfies.decoder``."""

    name = "selfies"
    representation = "selfies"

    def to_smiles(self, text: str) -> str:
        import selfies

        return selfies.decoder(text)
