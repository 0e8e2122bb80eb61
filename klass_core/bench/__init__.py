"""Side-by-side benchmarks, the demo and threshold tuning over registered tasks."""

from klass_core.bench.pareto import pareto_front
from klass_core.bench.task import BenchTask, Setting, TaskRun

__all__ = ["BenchTask", "Setting", "TaskRun", "pareto_front"]
