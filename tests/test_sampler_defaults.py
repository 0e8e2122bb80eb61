"""Sampler options recommended by a model folder (``sampler_defaults.json``)."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from klass_core import read_sampler_defaults
from klass_core.adapter import SAMPLER_DEFAULTS_FILE

pytest.importorskip("diffusers")

from klass_image.adapters import DEFAULT_DIGITS_MODEL, DigitsAdapter
from klass_image.evaluate import write_maskgit_temperature
from klass_image.tiny import build_tiny_digits


@pytest.fixture(scope="module")
def digits_folder(tmp_path_factory):
    return build_tiny_digits(tmp_path_factory.mktemp("digits"))


def write(folder, content: str):
    (folder / SAMPLER_DEFAULTS_FILE).write_text(content, encoding="utf-8")
    return folder


def test_a_folder_without_the_file_has_no_defaults(tmp_path):
    assert read_sampler_defaults(tmp_path) == {}


def test_valid_file_is_read_as_written(tmp_path):
    entries = {"maskgit": {"temperature": [0.5, 0.0]}, "klass": {"conf_threshold": 0.8}}
    write(tmp_path, json.dumps(entries))
    assert read_sampler_defaults(tmp_path) == entries


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", r"sampler_defaults\.json is not valid JSON"),
        ('["maskgit"]', "must map sampler names to option objects"),
        ('{"maskgit": 0.5}', "must map sampler names to option objects"),
        ('{"nope": {}}', r"unknown sampler 'nope'; registered samplers: .*maskgit"),
        ('{"klass": {"conf_treshold": 0.5}}', r"sampler 'klass' in .*sampler_defaults\.json.*conf_treshold"),
        ('{"maskgit": {"temperature": "hot"}}', r"sampler 'maskgit' in .*temperature"),
    ],
)
def test_bad_files_fail_at_load_naming_the_file_and_entry(tmp_path, content, match):
    with pytest.raises(ValueError, match=match):
        read_sampler_defaults(write(tmp_path, content))


def test_adapter_applies_defaults_beneath_the_callers_options(digits_folder, tmp_path):
    plain = DigitsAdapter(model=str(digits_folder))
    tuned_folder = tmp_path / "tuned"
    shutil.copytree(digits_folder, tuned_folder)
    write(tuned_folder, '{"maskgit": {"temperature": [0.0, 0.0]}}')
    tuned = DigitsAdapter(model=str(tuned_folder))
    assert tuned.sampler_defaults == {"maskgit": {"temperature": [0.0, 0.0]}}

    def tokens(adapter, **options):
        canvas = adapter.encode([1, 4, 9, 9])
        return adapter.sample(canvas, sampler="maskgit", steps=4, generator=3, **options).tokens

    cold = tokens(plain, temperature=(0.0, 0.0))
    assert torch.equal(tokens(tuned), cold)
    assert torch.equal(tokens(tuned, temperature=(2.0, 0.0)), tokens(plain))
    assert not torch.equal(tokens(plain), cold)  # the defaults change what is drawn
    # other samplers are untouched
    canvas = plain.encode([2, 3])
    assert torch.equal(
        tuned.sample(canvas, sampler="topk", generator=0, temperature=1.0).tokens,
        plain.sample(canvas, sampler="topk", generator=0, temperature=1.0).tokens,
    )


def test_sampler_options_reports_what_runs(digits_folder, tmp_path):
    folder = tmp_path / "tuned"
    shutil.copytree(digits_folder, folder)
    write(folder, '{"maskgit": {"temperature": [0.5, 0.0]}}')
    adapter = DigitsAdapter(model=str(folder))
    assert adapter.sampler_options("maskgit", {}) == {"temperature": [0.5, 0.0]}
    assert adapter.sampler_options("maskgit", {"temperature": (1, 0)}) == {"temperature": (1, 0)}
    assert adapter.sampler_options("klass", {"steps": 3}) == {"steps": 3}


def test_write_maskgit_temperature_keeps_other_entries(tmp_path):
    write(tmp_path, '{"klass": {"conf_threshold": 0.8}, "maskgit": {"temperature": [2, 0]}}')
    write_maskgit_temperature(tmp_path, 0.75)
    assert read_sampler_defaults(tmp_path) == {
        "klass": {"conf_threshold": 0.8},
        "maskgit": {"temperature": [0.75, 0.0]},
    }


def test_embedded_digits_model_ships_its_maskgit_temperature():
    recorded = json.loads((DEFAULT_DIGITS_MODEL / SAMPLER_DEFAULTS_FILE).read_text())
    assert set(recorded) == {"maskgit"}
    assert DigitsAdapter().sampler_defaults == recorded
