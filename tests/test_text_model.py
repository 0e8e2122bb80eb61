"""The embedded arithmetic model: a normal model folder that reaches its accuracy target."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="klass-text-hf-"))

import pytest

import klass_core
import klass_text
from klass_text import task
from klass_text.loading import DEFAULT_MODEL

pytestmark = pytest.mark.slow

PROBLEMS = task.split("test")[:300]
PROMPTS = [p.prompt for p in PROBLEMS]


def score(results: list[klass_text.TextResult]) -> tuple[float, float]:
    return task.exact_match([r.text for r in results], PROBLEMS), sum(r.nfe for r in results) / len(results)


def test_embedded_model_is_a_normal_model_folder():
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    model = AutoModelForMaskedLM.from_pretrained(DEFAULT_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(DEFAULT_MODEL)
    assert type(model).__name__ == "ModernBertForMaskedLM"
    assert sum(p.numel() for p in model.parameters()) < 3_000_000
    assert (tokenizer.mask_token, tokenizer.eos_token, tokenizer.pad_token) == ("[MASK]", "[EOS]", "[PAD]")
    assert (DEFAULT_MODEL / "model.safetensors").stat().st_size < 8_000_000
    assert klass_core.resolve_adapter_name(str(DEFAULT_MODEL)) == "hf-masked-lm"


def test_topk_and_klass_reach_their_targets():
    """topk at one token per step: >= 80% exact match; KLASS: as accurate, a third of the NFE."""
    topk_acc, topk_nfe = score(klass_text.generate(PROMPTS, sampler="topk", gen_length=16))
    klass_acc, klass_nfe = score(klass_text.generate(PROMPTS, sampler="klass", gen_length=16))
    assert topk_acc >= 0.8 and topk_nfe == 16
    assert klass_acc >= topk_acc - 0.01
    assert klass_nfe <= topk_nfe / 3


def test_generate_single_prompt_and_gen_length():
    (result,) = klass_text.generate("012+035=", sampler="topk", gen_length=6)
    assert (result.prompt, result.text, result.nfe) == ("012+035=", "0047", 6)


def test_eos_early_exit_saves_forward_passes():
    """Blocks of 4 after a 4-digit answer: the EOS tail is filled once the answer is closed."""
    kwargs = {"gen_length": 16, "block_length": 4, "steps": 16}
    plain = klass_text.generate(PROMPTS[:100], sampler="topk", **kwargs)
    early = klass_text.generate(PROMPTS[:100], sampler="topk", eos_early_exit=True, **kwargs)
    assert [r.text for r in early] == [r.text for r in plain]
    assert all(r.nfe == 16 for r in plain)
    assert all(4 < r.nfe <= 8 for r in early)
    klass = klass_text.generate(PROMPTS[:100], sampler="klass", **kwargs)
    klass_early = klass_text.generate(PROMPTS[:100], sampler="klass", eos_early_exit=True, **kwargs)
    assert [r.text for r in klass_early] == [r.text for r in klass]
    assert all(e.nfe <= r.nfe for e, r in zip(klass_early, klass, strict=True))
    assert sum(e.nfe for e in klass_early) < sum(r.nfe for r in klass)
