"""The ``selfies`` and ``smiles`` benchmark tasks: unconditional molecules at temperature 1."""

from __future__ import annotations

from typing import ClassVar

from klass_core.bench import BenchTask, Setting, TaskRun


class MoleculeTask(BenchTask):
    """Validity and uniqueness (RDKit) of unconditional samples drawn at temperature 1."""

    representation: ClassVar[str]
    primary_metric = "validity"

    def prepare(self) -> None:
        from klass_molecule.api import load_adapter

        load_adapter(self.representation)

    def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
        import klass_molecule

        offset = 0 if split == "test" else 1_000_003
        mols = klass_molecule.generate(n, representation=self.representation, sampler=setting.sampler,
                                       seed=seed + offset, steps=setting.steps, **setting.options)
        figures = klass_molecule.metrics(mols, novelty=False)
        keep = ("validity", "uniqueness", "heavy_atoms_mean", "ring_fraction")
        return TaskRun(sum(m.nfe for m in mols) / len(mols), {k: figures[k] for k in keep if figures.get(k) is not None})

    def bench_settings(self, quick: bool) -> list[Setting]:
        klass = [Setting("klass", {"conf_threshold": c, "kl_threshold": e}) for c, e in
                 ((0.9, 0.01), (0.7, 0.01), (0.9, 0.1))]
        rest = [self.baseline, Setting("topk", steps=16), Setting("threshold", {"threshold": 0.9}),
                Setting("eb", {"gamma": 0.1})]
        if quick:
            return [klass[0], *rest]
        return [*klass, *rest, Setting("threshold", {"threshold": 0.7}), Setting("entropy"), Setting("random")]

    def sizes(self, quick: bool) -> int:
        return 100 if quick else 1000

    def demo_size(self) -> int:
        return 100


class SelfiesTask(MoleculeTask):
    name = "selfies"
    representation = "selfies"


class SmilesTask(MoleculeTask):
    name = "smiles"
    representation = "smiles"
