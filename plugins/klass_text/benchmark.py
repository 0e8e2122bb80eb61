"""The ``arithmetic`` benchmark task: the embedded model on held-out addition problems."""

from __future__ import annotations

from klass_core.bench import BenchTask, Setting, TaskRun

GEN_LENGTH = 16


class ArithmeticTask(BenchTask):
    """Exact match of the answer on the fixed held-out split; topk commits one token per step."""

    name = "arithmetic"
    primary_metric = "exact_match"

    def prepare(self) -> None:
        import klass_text

        klass_text.load_adapter()

    def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
        import klass_text
        from klass_text import task

        problems = task.split(split)[:n]
        results = klass_text.generate([p.prompt for p in problems], sampler=setting.sampler, gen_length=GEN_LENGTH,
                                      steps=setting.steps, seed=seed, **setting.options)
        return TaskRun(sum(r.nfe for r in results) / len(results),
                       {"exact_match": task.exact_match([r.text for r in results], problems)})

    def bench_settings(self, quick: bool) -> list[Setting]:
        klass = [Setting("klass", {"conf_threshold": c, "kl_threshold": e}) for c, e in
                 ((0.9, 0.01), (0.9, 0.001), (0.7, 0.01), (0.95, 0.05))]
        topk = [Setting("topk"), Setting("topk", steps=8), Setting("topk", steps=4)]
        threshold = [Setting("threshold", {"threshold": t}) for t in (0.9, 0.7, 0.5)]
        eb = [Setting("eb", {"gamma": g}) for g in (0.01, 0.1, 1.0)]
        if quick:
            return [klass[0], topk[0], topk[2], threshold[0], threshold[2], eb[1]]
        return [*klass, *topk, *threshold, *eb, Setting("margin"), Setting("entropy"), Setting("random")]

    def sizes(self, quick: bool) -> int:
        return 200 if quick else 1000

    def demo_size(self) -> int:
        return 100
