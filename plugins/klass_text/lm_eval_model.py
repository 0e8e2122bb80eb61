"""The ``klass`` model for lm-evaluation-harness: ``generate_until`` through any text adapter
and sampler.

lm-eval has no plugin discovery, so import this module before evaluating (it registers the
model name ``klass``), or run the harness through it::

    python -m klass_text.lm_eval_model --model klass \\
        --model_args model=path/to/llada,sampler=klass,gen_length=256,block_length=32 --tasks gsm8k

``model_args``: ``model`` (folder or hub id; omit for the embedded model), ``adapter``,
``sampler``, ``gen_length``, ``steps``, ``block_length``, ``seed``, ``batch_size`` and any
option of the sampler (e.g. ``conf_threshold=0.9``). Log-likelihood requests are refused:
an MDM's likelihood is only bounded (ELBO), and a bound scored as a likelihood would be wrong.
"""

from __future__ import annotations

from typing import Any

from lm_eval.api.model import LM
from lm_eval.api.registry import register_model

import klass_text

__all__ = ["KlassLM"]


def cut_at_stops(text: str, stops: list[str]) -> str:
    """``text`` up to the first occurrence of any stop sequence."""
    cut = len(text)
    for stop in stops:
        at = text.find(stop) if stop else -1
        if at != -1:
            cut = min(cut, at)
    return text[:cut]


@register_model("klass")
class KlassLM(LM):
    """Samples continuations with ``klass_text.generate``."""

    def __init__(
        self,
        model: str | None = None,
        adapter: str | None = None,
        sampler: str = "klass",
        gen_length: int | None = None,
        steps: int | None = None,
        block_length: int | None = None,
        seed: int = 0,
        batch_size: int | str | None = None,
        device: str | None = None,
        **sampler_options: Any,
    ) -> None:
        super().__init__()
        self.adapter = klass_text.load_adapter(model, adapter, device or "cpu")
        self.sampler = sampler
        self.gen_length = None if gen_length is None else int(gen_length)
        self.steps = None if steps is None else int(steps)
        self.block_length = None if block_length is None else int(block_length)
        self.seed = int(seed)
        self.batch_size = None if batch_size in (None, "auto") else int(batch_size)
        self.sampler_options = sampler_options

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
        jobs = []
        for request in requests:
            context, gen_kwargs = request.args
            stops = gen_kwargs.get("until") or []
            length = self.gen_length or int(gen_kwargs.get("max_gen_toks", 256))
            jobs.append((context, [stops] if isinstance(stops, str) else list(stops), length))
        outputs: list[str] = []
        start = 0
        while start < len(jobs):
            # Consecutive requests of one length form a batch; request i always gets seed + i.
            end = start + 1
            while end < len(jobs) and jobs[end][2] == jobs[start][2] and (
                self.batch_size is None or end - start < self.batch_size
            ):
                end += 1
            results = klass_text.generate(
                [job[0] for job in jobs[start:end]], model=self.adapter, sampler=self.sampler,
                gen_length=jobs[start][2], steps=self.steps, block_length=self.block_length,
                seed=self.seed + start, **self.sampler_options,
            )
            for (_, stops, _), result, request in zip(jobs[start:end], results, requests[start:end], strict=True):
                outputs.append(cut_at_stops(result.text, stops))
                self.cache_hook.add_partial("generate_until", request.args, outputs[-1])
            start = end
        return outputs

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        raise NotImplementedError(
            "klass does not answer log-likelihood requests: masked diffusion models give only a "
            "likelihood bound; use generate_until tasks (output_type: generate_until)"
        )

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
        return self.loglikelihood(requests, disable_tqdm)


if __name__ == "__main__":
    from lm_eval.__main__ import cli_evaluate

    cli_evaluate()
