"""The contract every adapter must meet, as a test mixin.

Inherit it in a test class and implement :meth:`AdapterContract.make_adapter` (a tiny model)
and :meth:`AdapterContract.make_inputs` (inputs for :meth:`~klass_core.ModalityAdapter.encode`
giving at least two rows)::

    class TestMyAdapter(AdapterContract):
        def make_adapter(self):
            return MyAdapter(model=str(tiny_model_folder))

        def make_inputs(self):
            return ["a", "bb"]
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from klass_core.adapter import Canvas, ModalityAdapter
from klass_core.samplers import BUILTIN_SAMPLERS

__all__ = ["AdapterContract"]

#: Options that keep each sampler's end-to-end test short and exercise its main path.
SAMPLER_OPTIONS: dict[str, dict[str, Any]] = {
    "klass": {"conf_threshold": 0.0, "kl_threshold": float("inf"), "history_length": 1},
}


class AdapterContract:
    """Tests an adapter's vocabulary facts, shapes, alignment and sampling with every sampler."""

    def make_adapter(self) -> ModalityAdapter:
        raise NotImplementedError("return the adapter under test, on a tiny model")

    def make_inputs(self) -> Any:
        raise NotImplementedError("return inputs for adapter.encode that give at least two rows")

    @pytest.fixture
    def adapter(self) -> ModalityAdapter:
        return self.make_adapter()

    @pytest.fixture
    def canvas(self, adapter: ModalityAdapter) -> Canvas:
        return adapter.encode(self.make_inputs())

    def test_vocabulary_facts(self, adapter: ModalityAdapter) -> None:
        assert isinstance(adapter.name, str) and adapter.name
        assert 0 <= adapter.mask_id < adapter.vocab_size
        assert adapter.mask_id not in set(adapter.special_ids.values()) - {adapter.special_ids.get("mask")}
        for token_id in (*adapter.special_ids.values(), *adapter.never_sample_ids):
            assert 0 <= token_id < adapter.vocab_size

    def test_encode(self, adapter: ModalityAdapter, canvas: Canvas) -> None:
        tokens = canvas.tokens
        assert tokens.dtype == torch.long and tokens.ndim == 2 and tokens.shape[0] >= 2
        assert (tokens == adapter.mask_id).any(), "encode must leave masks to generate"
        assert ((tokens >= 0) & (tokens < adapter.vocab_size)).all()
        for name, extra in canvas.extras.items():
            assert extra.shape[0] == tokens.shape[0], f"extras[{name!r}] must have leading dim B"

    def test_logits_shape_and_values(self, adapter: ModalityAdapter, canvas: Canvas) -> None:
        logits = adapter.bind(canvas)(canvas.tokens)
        assert logits.is_floating_point()
        assert logits.shape == (*canvas.tokens.shape, adapter.vocab_size)
        assert not logits.isnan().any() and not (logits == float("inf")).any()

    def test_logits_rows_are_independent(self, adapter: ModalityAdapter, canvas: Canvas) -> None:
        """The logits of a row do not depend on the other rows (rows leave the batch as they
        finish, so the model sees sliced batches)."""
        model = adapter.bind(canvas)
        full = model(canvas.tokens)
        last = torch.tensor([canvas.tokens.shape[0] - 1])
        alone = model(canvas.tokens[last], rows=last)
        torch.testing.assert_close(alone[0], full[-1], rtol=1e-4, atol=1e-4)

    def test_decode_one_object_per_row(self, adapter: ModalityAdapter, canvas: Canvas) -> None:
        out = adapter.sample(canvas, sampler="topk", generator=0)
        assert len(adapter.decode(out.tokens, canvas)) == canvas.tokens.shape[0]

    @pytest.mark.parametrize("sampler", [s.name for s in BUILTIN_SAMPLERS])
    def test_sample_end_to_end(self, adapter: ModalityAdapter, canvas: Canvas, sampler: str) -> None:
        out = adapter.sample(canvas, sampler=sampler, generator=0, **SAMPLER_OPTIONS.get(sampler, {}))
        masked = canvas.tokens == adapter.mask_id
        assert not (out.tokens == adapter.mask_id).any()
        assert torch.equal(out.tokens[~masked], canvas.tokens[~masked]), "context was rewritten"
        for token_id in adapter.never_sample_ids:
            assert not (out.tokens[masked] == token_id).any(), f"never-sample id {token_id} was committed"
        assert (out.nfe >= 1).all() and (out.nfe <= masked.sum(-1)).all()
        assert len(adapter.decode(out.tokens, canvas)) == canvas.tokens.shape[0]
