"""``generate`` and ``metrics``: the Python API of the molecule plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .adapters import Molecule, MoleculeAdapter, SelfiesAdapter, SmilesAdapter

ADAPTERS: dict[str, type[MoleculeAdapter]] = {"smiles": SmilesAdapter, "selfies": SelfiesAdapter}
DEFAULT_BATCH = 200


def load_adapter(
    representation: str, model: str | Path | None = None, device: str = "cpu"
) -> MoleculeAdapter:
    """The adapter of ``representation`` on ``model`` (None: the embedded default), cached."""
    if representation not in ADAPTERS:
        raise ValueError(f"representation must be one of {sorted(ADAPTERS)}, got {representation!r}")
    return _cached_adapter(representation, str(model) if model is not None else None, device)


@lru_cache(maxsize=4)
def _cached_adapter(representation: str, model: str | None, device: str) -> MoleculeAdapter:
    return ADAPTERS[representation](model=model, device=device)


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def draw_lengths(adapter: MoleculeAdapter, n: int, seed: int) -> list[int]:
    """``n`` molecule lengths drawn from the training set's length distribution; molecule ``j``
    draws from a generator seeded ``seed + j`` (the core's per-row seed rule), so a shard
    starting at ``k`` with seed ``seed + k`` gets the same lengths as one call."""
    import torch

    counts = adapter.info.get("length_counts")
    if not counts:
        return [adapter.canvas_length] * n
    weights = torch.tensor(counts, dtype=torch.float64)
    return [
        int(torch.multinomial(weights, 1, generator=torch.Generator().manual_seed(seed + j)))
        for j in range(n)
    ]


def _temperature_option(sampler: str, temperature: float) -> dict[str, float]:
    """``{"temperature": T}`` for samplers with a token-draw temperature. Samplers without one
    (maskgit draws from the model's distribution) accept only the default ``T = 1``."""
    from klass_core import get_sampler_class

    field = get_sampler_class(sampler).Config.model_fields.get("temperature")
    if field is not None and isinstance(field.default, float):
        return {"temperature": temperature}
    if temperature != 1.0:
        raise ValueError(
            f"sampler {sampler!r} has no token temperature; leave temperature at 1.0 "
            "(its own options can be given as keyword arguments)"
        )
    return {}


def iter_generate(
    n: int,
    representation: str = "selfies",
    model: str | Path | None = None,
    sampler: str = "klass",
    seed: int = 0,
    temperature: float = 1.0,
    template: str | None = None,
    steps: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    device: str = "cpu",
    **sampler_options: Any,
) -> Iterator[list[Molecule]]:
    """Generate molecules batch by batch (see :func:`generate`); yields each decoded batch."""
    _check_count("n", n)
    _check_count("batch_size", batch_size)
    adapter = load_adapter(representation, model, device)
    if template is not None:
        inputs: list[Any] = [template] * n
        adapter.encode(template)  # a bad template fails before any sampling
    else:
        inputs = draw_lengths(adapter, n, seed)
    token_options = _temperature_option(sampler, temperature)
    for start in range(0, n, batch_size):
        rows = inputs[start: start + batch_size]
        canvas = adapter.encode(rows)
        out = adapter.sample(
            canvas, sampler=sampler, steps=steps,
            generator=[seed + start + j for j in range(len(rows))],
            **token_options, **sampler_options,
        )
        batch = adapter.decode(out.tokens, canvas)
        for mol, nfe in zip(batch, out.nfe.tolist(), strict=True):
            mol.nfe = nfe
        yield batch


def generate(
    n: int,
    representation: str = "selfies",
    model: str | Path | None = None,
    sampler: str = "klass",
    seed: int = 0,
    temperature: float = 1.0,
    *,
    template: str | None = None,
    steps: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
    **sampler_options: Any,
) -> list[Molecule]:
    """Generate ``n`` molecules with a masked diffusion model.

    Args:
        n: number of molecules (> 0).
        representation: ``"selfies"`` or ``"smiles"``.
        model: a model folder; None uses the embedded default of ``representation``.
        sampler: a registered sampler name (``klass``, ``topk``, ...).
        seed: row ``i`` samples with seed ``seed + i`` (results do not depend on batch size).
        temperature: the sampler's ``temperature`` (token draw; confidence and KL stay clean).
        template: fixed and masked symbols (``_`` one masked symbol, trailing ``...`` the
            rest), e.g. ``"c1ccc(___)cc1"``; None draws unconditional molecules whose lengths
            follow the training set.
        steps: the sampler's step budget (None: one per masked symbol).
        batch_size: rows per forward batch.
        progress: called with the number of molecules finished after every batch.
        **sampler_options: further sampler options (e.g. ``conf_threshold``).

    Returns:
        One :class:`Molecule` per row, invalid ones included (with RDKit's reason).
    """
    mols: list[Molecule] = []
    for batch in iter_generate(n, representation, model, sampler, seed, temperature, template,
                               steps, batch_size, device, **sampler_options):
        mols.extend(batch)
        if progress is not None:
            progress(len(mols))
    return mols


def metrics(
    mols: Sequence[Molecule],
    training: dict[str, Any] | None = None,
    novelty: bool = True,
    model: str | Path | None = None,
) -> dict[str, Any]:
    """Validity, uniqueness, novelty (against the MOSES training split), internal diversity,
    mean QED, mean SA score, heavy atoms and ring fraction (with the training set's), mean NFE.

    ``training``: the model's training statistics (``adapter.info``); None takes those recorded
    in the folder ``model`` that generated the molecules (None: the embedded default model of
    the molecules' representation).
    """
    from .chem import molecule_metrics
    from .data import moses_smiles

    if not mols:
        raise ValueError("metrics need at least one molecule")
    reference = None
    if novelty:
        try:
            reference = frozenset(moses_smiles())
        except FileNotFoundError:
            reference = None
    if training is None:
        training = _training_stats({m.representation for m in mols}, model)
    out = molecule_metrics([m.smiles for m in mols], reference=reference, training=training)
    nfes = [m.nfe for m in mols if m.nfe is not None]
    out["nfe_mean"] = sum(nfes) / len(nfes) if nfes else None
    return out


def _training_stats(
    representations: set[str], model: str | Path | None
) -> dict[str, Any] | None:
    """The training-set statistics of the model folder ``model`` (None: the default model when
    all molecules share a representation)."""
    import json

    from .adapters import default_model

    if model is None and len(representations) != 1:
        return None
    folder = Path(model) if model is not None else default_model(next(iter(representations)))
    config = folder / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text()).get("klass_molecule")
