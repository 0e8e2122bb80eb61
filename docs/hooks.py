"""MkDocs hook: writes the reference pages that must not drift from the code.

- ``samplers.md``: every registered sampler, its description and its options (name, type,
  default, allowed range, meaning) read from its pydantic config by
  :func:`klass_core.config.describe_options`, the same source as ``klass samplers``.
- ``adapters.md``: every registered adapter and the options of its config, likewise.
- ``cli.md``: every ``klass`` command with its usage and parameters, read from the typer app
  that ``klass`` runs (plugins' ``klass generate`` subcommands included).

The pages are generated in memory at each build; they never exist in ``docs/``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

GENERATED_NOTE = (
    "!!! note\n    This page is generated at build time from the installed code "
    "(`docs/hooks.py`); it lists what the installed plugins register.\n"
)


def _cell(text: Any) -> str:
    """Markdown-table-safe text."""
    return str(text).replace("|", "\\|").replace("\n", " ") if text not in (None, "") else ""


def _doc(obj: Any) -> str:
    return inspect.getdoc(obj) or ""


def options_table(config: type) -> str:
    """A Markdown table of a config class's options."""
    from klass_core.config import describe_options

    rows = describe_options(config)
    if not rows:
        return "No options.\n"
    lines = ["| option | type | default | range | meaning |", "| --- | --- | --- | --- | --- |"]
    for opt in rows:
        lines.append(
            "| `{}` | {} | `{}` | {} | {} |".format(
                opt["name"], _cell(opt["type"]), opt["default"], _cell(opt["range"]), _cell(opt["description"])
            )
        )
    return "\n".join(lines) + "\n"


def index_table(table: Any, kind: str, **columns: Callable[[type], str]) -> list[str]:
    """Markdown rows indexing a registry table: name (linked to its section), class, plugin,
    then one column per keyword (its header, and a function of the class giving the cell)."""
    rows = [
        "| " + " | ".join([kind, "class", "plugin", *columns]) + " |",
        "| " + " | ".join(["---"] * (3 + len(columns))) + " |",
    ]
    for name in table.names():
        entry = table.entries[name]
        cls = entry.obj
        cells = [f"[`{name}`](#{name})", f"`{cls.__module__}.{cls.__qualname__}`", entry.plugin]
        rows.append("| " + " | ".join([*cells, *(cell(cls) for cell in columns.values())]) + " |")
    return [*rows, ""]


def samplers_page() -> str:
    """The samplers reference, one section per registered sampler."""
    import sys

    from klass_core.registry import get_registry

    table = get_registry().samplers
    parts = [
        "# Samplers reference\n",
        GENERATED_NOTE,
        "Pass a sampler's name as `sampler=` and its options as keyword arguments "
        "(`klass_core.sample(..., sampler=\"klass\", conf_threshold=0.8)`), or on the command "
        "line as `--sampler klass -o conf_threshold=0.8`. Unknown options and values outside "
        "the range are rejected with a message naming the option. "
        "`klass samplers` prints the same tables.\n",
    ]
    parts += index_table(
        table, "sampler", blocks=lambda cls: "yes" if cls.supports_blocks else "no (own schedule)"
    )
    for name in table.names():
        cls = table.entries[name].obj
        module_doc = _doc(sys.modules[cls.__module__])
        parts += [f"## `{name}` {{#{name}}}\n", module_doc + "\n", _doc(cls) + "\n"]
        if not cls.supports_blocks:
            parts.append("Runs over the whole canvas: `block_length` must be `None`.\n")
        parts += ["### Options\n", options_table(cls.Config)]
    return "\n".join(parts)


def adapters_page() -> str:
    """The adapters reference, one section per registered adapter."""
    from klass_core.registry import get_registry

    table = get_registry().adapters
    parts = [
        "# Adapters reference\n",
        GENERATED_NOTE,
        "An adapter connects one kind of model to the sampler loop. Build one with "
        "`klass_core.get_adapter(name, **options)` or from a model folder with "
        "`klass_core.get_adapter(path)` (the plugins recognise the folder's `config.json`). "
        "The options below are keyword arguments of that call; unknown ones are rejected.\n",
    ]
    parts += index_table(table, "adapter")
    for name in table.names():
        cls = table.entries[name].obj
        parts += [f"## `{name}` {{#{name}}}\n", _doc(cls) + "\n", "### Options\n", options_table(cls.Config)]
    return "\n".join(parts)


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    """``(full name, click command)`` for every command under ``group``, depth first."""
    found = []
    for name in sorted(group.commands):
        command = group.commands[name]
        full = f"{prefix} {name}"
        found.append((full, command))
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            found += _commands(command, full)
    return found


def _param_row(param: Any, ctx: Any) -> str:
    """One table row from click's own help record (``--opt <type>``, help with default)."""
    record = param.get_help_record(ctx)
    if record is None:
        return ""
    names, meaning = record
    return f"| `{names}` | {_cell(meaning)} |"


def cli_page() -> str:
    """The command-line reference, read from the typer app behind ``klass``."""
    import typer.main

    from klass_core.cli import build_app

    root = typer.main.get_command(build_app())
    parts = [
        "# Command-line reference\n",
        GENERATED_NOTE,
        "Every command takes `--help`. Plugins add `klass generate` subcommands through the "
        "[`register_commands`](plugins.md) hook, so this page shows those of the plugins "
        "installed when the docs were built.\n",
    ]
    for full, command in _commands(root, "klass"):
        ctx = command.context_class(command, info_name=full)
        usage = " ".join(command.collect_usage_pieces(ctx))
        params = [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]
        parts += [f"## `{full}`\n", (command.help or "").strip() + "\n", f"```\n{full} {usage}\n```\n"]
        if params and not hasattr(command, "commands"):
            parts += ["| parameter | meaning |", "| --- | --- |"]
            parts += [row for p in params if (row := _param_row(p, ctx))]
            parts.append("")
    return "\n".join(parts)


# Docstrings use Sphinx roles (:func:`x`), which mkdocstrings leaves as text: drop the role,
# and shorten ``~a.b.C`` to ``C`` as Sphinx would.
_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|obj|exc):(?=<code>)")
_TILDE = re.compile(r"<code>~(?:[\w]+\.)*([\w]+)</code>")


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Render the Sphinx cross-reference roles of docstrings as plain code."""
    return _TILDE.sub(r"<code>\1</code>", _ROLE.sub("", html))


PAGES = {"samplers.md": samplers_page, "adapters.md": adapters_page, "cli.md": cli_page}


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the build."""
    from mkdocs.structure.files import File

    for uri, make in PAGES.items():
        files.append(File.generated(config, uri, content=make()))
    return files
