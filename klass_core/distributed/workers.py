"""Ray Data actors, one class per modality: load the model once, generate batches of requests.

Ray creates each actor with ``(seed, options)`` and calls it on batches: ``pyarrow`` tables with
the global ``index`` of every request (and a ``request`` column when requests carry a payload,
such as prompts or labels). Request ``i`` is generated with seed ``seed + i``: a batch is cut
into runs of consecutive indices, and each run is one call of the plugin's ``generate`` with
seed ``seed + first index``. Since every plugin gives row ``j`` of a call the seed
``seed + j`` and rows never depend on each other, the result equals rows ``k..`` of one
single-process call, whatever the batch layout.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, ClassVar

__all__ = ["MODALITIES", "ImageShards", "MoleculeShards", "ShardGenerator", "TextShards", "schema"]


def consecutive_runs(index: Sequence[int]) -> list[tuple[int, int]]:
    """``[(lo, hi), ...]`` slices of ``index`` that hold consecutive integers."""
    runs, lo = [], 0
    for pos in range(1, len(index) + 1):
        if pos == len(index) or index[pos] != index[pos - 1] + 1:
            runs.append((lo, pos))
            lo = pos
    return runs


def schema(columns: dict[str, str]) -> Any:
    """The ``pyarrow`` schema of a modality's output: ``index`` then its ``columns``."""
    import pyarrow as pa

    return pa.schema([("index", pa.int64())] + [(k, pa.type_for_alias(t)) for k, t in columns.items()])


class ShardGenerator:
    """Base of the actors; a subclass sets ``columns`` and implements ``load`` and ``run``."""

    #: output column -> pyarrow type alias (besides ``index``)
    columns: ClassVar[dict[str, str]]

    def __init__(self, seed: int, options: dict[str, Any]) -> None:
        self.seed = seed
        self.options = dict(options)
        self.load()

    @classmethod
    def check_requests(cls, requests: int | Sequence[Any]) -> None:
        """Raise ``ValueError`` when ``requests`` is not a kind this modality takes."""
        raise NotImplementedError

    def load(self) -> None:
        """Load the plugin's model (into the plugin's cache) once per actor."""
        raise NotImplementedError

    def run(self, requests: int | list[Any], seed: int) -> list[dict[str, Any]]:
        """One plugin call: ``requests`` (a payload list, or a count) with its first seed."""
        raise NotImplementedError

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        index = batch.column("index").to_pylist()
        payload = batch.column("request").to_pylist() if "request" in batch.column_names else None
        rows: list[dict[str, Any]] = []
        for lo, hi in consecutive_runs(index):
            part = payload[lo:hi] if payload is not None else hi - lo
            results = self.run(part, self.seed + index[lo])
            rows += [{"index": i, **row} for i, row in zip(index[lo:hi], results, strict=True)]
        return pa.Table.from_pylist(rows, schema=schema(self.columns))


def _check_count(requests: Any, what: str) -> None:
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise ValueError(f"requests: give the number of {what} (a positive int), got {requests!r}")


def _check_payload(requests: Any, kinds: tuple[type, ...], what: str) -> None:
    if isinstance(requests, str) or not isinstance(requests, Sequence) or not requests:
        raise ValueError(f"requests: give a non-empty list of {what}, got {requests!r}")
    kind = next((k for k in kinds if isinstance(requests[0], k)), None)
    bad = next((r for r in requests if kind is None or isinstance(r, bool) or not isinstance(r, kind)), None)
    if kind is None or bad is not None:
        raise ValueError(f"requests: every item must be one of {what} of the same kind, got {bad!r}")


class TextShards(ShardGenerator):
    """``klass_text.generate``: one request is a prompt."""

    columns: ClassVar[dict[str, str]] = {"prompt": "string", "text": "string", "nfe": "int64"}

    @classmethod
    def check_requests(cls, requests: int | Sequence[Any]) -> None:
        _check_payload(requests, (str,), "prompts (str)")

    def load(self) -> None:
        from klass_text.api import load_adapter

        opts = self.options
        load_adapter(opts.get("model"), opts.get("adapter"), opts.get("device", "cpu"))

    def run(self, requests: int | list[Any], seed: int) -> list[dict[str, Any]]:
        from klass_text import generate

        return [asdict(r) for r in generate(requests, seed=seed, **self.options)]


class MoleculeShards(ShardGenerator):
    """``klass_molecule.generate``: one request is one molecule (``requests`` is a count)."""

    columns: ClassVar[dict[str, str]] = {
        "text": "string", "smiles": "string", "valid": "bool", "error": "string",
        "nfe": "int64", "representation": "string",
    }

    @classmethod
    def check_requests(cls, requests: int | Sequence[Any]) -> None:
        _check_count(requests, "molecules")

    def load(self) -> None:
        from klass_molecule.api import load_adapter

        opts = self.options
        load_adapter(opts.get("representation", "selfies"), opts.get("model"), opts.get("device", "cpu"))

    def run(self, requests: int | list[Any], seed: int) -> list[dict[str, Any]]:
        from klass_molecule import generate

        return [m.to_dict() for m in generate(requests, seed=seed, **self.options)]


class ImageShards(ShardGenerator):
    """``klass_image.generate``: a request is a digit label, a text prompt, or (a count of)
    unconditional images. Images travel as lossless PNG bytes at the model's resolution."""

    columns: ClassVar[dict[str, str]] = {"digit": "int64", "prompt": "string", "nfe": "int64", "png": "binary"}

    @classmethod
    def check_requests(cls, requests: int | Sequence[Any]) -> None:
        if isinstance(requests, int) and not isinstance(requests, bool):
            _check_count(requests, "unconditional images")
        else:
            _check_payload(requests, (int, str), "digit labels (int) or prompts (str)")

    def load(self) -> None:
        from klass_image.generation import load_adapter

        load_adapter(self.options.get("model"), self.options.get("guidance_scale"))

    def run(self, requests: int | list[Any], seed: int) -> list[dict[str, Any]]:
        from klass_image.generation import generate

        if isinstance(requests, int):
            inputs: dict[str, Any] = {"n": requests}
        else:
            inputs = {"prompts" if isinstance(requests[0], str) else "labels": requests}
        rows = []
        for g in generate(**inputs, seed=seed, **self.options):
            png = io.BytesIO()
            g.image.save(png, format="PNG")
            rows.append({
                "digit": g.label if isinstance(g.label, int) else None,
                "prompt": g.label if isinstance(g.label, str) else None,
                "nfe": g.nfe,
                "png": png.getvalue(),
            })
        return rows


#: modality name -> its actor class
MODALITIES: dict[str, type[ShardGenerator]] = {
    "text": TextShards,
    "molecule": MoleculeShards,
    "image": ImageShards,
}
