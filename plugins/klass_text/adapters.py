"""Adapters for Hugging Face text diffusion models: LLaDA, Dream and any masked LM.

All three load a model and its tokenizer with ``from_pretrained`` (a local folder or a hub
id), left-pad batches of prompts with an attention mask, append ``gen_length`` masks, and
decode the generation cut at the first EOS. They differ in the model class, where the mask
id comes from, and how the forward pass is called.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor

from klass_core import AdapterConfig, Canvas, ModalityAdapter, SampleOutput, read_sampler_defaults
from klass_text.eos import fill_after_eos
from klass_text.loading import DEFAULT_MODEL, from_pretrained, max_length, model_source, token_ids

LLADA_MASK_ID = 126336


class TextConfig(AdapterConfig):
    """Options of the text adapters."""

    gen_length: int = Field(16, ge=0, description="Masked positions appended after each prompt.")
    chat_template: bool | None = Field(
        None, description="Wrap prompts in the tokenizer's chat template; None: when it has one."
    )
    infill: bool = Field(False, description="Also fill mask tokens written inside the prompts.")
    eos_early_exit: bool | None = Field(
        None,
        description="Fill a row's remaining masks with EOS, without forward passes, once it has "
        "committed EOS after a fully committed prefix; None: on for chat prompts.",
    )
    trust_remote_code: bool = Field(True, description="Allow the model folder's own modeling code.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="Weights dtype; auto: the one in the model's config."
    )


class MaskedLMConfig(TextConfig):
    trust_remote_code: bool = Field(
        False, description="Allow the model folder's own modeling code (MDLM-style models)."
    )


class TextAdapter(ModalityAdapter):
    """Shared loading, tokenization, padding and decoding; subclasses give the forward pass."""

    Config: ClassVar[type[AdapterConfig]] = TextConfig
    config: TextConfig
    default_model: ClassVar[str | Path | None] = None
    model_class: ClassVar[str] = "AutoModel"

    def load(self) -> None:
        import transformers

        cfg = self.config
        source = model_source(cfg.model, self.default_model)
        remote = {"trust_remote_code": cfg.trust_remote_code}
        dtype = {} if cfg.dtype == "auto" else {"dtype": getattr(torch, cfg.dtype)}
        self.tokenizer = from_pretrained(transformers.AutoTokenizer, source, **remote)
        loader = getattr(transformers, self.model_class)
        self.model = from_pretrained(loader, source, **remote, **dtype).to(cfg.device).eval()
        # a hub id has no local folder, hence no recommended options
        self.sampler_defaults = read_sampler_defaults(source)
        model_config = self.model.config
        self.vocab_size = int(model_config.vocab_size)
        self.mask_id = self.find_mask_id(model_config, self.tokenizer)
        if not 0 <= self.mask_id < self.vocab_size:
            raise ValueError(
                f"model: mask id {self.mask_id} is outside the vocabulary of {self.vocab_size} ids; "
                "fix mask_token_id in the model's config.json"
            )
        tok = self.tokenizer
        self.eos_ids = token_ids(tok.eos_token_id, getattr(model_config, "eos_token_id", None))
        pads = token_ids(tok.pad_token_id, getattr(model_config, "pad_token_id", None), *self.eos_ids, 0)
        self.pad_id = pads[0]
        self.special_ids = {"mask": self.mask_id, "pad": self.pad_id}
        if self.eos_ids:
            self.special_ids["eos"] = self.eos_ids[0]
        excluded = token_ids(self.mask_id, tok.unk_token_id)
        if self.pad_id not in self.eos_ids:
            excluded.append(self.pad_id)
        self.never_sample_ids = tuple(i for i in excluded if i < self.vocab_size)
        self.max_length = max_length(model_config, tok)
        self._apply_options()

    def _apply_options(self) -> None:
        """Derive the prompt options (chat template, early exit) from the config."""
        has_template = bool(getattr(self.tokenizer, "chat_template", None))
        wanted = self.config.chat_template
        if wanted and not has_template:
            raise ValueError("chat_template: the tokenizer has no chat template; pass chat_template=False")
        self.chat = has_template if wanted is None else wanted
        early_exit = self.config.eos_early_exit
        self.early_exit = self.chat if early_exit is None else early_exit
        if self.early_exit and not self.eos_ids:
            raise ValueError("eos_early_exit: the tokenizer and config define no EOS token")

    def configured(self, **options: Any) -> TextAdapter:
        """A copy sharing the loaded model, with some options changed (``gen_length``...)."""
        if {"model", "device", "dtype", "trust_remote_code"} & set(options):
            raise ValueError("configured: model, device, dtype and trust_remote_code need a new adapter")
        clone = copy.copy(self)
        clone.config = self.Config.parse({**self.config.model_dump(), **options})
        clone._apply_options()
        return clone

    def find_mask_id(self, model_config: Any, tokenizer: Any) -> int:
        """The mask id: the config's ``mask_token_id``."""
        ids = token_ids(getattr(model_config, "mask_token_id", None))
        if not ids:
            raise ValueError(
                f"model: the config.json of {self.config.model!r} has no mask_token_id; add it"
            )
        return ids[0]

    def _prompt_ids(self, prompt: str) -> list[int]:
        if self.chat:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
            )
            return self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return self.tokenizer(prompt)["input_ids"]

    def encode(self, inputs: str | Sequence[str]) -> Canvas:
        """Left-padded prompts followed by ``gen_length`` masks, with their attention mask."""
        prompts = [inputs] if isinstance(inputs, str) else list(inputs)
        if not prompts:
            raise ValueError("prompts: the list is empty; give at least one prompt")
        gen = self.config.gen_length
        rows = []
        for j, prompt in enumerate(prompts):
            if not isinstance(prompt, str):
                raise TypeError(f"prompts[{j}] must be a str, got {type(prompt).__name__}")
            ids = self._prompt_ids(prompt)
            if self.mask_id in ids and not self.config.infill:
                raise ValueError(
                    f"prompts[{j}] contains the mask token; pass infill=True to fill it, or remove it"
                )
            if not ids:
                raise ValueError(f"prompts[{j}] is empty; give some text to continue")
            if self.max_length is not None and len(ids) + gen > self.max_length:
                raise ValueError(
                    f"prompts[{j}] has {len(ids)} tokens, which with gen_length={gen} exceeds the "
                    f"model's maximum of {self.max_length}; shorten the prompt or lower gen_length"
                )
            rows.append(ids)
        width = max(len(ids) for ids in rows)
        tokens = torch.full((len(rows), width + gen), self.mask_id, dtype=torch.long)
        attention = torch.ones_like(tokens)
        for j, ids in enumerate(rows):
            pad = width - len(ids)
            tokens[j, :pad] = self.pad_id
            tokens[j, pad:width] = torch.tensor(ids, dtype=torch.long)
            attention[j, :pad] = 0
        if not (tokens == self.mask_id).any():
            raise ValueError("gen_length=0 and no mask in the prompts: nothing to generate")
        device = self.config.device
        return Canvas(
            tokens.to(device),
            extras={"attention_mask": attention.to(device)},
            meta={"prompt_width": width},
        )

    @torch.no_grad()
    def logits(self, tokens: Tensor, attention_mask: Tensor | None = None) -> Tensor:
        if attention_mask is None:
            attention_mask = torch.ones_like(tokens)
        return self.forward(tokens, attention_mask)

    def forward(self, tokens: Tensor, attention_mask: Tensor) -> Tensor:
        """``[b, L]`` tokens and 0/1 attention mask -> ``[b, L, V]`` position-aligned logits."""
        return self.model(tokens, attention_mask=attention_mask).logits

    def sample(self, canvas: Canvas, sampler: str = "klass", **kwargs: Any) -> SampleOutput:
        """:meth:`ModalityAdapter.sample`, with the EOS early exit when it is on."""
        if self.early_exit:
            eos = torch.tensor(self.eos_ids, dtype=torch.long, device=canvas.tokens.device)
            start = canvas.meta["prompt_width"]
            kwargs["finish"] = partial(fill_after_eos, start=start, mask_id=self.mask_id, eos_ids=eos)
        return super().sample(canvas, sampler, **kwargs)

    def decode(self, tokens: Tensor, canvas: Canvas | None = None) -> list[str]:
        """Each row's generation cut at its first EOS (the whole filled text with ``infill``)."""
        width = canvas.meta["prompt_width"] if canvas else tokens.shape[1] - self.config.gen_length
        attention = canvas.extras["attention_mask"] if canvas else torch.ones_like(tokens)
        texts = []
        for row, keep in zip(tokens.tolist(), attention.bool().tolist(), strict=True):
            gen = row[width:]
            cut = next((i for i, t in enumerate(gen) if t in self.eos_ids), len(gen))
            ids = gen[:cut]
            if self.config.infill:
                ids = [t for t, k in zip(row[:width], keep[:width], strict=True) if k] + ids
            texts.append(self.tokenizer.decode(ids, skip_special_tokens=True))
        return texts


