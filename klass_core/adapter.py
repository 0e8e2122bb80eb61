"""The base class of every modality adapter."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field
from torch import Tensor

from klass_core.config import StrictConfig
from klass_core.loop import SampleOutput, sample

__all__ = ["SAMPLER_DEFAULTS_FILE", "AdapterConfig", "Canvas", "ModalityAdapter", "read_sampler_defaults"]

#: File in a model folder holding the sampler options its authors recommend, per sampler name.
SAMPLER_DEFAULTS_FILE = "sampler_defaults.json"


class AdapterConfig(StrictConfig):
    """Options every adapter accepts; subclasses add their own fields."""

    model: str | None = Field(None, description="Local model folder or hub id; None: the embedded default.")
    device: str = Field("cpu", description="torch device for the model and the canvas.")


@dataclass
class Canvas:
    """What :meth:`ModalityAdapter.encode` returns.

    Attributes:
        tokens: ``[B, L]`` canvas with the adapter's ``mask_id`` where tokens are to be generated.
        extras: per-row model inputs (attention masks, labels...), each with leading dim ``B``;
            sliced to the active rows before every forward pass.
        meta: anything :meth:`ModalityAdapter.decode` needs besides tokens (never sliced).
    """

    tokens: Tensor
    extras: dict[str, Tensor] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


class ModalityAdapter(ABC):
    """Connects one kind of model to the core: tokenization, forward pass, decoding.

    Subclasses set :attr:`name`, may extend :class:`Config`, and implement :meth:`load`,
    :meth:`encode`, :meth:`logits` and :meth:`decode`. :meth:`load` sets the vocabulary facts
    :attr:`vocab_size`, :attr:`mask_id`, :attr:`special_ids` and :attr:`never_sample_ids`,
    and may set :attr:`sampler_defaults` (usually with :func:`read_sampler_defaults`).
    Import heavy libraries inside methods, not at module level.
    """

    name: ClassVar[str]
    Config: ClassVar[type[AdapterConfig]] = AdapterConfig

    vocab_size: int
    mask_id: int
    special_ids: dict[str, int]
    never_sample_ids: tuple[int, ...] = ()
    #: Options the model recommends per sampler name; :meth:`sample` applies them beneath the
    #: caller's own (like a transformers ``generation_config.json``).
    sampler_defaults: Mapping[str, Mapping[str, Any]] = {}

    def __init__(self, config: AdapterConfig | None = None, **options: Any) -> None:
        if config is not None and options:
            raise ValueError(f"give either a config or options, not both (got options {sorted(options)})")
        if config is None:
            config = self.Config.parse(options, owner=f"adapter {self.name!r}")
        elif not isinstance(config, self.Config):
            raise TypeError(f"config must be a {self.Config.__qualname__}, got {type(config).__qualname__}")
        self.config = config
        self.load()

    @abstractmethod
    def load(self) -> None:
        """Load the model and tokenizer and set the vocabulary facts."""

    @abstractmethod
    def encode(self, inputs: Any) -> Canvas:
        """Turn modality inputs (prompts, labels, templates...) into a :class:`Canvas`."""

    @abstractmethod
    def logits(self, tokens: Tensor, **extras: Tensor) -> Tensor:
        """``[b, L] -> [b, L, V]`` float logits, position ``i`` predicting token ``i``."""

    @abstractmethod
    def decode(self, tokens: Tensor, canvas: Canvas | None = None) -> list[Any]:
        """``[B, L]`` completed tokens -> one modality object per row."""

    def bind(self, canvas: Canvas) -> Callable[..., Tensor]:
        """A model callable for :func:`klass_core.sample` that slices ``canvas.extras`` by row."""
        extras: Mapping[str, Tensor] = canvas.extras

        def model(tokens: Tensor, rows: Tensor | None = None) -> Tensor:
            sliced = {k: v if rows is None else v[rows] for k, v in extras.items()}
            return self.logits(tokens, **sliced)

        return model

    def sample(self, canvas: Canvas, sampler: str = "klass", **kwargs: Any) -> SampleOutput:
        """:func:`klass_core.sample` on this adapter's model, mask id and excluded ids, with
        the model's :attr:`sampler_defaults` for ``sampler`` where ``kwargs`` do not say."""
        return sample(
            self.bind(canvas),
            canvas.tokens,
            self.mask_id,
            sampler=sampler,
            excluded_ids=self.excluded_ids(canvas),
            **self.sampler_options(sampler, kwargs),
        )

    def excluded_ids(self, canvas: Canvas) -> tuple[int, ...]:
        """Token ids never drawn on ``canvas``: :attr:`never_sample_ids`; override when the
        canvas decides more (e.g. an end token once every row's length is fixed)."""
        return self.never_sample_ids

    def sampler_options(self, sampler: str, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` over the model's recommended ones for ``sampler`` (what :meth:`sample`
        runs with; reported by commands so a run can be repeated)."""
        return {**self.sampler_defaults.get(sampler, {}), **options}


def read_sampler_defaults(folder: str | Path) -> dict[str, dict[str, Any]]:
    """The :data:`SAMPLER_DEFAULTS_FILE` of a model folder (``{}`` without one), validated.

    The file maps sampler names to options, e.g. ``{"maskgit": {"temperature": [0.5, 0]}}``;
    every entry must name a registered sampler and valid options for it, so a bad file fails
    when the model loads, not at its first sample.
    """
    from klass_core.registry import get_sampler_class

    path = Path(folder) / SAMPLER_DEFAULTS_FILE
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); fix or delete it") from None
    if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
        raise ValueError(f"{path} must map sampler names to option objects, e.g. "
                         '{"maskgit": {"temperature": [0.5, 0.0]}}')
    for name, options in entries.items():
        try:
            cls = get_sampler_class(name)
        except KeyError as err:
            raise ValueError(f"{path}: {err.args[0]}") from None
        cls.Config.parse(options, owner=f"sampler {name!r} in {path}")
    return entries
