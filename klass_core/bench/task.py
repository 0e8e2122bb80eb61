"""Benchmark tasks: an embedded model with an exact scorer, registered by plugins."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["BenchTask", "Setting", "TaskRun"]


@dataclass(frozen=True)
class Setting:
    """One sampler configuration to run on a task."""

    sampler: str
    options: dict[str, Any] = field(default_factory=dict)
    steps: int | None = None

    @property
    def label(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in sorted(self.options.items()))
        steps = "" if self.steps is None else f"steps={self.steps}" + (", " if opts else "")
        return f"{self.sampler}({steps}{opts})"


@dataclass(frozen=True)
class TaskRun:
    """What one setting gave on a task: mean NFE and quality figures (higher is better)."""

    nfe_mean: float
    metrics: dict[str, float]


class BenchTask(ABC):
    """An embedded default model and its scorer.

    Subclasses load their model lazily in :meth:`prepare`, and :meth:`run` generates ``n``
    samples of ``split`` ("test" or "validation") with one setting and scores them.
    """

    name: ClassVar[str]
    #: the quality figure that the Pareto front, speed-ups and ``klass tune`` use.
    primary_metric: ClassVar[str]
    #: the baseline whose NFE speed-ups are measured against.
    baseline: ClassVar[Setting] = Setting("topk")

    def prepare(self) -> None:  # noqa: B027 (optional hook; most tasks need it)
        """Load the model and data (called once, outside the timed runs)."""

    @abstractmethod
    def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
        """Generate ``n`` samples with ``setting`` and score them."""

    def demo_settings(self) -> list[Setting]:
        """KLASS against the baseline (the demo table)."""
        return [self.baseline, Setting("klass")]

    def bench_settings(self, quick: bool) -> list[Setting]:
        """Every built-in sampler over a few settings."""
        klass = [Setting("klass", {"conf_threshold": c, "kl_threshold": e}) for c, e in
                 ((0.9, 0.01), (0.7, 0.01), (0.9, 0.1))]
        rest = [self.baseline, Setting("threshold", {"threshold": 0.9}), Setting("threshold", {"threshold": 0.7}),
                Setting("eb", {"gamma": 0.01}), Setting("eb", {"gamma": 0.1})]
        if quick:
            return [klass[0], *rest[:3], rest[3]]
        return [*klass, *rest, Setting("margin"), Setting("entropy"), Setting("random")]

    def sizes(self, quick: bool) -> int:
        """How many samples per setting in ``klass bench``."""
        return 64 if quick else 256

    def demo_size(self) -> int:
        """How many samples per setting in ``klass demo`` (it must stay under two minutes)."""
        return self.sizes(quick=True)
