"""The documentation: every Python example in ``docs/*.md`` runs and asserts something, the
generated reference pages cover every registered sampler, adapter and command, and the nav
lists every page.

``mkdocs build --strict`` itself runs in the Makefile's ``test`` target (before pytest), not
here.

Examples of one page run in order in one fresh namespace (later blocks use earlier names),
in a temporary working directory. A block preceded by the line ``<!-- no-run -->`` is not run
(reserved for what cannot run offline, such as hub ids); every other block must contain an
``assert``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE_PLUGIN = DOCS / "examples" / "klass-plugin-example"
NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced ``python`` block of a page."""

    page: str
    line: int  # 1-based line of the opening fence
    code: str
    run: bool


def python_blocks(page: Path) -> list[Block]:
    """The ``python`` blocks of ``page``, in order (fences must start at column 0)."""
    blocks: list[Block] = []
    lines = page.read_text().splitlines()
    previous = ""  # last non-blank line before the current one
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            previous = lines[i].strip() or previous
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```"), None)
        assert end is not None, f"{page.name}:{i + 1}: unclosed code fence"
        if match.group(1) == "python":
            code = "\n".join(lines[i + 1 : end]) + "\n"
            blocks.append(Block(page.name, i + 1, code, previous != NO_RUN))
        previous = lines[end].strip()
        i = end + 1
    return blocks


PAGES = sorted(DOCS.glob("*.md"))
RUNNABLE = [page for page in PAGES if any(b.run for b in python_blocks(page))]


def load_hooks():
    """``docs/hooks.py`` as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("klass_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_block_parser_honours_the_marker(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n```python\nx = 1\n```\n\n<!-- no-run -->\n\n```python\nhub()\n```\n"
        "```bash\nls\n```\n```python\nassert x == 1\n```\n"
    )
    blocks = python_blocks(page)
    assert [(b.line, b.run) for b in blocks] == [(2, True), (8, False), (14, True)]
    assert blocks[1].code == "hub()\n"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_example_asserts(page: Path) -> None:
    for block in python_blocks(page):
        tree = ast.parse(block.code, f"{page.name}:{block.line}")  # also catches syntax errors
        if block.run:
            assert any(isinstance(node, ast.Assert) for node in ast.walk(tree)), (
                f"{page.name}:{block.line}: a runnable example must assert something about its "
                f"output (or be marked {NO_RUN} if it cannot run offline)"
            )


@pytest.fixture
def one_thread():
    """One torch thread while examples run: the models are tiny, and on a busy machine a
    second thread mostly waits for a core (several times slower)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_examples_run(page: Path, tmp_path, monkeypatch, one_thread) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLE_PLUGIN))  # as if `pip install`ed (docs/plugins.md)
    namespace: dict = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    try:
        for block in python_blocks(page):
            if block.run:
                code = compile(block.code, f"docs/{page.name}:{block.line}", "exec")
                exec(code, namespace)
    finally:
        sys.modules.pop("klass_plugin_example", None)


def signature_blocks(page: Path) -> list[str]:
    """Plain fenced blocks that show a call signature, e.g. ``klass_text.generate(...)``."""
    blocks = re.findall(r"^```\n(klass_\w+\.\w+\(.*?)\n```$", page.read_text(), re.M | re.S)
    return [" ".join(b.split()) for b in blocks]


def test_each_modality_guide_shows_its_generate_signature() -> None:
    for guide, call in (("text.md", "klass_text.generate("), ("images.md", "klass_image.generate("),
                        ("molecules.md", "klass_molecule.generate(")):
        assert any(b.startswith(call) for b in signature_blocks(DOCS / guide))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_signatures_shown_in_guides_match_the_code(page: Path) -> None:
    for shown in signature_blocks(page):
        call = shown.split(" -> ")[0]
        module, name = call.split("(")[0].split(".")
        function = getattr(importlib.import_module(module), name)
        signature = inspect.signature(function)
        bare = signature.replace(
            parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
            return_annotation=inspect.Signature.empty,
        )
        assert call.replace('"', "'") == f"{module}.{name}{bare}", f"{page.name}: update the signature"


def cli_examples(page: Path) -> list[list[str]]:
    """The ``klass ...`` command lines of a page's ``bash`` blocks, split into words."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```$", page.read_text(), re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in ("klass", ".venv/bin/klass"):
                commands.append(words[1:])
    return commands


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_cli_examples_use_real_commands_and_options(page: Path) -> None:
    import typer.main

    from klass_core.cli import build_app

    root = typer.main.get_command(build_app())
    for words in cli_examples(page):
        shown = " ".join(["klass", *words])
        command = root
        while words and hasattr(command, "commands") and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        assert not hasattr(command, "commands"), f"{page.name}: `{shown}` names no command"
        options = {o for p in command.params for o in (*p.opts, *getattr(p, "secondary_opts", ()))}
        for word in words:
            if word.startswith("-"):
                assert word.split("=")[0] in options, f"{page.name}: `{shown}`: no option {word}"


def test_samplers_page_lists_every_sampler_and_option() -> None:
    from klass_core import get_sampler_class, list_samplers

    page = load_hooks().samplers_page()
    for name in list_samplers():
        assert f"## `{name}`" in page
        for option in get_sampler_class(name).Config.model_fields:
            assert f"| `{option}` |" in page, f"option {option} of {name} missing"
    assert "| `conf_threshold` | number | `0.9` | >= 0 |" in page


def test_adapters_page_lists_every_adapter() -> None:
    from klass_core import list_adapters

    page = load_hooks().adapters_page()
    for name in list_adapters():
        assert f"## `{name}`" in page
    assert "| `device` | string | `'cpu'` |" in page


def test_cli_page_covers_every_command() -> None:
    import typer.main

    from klass_core.cli import build_app

    page = load_hooks().cli_page()
    root = typer.main.get_command(build_app())
    for name in root.commands:
        assert f"## `klass {name}`" in page
    for name in root.commands["generate"].commands:
        assert f"## `klass generate {name}`" in page
    assert "`--sampler <str>`" in page


def test_nav_lists_every_page_and_only_existing_ones() -> None:
    nav = set(re.findall(r":\s*([\w-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    generated = set(load_hooks().PAGES)
    on_disk = {p.name for p in PAGES}
    assert nav - on_disk == generated, "a nav entry is neither a page nor a generated page"
    assert on_disk - nav == set(), "a page in docs/ is missing from the nav"
    assert not generated & on_disk, "a generated page must not also exist on disk"


def test_figure_is_committed_and_used() -> None:
    assert (DOCS / "img" / "klass-trace.png").stat().st_size > 10_000
    assert "img/klass-trace.png" in (DOCS / "how-klass-works.md").read_text()
