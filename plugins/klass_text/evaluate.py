"""Accuracy and NFE of samplers on the held-out arithmetic problems, side by side.

    python -m klass_text.evaluate --samplers klass topk --limit 1000

prints a few problems with each sampler's answer and NFE, then one row per sampler: exact
match on the test split and the mean NFE.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from typing import Any

from klass_text import task


@dataclass(frozen=True)
class Score:
    """Exact match and mean NFE of one sampler on ``problems`` held-out problems."""

    sampler: str
    problems: int
    exact_match: float
    mean_nfe: float


def evaluate(
    sampler: str,
    problems: list[task.Problem],
    model: str | None = None,
    gen_length: int = 16,
    batch_size: int = 250,
    **options: Any,
) -> tuple[Score, list[Any]]:
    """Run ``sampler`` on ``problems`` through ``klass_text.generate``; its score and results."""
    import klass_text

    results = klass_text.generate(
        [p.prompt for p in problems],
        model=model,
        sampler=sampler,
        gen_length=gen_length,
        batch_size=batch_size,
        **options,
    )
    accuracy = task.exact_match([r.text for r in results], problems)
    mean_nfe = sum(r.nfe for r in results) / len(results)
    return Score(sampler, len(problems), accuracy, mean_nfe), results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Exact match and NFE on held-out arithmetic.")
    parser.add_argument("--samplers", nargs="+", default=["klass", "topk"])
    parser.add_argument("--limit", type=int, default=task.SPLIT_SIZE, help="problems to score")
    parser.add_argument("--split", default="test", choices=["test", "validation"])
    parser.add_argument("--model", default=None, help="model folder; default: the embedded model")
    parser.add_argument("--gen-length", type=int, default=16)
    parser.add_argument("--show", type=int, default=5, help="problems to print with answers")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON only")
    args = parser.parse_args(argv)
    problems = task.split(args.split)[: args.limit]
    runs = [evaluate(s, problems, args.model, args.gen_length) for s in args.samplers]
    if args.json:
        print(json.dumps([asdict(score) for score, _ in runs], indent=2))
        return
    print(f"{'problem':<10} {'answer':<7} " + " ".join(f"{s + ' (nfe)':<14}" for s in args.samplers))
    for i, problem in enumerate(problems[: args.show]):
        cells = " ".join(f"{r[i].text + f' ({r[i].nfe})':<14}" for _, r in runs)
        print(f"{problem.prompt:<10} {problem.answer:<7} {cells}")
    print(f"\n{'sampler':<10} {'problems':>8} {'exact match':>12} {'mean NFE':>9}")
    for score, _ in runs:
        print(f"{score.sampler:<10} {score.problems:>8} {score.exact_match:>12.3f} {score.mean_nfe:>9.2f}")


if __name__ == "__main__":
    main()
