"""Symbol-level tokenizers for SMILES and SELFIES strings, backed by a vocabulary file.

A vocabulary file (``vocab.txt``) lists one symbol per line; the line number is the token id.
The first three lines are always the special tokens ``<pad>``, ``<mask>`` and ``<end>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

PAD, MASK, END = "<pad>", "<mask>", "<end>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, MASK, END)
VOCAB_FILE = "vocab.txt"

# Atom-level SMILES symbols: bracket atoms, two-letter organic-subset elements, one-letter
# (aromatic or aliphatic) organic-subset atoms, two-digit ring bonds (%NN), single-digit ring
# bonds, bonds, branches, charges, stereo marks, wildcards and the dot separator.
_SMILES_SYMBOL = re.compile(
    r"\[[^\[\]]+\]|Br|Cl|%\d{2}|[BCNOPSFIbcnops]|[0-9]|[=#$:/\\.()+\-@*~?>]"
)

_SELFIES_SYMBOL = re.compile(r"\[[^\[\]]+\]|\.")


class TokenizerError(ValueError):
    """A string or symbol that the tokenizer cannot represent."""


class MoleculeTokenizer:
    """Maps symbol lists to token ids and back with a fixed vocabulary."""

    representation: str = ""

    def __init__(self, symbols: Sequence[str]) -> None:
        if tuple(symbols[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise TokenizerError(f"vocabulary must start with {SPECIAL_TOKENS}")
        if len(set(symbols)) != len(symbols):
            raise TokenizerError("vocabulary has duplicate symbols")
        self.symbols: tuple[str, ...] = tuple(symbols)
        self.ids: dict[str, int] = {s: i for i, s in enumerate(self.symbols)}
        self.pad_id, self.mask_id, self.end_id = (self.ids[s] for s in SPECIAL_TOKENS)

    def __len__(self) -> int:
        return len(self.symbols)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_folder(cls, folder: str | Path) -> MoleculeTokenizer:
        """Read ``vocab.txt`` from a model folder."""
        path = Path(folder) / VOCAB_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no {VOCAB_FILE} in model folder {folder}")
        return cls(path.read_text(encoding="utf-8").splitlines())

    @classmethod
    def build(cls, strings: Iterable[str]) -> MoleculeTokenizer:
        """A vocabulary holding every symbol of ``strings`` (sorted), after the special tokens."""
        seen: set[str] = set()
        for text in strings:
            seen.update(cls.split(text))
        return cls([*SPECIAL_TOKENS, *sorted(seen)])

    def save(self, folder: str | Path) -> None:
        """Write ``vocab.txt`` into ``folder``."""
        (Path(folder) / VOCAB_FILE).write_text("\n".join(self.symbols) + "\n", encoding="utf-8")

    # -- symbols ----------------------------------------------------------------------------
    @staticmethod
    def split(text: str) -> list[str]:
        """Split a string of this representation into its symbols."""
        raise NotImplementedError

    def encode(self, symbols: Sequence[str]) -> list[int]:
        """Token ids of ``symbols``; an unknown symbol raises :class:`TokenizerError`."""
        unknown = [s for s in symbols if s not in self.ids]
        if unknown:
            raise TokenizerError(
                f"unknown {self.representation} symbol(s) {sorted(set(unknown))}: the model's "
                f"vocabulary has {len(self.symbols) - len(SPECIAL_TOKENS)} symbols "
                f"({', '.join(self.symbols[len(SPECIAL_TOKENS):])})"
            )
        return [self.ids[s] for s in symbols]

    def encode_string(self, text: str) -> list[int]:
        """Token ids of a whole string."""
        return self.encode(self.split(text))

    def decode(self, ids: Iterable[int]) -> str:
        """The string of the symbols up to the first end token (pad tokens are skipped)."""
        out = []
        for i in ids:
            if i == self.end_id:
                break
            if i == self.pad_id:
                continue
            if not 0 <= i < len(self.symbols) or i == self.mask_id:
                raise TokenizerError(f"token id {i} is not a symbol of this vocabulary")
            out.append(self.symbols[i])
        return "".join(out)


class SmilesTokenizer(MoleculeTokenizer):
    """Atom-level SMILES symbols (bracket atoms, Cl/Br, ring bonds including %NN)."""

    representation = "smiles"

    @staticmethod
    def split(text: str) -> list[str]:
        symbols = _SMILES_SYMBOL.findall(text)
        if "".join(symbols) != text:
            pos = 0
            for s in symbols:
                if text.startswith(s, pos):
                    pos += len(s)
                else:
                    break
            raise TokenizerError(f"cannot tokenize SMILES {text!r}: bad character at {pos}")
        return symbols


class SelfiesTokenizer(MoleculeTokenizer):
    """SELFIES symbols, as split by the ``selfies`` library."""

    representation = "selfies"

    @staticmethod
    def split(text: str) -> list[str]:
        import selfies

        try:
            symbols = list(selfies.split_selfies(text))
        except Exception as exc:  # selfies raises its own error types
            raise TokenizerError(f"cannot tokenize SELFIES {text!r}: {exc}") from exc
        stray = [s for s in symbols if not _SELFIES_SYMBOL.fullmatch(s)]
        if stray or "".join(symbols) != text:
            raise TokenizerError(
                f"cannot tokenize SELFIES {text!r}: text outside [...] symbols ({stray})"
            )
        return symbols


TOKENIZERS: dict[str, type[MoleculeTokenizer]] = {
    "smiles": SmilesTokenizer,
    "selfies": SelfiesTokenizer,
}


def tokenizer_class(representation: str) -> type[MoleculeTokenizer]:
    """The tokenizer class of ``representation`` ('smiles' or 'selfies')."""
    try:
        return TOKENIZERS[representation]
    except KeyError:
        raise ValueError(
            f"representation must be one of {sorted(TOKENIZERS)}, got {representation!r}"
        ) from None


def smiles_to(representation: str, smiles: str) -> str:
    """``smiles`` written in ``representation`` (SELFIES encoding through the selfies library)."""
    if representation == "smiles":
        return smiles
    tokenizer_class(representation)
    import selfies

    return selfies.encoder(smiles)
