"""The ``digits`` benchmark task: the embedded class-conditional digits model."""

from __future__ import annotations

from klass_core.bench import BenchTask, Setting, TaskRun


class DigitsTask(BenchTask):
    """Class accuracy of generated digits (a classifier trained at run time), 10 classes."""

    name = "digits"
    primary_metric = "class_accuracy"

    def prepare(self) -> None:
        from klass_image.generation import load_adapter
        from klass_image.quality import digit_classifier

        load_adapter()
        digit_classifier()

    def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
        import torch

        import klass_image
        from klass_image.quality import score

        # Splits differ by seed only: the model is conditioned on the label, nothing is held out.
        labels = [i % 10 for i in range(n)]
        offset = 0 if split == "test" else 1_000_003
        images = klass_image.generate(labels=labels, sampler=setting.sampler, steps=setting.steps,
                                      seed=seed + offset, **setting.options)
        grids = torch.stack([img.tokens.reshape(8, 8) for img in images])
        quality = {k: v for k, v in score(grids, labels).items() if v is not None}
        return TaskRun(sum(img.nfe for img in images) / len(images), quality)

    def demo_settings(self) -> list[Setting]:
        return [self.baseline, Setting("maskgit", steps=8), Setting("klass", steps=8)]

    def bench_settings(self, quick: bool) -> list[Setting]:
        # generate() draws tokens at temperature 1 for every sampler that chooses tokens.
        klass = [Setting("klass", steps=8), Setting("klass", steps=16),
                 Setting("klass", {"conf_threshold": 0.7, "kl_threshold": 0.05})]
        # the model's recommended remasking temperature (its sampler_defaults.json), then aMUSEd's
        maskgit = [*(Setting("maskgit", steps=s) for s in (8, 12, 16)),
                   Setting("maskgit", {"temperature": (2.0, 0.0)}, steps=8)]
        rest = [self.baseline, Setting("topk", steps=8), Setting("threshold", {"threshold": 0.7}),
                Setting("eb", {"gamma": 0.1})]
        if quick:
            return [klass[0], maskgit[0], maskgit[2], maskgit[3], *rest[:2]]
        return [*klass, *maskgit, *rest, Setting("margin", steps=8), Setting("random", steps=8)]

    def sizes(self, quick: bool) -> int:
        return 100 if quick else 500

    def demo_size(self) -> int:
        return 100
