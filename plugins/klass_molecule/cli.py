"""``klass generate molecule``: sample molecules, write CSV/SDF, print metrics."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from klass_core.cli_options import parse_options
from klass_core.distributed.cli import RAY, RAY_ADDRESS, run, wanted

OUTPUT_SUFFIXES = (".csv", ".sdf")
CSV_FIELDS = ("index", "smiles", "valid", "nfe", "error", "text")


def _check_out(out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise typer.BadParameter(f"{out} must end with .csv or .sdf", param_hint="--out")
    if not out.parent.is_dir():
        raise typer.BadParameter(
            f"folder {out.parent} does not exist; create it first or choose another path",
            param_hint="--out",
        )


class _Writer:
    """Streams molecules to a CSV or SDF file as batches arrive (nothing is lost on failure)."""

    def __init__(self, out: Path) -> None:
        self.sdf = out.suffix.lower() == ".sdf"
        self.count = 0
        if self.sdf:
            from rdkit import Chem

            self.handle = Chem.SDWriter(str(out))
        else:
            import csv

            self.file = out.open("w", newline="", encoding="utf-8")
            self.handle = csv.writer(self.file)
            self.handle.writerow(CSV_FIELDS)

    def write(self, mols: list[Any]) -> None:
        for mol in mols:
            if self.sdf:
                self._write_sdf(mol)
            else:
                self.handle.writerow([self.count, mol.smiles or "", mol.valid, mol.nfe,
                                      mol.error or "", mol.text])
            self.count += 1
        (self.handle if self.sdf else self.file).flush()

    def _write_sdf(self, mol: Any) -> None:
        from rdkit import Chem

        record = Chem.MolFromSmiles(mol.smiles) if mol.valid else Chem.Mol()
        record.SetProp("_Name", f"sample {self.count}")
        for key, value in (("index", self.count), ("text", mol.text), ("valid", mol.valid),
                           ("nfe", mol.nfe), ("error", mol.error or "")):
            record.SetProp(key, str(value))
        self.handle.write(record)

    def close(self) -> None:
        (self.handle if self.sdf else self.file).close()


def molecule(
    n: int = typer.Option(100, "-n", "--n", help="Number of molecules (> 0)."),
    representation: str = typer.Option("selfies", "--repr", help="smiles or selfies."),
    sampler: str = typer.Option("klass", "--sampler", help="Sampler name (klass samplers lists them)."),
    seed: int = typer.Option(0, "--seed", help="Row i uses seed + i."),
    template: str | None = typer.Option(
        None, "--template", help="Fixed symbols with '_' per masked symbol, '...' at the end for a free tail."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the samples to FILE.csv or FILE.sdf."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document: samples, metrics, NFE."),
    temperature: float = typer.Option(1.0, "--temperature", help="Token-draw temperature."),
    steps: int | None = typer.Option(None, "--steps", help="Step budget (default: one per masked symbol)."),
    model: Path | None = typer.Option(None, "--model", help="Model folder (default: embedded model)."),
    batch_size: int = typer.Option(200, "--batch-size", help="Rows per forward batch."),
    option: list[str] = typer.Option([], "--option", "-o", help="Sampler option KEY=VALUE (repeatable)."),
    ray: bool = RAY,
    ray_address: str | None = RAY_ADDRESS,
) -> None:
    """Generate molecules with a SMILES or SELFIES masked diffusion model."""
    from rich.console import Console
    from rich.progress import Progress

    if n <= 0:
        raise typer.BadParameter(f"must be a positive integer, got {n}", param_hint="-n")
    if representation not in ("smiles", "selfies"):
        raise typer.BadParameter(f"must be smiles or selfies, got {representation!r}", param_hint="--repr")
    if wanted(ray, ray_address):
        run("molecule", n, out=out, ray_address=ray_address, seed=seed, batch_size=batch_size,
            representation=representation, model=model, sampler=sampler, temperature=temperature,
            template=template, steps=steps, **parse_options(option))
        return
    _check_out(out)
    options = parse_options(option)

    from .api import iter_generate, metrics

    err = Console(stderr=True)
    writer = _Writer(out) if out is not None else None
    mols: list[Any] = []
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("sampling molecules", total=n)
            for batch in iter_generate(n, representation, model, sampler, seed, temperature, template,
                                       steps, batch_size, **options):
                mols.extend(batch)
                if writer is not None:
                    writer.write(batch)
                bar.update(task, completed=len(mols))
    except (ValueError, TypeError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        if writer is not None:
            writer.close()
    report = metrics(mols, model=model)
    nfe = [m.nfe for m in mols]
    summary = {"mean": sum(nfe) / len(nfe), "min": min(nfe), "max": max(nfe)}
    if as_json:
        doc = {"representation": representation, "sampler": sampler, "seed": seed, "n": n,
               "template": template, "samples": [m.to_dict() for m in mols],
               "metrics": report, "nfe": summary}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        return
    from rich.table import Table

    table = Table("metric", "value", title=f"{n} molecules ({representation}, {sampler})")
    for key, value in {**report, "nfe_min": summary["min"], "nfe_max": summary["max"]}.items():
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    Console().print(table)
    if out is not None:
        Console().print(f"wrote {len(mols)} molecules to {out}")
