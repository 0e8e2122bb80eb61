# One entry point for people and CI. `make demo` and `make test` set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned in the same pip command as the project so pip never pulls a CUDA build.
TORCH ?= torch==2.13.0

.PHONY: setup demo test lint docs clean

setup: $(VENV)/.klass-installed

$(VENV)/.klass-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)" -e ".[all]"
	# MOSES SMILES (training data of the molecule model) ship inside this wheel; its
	# dependencies are not needed to read them.
	$(PY) -m pip install -q --no-deps molsets==0.3.1
	touch $@

demo: setup
	$(VENV)/bin/klass demo

lint: setup
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
