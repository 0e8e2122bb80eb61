"""Finding and loading Hugging Face text models: local folders, hub ids, the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_MODEL = Path(__file__).parent / "default_model"
"""The embedded arithmetic model (see :mod:`klass_text.train`)."""

_MAX_LENGTH_KEYS = ("max_position_embeddings", "max_sequence_length", "n_positions")


def model_source(ref: str | None, default: str | Path | None) -> str:
    """Where to load a model from: a local folder with a ``config.json`` or a hub id.

    ``ref=None`` means ``default``. A reference that looks like a path (starts with ``.``,
    ``/`` or ``~``, or has more than one ``/``) must be an existing model folder.
    """
    if ref is None:
        if default is None:
            raise ValueError("model: this adapter has no default model; give a folder or hub id")
        ref = str(default)
    path = Path(ref).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ValueError(f"model: the folder {ref!r} has no config.json; give a model folder")
        return str(path)
    if path.exists():
        raise ValueError(f"model: {ref!r} is a file, not a model folder; give its folder")
    if ref.startswith((".", "/", "~")) or ref.count("/") > 1 or not ref.strip():
        raise FileNotFoundError(f"model: no model folder at {ref!r}; check the path")
    return ref


def from_pretrained(loader: Any, source: str, **kwargs: Any) -> Any:
    """``loader.from_pretrained(source, **kwargs)`` with a clear error when it cannot load."""
    try:
        return loader.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"model: could not load {source!r} with {loader.__name__} ({exc}); give a local model "
            "folder, or a hub id while online"
        ) from exc


def max_length(model_config: Any, tokenizer: Any) -> int | None:
    """The longest sequence the model accepts, from its config or tokenizer (None: unknown)."""
    for key in _MAX_LENGTH_KEYS:
        value = getattr(model_config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    value = getattr(tokenizer, "model_max_length", None)
    return value if isinstance(value, int) and 0 < value < 1_000_000 else None


def token_ids(*values: Any) -> list[int]:
    """The distinct non-negative ints among ``values`` (each an int, a list of ints or None)."""
    ids: list[int] = []
    for value in values:
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, int) and item >= 0 and item not in ids:
                ids.append(item)
    return ids
