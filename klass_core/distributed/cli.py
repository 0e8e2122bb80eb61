"""``--ray`` and ``--ray-address`` for the ``klass generate <modality>`` commands.

A plugin's command takes the two options (``ray: bool = RAY``,
``ray_address: str | None = RAY_ADDRESS``) and, when :func:`wanted`, hands its requests and
options to :func:`run` instead of generating in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

__all__ = ["RAY", "RAY_ADDRESS", "run", "wanted"]

RAY: Any = typer.Option(
    False, "--ray",
    help="Spread generation over a Ray cluster (needs the ray extra); results stream to --out "
    "(.jsonl, .csv or .parquet; a folder for images).",
)
RAY_ADDRESS: Any = typer.Option(
    None, "--ray-address",
    help="Head node of an existing Ray cluster, HOST:PORT or 'auto' (implies --ray; "
    "default: a local cluster).",
)


def wanted(ray: bool, ray_address: str | None) -> bool:
    """Whether the command should run on Ray."""
    return ray or ray_address is not None


def run(
    modality: str,
    requests: int | Sequence[Any],
    *,
    out: Path | None,
    ray_address: str | None,
    seed: int,
    batch_size: int = 64,
    **generate_kwargs: Any,
) -> None:
    """Run :func:`klass_core.distributed.generate`, report where the results went; errors
    exit with status 2 and a one-line message."""
    from klass_core.distributed import generate

    if out is None:
        typer.echo("error: --ray writes its results to --out; give a file (or a folder for images)", err=True)
        raise typer.Exit(2)
    try:
        path = generate(modality, requests, out=out, seed=seed, address=ray_address,
                        batch_size=batch_size, **generate_kwargs)
    except (ValueError, ImportError, ConnectionError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    count = requests if isinstance(requests, int) else len(requests)
    typer.echo(f"wrote {count} samples to {path}")
