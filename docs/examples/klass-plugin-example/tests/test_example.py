"""The example plugin's tests: the klass adapter contract, and the sampler's behaviour."""

from __future__ import annotations

import torch

import klass_plugin_example as example
from klass_core import TraceRecorder
from klass_core.testing import AdapterContract


class TestBigramAdapter(AdapterContract):
    def make_adapter(self) -> example.BigramAdapter:
        return example.BigramAdapter(length=10)

    def make_inputs(self) -> list[str]:
        return ["abc", "h", ""]


def test_left_to_right_commits_in_order(klass_registry) -> None:
    klass_registry(example)
    adapter = example.BigramAdapter(length=6)
    canvas = adapter.encode(["ab"])
    trace = TraceRecorder()
    out = adapter.sample(canvas, sampler="left-to-right", callback=trace)
    committed = [info.committed[0].nonzero()[:, 0].tolist() for info in trace.steps]
    assert committed == [[2], [3], [4], [5]]
    # Greedy bigram decoding: each letter is the argmax after its left neighbour.
    tokens = out.tokens[0].tolist()
    for i in range(2, 6):
        assert tokens[i] == int(adapter.table[tokens[i - 1], : adapter.mask_id].argmax())
    assert adapter.decode(out.tokens)[0].startswith("ab")
    assert torch.equal(out.nfe, torch.tensor([4]))
