"""``klass generate image``: a PNG grid, optionally an unmasking GIF and JSON figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from klass_core.cli_options import parse_options
from klass_core.distributed.cli import RAY, RAY_ADDRESS, run, wanted

DEFAULT_COUNT = 10


def image(
    out: Annotated[Path, typer.Option("--out", help="PNG grid to write.")],
    digit: Annotated[
        int | None, typer.Option("--digit", "-d", help="Digit 0-9 (default: 0..9 in turn).")
    ] = None,
    n: Annotated[int, typer.Option("-n", help="Number of images.", min=1)] = DEFAULT_COUNT,
    prompt: Annotated[
        str | None, typer.Option(help="Text prompt (needs --model with a text encoder).")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="aMUSEd-layout folder (default: embedded digits).")
    ] = None,
    sampler: Annotated[str, typer.Option(help="Sampler name, see `klass samplers`.")] = "klass",
    steps: Annotated[int | None, typer.Option(help="Step budget (default 12).", min=1)] = None,
    seed: Annotated[int, typer.Option(help="Image j uses seed + j.")] = 0,
    guidance: Annotated[float | None, typer.Option(help="Classifier-free guidance scale.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Sampler option KEY=VALUE (repeatable)."),
    ] = None,
    gif: Annotated[
        Path | None, typer.Option(help="Animated GIF of the unmasking to write.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print NFE and quality figures as JSON.")
    ] = False,
    ray: bool = RAY,
    ray_address: str | None = RAY_ADDRESS,
) -> None:
    """Generate images with KLASS or a baseline and save them as a grid (and an animation)."""
    from klass_image.render import check_writable

    try:
        if wanted(ray, ray_address):  # --out is a folder of PNGs then
            labels = [digit if digit is not None else i % 10 for i in range(n)]
            requests = [prompt] * n if prompt is not None else labels if model is None or digit is not None else n
            run("image", requests, out=out, ray_address=ray_address, seed=seed, model=model,
                sampler=sampler, steps=steps, guidance_scale=guidance, **parse_options(option or []))
            return
        for path in (out, gif):
            if path is not None:
                check_writable(path)
        result = _run(
            out, digit, n, prompt, model, sampler, steps, seed, guidance, option or [], gif
        )
    except (ValueError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        figures = ", ".join(f"{k} {v:.3f}" for k, v in result.items() if isinstance(v, float))
        typer.echo(f"wrote {out}" + (f" and {gif}" if gif else "") + f" ({figures})")


def _run(
    out: Path,
    digit: int | None,
    n: int,
    prompt: str | None,
    model: str | None,
    sampler: str,
    steps: int | None,
    seed: int,
    guidance: float | None,
    option: list[str],
    gif: Path | None,
) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import Progress

    from klass_core import TraceRecorder
    from klass_image import quality, render
    from klass_image.generation import generate, load_adapter, sampler_options

    adapter = load_adapter(model, guidance)
    if prompt is not None:
        if digit is not None:
            raise ValueError("give --digit (digits model) or --prompt (text model), not both")
        inputs: dict[str, Any] = {"prompts": [prompt] * n}
    elif adapter.name == "digits" or digit is not None:
        inputs = {"labels": [digit] * n if digit is not None else [i % 10 for i in range(n)]}
    else:
        inputs = {"n": n}
    budget = steps or adapter.default_steps
    options = parse_options(option)
    trace = TraceRecorder()
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"{sampler}: forward passes", total=budget)

        def callback(info: Any) -> None:
            trace(info)
            progress.update(task, completed=int(info.nfe.max()))

        images = generate(
            **inputs,
            model=model,
            sampler=sampler,
            steps=steps,
            seed=seed,
            guidance_scale=guidance,
            callback=callback,
            **options,
        )
    columns = min(len(images), 10)
    render.save_png(render.sheet([g.image for g in images], columns), out)
    if gif is not None:
        frames = render.unmasking_frames(
            adapter.preview, adapter.blank(len(images)), trace.steps, columns
        )
        render.save_gif(frames, gif)
    nfe = [g.nfe for g in images]
    result: dict[str, Any] = {
        "sampler": sampler,
        "sampler_options": sampler_options(adapter, sampler, options),
        "steps": budget,
        "seed": seed,
        "images": len(images),
        "nfe": nfe,
        "mean_nfe": sum(nfe) / len(nfe),
        "out": str(out),
        "gif": str(gif) if gif else None,
    }
    if adapter.name == "digits":
        import torch

        labels = [g.label for g in images]
        result |= quality.score(torch.stack([g.tokens for g in images]), labels)
    return result
