"""The reasoning task of the embedded default model: integer addition with carries.

A problem adds two numbers written with ``DIGITS`` digits (zero-padded); its answer is the
sum written with ``DIGITS + 1`` digits: ``"123+989="`` -> ``"1112"``, ``"012+035="`` ->
``"0047"``. Answers are checked exactly, and a single wrong digit (for example a carry
committed too early) breaks the answer, which makes sampler differences visible. The held-out ``test`` and ``validation`` splits are fixed by a seed and never
appear in training batches (see :func:`training_problems`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

DIGITS = 3
"""Largest number of digits of an operand."""

SPLIT_SIZE = 1000
"""Number of problems in each held-out split."""

_SPLIT_SEED = 20251105
_SPLITS = ("test", "validation")


@dataclass(frozen=True)
class Problem:
    """One addition problem: ``prompt`` is ``"aaa+bbb="``, ``answer`` the zero-padded sum."""

    a: int
    b: int

    @property
    def prompt(self) -> str:
        return f"{self.a:0{DIGITS}d}+{self.b:0{DIGITS}d}="

    @property
    def answer(self) -> str:
        return f"{self.a + self.b:0{DIGITS + 1}d}"


def _random_problem(rng: random.Random) -> Problem:
    high = 10**DIGITS - 1
    return Problem(rng.randint(0, high), rng.randint(0, high))


def _held_out() -> dict[str, list[Problem]]:
    rng = random.Random(_SPLIT_SEED)
    seen: set[Problem] = set()
    splits: dict[str, list[Problem]] = {name: [] for name in _SPLITS}
    for name in _SPLITS:
        while len(splits[name]) < SPLIT_SIZE:
            problem = _random_problem(rng)
            if problem not in seen:
                seen.add(problem)
                splits[name].append(problem)
    return splits


_HELD_OUT = _held_out()
_HELD_OUT_SET = frozenset(p for split in _HELD_OUT.values() for p in split)


def split(name: str) -> list[Problem]:
    """Return the fixed held-out split ``"test"`` or ``"validation"`` (1,000 problems each)."""
    if name not in _HELD_OUT:
        raise ValueError(f"split must be one of {_SPLITS}, got {name!r}")
    return list(_HELD_OUT[name])


def training_problems(seed: int) -> Iterator[Problem]:
    """Yield an endless seeded stream of problems that are in no held-out split."""
    rng = random.Random(seed)
    while True:
        problem = _random_problem(rng)
        if problem not in _HELD_OUT_SET:
            yield problem


def normalize(text: str) -> str:
    """Strip the whitespace a decoder may leave around an answer."""
    return "".join(text.split())


def exact_match(predictions: Sequence[str], problems: Sequence[Problem]) -> float:
    """Fraction of ``predictions`` equal to their problem's answer (whitespace ignored)."""
    if len(predictions) != len(problems):
        raise ValueError(
            f"predictions has {len(predictions)} items but problems has {len(problems)}; "
            "pass one prediction per problem"
        )
    if not problems:
        raise ValueError("problems is empty; pass at least one problem to score")
    hits = sum(normalize(p) == q.answer for p, q in zip(predictions, problems, strict=True))
    return hits / len(problems)
