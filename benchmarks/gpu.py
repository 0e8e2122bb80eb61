"""GPU benchmark: sampler overhead at LLaDA's shape and end-to-end sampling on CUDA tensors.

Run on a machine with CUDA: ``bash benchmarks/gpu.sh [OUT_DIR]`` (under five minutes on one
GPU). Writes ``gpu.json``. The end-to-end model is a random-weight transformer with LLaDA's
vocabulary (126,464) and generation layout (256 positions, blocks of 32): it measures the
loop and sampler on the device, not answer quality.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from klass_core import sample
from klass_core.bench.overhead import measure_overhead
from klass_core.bench.runner import machine_info

VOCAB, PROMPT, GEN, BLOCK = 126_464, 64, 256, 32


class RandomLM(torch.nn.Module):
    """A small bidirectional transformer with LLaDA's vocabulary, bfloat16 on the device."""

    def __init__(self, hidden: int = 512, layers: int = 4) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, hidden)
        layer = torch.nn.TransformerEncoderLayer(hidden, 8, 4 * hidden, batch_first=True)
        self.body = torch.nn.TransformerEncoder(layer, layers)
        self.head = torch.nn.Linear(hidden, VOCAB)

    @torch.no_grad()
    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.embed(tokens)))


def end_to_end(device: str, batch: int, repeats: int) -> list[dict]:
    torch.manual_seed(0)
    model = RandomLM().to(device=device, dtype=torch.bfloat16).eval()
    mask_id = VOCAB - 1
    prompt = torch.randint(0, VOCAB - 2, (batch, PROMPT), device=device)
    canvas = torch.cat([prompt, torch.full((batch, GEN), mask_id, device=device)], dim=1)
    rows = []
    for sampler, options in (("topk", {}), ("klass", {}), ("klass", {"conf_threshold": 0.0, "kl_threshold": 1.0})):
        times = []
        for _ in range(repeats + 1):
            torch.cuda.synchronize()
            start = time.perf_counter()
            out = sample(model, canvas, mask_id, sampler, steps=GEN, block_length=BLOCK, generator=0, **options)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
        seconds = sorted(times[1:])[len(times[1:]) // 2]
        rows.append({"sampler": sampler, "options": options, "batch": batch, "seconds": seconds,
                     "nfe_mean": out.nfe.float().mean().item(), "ms_per_pass": 1e3 * seconds / out.nfe.float().mean().item()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench-gpu"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("benchmarks/gpu.py needs CUDA: torch.cuda.is_available() is False")
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": machine_info() | {"gpu": torch.cuda.get_device_name()},
        "overhead": measure_overhead(batches=(1, 4), repeats=args.repeats * 3, device="cuda"),
        "end_to_end": [row for b in (1, 4) for row in end_to_end("cuda", b, args.repeats)],
    }
    path = args.out / "gpu.json"
    path.write_text(json.dumps(result, indent=2))
    for row in result["overhead"]["rows"]:
        print(f"overhead batch {row['batch']}: klass/topk step ratio {row['ratio']:.2f}")
    for row in result["end_to_end"]:
        print(f"e2e batch {row['batch']} {row['sampler']} {row['options']}: {row['seconds']:.2f}s, NFE {row['nfe_mean']:.1f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
