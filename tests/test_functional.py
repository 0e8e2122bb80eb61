"""The pure tensor functions on hand-computed cases."""

from __future__ import annotations

import math

import pytest
import torch

from klass_core.functional import (
    eb_prefix_count,
    entropy,
    fallback_count,
    finite_log_softmax,
    kl_divergence,
    margin,
    select_top,
    update_streak,
)


def test_finite_log_softmax_excludes_ids_and_stays_finite() -> None:
    logp = finite_log_softmax(torch.tensor([[0.0, 0.0, 5.0]]), torch.tensor([2]))
    assert torch.isfinite(logp).all()
    torch.testing.assert_close(logp[0, :2].exp(), torch.tensor([0.5, 0.5]))
    assert logp[0, 2].exp() == 0


def test_kl_divergence_matches_hand_computation() -> None:
    p, q = torch.tensor([[0.5, 0.5]]), torch.tensor([[0.25, 0.75]])
    expected = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    torch.testing.assert_close(kl_divergence(p.log(), q.log()), torch.tensor([expected]))


def test_kl_is_zero_for_equal_and_finite_with_zero_probabilities() -> None:
    logp = finite_log_softmax(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0]))
    torch.testing.assert_close(kl_divergence(logp, logp), torch.zeros(1), atol=1e-6, rtol=0)
    # p has mass where q has none: KL is huge but finite, never NaN.
    logq = finite_log_softmax(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([1]))
    kl = kl_divergence(logp, logq)
    assert not kl.isnan().any() and kl.item() > 1e30


def test_kl_accepts_bfloat16_previous_state() -> None:
    logp = finite_log_softmax(torch.randn(4, 10))
    logq = finite_log_softmax(torch.randn(4, 10))
    torch.testing.assert_close(kl_divergence(logp, logq.bfloat16()), kl_divergence(logp, logq), atol=2e-2, rtol=2e-2)


def test_entropy_and_margin() -> None:
    logp = torch.tensor([[0.5, 0.25, 0.25]]).log()
    torch.testing.assert_close(entropy(logp), torch.tensor([1.5 * math.log(2)]))
    torch.testing.assert_close(margin(logp), torch.tensor([0.25]))


def test_update_streak_counts_consecutive_low_kl_and_resets() -> None:
    streak = torch.tensor([0, 1, 3, 2], dtype=torch.int32)
    kl = torch.tensor([0.001, 0.001, 0.5, float("nan")])
    assert update_streak(streak, kl, 0.01).tolist() == [1, 2, 0, 0]


@pytest.mark.parametrize(
    ("candidates", "steps_left", "expected"),
    [(8, 8, 1), (8, 3, 3), (5, 2, 3), (2, 1, 2), (3, 10, 1), (0, 4, 0), (7, 1, 7)],
)
def test_fallback_count(candidates: int, steps_left: int, expected: int) -> None:
    assert fallback_count(torch.tensor([candidates]), torch.tensor([steps_left])).item() == expected


def test_fallback_count_is_llada_linear_schedule_without_early_commits() -> None:
    # LLaDA: 10 masks over 4 steps -> [3, 3, 2, 2] (remainder first).
    left, got = 10, []
    for s in range(4, 0, -1):
        u = fallback_count(torch.tensor([left]), torch.tensor([s])).item()
        got.append(u)
        left -= u
    assert got == [3, 3, 2, 2]


def test_select_top_respects_allowed_counts_and_ties() -> None:
    scores = torch.tensor([[0.1, 0.9, 0.9, 0.5], [0.3, 0.2, 0.1, 0.0]])
    allowed = torch.tensor([[True, True, True, False], [False, True, True, True]])
    got = select_top(scores, allowed, torch.tensor([2, 5]))
    assert got.tolist() == [[False, True, True, False], [False, True, True, True]]
    got = select_top(scores, allowed, torch.tensor([1, 1]))
    assert got.tolist() == [[False, True, False, False], [False, True, False, False]]


def test_select_top_never_picks_disallowed_even_with_nan_scores() -> None:
    scores = torch.tensor([[float("nan"), float("-inf"), 1.0]])
    allowed = torch.tensor([[True, True, False]])
    assert select_top(scores, allowed, torch.tensor([2])).tolist() == [[True, True, False]]


def test_eb_prefix_count() -> None:
    h = torch.tensor([[0.001, 0.5, 0.002, 0.004, 9.0]])
    allowed = torch.tensor([[True, True, True, True, False]])
    # sorted: 0.001, 0.002, 0.004, 0.5 -> excess 0, .001, .003, .007 -> all four within 0.01
    assert eb_prefix_count(h, allowed, 0.01).item() == 4
    assert eb_prefix_count(h, allowed, 0.002).item() == 2
    assert eb_prefix_count(h, allowed, 0.0).item() == 1
    assert eb_prefix_count(h, torch.zeros_like(allowed), 0.0).item() == 0
