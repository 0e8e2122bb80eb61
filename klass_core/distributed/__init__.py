"""Scale-out: generation spread over a Ray cluster, with the results of a single process.

>>> from klass_core.distributed import generate
>>> generate("molecule", 100_000, seed=0, out="mols.parquet", num_actors=8)  # doctest: +SKIP

Requests become a Ray Dataset with a global ``index`` column; ``map_batches`` runs them on a
pool of actors (:mod:`klass_core.distributed.workers`) that each load the model once; request
``i`` is sampled with seed ``seed + i``. The driver streams the results to ``out`` in index
order (:mod:`klass_core.distributed.sinks`). Ray is imported lazily: install ``klass[ray]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from klass_core.distributed.cluster import RayNotInstalledError, connect, import_ray
from klass_core.distributed.sinks import check_out, open_sink
from klass_core.distributed.workers import MODALITIES, ImageShards, ShardGenerator, schema

__all__ = ["MODALITIES", "RayNotInstalledError", "ShardGenerator", "generate", "import_ray", "in_order"]

#: generate() arguments that the scale-out sets per batch; the plugin must not get them twice
_RESERVED = frozenset({"seed", "n", "labels", "prompts", "callback", "progress"})


def _check_number(name: str, value: Any, *, integer: bool = True, zero: bool = False) -> None:
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not (value >= 0 if zero else value > 0):
        sign = "non-negative" if zero else "positive"
        raise ValueError(f"{name} must be a {sign} {'int' if integer else 'number'}, got {value!r}")


def in_order(batches: Iterable[list[dict[str, Any]]], total: int) -> Iterable[list[dict[str, Any]]]:
    """Pass on rows whose ``index`` is the next one expected, so each of ``0..total-1`` comes
    out exactly once: a row seen again (a retried batch delivered twice) is dropped, and a gap
    or a short run is an error rather than a silently incomplete file."""
    expected = 0
    for rows in batches:
        fresh = []
        for row in rows:
            if row["index"] < expected:
                continue
            if row["index"] > expected:
                raise RuntimeError(f"request {expected} is missing from the results (got {row['index']} next)")
            fresh.append(row)
            expected += 1
        if fresh:
            yield fresh
    if expected != total:
        raise RuntimeError(f"only {expected} of {total} requests came back")


def generate(
    modality: str | type[ShardGenerator],
    requests: int | Sequence[Any],
    *,
    out: str | Path,
    seed: int = 0,
    address: str | None = None,
    batch_size: int = 64,
    num_actors: int | None = None,
    num_cpus_per_actor: float = 1,
    num_gpus_per_actor: float = 0,
    progress: bool = True,
    **generate_kwargs: Any,
) -> Path:
    """Generate on a Ray cluster; the output equals a single-process run with ``seed``.

    Args:
        modality: ``"text"``, ``"molecule"`` or ``"image"``, or a
            :class:`~klass_core.distributed.workers.ShardGenerator` subclass of your own.
        requests: text: a list of prompts; molecule: the number of molecules; image: a list
            of digit labels or of prompts, or the number of unconditional images.
        out: ``.jsonl``, ``.csv`` or ``.parquet`` file (text, molecule), or a folder for
            images (``00000000.png``... and an ``images.jsonl`` manifest). Rows carry their
            request ``index`` and are written in index order, each exactly once.
        seed: request ``i`` uses seed ``seed + i``, as in the plugins' own ``generate``.
        address: ``None`` starts a local Ray cluster; ``"auto"`` or ``HOST:PORT`` (or
            ``ray://HOST:PORT``) joins an existing one. A Ray session already open in this
            process is used as it is (leave ``address`` at None then).
        batch_size: requests per actor call (and per forward batch).
        num_actors: actors in the pool, each with its own copy of the model; None: as many as
            the cluster's CPUs (GPUs when ``num_gpus_per_actor`` > 0) hold, at most one per batch.
        num_cpus_per_actor, num_gpus_per_actor: resources reserved for each actor (pass
            ``device="cuda"`` in ``generate_kwargs`` for plugins that take a device).
        progress: show a progress bar on stderr.
        **generate_kwargs: passed to the plugin's ``generate`` (model, sampler, steps, ...).

    Returns:
        ``out`` as a Path, once complete.
    """
    if isinstance(modality, type) and issubclass(modality, ShardGenerator):
        worker = modality
    elif modality in MODALITIES:
        worker = MODALITIES[modality]
    else:
        raise ValueError(f"modality must be one of {sorted(MODALITIES)} or a ShardGenerator subclass, got {modality!r}")
    worker.check_requests(requests)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    _check_number("batch_size", batch_size)
    if num_actors is not None:
        _check_number("num_actors", num_actors)
    _check_number("num_cpus_per_actor", num_cpus_per_actor, integer=False, zero=True)
    _check_number("num_gpus_per_actor", num_gpus_per_actor, integer=False, zero=True)
    if clash := sorted(_RESERVED & generate_kwargs.keys()):
        raise ValueError(f"{', '.join(clash)}: set per request by the scale-out; pass seed= and requests instead")
    if "sampler" in generate_kwargs:  # fail here rather than on every actor
        from klass_core import get_sampler_class

        try:
            get_sampler_class(generate_kwargs["sampler"])
        except KeyError as exc:
            raise ValueError(f"sampler: {exc.args[0]}") from None
    model = generate_kwargs.get("model")
    if isinstance(model, str | Path) and Path(model).exists():
        generate_kwargs["model"] = str(Path(model).resolve())  # actors do not share our cwd
    images = issubclass(worker, ImageShards)
    out = check_out(out, images)
    total = requests if isinstance(requests, int) else len(requests)

    with connect(address) as ray:
        tables = _request_tables(requests, total, batch_size)
        if num_actors is None:
            num_actors = _actors_that_fit(ray.cluster_resources(), num_cpus_per_actor, num_gpus_per_actor, len(tables))
        ds = ray.data.from_arrow(tables)
        ds.context.execution_options.preserve_order = True
        ds.context.enable_progress_bars = False
        ds = ds.map_batches(
            worker,
            batch_size=batch_size,
            batch_format="pyarrow",
            fn_constructor_args=(seed, generate_kwargs),
            compute=ray.data.ActorPoolStrategy(size=num_actors),
            num_cpus=num_cpus_per_actor,
            num_gpus=num_gpus_per_actor,
        )
        batches = (table.to_pylist() for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"))
        _write(batches, open_sink(out, schema(worker.columns), images), total, progress)
    return out


def _actors_that_fit(resources: dict[str, float], cpus: float, gpus: float, batches: int) -> int:
    """How many actors of ``cpus`` CPUs and ``gpus`` GPUs the cluster holds (at least 1),
    capped at the number of batches; one per CPU when an actor reserves nothing."""
    needs = {"CPU": cpus, "GPU": gpus}
    fits = [resources.get(name, 0) // need for name, need in needs.items() if need > 0]
    return int(max(1, min([*(fits or [resources.get("CPU", 1)]), batches])))


def _request_tables(requests: int | Sequence[Any], total: int, batch_size: int) -> list[Any]:
    """One ``pyarrow`` table (one Ray block, one actor call) per ``batch_size`` requests.

    Built on the driver, so no read task competes with the actors for CPUs."""
    import pyarrow as pa

    tables = []
    for lo in range(0, total, batch_size):
        columns = {"index": pa.array(range(lo, min(lo + batch_size, total)), pa.int64())}
        if not isinstance(requests, int):
            columns["request"] = pa.array(requests[lo : lo + batch_size])
        tables.append(pa.table(columns))
    return tables


def _write(batches: Iterable[list[dict[str, Any]]], sink: Any, total: int, progress: bool) -> None:
    """Stream ordered, de-duplicated rows into ``sink`` with an optional progress bar."""
    from rich.console import Console
    from rich.progress import Progress

    complete = False
    try:
        with Progress(console=Console(stderr=True), transient=True, disable=not progress) as bar:
            task = bar.add_task("generating", total=total)
            for rows in in_order(batches, total):
                sink.write(rows)
                bar.advance(task, len(rows))
        complete = True
    finally:
        sink.close(complete)
