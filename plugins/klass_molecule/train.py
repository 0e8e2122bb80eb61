"""Train a default molecule model with the masked-diffusion objective.

    python -m klass_molecule.train --repr selfies --out plugins/klass_molecule/models/selfies

Each molecule is written left-aligned on a canvas of ``--canvas`` tokens and padded with the
end token. A training row draws a mask ratio ``t ~ U(0, 1)`` (stratified over the batch),
masks every token with probability ``t`` and is scored by the cross-entropy of the masked
tokens. Half of the rows keep their end tokens visible, which teaches the model to fill a
canvas whose length is already fixed (how unconditional generation uses it).

``--random-order`` writes every molecule with a fresh random atom order each time it is drawn
(RDKit's randomised SMILES, then SELFIES-encoded for ``--repr selfies``); a string that does
not fit the canvas or the vocabulary falls back to the canonical one, and
``--canonical-fraction`` keeps that share of the draws canonical. A molecule then has many
strings, so confidence-ordered samplers stop converging on the few likeliest canonical strings.
``--init DIR`` continues from a model folder (its weights and vocabulary; molecules with a
symbol outside that vocabulary are left out and counted in the model's metadata). A ``--canvas``
longer than the folder's widens its position table: the new rows start as copies of the last
trained one. The exponential
moving average of the weights is saved every ``--checkpoint-minutes`` and at the end, as a
``transformers`` BertForMaskedLM folder (bfloat16 safetensors) with ``vocab.txt``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

STATS_SAMPLE = 20_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m klass_molecule.train", description=__doc__)
    p.add_argument("--repr", dest="representation", choices=("smiles", "selfies"), required=True)
    p.add_argument("--out", type=Path, required=True, help="model folder to write")
    p.add_argument("--minutes", type=float, default=68.0,
                   help="wall-clock budget; the learning-rate schedule follows it unless --steps")
    p.add_argument("--steps", type=int, default=None,
                   help="step budget (the schedule then follows steps; --minutes still stops)")
    p.add_argument("--canvas", type=int, default=48,
                   help="canvas length (max symbols; 48 holds all but 0.02% of MOSES)")
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--warmup", type=int, default=100, help="linear warm-up steps")
    p.add_argument("--ema", type=float, default=0.998, help="weight EMA decay")
    p.add_argument("--limit", type=int, default=200_000, help="use at most this many molecules")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--precision", choices=("bfloat16", "float32"), default="bfloat16",
                   help="forward-pass precision (bfloat16 autocast is slower than float32 on "
                        "CPUs without native bfloat16 arithmetic)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--random-order", action="store_true",
                   help="a random atom order per molecule and draw (randomised SMILES)")
    p.add_argument("--order-attempts", type=int, default=16,
                   help="random orders tried before falling back to the canonical string")
    p.add_argument("--canonical-fraction", type=float, default=0.0,
                   help="with --random-order, the share of draws kept canonical")
    p.add_argument("--init", type=Path, default=None,
                   help="continue from this model folder (weights and vocabulary)")
    args = p.parse_args(argv)
    if not 0.0 <= args.canonical_fraction <= 1.0:
        p.error(f"--canonical-fraction must be between 0 and 1, got {args.canonical_fraction}")
    if args.canonical_fraction and not args.random_order:
        p.error("--canonical-fraction needs --random-order (without it every draw is canonical)")
    return args


class RandomOrder:
    """Rewrites molecules with a random atom order (seeded), within a canvas and vocabulary."""

    def __init__(
        self,
        representation: str,
        tokenizer,
        canvas: int,
        seed: int,
        attempts: int = 16,
        canonical_fraction: float = 0.0,
    ) -> None:
        from rdkit import RDLogger

        RDLogger.DisableLog("rdApp.*")
        self.representation, self.tokenizer, self.canvas = representation, tokenizer, canvas
        self.seed, self.attempts, self.canonical_fraction = seed, attempts, canonical_fraction

    def ids(self, smiles: str, draw: int) -> list[int] | None:
        """Token ids of ``smiles`` in a random atom order (the first of ``attempts`` orders
        that fits); None, meaning the canonical string, for a draw picked to stay canonical
        (probability ``canonical_fraction``) or when no order fits."""
        from rdkit import Chem

        from .tokenizer import smiles_to

        rng = random.Random(self.seed * 1_000_003 + draw)
        mol = Chem.MolFromSmiles(smiles)
        # no draw from rng when every draw is random, so earlier runs' orders reproduce
        if mol is None or (self.canonical_fraction and rng.random() < self.canonical_fraction):
            return None
        order = list(range(mol.GetNumAtoms()))
        for _ in range(self.attempts):
            rng.shuffle(order)
            text = Chem.MolToSmiles(Chem.RenumberAtoms(mol, order), canonical=False)
            ids = encoded(self.tokenizer, smiles_to(self.representation, text))
            if ids is not None and len(ids) <= self.canvas:
                return ids
        return None


def encoded(tokenizer, text: str) -> list[int] | None:
    """Token ids of ``text``, or None when it has a symbol outside ``tokenizer``'s vocabulary."""
    from .tokenizer import TokenizerError

    try:
        return tokenizer.encode_string(text)
    except TokenizerError:
        return None


