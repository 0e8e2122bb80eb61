"""The plugin system: real entry-point discovery, isolation of broken plugins, conflicts,
every hook, and the meta-tests that keep hooks, tests and docs in step."""

from __future__ import annotations

import inspect
import logging
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import klass_core
from klass_core import hookimpl, hookspecs
from klass_core.cli import build_app
from klass_core.plugins import PluginConflictError
from klass_core.testing import AdapterContract, ToyAdapter

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "klass-plugin-example"
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "klass_spec"))


def install_dist(site: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str] | None = None) -> None:
    """Write a minimal installed distribution (dist-info + modules) into ``site``."""
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[klass]\n{lines}\n")
    for name, source in (modules or {}).items():
        (site / f"{name}.py").write_text(textwrap.dedent(source))


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith(("klass_plugin_example", "plug_"))]:
        del sys.modules[name]


@pytest.fixture
def example_installed(site, monkeypatch) -> Path:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    install_dist(site, "klass-plugin-example", {"example": "klass_plugin_example"})
    return site


def test_hook_register_adapters(example_installed, klass_registry) -> None:
    registry = klass_registry()
    assert "bigram" in klass_core.list_adapters()
    assert registry.adapters.entries["bigram"].plugin == "example"
    adapter = klass_core.get_adapter("bigram", length=5)
    out = adapter.sample(adapter.encode(["ab", "c"]), sampler="klass", generator=0)
    assert not (out.tokens == adapter.mask_id).any()
    assert [len(s) for s in adapter.decode(out.tokens)] == [5, 5]


def test_hook_register_samplers(example_installed, klass_registry) -> None:
    klass_registry()
    assert "left-to-right" in klass_core.list_samplers()
    model = klass_core.testing.ToyModel()
    canvas = torch.full((2, 6), model.mask_id)
    out = klass_core.sample(model, canvas, model.mask_id, sampler="left-to-right")
    assert out.nfe.tolist() == [6, 6]


def test_hook_resolve_adapter(tmp_path, klass_registry) -> None:
    class Resolver:
        @hookimpl
        def resolve_adapter(self, model_ref, config):
            return "toy" if "ToyForMaskedDiffusion" in config.get("architectures", []) else None

    class Silent:
        @hookimpl
        def resolve_adapter(self, model_ref, config):
            return None

    klass_registry(Resolver(), Silent())
    folder = tmp_path / "toy-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["ToyForMaskedDiffusion"]}')
    assert klass_core.resolve_adapter_name(str(folder)) == "toy"
    with pytest.raises(ValueError, match=r"its config could not be fetched|huggingface_hub"):
        klass_core.get_adapter(str(tmp_path / "missing"))
    (folder / "config.json").write_text('{"architectures": ["Unknown"]}')
    with pytest.raises(ValueError, match=r"no installed plugin recognises the model .*architectures=\['Unknown'\]"):
        klass_core.get_adapter(str(folder))


def test_hook_register_commands(klass_registry) -> None:
    class Commands:
        @hookimpl
        def register_commands(self, generate):
            @generate.command("echo")
            def echo(word: str) -> None:
                print(f"echo {word}")

    klass_registry(Commands())
    result = CliRunner().invoke(build_app(), ["generate", "echo", "hi"])
    assert result.exit_code == 0, result.output
    assert "echo hi" in result.output


def test_cli_lists_entry_point_plugin(example_installed, klass_registry) -> None:
    klass_registry()
    runner = CliRunner()
    assert "bigram" in runner.invoke(build_app(), ["adapters"]).output
    samplers = runner.invoke(build_app(), ["samplers"]).output
    assert "left-to-right" in samplers and "conf_threshold" in samplers and "0.9" in samplers
    plugins = runner.invoke(build_app(), ["plugins"]).output
    assert "klass-plugin-example" in plugins and "example" in plugins


def test_broken_plugins_are_reported_and_isolated(site, klass_registry) -> None:
    install_dist(site, "plug-import-error", {"bad_import": "plug_missing_module"})
    install_dist(site, "plug-raises", {"bad_hook": "plug_raises"}, {"plug_raises": """
        from klass_core import hookimpl

        @hookimpl
        def register_adapters(register):
            raise RuntimeError("boom in hook")
    """})
    with pytest.warns(RuntimeWarning) as warned:
        registry = klass_registry()
    messages = " ".join(str(w.message) for w in warned)
    assert "bad_import" in messages and "boom in hook" in messages
    errors = {(e.plugin, e.distribution, e.stage) for e in registry.errors}
    assert ("bad_import", "plug-import-error", "import") in errors
    assert ("bad_hook", "plug-raises", "register_adapters") in errors
    assert "toy" in klass_core.list_adapters() and "klass" in klass_core.list_samplers()
    out = CliRunner().invoke(build_app(), ["plugins"]).output
    assert "boom in hook" in out and "ModuleNotFoundError" in out


