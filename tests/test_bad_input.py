"""Every kind of bad input gets a clear error naming what is wrong and how to fix it."""

from __future__ import annotations

import pytest
import torch

from klass_core import sample
from tests.helpers import toy

MASK = 7


def canvas(b: int = 2, length: int = 8) -> torch.Tensor:
    return torch.full((b, length), MASK)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sampler": "nope"}, "unknown sampler 'nope'; registered samplers: eb, entropy, klass"),
        ({"conf_treshold": 0.5}, "unknown option 'conf_treshold'; valid options: block_warmup, conf_threshold"),
        ({"history_length": 0}, "option 'history_length': Input should be greater than or equal to 1"),
        ({"strategy": "best"}, "option 'strategy'"),
        ({"sampler": "topk", "gamma": 1.0}, "invalid options for sampler 'topk': unknown option 'gamma'"),
        ({"steps": 0}, "steps must be a positive int or None"),
        ({"block_length": 3}, "block_length=3 does not tile the generation span"),
        ({"block_length": 4, "steps": 1}, "steps=1 is fewer than the 2 blocks"),
        ({"block_length": 4, "steps": 3}, "steps=3 cannot be split evenly over 2 blocks"),
        ({"sampler": "maskgit", "block_length": 4}, "sampler 'maskgit' has its own schedule"),
        ({"generator": [1]}, "generator: got 1 seeds/generators for a batch of 2 rows"),
        ({"generator": "seed"}, "generator must be None, an int seed"),
    ],
)
def test_bad_options(kwargs, message) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)) as err:
        sample(toy(), canvas(), MASK, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("tokens", "mask_id", "message"),
    [
        (torch.full((0, 4), MASK), MASK, "empty batch"),
        (torch.full((2, 4), MASK).float(), MASK, "dtype torch.long"),
        (torch.full((4,), MASK), MASK, "shape [B, L]"),
        ([[MASK]], MASK, "must be a torch.LongTensor"),
        (canvas(), -1, "mask_id must be a non-negative int"),
    ],
)
def test_bad_canvas(tokens, mask_id, message) -> None:
    with pytest.raises((ValueError, TypeError)) as err:
        sample(toy(), tokens, mask_id)
    assert message in str(err.value)


def test_model_with_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"returned logits of shape \(2, 7, 8\) for input \[2, 8\]"):
        sample(lambda x: toy()(x)[:, 1:], canvas(), MASK)


def test_vocabulary_without_mask_id() -> None:
    with pytest.raises(ValueError, match="the vocabulary has 8 ids but mask_id/excluded_ids reach 9"):
        sample(lambda x: torch.zeros(*x.shape, 8), torch.full((1, 4), 9), 9)


def test_model_returning_integers() -> None:
    with pytest.raises(TypeError, match="floating-point tensor"):
        sample(lambda x: x.unsqueeze(-1).expand(-1, -1, 8), canvas(), MASK)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_inf_logits_name_step_and_rows(bad) -> None:
    model = toy()

    def broken(tokens, rows):
        logits = model(tokens)
        if (rows == 1).any() and (tokens != MASK).sum() >= 2:
            logits[(rows == 1).nonzero()[0, 0], :, 0] = bad
        return logits

    with pytest.raises(FloatingPointError, match=r"at step 1 for rows \[1\]"):
        sample(broken, canvas(3, 6), MASK, "topk", generator=0)


def test_generator_on_wrong_device_is_reported() -> None:
    class Meta:
        device = torch.device("meta")

    g = torch.Generator()
    with pytest.raises(TypeError):
        sample(toy(), canvas(), MASK, generator=[g, Meta()])


def test_logits_on_another_device() -> None:
    with pytest.raises(ValueError, match="returned logits on meta for a canvas on cpu"):
        sample(lambda x: torch.zeros(*x.shape, 8, device="meta"), canvas(), MASK)


def test_sampler_that_never_finishes_is_stopped() -> None:
    from klass_core.samplers import Sampler, Selection

    class Lazy(Sampler):
        name = "lazy"

        def step(self, view):
            nothing = torch.zeros_like(view.masked)
            return Selection(nothing, view.canvas, torch.where(view.masked, 0.5, float("nan")))

    with pytest.raises(RuntimeError, match=r"sampler 'lazy' left masks in rows \[0, 1\] after their step budget"):
        sample(toy(), canvas(2, 4), MASK, Lazy(Lazy.Config()), steps=3)
