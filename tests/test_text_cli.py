"""``klass generate text`` on the embedded model."""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="klass-text-hf-"))

import pytest
import typer
from typer.testing import CliRunner

from klass_core.cli import build_app
from klass_core.cli_options import parse_options

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(build_app(), ["generate", "text", *args])


@pytest.mark.slow
def test_json_document_with_samples_and_nfe():
    result = invoke("012+035=", "500+499=", "--sampler", "topk", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["sampler"] == "topk" and doc["gen_length"] == 16 and doc["seed"] == 3
    assert [s["prompt"] for s in doc["samples"]] == ["012+035=", "500+499="]
    assert [s["text"] for s in doc["samples"]] == ["0047", "0999"]
    assert [s["nfe"] for s in doc["samples"]] == [16, 16]
    assert doc["mean_nfe"] == 16


@pytest.mark.slow
def test_table_output():
    result = invoke("012+035=")
    assert result.exit_code == 0, result.output
    assert all(cell in result.stdout for cell in ("prompt", "nfe", "012+035=", "0047"))


@pytest.mark.slow
def test_sampler_options_reach_the_sampler():
    def nfe(*args: str) -> int:
        result = invoke("012+035=", "--gen-length", "8", "--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["samples"][0]["nfe"]

    assert nfe() == 3  # KLASS commits the whole answer at its third pass
    assert nfe("-o", "conf_threshold=1.0") == 8  # never confident: one token per pass


def test_bad_inputs_exit_with_a_clear_message(tmp_path):
    missing = invoke("1+1=", "--model", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "no model folder" in missing.output
    option = invoke("1+1=", "-o", "conf_treshold=0.5")
    assert option.exit_code == 2 and "unknown option 'conf_treshold'" in option.output


def test_parse_options():
    assert parse_options(["conf_threshold=0.5", "strategy=all", "history_length=3"]) == {
        "conf_threshold": 0.5,
        "strategy": "all",
        "history_length": 3,
    }
    with pytest.raises(typer.BadParameter, match="KEY=VALUE"):
        parse_options(["conf_threshold"])