def molecule_stats(smiles: list[str], rng: random.Random) -> dict[str, float]:
    """Mean heavy-atom count and ring fraction of (a sample of) the training molecules."""
    from rdkit import Chem

    sample = rng.sample(smiles, min(STATS_SAMPLE, len(smiles)))
    mols = [Chem.MolFromSmiles(s) for s in sample]
    return {
        "heavy_atoms_mean": sum(m.GetNumHeavyAtoms() for m in mols) / len(mols),
        "ring_fraction": sum(m.GetRingInfo().NumRings() > 0 for m in mols) / len(mols),
        "sample_size": len(mols),
    }


def build_model(vocab_size: int, canvas: int, hidden: int, layers: int, heads: int, meta: dict):
    """A fresh BertForMaskedLM over a canvas of ``canvas`` symbols; ``meta`` goes into its
    config as ``klass_molecule`` (representation, canvas length, training statistics)."""
    from transformers import BertConfig, BertForMaskedLM

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=canvas,
        type_vocab_size=1,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=0,
    )
    config.klass_molecule = meta
    return BertForMaskedLM(config)


def widen_canvas(model, canvas: int, meta: dict):
    """A copy of a BertForMaskedLM ``model`` over a longer canvas of ``canvas`` symbols: its
    trained weights, and new position rows that start as copies of the last trained row."""
    import torch

    config = model.config
    wide = build_model(config.vocab_size, canvas, config.hidden_size, config.num_hidden_layers,
                       config.num_attention_heads, meta)
    state = model.state_dict()
    key = "bert.embeddings.position_embeddings.weight"
    trained = state[key]
    state[key] = torch.cat([trained, trained[-1:].expand(canvas - len(trained), -1)])
    wide.load_state_dict(state)
    return wide


def mask_batch(x, mask_id: int, end_id: int, generator):
    """Masked-diffusion corruption of a batch; returns (inputs, masked positions)."""
    import torch

    b, length = x.shape
    offset = torch.rand(1, generator=generator)
    t = ((offset + torch.arange(b) / b) % 1.0).clamp_min(1.0 / length)
    masked = torch.rand(b, length, generator=generator) < t[:, None]
    keep_end = torch.rand(b, generator=generator) < 0.5
    masked &= ~(keep_end[:, None] & (x == end_id))
    empty = ~masked.any(dim=1)
    masked[empty, 0] = True  # position 0 always holds a molecule symbol
    return torch.where(masked, torch.full_like(x, mask_id), x), masked


