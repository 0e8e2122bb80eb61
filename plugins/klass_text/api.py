"""``klass_text.generate``: prompts in, texts and NFE out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from klass_text.loading import model_source

if TYPE_CHECKING:
    from klass_core import StepInfo
    from klass_text.adapters import TextAdapter


@dataclass(frozen=True)
class TextResult:
    """One generated sample: its ``prompt``, the generated ``text`` and the ``nfe`` it took."""

    prompt: str
    text: str
    nfe: int


@lru_cache(maxsize=2)
def load_adapter(model: str | None = None, adapter: str | None = None, device: str = "cpu") -> TextAdapter:
    """The text adapter for ``model`` (cached): ``adapter`` by name, else resolved from the
    model's config by the plugins; ``model=None`` is the embedded arithmetic model."""
    import klass_core

    if model is not None:
        model = model_source(model, None)
    if adapter is None:
        adapter = "hf-masked-lm" if model is None else klass_core.resolve_adapter_name(model)
    return klass_core.get_adapter(adapter, model=model, device=device)


def generate(
    prompts: str | Sequence[str],
    model: str | TextAdapter | None = None,
    sampler: str = "klass",
    gen_length: int = 16,
    steps: int | None = None,
    block_length: int | None = None,
    seed: int | None = 0,
    *,
    adapter: str | None = None,
    device: str = "cpu",
    infill: bool = False,
    chat_template: bool | None = None,
    eos_early_exit: bool | None = None,
    batch_size: int | None = None,
    callback: Callable[[StepInfo], None] | None = None,
    **sampler_options: Any,
) -> list[TextResult]:
    """Generate a continuation of each prompt with a masked diffusion LM.

    Args:
        prompts: one prompt or a list of them.
        model: a model folder or hub id (its adapter found from ``config.json`` unless
            ``adapter`` names one), a loaded text adapter, or ``None`` for the embedded model.
        sampler: ``klass`` or any registered baseline; ``sampler_options`` are its options.
        gen_length, steps, block_length: generation length, step budget and block layout.
        seed: row ``j`` uses ``seed + j`` (``None``: unseeded).
        infill, chat_template, eos_early_exit: see :class:`klass_text.adapters.TextConfig`.
        batch_size: prompts per batch (default: all at once).
        callback: receives each forward pass's ``StepInfo`` (rows index the current batch).

    Returns:
        one :class:`TextResult` per prompt, in order.
    """
    from klass_text.adapters import TextAdapter

    prompt_list = [prompts] if isinstance(prompts, str) else list(prompts)
    if not prompt_list:
        raise ValueError("prompts: the list is empty; give at least one prompt")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")
    base = model if isinstance(model, TextAdapter) else load_adapter(model, adapter, device)
    text_adapter = base.configured(
        gen_length=gen_length, infill=infill, chat_template=chat_template, eos_early_exit=eos_early_exit
    )
    size = batch_size or len(prompt_list)
    results: list[TextResult] = []
    for start in range(0, len(prompt_list), size):
        chunk = prompt_list[start : start + size]
        canvas = text_adapter.encode(chunk)
        seeds = None if seed is None else [seed + start + j for j in range(len(chunk))]
        out = text_adapter.sample(
            canvas,
            sampler=sampler,
            steps=steps,
            block_length=block_length,
            generator=seeds,
            callback=callback,
            **sampler_options,
        )
        texts = text_adapter.decode(out.tokens, canvas)
        results += [
            TextResult(p, t, int(n)) for p, t, n in zip(chunk, texts, out.nfe.tolist(), strict=True)
        ]
    return results
