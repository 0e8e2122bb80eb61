"""klass_text adapters on tiny LLaDA-like, Dream-like and BERT models built here (offline)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="klass-text-hf-"))

import pytest
import torch

import klass_core
import klass_core.samplers.plugin
import klass_text.plugin
from klass_core.testing import AdapterContract
from klass_text.adapters import DreamAdapter, LLaDAAdapter, MaskedLMAdapter, TextAdapter
from klass_text.vocab import char_tokenizer

CHARS = "abcdefgh0123456789+=<> "
MAX_LENGTH = 48
CHAT_TEMPLATE = "{% for m in messages %}<{{ m['content'] }}>{% endfor %}="

MODELING = '''"""Tiny LLaDA-like and Dream-like models for the klass_text tests (remote-code style)."""

import torch
from torch import nn
from torch.nn import functional as F
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import MaskedLMOutput


class TinyConfig(PretrainedConfig):
    model_type = "tiny_mdm"

    def __init__(self, vocab_size=32, hidden_size=32, num_attention_heads=4, num_hidden_layers=2, **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = kwargs.pop("d_model", hidden_size)
        self.num_attention_heads = kwargs.pop("n_heads", num_attention_heads)
        self.num_hidden_layers = kwargs.pop("n_layers", num_hidden_layers)
        super().__init__(**kwargs)


def rotate(x, positions):
    half = x.shape[-1] // 2
    freq = 1.0 / (10000 ** (torch.arange(half, device=x.device) / half))
    angle = positions[:, None, :, None].float() * freq
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * angle.cos() - b * angle.sin(), a * angle.sin() + b * angle.cos()], -1)


class Block(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.qkv, self.out = nn.Linear(hidden, 3 * hidden), nn.Linear(hidden, hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden))

    def forward(self, x, positions, keep):
        b, length, hidden = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn = F.scaled_dot_product_attention(rotate(q, positions), rotate(k, positions), v, attn_mask=keep)
        x = x + self.out(attn.transpose(1, 2).reshape(b, length, hidden))
        return x + self.ff(self.norm2(x))


class TinyModel(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config):
        super().__init__(config)
        hidden = config.hidden_size
        self.embed = nn.Embedding(config.vocab_size, hidden)
        self.blocks = nn.ModuleList(Block(hidden, config.num_attention_heads) for _ in range(config.num_hidden_layers))
        self.head = nn.Linear(hidden, config.vocab_size)
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.5)

    def run(self, input_ids, positions, keep):
        x = self.embed(input_ids)
        for block in self.blocks:
            x = block(x, positions, keep)
        return self.head(x)


class LLaDAModelLM(TinyModel):
    """Like LLaDA: position i predicts token i; a [b, L] attention mask; no position ids."""

    def forward(self, input_ids, attention_mask=None, **kwargs):
        b, length = input_ids.shape
        positions = torch.arange(length, device=input_ids.device).expand(b, length)
        keep = None if attention_mask is None else attention_mask.bool()[:, None, None, :]
        return MaskedLMOutput(logits=self.run(input_ids, positions, keep))


class DreamModel(TinyModel):
    """Like Dream: position i predicts token i + 1; a [b, 1, L, L] mask and position ids."""

    def forward(self, input_ids, attention_mask=None, position_ids=None, **kwargs):
        b, length = input_ids.shape
        if position_ids is None:
            position_ids = torch.arange(length, device=input_ids.device).expand(b, length)
        keep = attention_mask if isinstance(attention_mask, torch.Tensor) else None
        logits = self.run(input_ids, position_ids, keep)
        return MaskedLMOutput(logits=torch.cat([logits[:, 1:], logits[:, -1:]], dim=1))
'''


def _config(arch: str, tokenizer, mask: bool) -> dict:
    """The public config keys of LLaDA (OLMo-style) or Dream (Qwen2-style), with auto_map."""
    if arch == "LLaDAModelLM":
        sizes = {"d_model": 32, "n_heads": 4, "n_layers": 2, "max_sequence_length": MAX_LENGTH}
    else:
        sizes = {"hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 2,
                 "max_position_embeddings": MAX_LENGTH}
    config = {
        "architectures": [arch],
        "model_type": "tiny_mdm",
        "auto_map": {"AutoConfig": "modeling_tiny.TinyConfig", "AutoModel": f"modeling_tiny.{arch}"},
        "vocab_size": len(tokenizer),
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        **sizes,
    }
    if mask:
        config["mask_token_id"] = tokenizer.mask_token_id
    return config


def build_remote_model(folder: Path, arch: str, *, mask: bool = True, chat: bool = False) -> Path:
    """A model folder loaded with trust_remote_code; the same seed gives the same weights."""
    from transformers import AutoConfig, AutoModel

    folder.mkdir(parents=True)
    (folder / "modeling_tiny.py").write_text(MODELING)
    tokenizer = char_tokenizer(CHARS, model_max_length=MAX_LENGTH)
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = _config(arch, tokenizer, mask)
    (folder / "config.json").write_text(json.dumps(config))
    torch.manual_seed(0)
    model = AutoModel.from_config(AutoConfig.from_pretrained(folder, trust_remote_code=True),
                                  trust_remote_code=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def build_bert(folder: Path) -> Path:
    """A tiny BertForMaskedLM (absolute positions) with a character tokenizer."""
    from transformers import BertConfig, BertForMaskedLM

    tokenizer = char_tokenizer(CHARS, model_max_length=MAX_LENGTH)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=64, max_position_embeddings=MAX_LENGTH,
                        pad_token_id=tokenizer.pad_token_id, initializer_range=0.5)
    BertForMaskedLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("text-models")
    return {
        "llada": build_remote_model(root / "llada", "LLaDAModelLM"),
        "dream": build_remote_model(root / "dream", "DreamModel"),
        "hf-masked-lm": build_bert(root / "bert"),
        "chat": build_remote_model(root / "chat", "LLaDAModelLM", chat=True),
    }


ADAPTERS = {"llada": LLaDAAdapter, "dream": DreamAdapter, "hf-masked-lm": MaskedLMAdapter}


def make(models: dict[str, Path], name: str, **options) -> TextAdapter:
    return ADAPTERS[name](model=str(models[name]), **options)


class _Contract(AdapterContract):
    name = ""

    @pytest.fixture(autouse=True)
    def _models(self, models):
        self.folders = models

    def make_adapter(self):
        return make(self.folders, self.name, gen_length=8)

    def make_inputs(self):
        return ["ab+c", "a", "hh=12"]


class TestLLaDAContract(_Contract):
    name = "llada"


class TestDreamContract(_Contract):
    name = "dream"


class TestMaskedLMContract(_Contract):
    name = "hf-masked-lm"


def test_vocabulary_facts(models):
    adapter = make(models, "llada")
    tok = adapter.tokenizer
    assert (adapter.vocab_size, adapter.mask_id) == (len(tok), tok.mask_token_id)
    assert adapter.special_ids == {"mask": 1, "pad": 0, "eos": 2}
    assert set(adapter.never_sample_ids) == {tok.mask_token_id, tok.pad_token_id, tok.unk_token_id}
    assert adapter.max_length == MAX_LENGTH and not adapter.chat and not adapter.early_exit


def test_dream_shift_matches_the_unshifted_model(models):
    """Same weights: the Dream adapter's shifted logits equal the LLaDA-like model's."""
    dream, llada = make(models, "dream", gen_length=6), make(models, "llada", gen_length=6)
    canvas = llada.encode(["ab+c", "h"])
    shifted = dream.bind(canvas)(canvas.tokens)
    plain = llada.bind(canvas)(canvas.tokens)
    real = canvas.extras["attention_mask"].bool()
    real[:, 0] = False  # position 0 has no left neighbour to take its logits from
    torch.testing.assert_close(shifted[real], plain[real], rtol=1e-4, atol=1e-4)
    raw = dream.model(canvas.tokens[:1]).logits
    assert not torch.allclose(raw[0, 1:], plain[0, 1:], atol=1e-2), "the raw Dream model is shifted"
    a, b = dream.sample(canvas, sampler="topk"), llada.sample(canvas, sampler="topk")
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.nfe, b.nfe)


@pytest.mark.parametrize("name", list(ADAPTERS))
@pytest.mark.parametrize("sampler", ["klass", "topk", "margin"])
def test_left_padded_rows_match_each_prompt_alone(models, name, sampler):
    adapter = make(models, name, gen_length=8)
    prompts = ["abc+def=", "a", "12"]
    batch = adapter.encode(prompts)
    assert batch.tokens.shape == (3, 16)
    assert batch.extras["attention_mask"].sum(-1).tolist() == [16, 9, 10]
    out = adapter.sample(batch, sampler=sampler, generator=[7, 8, 9])
    for j, prompt in enumerate(prompts):
        alone = adapter.encode([prompt])
        single = adapter.sample(alone, sampler=sampler, generator=[7 + j])
        width = alone.tokens.shape[1]
        assert torch.equal(out.tokens[j, -width:], single.tokens[0])
        assert out.nfe[j] == single.nfe[0]
        assert adapter.decode(out.tokens, batch)[j] == adapter.decode(single.tokens, alone)[0]


@pytest.fixture
def text_registry(klass_registry):
    """A registry holding exactly the core samplers and this plugin."""
    return klass_registry(klass_core.samplers.plugin, klass_text.plugin, entry_points=False)


def test_adapter_resolved_from_architectures(models, text_registry):
    assert {"llada", "dream", "hf-masked-lm"} <= set(klass_core.list_adapters())
    for name in ADAPTERS:
        assert klass_core.resolve_adapter_name(str(models[name])) == name
        assert isinstance(klass_core.get_adapter(str(models[name])), ADAPTERS[name])
    explicit = klass_core.get_adapter("llada", model=str(models["dream"]))
    assert isinstance(explicit, LLaDAAdapter)
    assert klass_text.plugin.adapter_for_architectures(["RobertaForMaskedLM"]) == "hf-masked-lm"
    assert klass_text.plugin.adapter_for_architectures(["GPT2LMHeadModel"]) is None
    assert klass_text.plugin.adapter_for_architectures(None) is None


def test_generate_api_with_a_model_folder(models, text_registry):
    results = klass_text.generate(["ab", "c"], model=str(models["dream"]), sampler="topk", gen_length=5)
    adapter = make(models, "dream", gen_length=5)
    canvas = adapter.encode(["ab", "c"])
    out = adapter.sample(canvas, sampler="topk", generator=[0, 1])
    assert [r.text for r in results] == adapter.decode(out.tokens, canvas)
    assert [r.nfe for r in results] == out.nfe.tolist() == [5, 5]
    assert [r.prompt for r in results] == ["ab", "c"]


def test_block_decoding_like_llada(models):
    adapter = make(models, "llada", gen_length=8)
    canvas = adapter.encode(["ab"])
    out = adapter.sample(canvas, sampler="topk", steps=4, block_length=4)
    assert out.nfe.tolist() == [4]
    assert not (out.tokens == adapter.mask_id).any()


def test_infill_fills_masks_inside_the_prompt(models):
    adapter = make(models, "llada", gen_length=3, infill=True)
    canvas = adapter.encode(["a[MASK]c="])
    assert canvas.tokens[0].tolist() == [4, adapter.mask_id, 6, 23, *[adapter.mask_id] * 3]
    out = adapter.sample(canvas, sampler="klass")
    assert not (out.tokens == adapter.mask_id).any()
    ids = out.tokens[0].tolist()
    gen = ids[4:]
    cut = gen.index(adapter.eos_ids[0]) if adapter.eos_ids[0] in gen else len(gen)
    expected = adapter.tokenizer.decode(ids[:4] + gen[:cut], skip_special_tokens=True)
    assert adapter.decode(out.tokens, canvas) == [expected]
    only_infill = make(models, "llada", gen_length=0, infill=True)
    assert only_infill.encode(["a[MASK]c"]).tokens.shape == (1, 3)
    with pytest.raises(ValueError, match="infill=True"):
        make(models, "llada").encode(["a[MASK]c"])


def test_chat_template_switch(models):
    chat = LLaDAAdapter(model=str(models["chat"]), gen_length=4)
    assert chat.chat and chat.early_exit
    tok = chat.tokenizer
    canvas = chat.encode(["ab"])
    assert canvas.tokens[0, :5].tolist() == tok("<ab>=")["input_ids"]
    out = chat.sample(canvas, sampler="klass")
    assert not (out.tokens == chat.mask_id).any() and 1 <= out.nfe[0] <= 4
    plain = LLaDAAdapter(model=str(models["chat"]), gen_length=4, chat_template=False)
    assert plain.encode(["ab"]).tokens[0, :2].tolist() == tok("ab")["input_ids"]
    assert not plain.early_exit
    with pytest.raises(ValueError, match="no chat template"):
        make(models, "llada", chat_template=True)


def test_bad_inputs(models, tmp_path):
    adapter = make(models, "llada", gen_length=8)
    with pytest.raises(ValueError, match="empty"):
        adapter.encode([])
    with pytest.raises(ValueError, match=r"prompts\[1\] has 41 tokens.*maximum of 48"):
        adapter.encode(["a", "a" * 41])
    with pytest.raises(TypeError, match=r"prompts\[0\] must be a str"):
        adapter.encode([3])
    with pytest.raises(FileNotFoundError, match="no model folder"):
        LLaDAAdapter(model=str(tmp_path / "missing"))
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(ValueError, match="is a file"):
        LLaDAAdapter(model=str(tmp_path / "weights.bin"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no config\.json"):
        LLaDAAdapter(model=str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="unknown option 'gen_lenght'"):
        LLaDAAdapter(model=str(models["llada"]), gen_lenght=3)


def test_config_without_mask_id(tmp_path):
    dream = build_remote_model(tmp_path / "dream", "DreamModel", mask=False)
    with pytest.raises(ValueError, match="mask_token_id"):
        DreamAdapter(model=str(dream))
    llada = build_remote_model(tmp_path / "llada", "LLaDAModelLM", mask=False)
    with pytest.raises(ValueError, match="mask id 126336 is outside the vocabulary"):
        LLaDAAdapter(model=str(llada))



def test_a_folders_sampler_defaults_apply_beneath_the_callers_options(models, tmp_path):
    folder = tmp_path / "bert"
    shutil.copytree(models["hf-masked-lm"], folder)
    (folder / "sampler_defaults.json").write_text('{"topk": {"temperature": 5.0}}')
    tuned = MaskedLMAdapter(model=str(folder), gen_length=8)
    plain = make(models, "hf-masked-lm", gen_length=8)
    assert tuned.sampler_defaults == {"topk": {"temperature": 5.0}}
    assert plain.sampler_defaults == {}
    canvas = plain.encode(["ab", "h"])

    def tokens(adapter, **options):
        return adapter.sample(canvas, "topk", generator=0, **options).tokens

    assert torch.equal(tokens(tuned), tokens(plain, temperature=5.0))
    assert torch.equal(tokens(tuned, temperature=0.0), tokens(plain))
    assert not torch.equal(tokens(tuned), tokens(plain))
