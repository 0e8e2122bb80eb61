"""Run settings side by side on tasks, in one process, and write records, tables and plots."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from klass_core.bench.pareto import pareto_front
from klass_core.bench.task import BenchTask, Setting, TaskRun

__all__ = ["Record", "machine_info", "run_settings", "tasks_by_name", "write_results"]


@dataclass
class Record:
    """One task x setting: what ``results.json`` holds per line of the table."""

    task: str
    sampler: str
    setting: str
    options: dict[str, Any]
    steps: int | None
    n: int
    nfe_mean: float
    seconds_median: float
    metrics: dict[str, float]
    primary_metric: str
    nfe_speedup: float = float("nan")
    time_speedup: float = float("nan")
    pareto: bool = False
    seconds_all: list[float] = field(default_factory=list)

    @property
    def quality(self) -> float:
        return self.metrics[self.primary_metric]


def tasks_by_name(names: Iterable[str] | None = None) -> list[BenchTask]:
    """Instances of the registered tasks (all, or the named ones)."""
    from klass_core.registry import get_registry

    table = get_registry().tasks
    chosen = table.names() if names is None else list(names)
    return [table.get(name)() for name in chosen]


def run_settings(
    task: BenchTask,
    settings: list[Setting],
    n: int,
    seed: int = 0,
    repeats: int = 1,
    split: str = "test",
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """Every setting on ``task`` with the same seeds; wall-clock is the median over repeats
    (repeats interleave the settings so machine noise hits them alike)."""
    task.prepare()
    runs: dict[int, list[tuple[TaskRun, float]]] = {i: [] for i in range(len(settings))}
    for _ in range(repeats):
        for i, setting in enumerate(settings):
            if progress:
                progress(f"{task.name}: {setting.label}")
            start = time.perf_counter()
            run = task.run(setting, n=n, seed=seed, split=split)
            runs[i].append((run, time.perf_counter() - start))
    records = []
    for i, setting in enumerate(settings):
        run, _ = runs[i][0]
        seconds = [s for _, s in runs[i]]
        records.append(Record(task.name, setting.sampler, setting.label, dict(setting.options), setting.steps, n,
                              run.nfe_mean, statistics.median(seconds), run.metrics, task.primary_metric,
                              seconds_all=seconds))
    _annotate(records, task.baseline.label)
    return records


def _annotate(records: list[Record], baseline: str) -> None:
    base = next((r for r in records if r.setting == baseline), None)
    for r in records:
        if base is not None:
            r.nfe_speedup = base.nfe_mean / r.nfe_mean
            r.time_speedup = base.seconds_median / r.seconds_median
    for r, on_front in zip(records, pareto_front([(r.nfe_mean, r.quality) for r in records]), strict=True):
        r.pareto = on_front


def machine_info() -> dict[str, Any]:
    import os

    import torch

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def markdown_table(records: list[Record]) -> str:
    lines = [
        "| task | setting | mean NFE | wall-clock (s) | quality | NFE speed-up | time speed-up | Pareto |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: | :---: |",
    ]
    for r in records:
        quality = ", ".join(f"{k} {v:.3f}" for k, v in r.metrics.items())
        lines.append(
            f"| {r.task} | `{r.setting}` | {r.nfe_mean:.2f} | {r.seconds_median:.2f} | {quality} | "
            f"{r.nfe_speedup:.2f}x | {r.time_speedup:.2f}x | {'*' if r.pareto else ''} |"
        )
    return "\n".join(lines)


def write_results(records: list[Record], out_dir: Path, extra: dict[str, Any] | None = None) -> list[Path]:
    """``results.json``, ``results.md`` and one ``<task>.png`` plot per task in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info = machine_info() | (extra or {})
    payload = {"machine": info, "records": [asdict(r) for r in records]}
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, default=str))
    header = f"Measured {info['date']} on {info['cpus']} x {info['processor']}, torch {info['torch']}.\n\n"
    (out_dir / "results.md").write_text(header + markdown_table(records) + "\n")
    written = [out_dir / "results.json", out_dir / "results.md"]
    for task in dict.fromkeys(r.task for r in records):
        written.append(plot_task([r for r in records if r.task == task], out_dir / f"{task}.png"))
    return written


def plot_task(records: list[Record], path: Path) -> Path:
    """Quality against NFE, one point per setting, the Pareto front joined and marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for r in records:
        ax.scatter(r.nfe_mean, r.quality, marker="*" if r.pareto else "o", s=120 if r.pareto else 40,
                   color="tab:red" if r.sampler == "klass" else "tab:blue")
        ax.annotate(r.setting, (r.nfe_mean, r.quality), fontsize=6, xytext=(3, 3), textcoords="offset points")
    front = sorted((r.nfe_mean, r.quality) for r in records if r.pareto)
    ax.plot([p[0] for p in front], [p[1] for p in front], "--", color="gray", label="Pareto front")
    ax.set_xlabel("mean NFE (forward passes per sample)")
    ax.set_ylabel(records[0].primary_metric)
    ax.set_title(f"{records[0].task}: quality against NFE (red: klass)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
