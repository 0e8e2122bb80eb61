"""lm-evaluation-harness runs a local generate_until task through the ``klass`` model."""

from __future__ import annotations

import json

import pytest

lm_eval = pytest.importorskip("lm_eval")

import klass_text  # noqa: E402
from klass_text import task as arithmetic  # noqa: E402
from klass_text.lm_eval_model import KlassLM, cut_at_stops  # noqa: E402

TASK_YAML = """
task: klass_arithmetic
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: generate_until
doc_to_text: "{{{{prompt}}}}"
doc_to_target: "{{{{answer}}}}"
generation_kwargs:
  until: ["+"]
  max_gen_toks: 8
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""


def test_cut_at_stops() -> None:
    assert cut_at_stops("1234+56", ["+", "="]) == "1234"
    assert cut_at_stops("1234", ["+"]) == "1234"
    assert cut_at_stops("12=34+", ["+", "="]) == "12"


@pytest.mark.slow
def test_local_task_is_scored_like_the_python_api(tmp_path, monkeypatch) -> None:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    problems = arithmetic.split("test")[:12]
    data = tmp_path / "arithmetic.jsonl"
    data.write_text("".join(json.dumps({"prompt": p.prompt, "answer": p.answer}) + "\n" for p in problems))
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "klass_arithmetic.yaml").write_text(TASK_YAML.format(data=data))

    results = simple_evaluate(
        model="klass", model_args="sampler=klass,gen_length=8,seed=0", tasks=["klass_arithmetic"],
        task_manager=TaskManager(include_path=str(tasks)), log_samples=False,
    )
    score = results["results"]["klass_arithmetic"]["exact_match,none"]
    direct = klass_text.generate([p.prompt for p in problems], sampler="klass", gen_length=8, seed=0)
    expected = sum(cut_at_stops(r.text, ["+"]) == p.answer for r, p in zip(direct, problems, strict=True)) / len(problems)
    assert score == pytest.approx(expected)


def test_loglikelihood_is_refused_clearly() -> None:
    model = KlassLM()
    with pytest.raises(NotImplementedError, match="use generate_until tasks"):
        model.loglikelihood([])
