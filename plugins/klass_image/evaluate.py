"""Score samplers on the digits model: ``python -m klass_image.evaluate [--per-class N]``.

For each run, ``per_class`` images of every digit are generated and scored by
:mod:`klass_image.quality` (class accuracy, within-class diversity) with their mean NFE.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import torch

from klass_image import quality
from klass_image.generation import generate

#: ``(sampler, steps, options)`` compared by default: MaskGIT's schedule and KLASS.
DEFAULT_RUNS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("maskgit", 8, {}),
    ("maskgit", 16, {}),
    ("klass", 8, {}),
    ("klass", 16, {}),
    ("topk", 8, {}),
)


def evaluate(
    sampler: str,
    steps: int,
    per_class: int = 20,
    seed: int = 0,
    model: str | None = None,
    guidance_scale: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Generate ``per_class`` images of each digit and return the run and its figures."""
    labels = [digit for digit in range(10) for _ in range(per_class)]
    images = generate(
        labels=labels,
        model=model,
        sampler=sampler,
        steps=steps,
        seed=seed,
        guidance_scale=guidance_scale,
        **options,
    )
    tokens = torch.stack([image.tokens for image in images])
    mean_nfe = sum(image.nfe for image in images) / len(images)
    figures = quality.score(tokens, labels)
    return {"sampler": sampler, "steps": steps, **options, **figures, "mean_nfe": mean_nfe}


def real_diversity(per_class: int = 20) -> float | None:
    """Within-class diversity of the first ``per_class`` real digits of each class (reference)."""
    from klass_image.digits import load_digit_tokens

    tokens, labels = load_digit_tokens()
    rows = [i for digit in range(10) for i in (labels == digit).nonzero()[:per_class, 0].tolist()]
    return quality.diversity(tokens[rows], labels[rows].tolist())


def main(argv: list[str] | None = None) -> None:
    """Print one JSON line per default run, then the real-data reference diversity."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="digits model folder (default: embedded)")
    parser.add_argument("--guidance", type=float, default=None, help="guidance scale")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for sampler, steps, options in DEFAULT_RUNS:
        result = evaluate(
            sampler, steps, args.per_class, args.seed, args.model, args.guidance, **options
        )
        print(
            json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}),
            flush=True,
        )
    print(json.dumps({"real_digits_diversity": round(real_diversity(args.per_class), 4)}))


if __name__ == "__main__":
    main()
