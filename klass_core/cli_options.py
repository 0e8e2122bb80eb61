"""Command-line helpers shared by every ``klass generate`` command."""

from __future__ import annotations

import json
from typing import Any

import typer


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["conf_threshold=0.8", "strategy=all", "temperature=[2, 0]"]`` -> sampler options.

    A value is read as JSON (numbers, lists, booleans), otherwise kept as text; a pair without
    ``=`` or without a key is a usage error naming ``--option``.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(
                f"{pair!r} is not KEY=VALUE (e.g. -o conf_threshold=0.8)", param_hint="--option"
            )
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options
