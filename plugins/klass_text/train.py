"""Train the embedded default text model (a tiny ModernBERT masked-diffusion LM).

Reproduce the shipped weights with::

    python -m klass_text.train --out plugins/klass_text/default_model

Each example is ``prompt + answer + [EOS] * k`` where the generation length ``len(answer) + k``
is drawn from ``GEN_LENGTHS``, so the model learns to end answers with confident EOS padding
for any ``gen_length``. The prompt is never masked; each generated position is masked with
probability ``t ~ U(T_MIN, 1)`` and the loss is the masked-position cross-entropy weighted by
``1 / t`` (the masked-diffusion ELBO), normalised by the generation length. The folder is
rewritten every ``--checkpoint-minutes`` so an interrupted run still leaves usable weights.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import torch

from klass_text import task
from klass_text.vocab import char_tokenizer

GEN_LENGTHS = (5, 20)
T_MIN = 0.02


def build_model(tokenizer: Any, hidden: int = 128, layers: int = 4, heads: int = 4) -> Any:
    """A fresh ModernBertForMaskedLM sized for the task (all layers global attention)."""
    from transformers import ModernBertConfig, ModernBertForMaskedLM

    config = ModernBertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=3 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        max_position_embeddings=tokenizer.model_max_length,
        layer_types=["full_attention"] * layers,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        cls_token_id=None,
        sep_token_id=None,
        mask_token_id=tokenizer.mask_token_id,
    )
    return ModernBertForMaskedLM(config)


def make_batch(
    problems: list[task.Problem], tokenizer: Any, rng: random.Random
) -> dict[str, torch.Tensor]:
    """Noised right-padded batch: ``input_ids``, ``attention_mask``, ``labels``, ``weights``."""
    rows, gens = [], []
    for problem in problems:
        prompt = tokenizer.convert_tokens_to_ids(list(problem.prompt))
        answer = tokenizer.convert_tokens_to_ids(list(problem.answer))
        gen_length = rng.randint(max(GEN_LENGTHS[0], len(answer)), GEN_LENGTHS[1])
        rows.append(prompt + answer + [tokenizer.eos_token_id] * (gen_length - len(answer)))
        gens.append((len(prompt), gen_length))
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100)
    weights = torch.zeros(len(rows), width)
    for i, (row, (start, gen_length)) in enumerate(zip(rows, gens, strict=True)):
        ids[i, : len(row)] = torch.tensor(row)
        attention[i, : len(row)] = 1
        t = rng.uniform(T_MIN, 1.0)
        masked = [rng.random() < t for _ in range(gen_length)]
        if not any(masked):
            masked[rng.randrange(gen_length)] = True
        for j, is_masked in enumerate(masked, start=start):
            if is_masked:
                labels[i, j] = ids[i, j]
                ids[i, j] = tokenizer.mask_token_id
                weights[i, j] = 1.0 / (t * gen_length)
    return {"input_ids": ids, "attention_mask": attention, "labels": labels, "weights": weights}


def loss_on(model: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Masked-diffusion loss of ``batch`` (mean over rows)."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    ce = torch.nn.functional.cross_entropy(
        logits.transpose(1, 2).float(), batch["labels"], ignore_index=-100, reduction="none"
    )
    return (ce * batch["weights"]).sum() / batch["input_ids"].shape[0]


@torch.no_grad()
def one_pass_accuracy(model: Any, tokenizer: Any, problems: list[task.Problem]) -> float:
    """Exact match when every answer position is predicted from one forward pass (gen 16)."""
    model.eval()
    enc = tokenizer(
        [p.prompt + tokenizer.mask_token * 16 for p in problems],
        return_tensors="pt",
        padding=True,
    )
    predicted = model(**enc).logits[:, -16:].argmax(-1)
    model.train()
    texts = [tokenizer.decode(row.tolist()).split(tokenizer.eos_token)[0] for row in predicted]
    return task.exact_match(texts, problems)


def save(model: Any, tokenizer: Any, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = char_tokenizer()
    model = build_model(tokenizer, args.hidden, args.layers, args.heads)
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}", flush=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min(1.0, (s + 1) / args.warmup)
        * 0.5
        * (1 + torch.cos(torch.tensor(torch.pi * min(s, args.steps) / args.steps)).item()),
    )
    stream = task.training_problems(args.seed)
    validation = task.split("validation")[: args.eval_size]
    start = last_save = time.monotonic()
    model.train()
    for step in range(1, args.steps + 1):
        batch = make_batch([next(stream) for _ in range(args.batch_size)], tokenizer, rng)
        loss = loss_on(model, batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        elapsed = time.monotonic() - start
        if step % args.log_every == 0:
            acc = one_pass_accuracy(model, tokenizer, validation)
            print(
                f"step {step} loss {loss.item():.4f} one-pass-acc {acc:.3f} "
                f"lr {schedule.get_last_lr()[0]:.2e} {elapsed / 60:.1f} min",
                flush=True,
            )
        if time.monotonic() - last_save > args.checkpoint_minutes * 60:
            save(model, tokenizer, args.out)
            last_save = time.monotonic()
        if args.minutes is not None and elapsed > args.minutes * 60:
            print(f"time budget reached at step {step}", flush=True)
            break
    save(model, tokenizer, args.out)
    print(f"saved to {args.out}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--minutes", type=float, default=None, help="stop early after this")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-size", type=int, default=200)
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--checkpoint-minutes", type=float, default=5.0)
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
