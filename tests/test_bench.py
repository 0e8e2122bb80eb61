"""Benchmark, demo, tune and overhead code paths on the toy task (records and files, not
timings)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from klass_core.bench import Setting, pareto_front
from klass_core.bench.overhead import measure_overhead
from klass_core.bench.runner import run_settings, tasks_by_name
from klass_core.bench.tune import klass_grid, tune
from klass_core.cli import build_app
from klass_core.testing.toy import ToyTask


def test_pareto_front_by_hand() -> None:
    points = [(10, 0.9), (5, 0.9), (5, 0.8), (20, 0.95), (20, 0.95), (7, 0.5)]
    assert pareto_front(points) == [False, True, False, True, True, False]


def test_run_settings_records_speedups_and_front() -> None:
    settings = [Setting("topk"), Setting("klass", {"conf_threshold": 0.5, "kl_threshold": 0.1})]
    records = run_settings(ToyTask(), settings, n=8, seed=0)
    topk, klass = records
    assert topk.nfe_mean == 24 and topk.nfe_speedup == 1.0
    assert klass.nfe_mean < 24 and klass.nfe_speedup == pytest.approx(24 / klass.nfe_mean)
    assert all(0 <= r.quality <= 1 for r in records) and any(r.pareto for r in records)


def test_bench_quick_writes_records_table_and_plots(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(build_app(), ["bench", "--quick", "--task", "toy", "--out", str(tmp_path), "--skip-overhead"])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "results.json").read_text())
    samplers = {r["sampler"] for r in payload["records"]}
    assert {"klass", "topk", "threshold", "eb"} <= samplers
    for record in payload["records"]:
        assert record["n"] == ToyTask().sizes(quick=True) and record["nfe_mean"] > 0
        assert "self_consistency" in record["metrics"]
    assert payload["machine"]["torch"]
    assert "| toy | `klass(" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "toy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_prints_klass_and_topk(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(build_app(), ["demo", "--task", "toy"])
    assert result.exit_code == 0, result.output
    assert "topk()" in result.output and "klass()" in result.output and "speed-up" in result.output


def test_tune_front_points_are_not_dominated() -> None:
    task = ToyTask()
    task.prepare()
    grid = klass_grid(conf_thresholds=(0.5, 0.9, 1.0), kl_thresholds=(0.01, 1.0), history_lengths=(1, 2))
    result = tune(lambda s: task.run(s, n=8, seed=0, split="validation"), grid, "self_consistency", floor=0.9)
    front = [(r.nfe_mean, r.metrics["self_consistency"]) for _, r in result.front]
    for i, (nfe, q) in enumerate(front):
        for j, (o_nfe, o_q) in enumerate(front):
            assert i == j or not (o_nfe <= nfe and o_q >= q and (o_nfe < nfe or o_q > q))
    _, run = result.recommended
    assert run.metrics["self_consistency"] >= 0.9
    assert run.nfe_mean == min(r.nfe_mean for _, r in result.front if r.metrics["self_consistency"] >= 0.9)


def test_tune_cli_recommends_or_fails_clearly(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    ok = CliRunner().invoke(build_app(), ["tune", "--task", "toy", "--floor", "0.5", "--n", "4", "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "recommended for self_consistency >= 0.5" in ok.output
    assert json.loads((tmp_path / "tune.json").read_text())["recommended"]
    impossible = CliRunner().invoke(build_app(), ["tune", "--task", "toy", "--floor", "1.5", "--n", "4", "--out", str(tmp_path)])
    assert impossible.exit_code == 1 and "lower the floor" in impossible.output


def test_overhead_measures_ratios_and_state_memory() -> None:
    result = measure_overhead(batches=(1, 2), span=16, vocab=64, repeats=1)
    assert [r["batch"] for r in result["rows"]] == [1, 2]
    assert all(r["ratio"] == r["klass_step_s"] / r["topk_step_s"] for r in result["rows"])
    mem = result["memory_per_row"]
    # At its peak KLASS keeps the 15 still-masked positions: float32 log-probs + int32 streaks.
    assert mem["klass_float32_bytes"] == 15 * 64 * 4 + 15 * 4
    assert mem["klass_bfloat16_bytes"] == 15 * 64 * 2 + 15 * 4
    assert mem["authors_float64_bytes"] == 16 * 64 * 8


def test_registered_tasks_include_toy() -> None:
    assert "toy" in [t.name for t in tasks_by_name()]
