"""Score samplers on the digits model: ``python -m klass_image.evaluate [--per-class N]``.

For each run, ``per_class`` images of every digit are generated and scored by
:mod:`klass_image.quality` (class accuracy, within-class diversity) with their mean NFE.

``--tune-maskgit-temperature T [T ...]`` instead runs the ``maskgit`` sampler at 8 steps with
each remasking temperature ``(T, 0)`` and picks the one whose within-class diversity is closest
to the real digits' (a lower temperature remasks by confidence more strictly: cleaner, less
varied images; a higher one lets unlikely draws stand). ``--write`` stores the pick in the
model folder's ``sampler_defaults.json``, which the adapter applies when a caller does not set
``temperature``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from klass_image import quality
from klass_image.generation import generate

#: The remasking temperature of diffusers' aMUSEd pipeline (the ``maskgit`` sampler's default).
AMUSED_TEMPERATURE = (2.0, 0.0)

#: ``(sampler, steps, options)`` compared by default: MaskGIT's schedule (with the model's
#: recommended temperature, then aMUSEd's) and KLASS.
DEFAULT_RUNS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("maskgit", 8, {}),
    ("maskgit", 16, {}),
    ("maskgit", 8, {"temperature": AMUSED_TEMPERATURE}),
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


def tune_maskgit_temperature(
    temperatures: Sequence[float],
    per_class: int = 50,
    seed: int = 0,
    model: str | None = None,
    guidance_scale: float | None = None,
) -> tuple[float, list[dict[str, Any]]]:
    """Run ``maskgit`` at 8 steps with each remasking temperature ``(t, 0)``; return the ``t``
    whose within-class diversity is closest to the real digits', and every run's figures."""
    reference = real_diversity(per_class)
    runs = [
        evaluate("maskgit", 8, per_class, seed, model, guidance_scale, temperature=(t, 0.0))
        | {"real_diversity": reference}
        for t in temperatures
    ]
    best = min(runs, key=lambda run: abs(run["diversity"] - reference))
    return best["temperature"][0], runs


def write_maskgit_temperature(folder: Path, temperature: float) -> Path:
    """Store ``(temperature, 0)`` as the ``maskgit`` entry of ``folder``'s sampler defaults."""
    from klass_core.adapter import SAMPLER_DEFAULTS_FILE, read_sampler_defaults

    defaults = read_sampler_defaults(folder)
    defaults["maskgit"] = {**defaults.get("maskgit", {}), "temperature": [temperature, 0.0]}
    path = folder / SAMPLER_DEFAULTS_FILE
    path.write_text(json.dumps(defaults, indent=2) + "\n", encoding="utf-8")
    return path


def _print(result: dict[str, Any]) -> None:
    print(
        json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}),
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    """Print one JSON line per default run, then the real-data reference diversity (or tune
    the maskgit temperature with ``--tune-maskgit-temperature``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="digits model folder (default: embedded)")
    parser.add_argument("--guidance", type=float, default=None, help="guidance scale")
    parser.add_argument("--tune-maskgit-temperature", type=float, nargs="+", metavar="T",
                        help="remasking temperatures to compare (see the module docstring)")
    parser.add_argument("--write", action="store_true",
                        help="with --tune-maskgit-temperature: store the pick in the model folder")
    args = parser.parse_args(argv)
    if args.write and not args.tune_maskgit_temperature:
        parser.error("--write needs --tune-maskgit-temperature")
    torch.set_num_threads(1)
    if args.tune_maskgit_temperature:
        best, runs = tune_maskgit_temperature(
            args.tune_maskgit_temperature, args.per_class, args.seed, args.model, args.guidance
        )
        for run in runs:
            _print(run)
        print(json.dumps({"chosen_temperature": [best, 0.0]}))
        if args.write:
            from klass_image.adapters import DEFAULT_DIGITS_MODEL

            folder = Path(args.model) if args.model else DEFAULT_DIGITS_MODEL
            print(f"wrote {write_maskgit_temperature(folder, best)}")
        return
    for sampler, steps, options in DEFAULT_RUNS:
        _print(evaluate(
            sampler, steps, args.per_class, args.seed, args.model, args.guidance, **options
        ))
    print(json.dumps({"real_digits_diversity": round(real_diversity(args.per_class), 4)}))


if __name__ == "__main__":
    main()
