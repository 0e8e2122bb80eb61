"""The arithmetic task, the character tokenizer and the EOS early-exit fill (no model)."""

from __future__ import annotations

import random

import pytest
import torch

from klass_text import task
from klass_text.eos import fill_after_eos
from klass_text.train import make_batch
from klass_text.vocab import char_tokenizer

M, E, F = 1, 2, 3  # mask, EOS, a second EOS id


def test_problems_are_zero_padded_sums():
    assert task.Problem(123, 989).prompt == "123+989="
    assert task.Problem(123, 989).answer == "1112"
    assert task.Problem(12, 35).prompt == "012+035="
    assert task.Problem(12, 35).answer == "0047"


def test_held_out_splits_are_fixed_distinct_and_never_trained_on():
    test, validation = task.split("test"), task.split("validation")
    assert len(test) == len(validation) == task.SPLIT_SIZE == 1000
    assert len(set(test) | set(validation)) == 2000
    assert test[:3] == [task.Problem(661, 166), task.Problem(508, 180), task.Problem(339, 835)]
    held_out = set(test) | set(validation)
    stream = task.training_problems(seed=0)
    assert not any(next(stream) in held_out for _ in range(20_000))
    with pytest.raises(ValueError, match="split must be one of"):
        task.split("train")


def test_exact_match():
    problems = [task.Problem(1, 2), task.Problem(500, 500)]
    assert task.exact_match(["0003", " 1000\n"], problems) == 1.0
    assert task.exact_match(["0003", "0100"], problems) == 0.5
    with pytest.raises(ValueError, match="one prediction per problem"):
        task.exact_match(["0003"], problems)
    with pytest.raises(ValueError, match="empty"):
        task.exact_match([], [])


def test_char_tokenizer_round_trip():
    tok = char_tokenizer()
    ids = tok("012+9[MASK]=")["input_ids"]
    assert ids == [4, 5, 6, 14, 13, tok.mask_token_id, 17]
    assert (tok.pad_token_id, tok.mask_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.decode([5, 6, 2], skip_special_tokens=True) == "12"
    assert tok.cls_token_id is None and tok.sep_token_id is None
    with pytest.raises(ValueError, match="distinct single characters"):
        char_tokenizer("aa")


def test_training_batch_masks_only_the_generation():
    tok = char_tokenizer()
    batch = make_batch([task.Problem(12, 35)] * 64, tok, random.Random(0))
    prompt = batch["input_ids"][:, :8]
    assert (prompt == torch.tensor(tok("012+035=")["input_ids"])).all()
    masked = batch["input_ids"] == tok.mask_token_id
    assert masked.any(-1).all()
    assert torch.equal(masked, batch["labels"] != -100) and torch.equal(masked, batch["weights"] > 0)
    targets = batch["labels"][:, 8:12]
    assert ((targets == -100) | (targets == torch.tensor(tok("0047")["input_ids"]))).all()
    assert ((batch["labels"][:, 12:] == -100) | (batch["labels"][:, 12:] == tok.eos_token_id)).all()


@pytest.mark.parametrize(
    ("row", "filled"),
    [
        ([9, 7, M, E, M, M], [9, 7, M, E, M, M]),  # a mask before the EOS: still open
        ([9, 7, 5, E, M, M], [9, 7, 5, E, E, E]),  # closed: the tail becomes EOS
        ([9, 7, 5, F, M, E], [9, 7, 5, F, F, E]),  # filled with the EOS it committed
        ([9, 7, 5, 6, M, M], [9, 7, 5, 6, M, M]),  # no EOS yet
        ([9, M, 5, E, M, M], [9, M, 5, E, M, M]),  # an infill mask in the prompt is open
        ([E, 7, 5, E, M, M], [E, 7, 5, E, E, E]),  # an EOS in the prompt does not count
    ],
)
def test_fill_after_eos(row, filled):
    tokens = torch.tensor([row])
    out = fill_after_eos(tokens, start=2, mask_id=M, eos_ids=torch.tensor([E, F]))
    assert out.tolist() == [filled]
