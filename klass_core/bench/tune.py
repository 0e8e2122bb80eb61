"""``klass tune``: sweep KLASS's thresholds, report the Pareto front, recommend a setting."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from klass_core.bench.pareto import pareto_front
from klass_core.bench.task import Setting, TaskRun

__all__ = ["TuneResult", "klass_grid", "tune"]


@dataclass(frozen=True)
class TuneResult:
    """Every swept setting with its run, the Pareto-optimal ones, and the recommendation."""

    runs: list[tuple[Setting, TaskRun]]
    front: list[tuple[Setting, TaskRun]]
    recommended: tuple[Setting, TaskRun] | None
    metric: str


def klass_grid(
    conf_thresholds: Sequence[float] = (0.6, 0.8, 0.9, 0.95),
    kl_thresholds: Sequence[float] = (0.001, 0.01, 0.1),
    history_lengths: Sequence[int] = (1, 2, 3),
    **fixed: object,
) -> list[Setting]:
    """The KLASS settings of a full grid (``fixed`` options, e.g. temperature, go to each)."""
    return [
        Setting("klass", {"conf_threshold": c, "kl_threshold": e, "history_length": n, **fixed})
        for c, e, n in itertools.product(conf_thresholds, kl_thresholds, history_lengths)
    ]


def tune(
    run: Callable[[Setting], TaskRun],
    settings: Sequence[Setting],
    metric: str,
    floor: float,
    progress: Callable[[str], None] | None = None,
) -> TuneResult:
    """Run every setting, keep the Pareto front of (mean NFE, ``metric``), and recommend the
    front's cheapest setting whose ``metric`` is at least ``floor`` (``None`` if none is).

    ``run`` is any callable, so a user's own adapter and scorer can be tuned: wrap generation
    and scoring in a function returning a :class:`TaskRun`.
    """
    runs = []
    for setting in settings:
        if progress:
            progress(setting.label)
        runs.append((setting, run(setting)))
    on_front = pareto_front([(r.nfe_mean, r.metrics[metric]) for _, r in runs])
    front = sorted((x for x, keep in zip(runs, on_front, strict=True) if keep), key=lambda x: x[1].nfe_mean)
    meets = [x for x in front if x[1].metrics[metric] >= floor]
    return TuneResult(runs, front, meets[0] if meets else None, metric)
