"""``klass_image.generate``: images from the embedded digits model or an aMUSEd-layout folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from torch import Tensor

#: Token temperature given to samplers that choose tokens (argmax at 0) unless the caller sets
#: one: from an all-mask canvas an argmax sampler would draw the same image for every seed.
IMAGE_TOKEN_TEMPERATURE = 1.0


@dataclass(frozen=True)
class GeneratedImage:
    """One generated image.

    Attributes:
        image: the decoded ``PIL.Image`` (8x8 for digits; see :func:`klass_image.render.upscale`).
        label: the requested digit, the prompt, or ``None`` (unconditional).
        nfe: forward passes this image took.
        tokens: ``[H*W]`` its tokens (grey levels 0..16 for digits).
    """

    image: Any
    label: int | str | None
    nfe: int
    tokens: Tensor


@lru_cache(maxsize=4)
def load_adapter(model: str | None = None, guidance_scale: float | None = None) -> Any:
    """The adapter serving ``model`` (``None``: the embedded digits model), cached."""
    from klass_image.adapters import adapter_class_for

    options = {} if guidance_scale is None else {"guidance_scale": guidance_scale}
    return adapter_class_for(model)(model=model, **options)


def sampler_options(adapter: Any, sampler: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options ``sampler`` runs with: ``options``, over the model folder's recommended ones
    (``sampler_defaults.json``), over :data:`IMAGE_TOKEN_TEMPERATURE` for samplers that choose
    tokens."""
    from klass_core import get_sampler_class
    from klass_core.samplers.base import TokenChoiceConfig

    chosen = adapter.sampler_options(sampler, options)
    if "temperature" not in chosen and issubclass(
        get_sampler_class(sampler).Config, TokenChoiceConfig
    ):
        return {**chosen, "temperature": IMAGE_TOKEN_TEMPERATURE}
    return chosen


def generate(
    labels: Sequence[int] | None = None,
    *,
    prompts: Sequence[str] | None = None,
    n: int | None = None,
    model: str | None = None,
    sampler: str = "klass",
    steps: int | None = None,
    seed: int = 0,
    guidance_scale: float | None = None,
    callback: Callable[[Any], None] | None = None,
    **options: Any,
) -> list[GeneratedImage]:
    """Generate images.

    Args:
        labels: digits 0-9, one image each (the digits model).
        prompts: text prompts, one image each (an aMUSEd folder with a text encoder).
        n: number of images for an unconditional aMUSEd model (no labels, no prompts).
        model: ``None`` for the embedded digits model, else a model folder.
        sampler: a registered sampler name.
        steps: step budget; ``None``: the adapter's default (12).
        seed: image ``j`` uses seed ``seed + j``, so it does not depend on the others.
        guidance_scale: classifier-free guidance (``None``: the adapter's default).
        callback: given each forward pass's :class:`klass_core.StepInfo`.
        **options: sampler options, e.g. ``temperature`` or ``conf_threshold``.

    Returns:
        One :class:`GeneratedImage` per label, prompt or requested image.
    """
    adapter = load_adapter(model, guidance_scale)
    inputs, names = _inputs(adapter, labels, prompts, n)
    canvas = adapter.encode(inputs)
    out = adapter.sample(
        canvas,
        sampler=sampler,
        steps=steps if steps is not None else adapter.default_steps,
        generator=seed,
        callback=callback,
        **sampler_options(adapter, sampler, options),
    )
    images = adapter.decode(out.tokens, canvas)
    return [
        GeneratedImage(image, name, int(nfe), tokens)
        for image, name, nfe, tokens in zip(
            images, names, out.nfe.tolist(), out.tokens.cpu(), strict=True
        )
    ]


def _inputs(adapter: Any, labels: Any, prompts: Any, n: int | None) -> tuple[Any, list[Any]]:
    """Check which inputs the adapter takes; return ``(encode inputs, per-image labels)``."""
    given = [
        name
        for name, value in (("labels", labels), ("prompts", prompts), ("n", n))
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError(f"give exactly one of labels, prompts or n (got {given or 'none'})")
    if adapter.name == "digits":
        if labels is None:
            raise ValueError(
                "the digits model is class-conditional: give labels (digits 0-9), not prompts or n"
            )
        return list(labels), list(labels)
    if labels is not None:
        raise ValueError(
            f"labels are for the digits model; model {adapter.config.model} takes prompts or n"
        )
    if prompts is not None:
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        return prompts, prompts
    return n, [None] * n
