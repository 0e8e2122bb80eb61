"""``klass generate text``: generate continuations of prompts from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from klass_core.cli_options import parse_options
from klass_core.distributed.cli import RAY, RAY_ADDRESS, run, wanted


def text_command(
    prompts: Annotated[list[str], typer.Argument(help="Prompts to continue.")],
    model: Annotated[
        str | None, typer.Option(help="Model folder or hub id; default: the embedded model.")
    ] = None,
    adapter: Annotated[
        str | None, typer.Option(help="Adapter name (llada, dream, hf-masked-lm); default: from the config.")
    ] = None,
    sampler: Annotated[str, typer.Option(help="Sampler name (klass, topk, ...).")] = "klass",
    gen_length: Annotated[int, typer.Option(help="Tokens to generate per prompt.")] = 16,
    steps: Annotated[int | None, typer.Option(help="Step budget; default one per token.")] = None,
    block_length: Annotated[int | None, typer.Option(help="Semi-autoregressive block length.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the first prompt (the next get seed+1...).")] = 0,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Sampler option KEY=VALUE (repeatable).")
    ] = None,
    infill: Annotated[bool, typer.Option(help="Also fill mask tokens inside the prompts.")] = False,
    device: Annotated[str, typer.Option(help="torch device.")] = "cpu",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="With --ray: write the samples to FILE.jsonl, .csv or .parquet.")
    ] = None,
    ray: bool = RAY,
    ray_address: str | None = RAY_ADDRESS,
) -> None:
    """Generate text with KLASS or a baseline sampler and show each sample's NFE."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    import klass_text

    options = parse_options(option or [])
    if wanted(ray, ray_address):
        run("text", prompts, out=out, ray_address=ray_address, seed=seed, model=model, adapter=adapter,
            sampler=sampler, gen_length=gen_length, steps=steps, block_length=block_length,
            infill=infill, device=device, **options)
        return
    err = Console(stderr=True)
    try:
        text_adapter = klass_text.load_adapter(model, adapter, device)
        with Progress(console=err, transient=True) as progress:
            bar = progress.add_task(f"{sampler}: sampling", total=len(prompts))

            def advance(info: Any) -> None:
                finished = ~(info.canvas == text_adapter.mask_id).any(-1)
                progress.advance(bar, int(finished.sum()))

            results = klass_text.generate(
                prompts, text_adapter, sampler, gen_length, steps, block_length, seed,
                infill=infill, callback=advance, **options,
            )
    except (ValueError, TypeError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        document = {
            "model": model,
            "sampler": sampler,
            "sampler_options": options,
            "gen_length": gen_length,
            "steps": steps,
            "block_length": block_length,
            "seed": seed,
            "samples": [{"prompt": r.prompt, "text": r.text, "nfe": r.nfe} for r in results],
            "mean_nfe": sum(r.nfe for r in results) / len(results),
        }
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table("prompt", "text", "nfe")
    for r in results:
        table.add_row(r.prompt, r.text, str(r.nfe))
    Console().print(table)
