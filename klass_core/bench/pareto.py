"""Pareto fronts of (NFE, quality) points: fewer passes and higher quality are better."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["pareto_front"]


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """``[(nfe, quality), ...] -> [on_front, ...]``.

    A point is on the front when no other point has NFE <= and quality >= with one of them
    strictly better. Equal points are all kept.
    """
    front = []
    for i, (nfe, quality) in enumerate(points):
        dominated = any(
            o_nfe <= nfe and o_quality >= quality and (o_nfe < nfe or o_quality > quality)
            for j, (o_nfe, o_quality) in enumerate(points)
            if j != i
        )
        front.append(not dominated)
    return front
