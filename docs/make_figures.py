"""Draw the figure of ``docs/how-klass-works.md`` from a real sampling trace.

Run ``.venv/bin/python docs/make_figures.py`` after the embedded text model changes and commit
``docs/img/klass-trace.png``. It samples one addition problem with the embedded text model
(``klass_text``), once with KLASS and once with ``topk``, records every forward pass with
:class:`klass_core.TraceRecorder`, and plots (left) how many tokens each forward pass
committed and (right) the KL between consecutive predictions of every generated position,
against KLASS's ``kl_threshold``. Needs matplotlib (the ``bench`` extra).
"""

from __future__ import annotations

import math
from pathlib import Path

OUT = Path(__file__).parent / "img" / "klass-trace.png"
PROMPT = "615+493="
GEN_LENGTH = 8
KLASS_OPTIONS = {"conf_threshold": 0.9, "kl_threshold": 0.01, "history_length": 2}


def record(sampler: str, **options: float) -> tuple[object, object]:
    """``(TraceRecorder, TextResult)`` of one sample of :data:`PROMPT`."""
    import klass_text
    from klass_core import TraceRecorder

    trace = TraceRecorder()
    result = klass_text.generate(PROMPT, sampler=sampler, gen_length=GEN_LENGTH, callback=trace, **options)
    return trace, result[0]


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    klass_trace, klass_result = record("klass", **KLASS_OPTIONS)
    topk_trace, topk_result = record("topk")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)

    for offset, (name, trace) in enumerate((("klass", klass_trace), ("topk", topk_trace))):
        counts = trace.committed_per_step(0)
        steps = [i + 1 + (offset - 0.5) * 0.38 for i in range(len(counts))]
        left.bar(steps, counts, width=0.38, label=f"{name} ({len(counts)} forward passes)")
    left.set_xlabel("forward pass")
    left.set_ylabel("tokens committed")
    left.set_title(f"{PROMPT} (gen_length {GEN_LENGTH})")
    left.legend()

    kl = klass_trace.kl(0)  # [L] per forward pass, NaN where not measured
    width = kl[0].shape[0]
    for position in range(width - GEN_LENGTH, width):
        values = [float(step[position]) for step in kl]
        points = [(i + 1, max(v, 1e-8)) for i, v in enumerate(values) if not math.isnan(v)]
        if points:
            xs, ys = zip(*points, strict=True)
            right.plot(xs, ys, marker="o", label=f"position {position - (width - GEN_LENGTH)}")
    right.axhline(KLASS_OPTIONS["kl_threshold"], color="black", linestyle="--", label="kl_threshold")
    right.set_yscale("log")
    right.set_xlabel("forward pass")
    right.set_ylabel("KL(p_now || p_prev)")
    right.set_title("KLASS: KL of each masked position")
    right.legend(fontsize=7, ncol=2)

    for axis in (left, right):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}: klass {klass_result.text!r} in {klass_result.nfe} passes, "
          f"topk {topk_result.text!r} in {topk_result.nfe} passes")


if __name__ == "__main__":
    main()