def _adapter_plugin(name: str, override: bool) -> str:
    return f"""
        from klass_core import hookimpl
        from klass_core.testing.toy import ToyAdapter

        class Other(ToyAdapter):
            name = "toy"

        @hookimpl
        def register_adapters(register):
            register("toy", Other, override={override})
    """


def test_conflicting_names_name_both_distributions(site, klass_registry) -> None:
    install_dist(site, "plug-clash", {"clash": "plug_clash"}, {"plug_clash": _adapter_plugin("x", False)})
    with pytest.warns(RuntimeWarning, match="registered by both 'klass' and 'plug-clash'"):
        klass_registry()
    with pytest.raises(PluginConflictError, match="registered by both 'klass' and 'plug-clash'"):
        klass_core.get_adapter("toy")
    assert "toy" not in klass_core.list_adapters()


def test_explicit_override_wins(site, klass_registry) -> None:
    install_dist(site, "plug-override", {"override": "plug_override"}, {"plug_override": _adapter_plugin("x", True)})
    klass_registry()
    assert klass_core.get_adapter("toy").__class__.__module__ == "plug_override"


def test_allowlist_environment_variable(example_installed, klass_registry, monkeypatch) -> None:
    monkeypatch.setenv("KLASS_LOAD_PLUGINS", "core_samplers")
    klass_registry()
    assert "bigram" not in klass_core.list_adapters()
    assert "klass" in klass_core.list_samplers()
    monkeypatch.setenv("KLASS_LOAD_PLUGINS", "")
    assert klass_registry().samplers.names() == []


def test_trace_switch_logs_every_hook_call(monkeypatch, klass_registry, caplog) -> None:
    monkeypatch.setenv("KLASS_TRACE_HOOKS", "1")
    with caplog.at_level(logging.INFO, logger="klass.plugins"):
        klass_registry()
    assert "klass hook register_samplers -> plugin core_samplers" in caplog.text
    assert "klass hook register_adapters -> plugin core_samplers" in caplog.text


def test_register_rejects_wrong_types(klass_registry) -> None:
    class Bad:
        @hookimpl
        def register_samplers(self, register):
            register("not-a-sampler", object)

    with pytest.warns(RuntimeWarning, match="must be a subclass of Sampler"):
        registry = klass_registry(Bad())
    assert "not-a-sampler" not in registry.samplers.names()


def test_adapter_config_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="invalid options for adapter 'toy': unknown option 'lenght'"):
        ToyAdapter(lenght=3)


def test_import_klass_core_stays_light() -> None:
    import subprocess

    code = "import sys, klass_core; print(sorted(m for m in ('transformers', 'diffusers', 'rdkit') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Meta-tests in datasette's manner: a hook without a test or documentation fails the suite.
@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook) -> None:
    assert f"test_hook_{hook}" in globals(), f"write test_hook_{hook} in tests/test_plugins.py"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook) -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    signature = f"{hook}{inspect.signature(getattr(hookspecs, hook))}"
    assert f"### `{signature}`" in docs, f"document `{signature}` under a ### heading in docs/plugins.md"


class TestToyAdapterContract(AdapterContract):
    def make_adapter(self) -> ToyAdapter:
        return ToyAdapter(length=10)

    def make_inputs(self) -> list[list[int]]:
        return [[1, 2], [], [3]]


def test_hook_register_tasks(klass_registry) -> None:
    from klass_core.bench import BenchTask, Setting, TaskRun

    class Constant(BenchTask):
        name = "constant"
        primary_metric = "score"

        def run(self, setting: Setting, n: int, seed: int, split: str = "test") -> TaskRun:
            return TaskRun(1.0, {"score": 0.5})

    class Tasks:
        @hookimpl
        def register_tasks(self, register):
            register("constant", Constant)

    registry = klass_registry(Tasks())
    assert {"constant", "toy"} <= set(registry.tasks.names())
    assert registry.tasks.get("constant")().run(Setting("klass"), 1, 0).metrics == {"score": 0.5}