class LLaDAAdapter(TextAdapter):
    """LLaDA (``LLaDAModelLM``): mask id from the config, else 126336."""

    name = "llada"
    default_model = "GSAI-ML/LLaDA-8B-Instruct"

    def find_mask_id(self, model_config: Any, tokenizer: Any) -> int:
        ids = token_ids(getattr(model_config, "mask_token_id", None))
        return ids[0] if ids else LLADA_MASK_ID


class DreamAdapter(TextAdapter):
    """Dream (``DreamModel``): logits shifted right by one so position ``i`` predicts token ``i``."""

    name = "dream"
    default_model = "Dream-org/Dream-v0-Instruct-7B"

    def forward(self, tokens: Tensor, attention_mask: Tensor) -> Tensor:
        length = tokens.shape[1]
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        keys = attention_mask.bool()[:, None, None, :].expand(-1, 1, length, length)
        logits = self.model(tokens, attention_mask=keys, position_ids=positions).logits
        return torch.cat([logits[:, :1], logits[:, :-1]], dim=1)


class MaskedLMAdapter(TextAdapter):
    """Any ``AutoModelForMaskedLM`` (BERT, RoBERTa, ModernBERT, MDLM-style remote code).

    The default model is the embedded arithmetic model. Position ids follow the attention
    mask when the model takes them, so left padding does not move absolute positions.
    """

    name = "hf-masked-lm"
    Config = MaskedLMConfig
    default_model = DEFAULT_MODEL
    model_class = "AutoModelForMaskedLM"

    def find_mask_id(self, model_config: Any, tokenizer: Any) -> int:
        ids = token_ids(tokenizer.mask_token_id, getattr(model_config, "mask_token_id", None))
        if not ids:
            raise ValueError(
                f"model: the tokenizer of {self.config.model!r} has no mask token; set its mask_token"
            )
        return ids[0]

    def load(self) -> None:
        super().load()
        self.takes_positions = "position_ids" in inspect.signature(self.model.forward).parameters

    def forward(self, tokens: Tensor, attention_mask: Tensor) -> Tensor:
        inputs = {"input_ids": tokens, "attention_mask": attention_mask}
        if self.takes_positions:
            inputs["position_ids"] = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        return self.model(**inputs).logits
