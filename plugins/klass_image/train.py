"""Train the embedded digits model: ``python -m klass_image.train --out DIR [--minutes M]``.

MaskGIT objective on scikit-learn's digits: each image gets a mask ratio ``cos(pi/2 * r)``
with ``r ~ U(0, 1)``, that many grey-level tokens are replaced by the mask id, and the
cross-entropy is taken on the masked tokens only. One class in ten is dropped to the null
class so classifier-free guidance works at sampling time. The saved weights are an exponential
moving average of the trained ones (``ema``; 0 saves the raw weights). Seeded and
single-threaded, so
the same ``--steps`` reproduce the same weights; the folder is rewritten at every checkpoint,
so an interrupted run still leaves loadable weights.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from klass_image import digits


def mask_tokens(tokens: torch.LongTensor, generator: torch.Generator) -> torch.BoolTensor:
    """Choose the positions to mask: ``max(1, ceil(cos(pi/2 r) * L))`` per row, at random."""
    batch, length = tokens.shape[0], tokens[0].numel()
    ratio = torch.cos(torch.rand(batch, generator=generator) * math.pi / 2)
    count = (ratio * length).ceil().clamp(min=1).long()
    rank = torch.rand(batch, length, generator=generator).argsort(dim=1).argsort(dim=1)
    return (rank < count[:, None]).view_as(tokens)


def masked_loss(transformer, embedder, tokens, labels, generator) -> torch.Tensor:
    """Mean cross-entropy over masked positions for one batch."""
    masked = mask_tokens(tokens, generator)
    inputs = tokens.masked_fill(masked, digits.MASK_ID)
    pooled, hidden = embedder(labels)
    logits = transformer(inputs, hidden, pooled, digits.micro_conds(tokens.shape[0]))
    losses = F.cross_entropy(logits, tokens, reduction="none")
    return losses[masked].mean()


class WeightAverage:
    """Exponential moving average of a module's floating-point weights (warm-started, so early
    checkpoints are not dominated by the random initialisation)."""

    def __init__(self, module: torch.nn.Module, decay: float) -> None:
        self.module, self.decay, self.updates = module, decay, 0
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for key, value in self.module.state_dict().items():
            if value.is_floating_point():
                self.state[key].lerp_(value, 1 - decay)
            else:
                self.state[key].copy_(value)

    def averaged(self) -> torch.nn.Module:
        """A copy of the module holding the averaged weights."""
        import copy

        module = copy.deepcopy(self.module)
        module.load_state_dict(self.state)
        return module.eval()


def save(folder: Path, transformer, embedder, record: dict) -> None:
    """Write the aMUSEd-layout folder (transformer, class embedder, scheduler, index)."""
    from diffusers import AmusedScheduler

    transformer.save_pretrained(folder / "transformer")
    embedder.save_pretrained(folder / "class_embedder")
    AmusedScheduler(mask_token_id=digits.MASK_ID).save_pretrained(folder / "scheduler")
    index = {
        "_class_name": digits.PIPELINE_NAME,
        "transformer": ["diffusers", "UVit2DModel"],
        "class_embedder": ["klass_image.digits", "ClassEmbedder"],
        "scheduler": ["diffusers", "AmusedScheduler"],
    }
    (folder / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    (folder / "training.json").write_text(json.dumps(record, indent=2) + "\n")


def train(
    out: Path,
    steps: int = 2000,
    minutes: float | None = None,
    batch_size: int = 64,
    lr: float = 1.5e-3,
    seed: int = 0,
    checkpoint_every: int = 200,
    ema: float = 0.999,
    init: Path | None = None,
) -> dict:
    """Train and save the digits model (from ``init``'s weights when given); return the
    training record."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    tokens, labels = digits.load_digit_tokens()
    train_idx, held_idx = digits.split_indices(len(tokens), seed=seed)
    transformer, embedder = digits.load_models(init) if init else digits.build_models(seed)
    params = [*transformer.parameters(), *embedder.parameters()]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    warmup = min(100, steps // 10)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    averages = [WeightAverage(module, ema) for module in (transformer, embedder)] if ema else []
    gen = torch.Generator().manual_seed(seed)
    start = time.time()
    record = {"seed": seed, "steps_planned": steps, "batch_size": batch_size, "lr": lr,
              "ema": ema}
    if init:
        record["init"] = {"folder": str(init), **json.loads((init / "training.json").read_text())}
    step, running = 0, 0.0
    for step in range(1, steps + 1):
        transformer.train()
        embedder.train()
        pick = train_idx[torch.randint(len(train_idx), (batch_size,), generator=gen)]
        batch_labels = labels[pick].clone()
        drop = torch.rand(batch_size, generator=gen) < 0.1
        batch_labels[drop] = digits.NULL_CLASS
        loss = masked_loss(transformer, embedder, tokens[pick], batch_labels, gen)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        for average in averages:
            average.update()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        out_of_time = minutes is not None and time.time() - start > minutes * 60
        if step % checkpoint_every == 0 or step == steps or out_of_time:
            saved = [a.averaged() for a in averages] if averages else [transformer, embedder]
            held = evaluate(*saved, tokens[held_idx], labels[held_idx], seed)
            record.update(
                steps_done=step,
                train_loss=round(running, 4),
                held_out_loss=round(held, 4),
                minutes=round((time.time() - start) / 60, 2),
            )
            save(out, *saved, record)
            print(json.dumps(record), flush=True)
        if out_of_time:
            break
    return record


@torch.no_grad()
def evaluate(transformer, embedder, tokens, labels, seed: int) -> float:
    """Masked-token cross-entropy on held-out digits (fixed masks)."""
    transformer.eval()
    embedder.eval()
    gen = torch.Generator().manual_seed(seed + 1)
    return masked_loss(transformer, embedder, tokens, labels, gen).item()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output model folder")
    parser.add_argument("--steps", type=int, default=2000, help="optimizer steps")
    parser.add_argument("--minutes", type=float, default=None, help="stop early after M minutes")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ema", type=float, default=0.999, help="weight EMA decay (0: off)")
    parser.add_argument("--init", type=Path, default=None,
                        help="continue from this digits model folder")
    args = parser.parse_args(argv)
    train(args.out, args.steps, args.minutes, args.batch_size, args.lr, args.seed,
          ema=args.ema, init=args.init)


if __name__ == "__main__":
    main()
