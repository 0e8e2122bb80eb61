"""``klass demo``, ``klass bench``, ``klass tune`` and ``klass overhead``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from klass_core.bench.runner import (
    Record,
    markdown_table,
    run_settings,
    tasks_by_name,
    write_results,
)
from klass_core.bench.task import BenchTask

__all__ = ["bench", "demo", "overhead", "tune"]

TaskOption = typer.Option(None, "--task", "-t", help="Task name (repeatable); default: every embedded task.")


def _tasks(names: list[str] | None) -> list[BenchTask]:
    tasks = tasks_by_name(names)
    if names is None and len(tasks) > 1:
        tasks = [t for t in tasks if t.name != "toy"]  # the toy task stands in only when alone
    return tasks


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True)


def _print_records(records: list[Record], title: str) -> None:
    table = Table("task", "sampler", "mean NFE", "wall-clock (s)", "quality", "speed-up vs baseline", title=title)
    for r in records:
        quality = ", ".join(f"{k} {v:.3f}" for k, v in r.metrics.items())
        table.add_row(r.task, r.setting, f"{r.nfe_mean:.2f}", f"{r.seconds_median:.2f}", quality,
                      f"{r.time_speedup:.2f}x time, {r.nfe_speedup:.2f}x NFE")
    Console().print(table)


def demo(task: list[str] = TaskOption, seed: int = typer.Option(0, help="Seed shared by every sampler.")) -> None:
    """KLASS against topk (and MaskGIT for images) on each embedded model, same seeds."""
    records: list[Record] = []
    with _progress() as progress:
        bar = progress.add_task("loading")
        for t in _tasks(task):
            records += run_settings(t, t.demo_settings(), n=t.demo_size(), seed=seed,
                                    progress=lambda label: progress.update(bar, description=label))
    _print_records(records, "klass demo: same seeds, embedded default models")


def bench(
    quick: bool = typer.Option(False, "--quick", help="Fewer settings and samples (under three minutes)."),
    out: Path = typer.Option(Path("bench-out"), help="Folder for results.json, results.md and plots."),
    task: list[str] = TaskOption,
    repeats: int = typer.Option(0, help="Timed repeats per setting (0: 1 with --quick, else 3)."),
    seed: int = typer.Option(0),
    skip_overhead: bool = typer.Option(False, "--skip-overhead", help="Skip the LLaDA-shape overhead benchmark."),
) -> None:
    """Every built-in sampler on every embedded task over a few settings, side by side."""
    records: list[Record] = []
    with _progress() as progress:
        bar = progress.add_task("loading")
        for t in _tasks(task):
            records += run_settings(t, t.bench_settings(quick), n=t.sizes(quick), seed=seed,
                                    repeats=repeats or (1 if quick else 3),
                                    progress=lambda label: progress.update(bar, description=label))
    extra = {}
    if not skip_overhead:
        from klass_core.bench.overhead import measure_overhead

        extra["overhead"] = measure_overhead(batches=(1,) if quick else (1, 4), repeats=2 if quick else 5)
    for path in write_results(records, out, extra):
        Console().print(f"wrote {path}")
    Console().print(markdown_table(records))
    if "overhead" in extra:
        _print_overhead(extra["overhead"])


def tune(
    task: str = typer.Option("toy", "--task", "-t", help="Task whose validation split is swept."),
    floor: float = typer.Option(..., help="Lowest acceptable quality (the task's primary metric)."),
    n: int = typer.Option(0, help="Samples per setting (0: the task's quick size)."),
    out: Path = typer.Option(Path("tune-out"), help="Folder for tune.json and tune.png."),
) -> None:
    """Sweep conf_threshold, kl_threshold and history_length; print the front and a pick."""
    from klass_core.bench import tune as tuning
    from klass_core.bench.runner import plot_task

    (chosen,) = tasks_by_name([task])
    chosen.prepare()
    size = n or chosen.sizes(quick=True)
    with _progress() as progress:
        bar = progress.add_task("tuning")
        result = tuning.tune(lambda s: chosen.run(s, n=size, seed=0, split="validation"), tuning.klass_grid(),
                             chosen.primary_metric, floor, progress=lambda label: progress.update(bar, description=label))
    table = Table("setting", "mean NFE", chosen.primary_metric, "Pareto", title=f"klass tune on {task} (validation)")
    for setting, run in sorted(result.runs, key=lambda x: x[1].nfe_mean):
        table.add_row(setting.label, f"{run.nfe_mean:.2f}", f"{run.metrics[chosen.primary_metric]:.3f}",
                      "*" if (setting, run) in result.front else "")
    Console().print(table)
    records = [Record(task, s.sampler, s.label, s.options, s.steps, size, r.nfe_mean, 0.0, r.metrics,
                      chosen.primary_metric, pareto=(s, r) in result.front) for s, r in result.runs]
    out.mkdir(parents=True, exist_ok=True)
    plot_task(records, out / "tune.png")
    (out / "tune.json").write_text(json.dumps({
        "floor": floor,
        "recommended": None if result.recommended is None else result.recommended[0].options,
        "runs": [{"options": s.options, "nfe_mean": r.nfe_mean, "metrics": r.metrics} for s, r in result.runs],
    }, indent=2))
    if result.recommended is None:
        Console().print(f"no setting reaches {chosen.primary_metric} >= {floor}; lower the floor")
        raise typer.Exit(1)
    setting, run = result.recommended
    Console().print(f"recommended for {chosen.primary_metric} >= {floor}: {setting.label} "
                    f"(mean NFE {run.nfe_mean:.2f}, {chosen.primary_metric} {run.metrics[chosen.primary_metric]:.3f})")


def _print_overhead(result: dict) -> None:
    console = Console()
    for row in result["rows"]:
        console.print(f"overhead batch {row['batch']}: klass step {row['klass_step_s'] * 1e3:.1f} ms, "
                      f"topk step {row['topk_step_s'] * 1e3:.1f} ms, ratio {row['ratio']:.2f}x")
    mem = result["memory_per_row"]
    console.print(f"KLASS state per row: float32 {mem['klass_float32_bytes'] / 2**20:.1f} MiB "
                  f"({mem['ratio_float32']:.3f} of the authors' float64 layout, "
                  f"{mem['authors_float64_bytes'] / 2**20:.1f} MiB); bfloat16 {mem['ratio_bfloat16']:.3f}")


def overhead(
    device: str = typer.Option("cpu", help="torch device, e.g. cuda."),
    batch: list[int] = typer.Option([1, 4], "--batch", help="Batch sizes (repeatable)."),
    repeats: int = typer.Option(5),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
) -> None:
    """Sampler step time of klass against topk at LLaDA's shape, and KLASS's state memory."""
    from klass_core.bench.overhead import measure_overhead

    result = measure_overhead(batches=tuple(batch), repeats=repeats, device=device)
    _print_overhead(result)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))
