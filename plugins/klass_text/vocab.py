"""Character-level tokenizers built with ``tokenizers`` (embedded model and test models)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PAD, MASK, EOS, UNK = "[PAD]", "[MASK]", "[EOS]", "[UNK]"
SPECIAL_TOKENS = (PAD, MASK, EOS, UNK)
ARITHMETIC_CHARS = "0123456789+-*="


def char_tokenizer(chars: Sequence[str] = ARITHMETIC_CHARS, model_max_length: int = 64) -> Any:
    """Build a ``PreTrainedTokenizerFast`` with one token per character of ``chars``.

    Ids 0-3 are ``[PAD]``, ``[MASK]``, ``[EOS]``, ``[UNK]``; no CLS/SEP tokens are added and
    decoding joins tokens without spaces. ``[MASK]`` written inside a text is one token.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    if len(set(chars)) != len(chars) or any(len(c) != 1 for c in chars):
        raise ValueError("chars must be distinct single characters")
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *chars])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD,
        mask_token=MASK,
        eos_token=EOS,
        unk_token=UNK,
        model_max_length=model_max_length,
        padding_side="left",
    )