def save(model, tokenizer, out: Path, info: dict, weights: dict | None = None) -> None:
    """Write ``weights`` (default: the model's own) as bfloat16 safetensors, with the config,
    vocabulary and training record, to the model folder ``out``."""
    import copy

    import torch

    out.mkdir(parents=True, exist_ok=True)
    snapshot = copy.deepcopy(model)
    if weights is not None:
        snapshot.load_state_dict(weights)
    snapshot.to(torch.bfloat16).save_pretrained(out)
    tokenizer.save(out)
    (out / "training.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import torch

    from .data import training_molecules
    from .tokenizer import tokenizer_class

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    started = time.time()

    pairs = training_molecules(args.representation, args.canvas, args.limit, args.seed)
    smiles, texts = [p[0] for p in pairs], [p[1] for p in pairs]
    tok_cls = tokenizer_class(args.representation)
    tokenizer = tok_cls.from_folder(args.init) if args.init else tok_cls.build(texts)
    rows = [encoded(tokenizer, t) for t in texts]
    known = [i for i, r in enumerate(rows) if r is not None]
    out_of_vocabulary = len(rows) - len(known)
    smiles, texts, rows = ([seq[i] for i in known] for seq in (smiles, texts, rows))
    random_order = (RandomOrder(args.representation, tokenizer, args.canvas, args.seed,
                                args.order_attempts, args.canonical_fraction)
                    if args.random_order else None)
    lengths = [0] * (args.canvas + 1)
    for i, r in enumerate(rows):
        # with --random-order, the lengths of one random draw per molecule (what it learns)
        drawn = random_order.ids(smiles[i], -1 - i) if random_order else None
        lengths[len(drawn or r)] += 1
    data = torch.full((len(rows), args.canvas), tokenizer.end_id, dtype=torch.long)
    for i, r in enumerate(rows):
        data[i, : len(r)] = torch.tensor(r)
    meta = {
        "representation": args.representation,
        "canvas_length": args.canvas,
        "length_counts": lengths,
        "training_set": (f"MOSES train split: random molecules (seed {args.seed}) with <= "
                         f"{args.canvas} SMILES and SELFIES symbols"),
        "training_molecules": len(rows),
        "atom_order": "random" if args.random_order else "canonical",
        "left_out_unknown_symbols": out_of_vocabulary,
        **molecule_stats(smiles, rng),
    }
    print(f"{len(rows)} molecules, vocab {len(tokenizer)}, prep {time.time() - started:.0f}s",
          flush=True)

    if args.init:
        from transformers import BertForMaskedLM

        model = BertForMaskedLM.from_pretrained(args.init, dtype=torch.float32)
        model.config.klass_molecule = meta
        trained_canvas = model.config.max_position_embeddings
        if args.canvas < trained_canvas:
            raise SystemExit(f"--canvas {args.canvas} is shorter than the canvas of --init "
                             f"({trained_canvas}); pass --canvas {trained_canvas} or more")
        if args.canvas > trained_canvas:
            model = widen_canvas(model, args.canvas, meta)
    else:
        model = build_model(len(tokenizer), args.canvas, args.hidden, args.layers, args.heads,
                            meta)
    print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters", flush=True)
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98),
                              weight_decay=0.01)
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}
    gen = torch.Generator().manual_seed(args.seed)
    budget = args.minutes * 60.0
    train_start = last_ckpt = time.time()
    step, order, cursor, losses = 0, torch.randperm(len(data), generator=gen), 0, []

    init_record = (json.loads((args.init / "training.json").read_text(encoding="utf-8"))
                   if args.init and (args.init / "training.json").is_file() else None)

    def record() -> dict:
        out = {"args": {k: str(v) for k, v in vars(args).items()}, "steps": step,
               "train_seconds": round(time.time() - train_start),
               "recent_loss": sum(losses[-200:]) / max(1, len(losses[-200:]))}
        return out | ({"init_record": init_record} if init_record else {})

    while (args.steps is None or step < args.steps) and time.time() - train_start < budget:
        if cursor + args.batch_size > len(data):
            order, cursor = torch.randperm(len(data), generator=gen), 0
        picked = order[cursor: cursor + args.batch_size]
        x = data[picked]
        if random_order:
            for k, i in enumerate(picked.tolist()):
                drawn = random_order.ids(smiles[i], step * args.batch_size + k)
                if drawn is not None:
                    x[k] = tokenizer.end_id
                    x[k, : len(drawn)] = torch.tensor(drawn)
        cursor += args.batch_size
        inputs, masked = mask_batch(x, tokenizer.mask_id, tokenizer.end_id, gen)
        frac = step / args.steps if args.steps else (time.time() - train_start) / budget
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.55 + 0.45 * math.cos(math.pi * frac))
        for group in optim.param_groups:
            group["lr"] = lr
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bfloat16"):
            logits = model(input_ids=inputs).logits
        loss = torch.nn.functional.cross_entropy(logits[masked].float(), x[masked])
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for k, v in model.state_dict().items():
                ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay) if v.is_floating_point() \
                    else ema[k].copy_(v)
        losses.append(loss.item())
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {sum(losses[-50:]) / 50:.4f} lr {lr:.2e} "
                  f"t {time.time() - train_start:.0f}s", flush=True)
        if time.time() - last_ckpt > args.checkpoint_minutes * 60:
            save(model, tokenizer, args.out, record(), ema)
            last_ckpt = time.time()
    save(model, tokenizer, args.out, record(), ema)
    print(f"done: {step} steps in {time.time() - train_start:.0f}s -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
